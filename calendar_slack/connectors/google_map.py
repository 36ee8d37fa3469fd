"""One Google Calendar event (its JSON, as events.list returns it) -> an ingest.Instance.

Why: the mapping from Google's words (eventType, transparency, attendees[].self, organizer.self,
start.date vs start.dateTime, extendedProperties.private) to neutral `EventFacts` is the only
Google-specific part of reading; everything after it is ingest.py's shared rules. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from calendar_slack.classify import EventFacts
from calendar_slack.connectors.ingest import Instance, to_utc
from calendar_slack.errors import BadInputError
from calendar_slack.workhours import zone

#: Our tag in `extendedProperties.private` (value "1"), next to remote.TAG_KEY / TAG_KIND.
GOOGLE_TAG = "calendarSlack"

RESPONSES: Mapping[str, str] = {
    "accepted": "accepted",
    "tentative": "tentative",
    "needsAction": "needs_action",
    "declined": "declined",
}


def private_properties(event: Mapping[str, Any]) -> dict[str, str]:
    """`extendedProperties.private` of an event ({} when absent)."""
    props = event.get("extendedProperties") or {}
    private = props.get("private") or {}
    return {str(k): str(v) for k, v in private.items()}


def is_ours(event: Mapping[str, Any]) -> bool:
    """Whether the event carries our tag (calendarSlack=1 in its private properties)."""
    return private_properties(event).get(GOOGLE_TAG) == "1"


def response_of(event: Mapping[str, Any]) -> str:
    """The person's own answer: their attendee entry (self=true), or organizer when they
    organise it; a decline wins over organising; 'none' when neither says anything."""
    mine = next((a for a in event.get("attendees") or [] if a.get("self")), None)
    answer = RESPONSES.get(str(mine.get("responseStatus", ""))) if mine else None
    if answer == "declined":
        return "declined"
    if (event.get("organizer") or {}).get("self"):
        return "organizer"
    return answer or "none"


def other_attendees(event: Mapping[str, Any]) -> int:
    """Invited people other than the person, rooms and other resources excluded."""
    return sum(
        1 for a in event.get("attendees") or [] if not a.get("self") and not a.get("resource")
    )


def event_time(value: Mapping[str, Any] | None, tz: ZoneInfo, what: str) -> dt.datetime:
    """start/end of an event as an aware UTC datetime.

    `date` (all-day) is local midnight in the person's zone `tz`; a `dateTime` without an
    offset is read in its own `timeZone`, else in `tz`.
    """
    if not value:
        raise BadInputError(what, "has no time")
    try:
        if "dateTime" in value:
            text = str(value["dateTime"]).replace("Z", "+00:00")
            moment = dt.datetime.fromisoformat(text)
            own = value.get("timeZone")
            return to_utc(moment, zone(str(own)) if own and moment.tzinfo is None else tz)
        if "date" in value:
            return to_utc(dt.date.fromisoformat(str(value["date"])), tz)
    except ValueError as exc:
        raise BadInputError(what, f"is not a date or date-time ({exc})") from None
    raise BadInputError(what, "has neither date nor dateTime")


def to_instance(
    event: Mapping[str, Any], person: str, calendar: str, tz: ZoneInfo
) -> Instance | None:
    """The event as an instance of `person`'s calendar; None for a stub without times
    (a cancellation we never saw the event of)."""
    if "start" not in event or "end" not in event:
        return None
    event_id = str(event.get("id", ""))
    where = f"Google event {event_id!r} in calendar {calendar!r}"
    start = event_time(event.get("start"), tz, f"{where}: start")
    end = event_time(event.get("end"), tz, f"{where}: end")
    event_type = event.get("eventType", "default")
    facts = EventFacts(
        cancelled=event.get("status") == "cancelled",
        response=response_of(event),
        vendor_ooo=event_type == "outOfOffice",
        # Working-location markers never block time in Google's own free/busy.
        transparent=event.get("transparency") == "transparent" or event_type == "workingLocation",
        ours=is_ours(event),
        vendor_focus=event_type == "focusTime",
        all_day="date" in (event.get("start") or {}),
        attendees=other_attendees(event),
        title=event.get("summary"),
    )
    return Instance(
        person=person,
        calendar=calendar,
        event_id=event_id,
        start=start,
        end=end,
        facts=facts,
        series_id=event.get("recurringEventId"),
        etag=event.get("etag"),
    )
