"""Remote calendars seen from the CLI: incremental sync with state kept in the store, and the
writer of the calendar a person books into.

Why here: connectors know one vendor each and take their sync state and caches as arguments;
the store knows nothing of vendors. This module joins the two for `sync` and `book`, so the
commands stay thin and every vendor is driven the same way.

Spec forms (as for --source): `google[:CALENDAR]`, `outlook[:CALENDAR]`, `caldav:URL`.
Booking writes into ONE calendar: the one named, else the primary / default one.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.remote import BlockWriter
from calendar_slack.errors import AuthError, BadInputError
from calendar_slack.prefs import Config
from calendar_slack.sources import load_sources, scheme_of
from calendar_slack.store import Store, StoreEventCache

REMOTE = ("google", "outlook", "caldav")


def sync_source(spec: str, request: LoadRequest, store: Store) -> Loaded:
    """Fetch one source incrementally (remote ones keep sync tokens and caches in `store`)."""
    scheme, argument = scheme_of(spec)
    if scheme == "google":
        return _sync_google(argument, request, store)
    if scheme == "outlook":
        return _sync_outlook(argument, request, store)
    if scheme == "caldav":
        from calendar_slack.connectors import caldav_sync

        return caldav_sync.sync(argument, request, store, StoreObjectCache(store))

    return load_sources([spec], request)  # files and the demo have nothing to sync


def _sync_google(argument: str, request: LoadRequest, store: Store) -> Loaded:
    from calendar_slack.connectors import google

    settings = request.config.google
    client = google.open_client(
        endpoint=settings.endpoint, credentials_json=google_credentials(store, request.me)
    )
    return google.load_person(
        client,
        request,
        calendars=google.calendars_for(argument, settings),
        state=store,
        cache=StoreEventCache(store),
    )


def _sync_outlook(argument: str, request: LoadRequest, store: Store) -> Loaded:
    from calendar_slack.connectors import outlook

    with outlook.open_client(request.config.outlook) as client:
        return outlook.load_with(client, argument, request, state=store)


def google_credentials(store: Store, person: str | None) -> str | None:
    """The stored Google credentials JSON (from `calendar-slack login google`), if any."""
    from calendar_slack.connectors.google_client import TOKEN_ENV

    if os.environ.get(TOKEN_ENV):
        return None  # a static token from the environment wins (proxies, test servers)
    secret = store.load_secret("google", person or "default")
    return secret.decode() if secret is not None else None


def check_bookable(spec: str) -> tuple[str, str]:
    """(scheme, argument) of a source that can be booked into, else a one-line BadInputError."""
    scheme, argument = scheme_of(spec)
    if scheme not in REMOTE:
        raise BadInputError(
            f"source {spec!r}",
            "cannot be booked into; use google[:CALENDAR], outlook[:CALENDAR] or caldav:URL",
        )
    return scheme, argument


@dataclass(frozen=True)
class Target:
    """The calendar one person books into."""

    source: str  # the ledger's name for it, e.g. "caldav:https://…/work/"
    person: str
    writer: BlockWriter


@contextmanager
def open_target(spec: str, config: Config, person: str, store: Store) -> Iterator[Target]:
    """The writer of the calendar `spec` names, for `person`; closed afterwards."""
    scheme, argument = check_bookable(spec)
    if scheme == "google":
        yield _google_target(argument, config, person, store)
    elif scheme == "outlook":
        from calendar_slack.connectors import outlook

        calendar = (argument.split(",")[0].split(":")[-1] or "calendar").strip()
        with outlook.open_client(config.outlook) as client:
            writer = outlook.open_writer(config.outlook, person, calendar, client=client)
            yield Target(f"outlook:{calendar}", person, writer)
    else:
        from calendar_slack.connectors import caldav

        with caldav.open_writer(argument, config.caldav) as caldav_writer:
            yield Target(f"caldav:{caldav_writer.calendar_url}", person, caldav_writer)


def _google_target(argument: str, config: Config, person: str, store: Store) -> Target:
    from calendar_slack.connectors import google

    settings = config.google
    if not settings.booking:
        raise _booking_off("google")
    calendar = google.calendars_for(argument, settings)[0]
    client = google.open_client(
        endpoint=settings.endpoint, credentials_json=google_credentials(store, person)
    )
    writer = google.open_writer(client, calendar, person=person, state=store)
    return Target(f"google:{calendar}", person, writer)


def _booking_off(vendor: str) -> AuthError:
    return AuthError(
        f"booking into {vendor} is off: set [{vendor}] booking = true in the config and sign in "
        f"again (calendar-slack login {vendor}) so calendar-slack may write focus blocks"
    )


class StoreObjectCache:
    """CalDAV's ObjectCache kept in the store (one cached row per object, JSON)."""

    def __init__(self, store: Store) -> None:
        self.cache = StoreEventCache(store)

    def objects(self, calendar: str) -> dict[str, Any]:
        from calendar_slack.connectors.caldav import CalendarObject

        found = {}
        for body in self.cache.events(_scope(calendar)):
            obj = CalendarObject(body["href"], body["ics"], body["etag"], tuple(body["uids"]))
            found[obj.href] = obj
        return found

    def put(self, calendar: str, obj: Any) -> None:
        self.cache.put(_scope(calendar), {"id": obj.href, **dataclasses.asdict(obj)})

    def remove(self, calendar: str, href: str) -> None:
        self.cache.remove(_scope(calendar), href)

    def clear(self, calendar: str) -> None:
        self.cache.clear(_scope(calendar))


def _scope(calendar: str) -> str:
    return f"caldav-objects|{calendar}"
