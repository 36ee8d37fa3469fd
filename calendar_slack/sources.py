"""`--source SPEC` -> the connector that reads it. SPEC is `scheme` or `scheme:argument`.

Schemes: demo, ics:PATH_OR_URL, parquet:PATH, google[:CALENDAR_ID], outlook[:CALENDAR_ID],
caldav:URL. Remote sources read their endpoint and credentials from the config file and the
environment (docs/connectors.md), never from the command line.
"""

from __future__ import annotations

from collections.abc import Sequence

from calendar_slack.connectors.base import Connector, Loaded, LoadRequest
from calendar_slack.errors import BadInputError


def _registry() -> dict[str, Connector]:
    # Imported lazily so that `calendar-slack --help` does not pay for every vendor library.
    from calendar_slack.connectors import caldav, demo, google, ics, outlook, parquet

    return {
        "demo": demo.load,
        "ics": ics.load,
        "parquet": parquet.load,
        "google": google.load,
        "outlook": outlook.load,
        "caldav": caldav.load,
    }


def scheme_of(spec: str) -> tuple[str, str]:
    """`scheme:argument` -> (lower-cased scheme, argument), both stripped."""
    scheme, _, argument = spec.partition(":")
    return scheme.strip().lower(), argument.strip()


def load_sources(specs: Sequence[str], request: LoadRequest) -> Loaded:
    """Load every source and combine them into one canonical table."""
    registry = _registry()
    parts = []
    for spec in specs:
        scheme, argument = scheme_of(spec)
        connector = registry.get(scheme)
        if connector is None:
            raise BadInputError(
                f"source {spec!r}", f"unknown kind {scheme!r}; use one of {', '.join(registry)}"
            )
        parts.append(connector(argument, request))
    return Loaded.combine(parts)
