"""What every connector receives and returns, so that the CLI can treat all sources alike.

A connector gets a `LoadRequest` (the UTC window to fetch, who "me" is, how to pick each person's
zone, the classification rules, whether to drop titles) and returns `Loaded`: the canonical
table plus the zone it used for each person and how many events it dropped and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from calendar_slack import schema
from calendar_slack.classify import ClassifyRules
from calendar_slack.prefs import Config
from calendar_slack.workhours import zone


@dataclass(frozen=True)
class LoadRequest:
    """A request to load events overlapping [start, end) (UTC)."""

    start: pd.Timestamp
    end: pd.Timestamp
    config: Config = field(default_factory=Config)
    me: str | None = None
    tz_override: str | None = None
    fallback_tz: str = "UTC"
    redact: bool = False

    @property
    def rules(self) -> ClassifyRules:
        return self.config.classify.rules()

    def zone_name_for(self, person: str, source_hint: str | None = None) -> str:
        """--tz, else the person's config zone, else the source's hint, else the fallback."""
        configured = self.config.person(person).tz if person else self.config.defaults.tz
        for name in (self.tz_override, configured, source_hint, self.fallback_tz):
            if name:
                zone(name)  # validates, raising a one-line BadInputError naming the zone
                return name
        return "UTC"

    def zone_for(self, person: str, source_hint: str | None = None) -> ZoneInfo:
        return zone(self.zone_name_for(person, source_hint))


@dataclass
class Loaded:
    """A connector's answer: canonical events, the zone used per person, dropped-event counts."""

    events: pd.DataFrame
    zones: dict[str, str] = field(default_factory=dict)
    dropped: Counter[str] = field(default_factory=Counter)

    @staticmethod
    def combine(parts: list[Loaded]) -> Loaded:
        """Several sources -> one table (validated: keys must stay unique)."""
        if not parts:
            return Loaded(schema.empty_frame())
        frames = [p.events for p in parts if len(p.events)]
        events = (
            schema.validate(pd.concat(frames, ignore_index=True))
            if frames
            else schema.empty_frame()
        )
        zones: dict[str, str] = {}
        dropped: Counter[str] = Counter()
        for part in parts:
            zones.update(part.zones)
            dropped.update(part.dropped)
        return Loaded(events, zones, dropped)


Connector = Callable[[str, LoadRequest], Loaded]
