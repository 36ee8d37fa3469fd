"""One Microsoft Graph event (its JSON) -> an ingest.Instance, and our tag in Graph's words.

Why: the mapping from Graph's words (showAs, responseStatus, isAllDay, isCancelled, attendees
with type "resource", singleValueExtendedProperties) to neutral `EventFacts` is the only
Outlook-specific part of reading; everything after it is ingest.py's shared rules. Pure: no I/O.

Our tag is a single-value extended property with one fixed id, `KEY_PROP`, whose value is the
block's deterministic key; a second property of the same GUID (`KIND_PROP`) keeps its kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from calendar_slack.classify import EventFacts
from calendar_slack.connectors.ingest import Instance, to_utc
from calendar_slack.connectors.remote import TAG_KEY, TAG_KIND
from calendar_slack.errors import BadInputError
from calendar_slack.workhours import zone

#: The property set of our extended properties (fixed forever: changing it orphans blocks).
PROP_GUID = "d13a9a22-4dcb-53a0-bec9-79500a50e635"
KEY_PROP = f"String {{{PROP_GUID}}} Name {TAG_KEY}"
KIND_PROP = f"String {{{PROP_GUID}}} Name {TAG_KIND}"
#: `$expand` value that brings our two properties along with each event.
EXPAND_TAG = f"singleValueExtendedProperties($filter=id eq '{KEY_PROP}' or id eq '{KIND_PROP}')"

#: responseStatus.response -> schema.RESPONSES
RESPONSES: Mapping[str, str] = {
    "organizer": "organizer",
    "accepted": "accepted",
    "tentativelyaccepted": "tentative",
    "declined": "declined",
    "notresponded": "needs_action",
    "none": "none",
}

#: Only what reading needs is kept in the sync cache.
KEPT_FIELDS = (
    "id",
    "subject",
    "start",
    "end",
    "isAllDay",
    "showAs",
    "isCancelled",
    "isOrganizer",
    "responseStatus",
    "attendees",
    "organizer",
    "seriesMasterId",
    "type",
    "@odata.etag",
    "singleValueExtendedProperties",
)


def odata_quote(value: str) -> str:
    """A string literal for an OData $filter (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def tag_filter(key: str | None = None) -> str:
    """$filter for events carrying our tag (with `key`: that one block)."""
    value = f"eq {odata_quote(key)}" if key is not None else "ne null"
    return f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROP}' and ep/value {value})"


def tag_properties(key: str, kind: str) -> list[dict[str, str]]:
    """Our tag as Graph's singleValueExtendedProperties of a created / patched event."""
    return [{"id": KEY_PROP, "value": key}, {"id": KIND_PROP, "value": kind}]


def tag_of(event: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """(key, kind) when the event carries our tag, else None."""
    values = {
        str(p.get("id", "")).lower(): p.get("value")
        for p in event.get("singleValueExtendedProperties") or []
        if isinstance(p, Mapping)
    }
    key = values.get(KEY_PROP.lower())
    if not key:
        return None
    kind = values.get(KIND_PROP.lower())
    return str(key), str(kind) if kind else None


def prune(event: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an event that reading uses (what the sync cache keeps)."""
    return {name: event[name] for name in KEPT_FIELDS if name in event}


def response_of(event: Mapping[str, Any]) -> str:
    """The person's own answer; 'organizer' when Graph only says isOrganizer."""
    status = event.get("responseStatus") or {}
    answer = RESPONSES.get(str(status.get("response", "")).lower())
    if answer in (None, "none") and event.get("isOrganizer"):
        return "organizer"
    return answer or "none"


def other_attendees(event: Mapping[str, Any], person: str) -> int:
    """Other people invited: attendees plus the organizer, minus the person and resources.

    Graph lists the organizer apart from `attendees` (Google lists them together), so the
    organizer is counted here when it is someone else; each address counts once.
    """
    me = person.strip().lower()
    people: set[str] = set()
    anonymous = 0
    for attendee in _entries(event.get("attendees")):
        if str(attendee.get("type", "")).lower() == "resource":
            continue
        address = _address(attendee)
        if address is None:
            anonymous += 1
        elif address != me:
            people.add(address)
    if not event.get("isOrganizer"):
        organizer = _address(event.get("organizer") or {})
        if organizer is not None and organizer != me:
            people.add(organizer)
    return len(people) + anonymous


def event_time(value: Any, all_day: bool, tz: ZoneInfo, what: str) -> dt.datetime:
    """Graph's dateTimeTimeZone -> aware UTC datetime.

    All-day events: the date part is a local date of the person's zone `tz` (midnight there).
    Otherwise the wall time is read in the given timeZone (UTC, as we ask with Prefer, or an IANA
    name); a Windows zone name is refused with the fix (send Prefer outlook.timezone).
    """
    if not isinstance(value, Mapping) or not value.get("dateTime"):
        raise BadInputError(what, "has no dateTime")
    text = str(value["dateTime"])
    try:
        if all_day:
            return to_utc(dt.date.fromisoformat(text[:10]), tz)
        moment = dt.datetime.fromisoformat(_seven_digits(text))
    except ValueError as exc:
        raise BadInputError(what, f"is not a date-time ({exc})") from None
    if moment.tzinfo is not None:
        return moment.astimezone(dt.UTC)
    name = str(value.get("timeZone") or "UTC")
    if name.upper() in ("UTC", "ETC/UTC", "Z"):
        return moment.replace(tzinfo=dt.UTC)
    return to_utc(moment, zone(name))


def to_instance(
    event: Mapping[str, Any],
    person: str,
    calendar: str,
    tz: ZoneInfo,
    tag: tuple[str, str | None] | None = None,
) -> Instance:
    """One Graph event of `person`'s `calendar` as an ingest.Instance.

    `tag` is our tag when it was learnt apart from the event (delta pages cannot expand
    extended properties); otherwise it is read from the event itself.
    """
    event_id = str(event.get("id") or "")
    if not event_id:
        raise BadInputError(f"Outlook event in calendar {calendar!r}", "has no id")
    what = f"Outlook event {event_id}"
    all_day = bool(event.get("isAllDay"))
    start = event_time(event.get("start"), all_day, tz, f"{what} start")
    end = event_time(event.get("end"), all_day, tz, f"{what} end")
    show_as = str(event.get("showAs") or "busy").lower()
    subject = event.get("subject")
    facts = EventFacts(
        cancelled=bool(event.get("isCancelled")),
        response=response_of(event),
        vendor_ooo=show_as == "oof",
        transparent=show_as == "free",
        ours=(tag if tag is not None else tag_of(event)) is not None,
        all_day=all_day,
        attendees=other_attendees(event, person),
        title=str(subject) if subject else None,
    )
    series = event.get("seriesMasterId")
    etag = event.get("@odata.etag")
    return Instance(
        person=person,
        calendar=calendar,
        event_id=event_id,
        start=start,
        end=end,
        facts=facts,
        series_id=str(series) if series else None,
        etag=str(etag) if etag else None,
    )


def _seven_digits(text: str) -> str:
    """Graph writes 7 fractional digits ('09:00:00.0000000'); Python reads at most 6."""
    head, dot, fraction = text.partition(".")
    if not dot:
        return text
    digits = "".join(ch for ch in fraction if ch.isdigit())
    rest = fraction[len(digits) :]
    return f"{head}.{digits[:6].ljust(6, '0')}{rest}"


def _entries(value: Any) -> Iterable[Mapping[str, Any]]:
    return [item for item in value or [] if isinstance(item, Mapping)]


def _address(entry: Mapping[str, Any]) -> str | None:
    email = entry.get("emailAddress") or {}
    address = str(email.get("address") or "").strip().lower() if isinstance(email, Mapping) else ""
    return address or None
