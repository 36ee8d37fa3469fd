"""The ICS connector: an iCalendar file or http(s) URL -> the canonical event table.

Why: an .ics export or subscription URL is the one calendar format every tool can produce, so
it is how anyone can try calendar-slack without granting account access. RFC 5545 is parsed by
icalendar and recurrences are expanded by recurring-ical-events (RRULE, RDATE, EXDATE,
RECURRENCE-ID overrides, DURATION); this module decides what the instances mean for one person.

Decisions (DESIGN.md leaves them to the connector):
- person: `--me` lower-cased; without it the file (or URL path) stem lower-cased. `--me` is
  matched against ATTENDEE / ORGANIZER addresses (mailto:) case-insensitively.
- response: `organizer` when I organise, else my PARTSTAT (ACCEPTED, TENTATIVE, NEEDS-ACTION,
  DECLINED; DELEGATED counts as declined, since I will not attend; an ATTENDEE line without
  PARTSTAT means NEEDS-ACTION, the RFC default; other values give `none`), else `none`.
- attendees: distinct individual people (ATTENDEE with CUTYPE INDIVIDUAL or none, and the
  ORGANIZER) other than me; ROOM, RESOURCE, GROUP and UNKNOWN do not count. Without `--me` we
  assume the owner is one of those people and count one fewer.
- times: TZID and UTC times are instants; floating times and all-day dates are read in the
  person's zone (`LoadRequest.zone_for`, with the calendar's X-WR-TIMEZONE as hint; a hint that
  is neither an IANA nor a Windows zone name is ignored). All-day events span local midnights,
  end exclusive. A DATE-TIME start without end lasts zero time, a DATE start without end (or
  with DTEND equal to DTSTART, which some exporters write) one day.
- zero-length instances occupy no time: dropped, counted in `dropped["zero_length"]`;
  STATUS:CANCELLED instances are dropped, counted in `dropped["cancelled"]` (connectors/ingest).
- kind facts: TRANSP:TRANSPARENT or X-MICROSOFT-CDO-BUSYSTATUS:FREE -> transparent;
  X-MICROSOFT-CDO-BUSYSTATUS:OOF -> vendor OOO; our X-CALENDAR-SLACK-TAG -> ours.
- ids: event_id = UID + "/" + the instance's start in UTC ("2026-11-23T09:00:00Z"), stable and
  unique per instance; series_id = UID when the event recurs (RRULE, RDATE or RECURRENCE-ID),
  else null; calendar = the file name (for a URL, the last path segment); etag null. A VEVENT
  without UID (invalid, but seen in the wild) gets "nouid-" + a hash of its content.
- duplicates: of several VEVENTs with the same UID and RECURRENCE-ID, and of several instances
  with the same event_id, the one with the highest SEQUENCE wins, then the last in the file.
- a file that holds bare VEVENTs without the VCALENDAR around them is read as if it had one.
- only instances overlapping the request window [start, end) are returned.

Anything we cannot read raises BadInputError naming the file or URL and the cause in one line.
Known limit: icalendar caches each custom (non-IANA) VTIMEZONE by TZID for the whole process, so
two files that define the same made-up TZID differently both get the first definition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from calendar_slack.classify import EventFacts
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.ingest import (
    Collector,
    Instance,
    int_or_zero,
    one_line,
    to_utc,
    utc_iso,
)
from calendar_slack.errors import BadInputError
from calendar_slack.workhours import zone

SOURCE: Final = "ics"
#: Seconds we wait for a calendar URL (connect, and between bytes of the answer).
FETCH_TIMEOUT_S: Final = 30.0
#: Our tag on the blocks calendar-slack books; an event that carries it is ours.
TAG: Final = "X-CALENDAR-SLACK-TAG"

_PARTSTAT: Final = {
    "ACCEPTED": "accepted",
    "TENTATIVE": "tentative",
    "NEEDS-ACTION": "needs_action",
    "DECLINED": "declined",
    "DELEGATED": "declined",
}
#: Floating times and dates can lie up to ~26 h from UTC: expand a wider span, then filter.
_PAD: Final = dt.timedelta(days=2)
#: Private property stamped on each VEVENT so that its expanded instances know its file order.
_POSITION: Final = "X-CALENDAR-SLACK-POSITION"
_TIME_PROPERTIES: Final = ("DTSTART", "DTEND", "RECURRENCE-ID", "RDATE", "EXDATE")
#: Properties RFC 5545 allows at most once in a VEVENT (that we read).
_SINGLE_PROPERTIES: Final = (
    "UID",
    "DTSTART",
    "DTEND",
    "DURATION",
    "RECURRENCE-ID",
    "SEQUENCE",
    "STATUS",
    "TRANSP",
    "SUMMARY",
    "ORGANIZER",
)
_URL_SCHEMES: Final = ("http://", "https://", "webcal://")


def load(argument: str, request: LoadRequest) -> Loaded:
    """Read the calendar at `argument` (a path or an http(s) URL) for the request's window."""
    target = argument.strip()
    if not target:
        raise BadInputError("source ics", "needs a file path or an http(s) URL, e.g. ics:work.ics")
    if target.lower().startswith(_URL_SCHEMES):
        if target.lower().startswith("webcal://"):
            target = "https://" + target[len("webcal://") :]
        what = f"calendar URL {target}"
        name = _url_name(target)
        text = _fetch(target, what)
    else:
        path = Path(target).expanduser()
        what = f"calendar file {path}"
        name = path.name
        text = _read(path, what)
    return load_text(text, request, what=what, calendar=name, owner=PurePosixPath(name).stem)


def load_text(
    text: str,
    request: LoadRequest,
    *,
    what: str,
    calendar: str,
    owner: str,
    source: str = SOURCE,
) -> Loaded:
    """Read iCalendar `text` (one or more VCALENDARs, or bare VEVENTs) into canonical rows.

    `what` names the input in error messages ("calendar file x.ics"); `owner` is the person id
    used when the request names no `me`; `source` lets other connectors that receive iCalendar
    text (CalDAV) reuse this reading.
    """
    prepared = _prepare(_parse(text, what), what)
    me = _address(request.me) if request.me else None
    person = me or owner.strip().lower()
    zone_name = request.zone_name_for(person, prepared.zone_hint)
    tz = zone(zone_name)
    best: dict[str, tuple[tuple[int, int], Instance]] = {}
    for occurrence in _expand(prepared.calendar, request, what):
        uid = str(occurrence["UID"])
        start_raw = occurrence["DTSTART"].dt
        end_raw = occurrence["DTEND"].dt if "DTEND" in occurrence else start_raw
        start, end = to_utc(start_raw, tz), to_utc(end_raw, tz)
        event_id = f"{uid}/{utc_iso(start)}"
        rank = (int_or_zero(occurrence.get("SEQUENCE")), int_or_zero(occurrence.get(_POSITION)))
        if event_id in best and best[event_id][0] > rank:
            continue
        instance = Instance(
            person=person,
            calendar=calendar,
            event_id=event_id,
            start=start,
            end=end,
            facts=_facts(occurrence, me, all_day=not isinstance(start_raw, dt.datetime)),
            series_id=uid if uid in prepared.recurring else None,
        )
        best[event_id] = (rank, instance)
    collector = Collector(source, request)
    for _, instance in best.values():
        collector.add(instance)
    return collector.loaded({person: zone_name})


# --- reading -------------------------------------------------------------------------------


def _read(path: Path, what: str) -> str:
    try:
        if not path.exists():
            raise BadInputError(what, "does not exist")
        if path.is_dir():
            raise BadInputError(what, "is a directory, not a calendar file")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(what, f"cannot be read ({exc.strerror or exc})") from None
    return _decode(data, what)


def _fetch(url: str, what: str) -> str:
    try:
        response = httpx.get(
            url,
            timeout=FETCH_TIMEOUT_S,
            follow_redirects=True,
            headers={"Accept": "text/calendar, */*;q=0.5"},
        )
    except httpx.TimeoutException:
        raise BadInputError(what, f"did not answer within {FETCH_TIMEOUT_S:g} s") from None
    except httpx.InvalidURL as exc:
        raise BadInputError(what, f"is not a valid URL ({one_line(exc)})") from None
    except httpx.HTTPError as exc:
        raise BadInputError(what, f"cannot be fetched ({one_line(exc)})") from None
    if not response.is_success:
        reason = f"{response.status_code} {response.reason_phrase}".strip()
        raise BadInputError(what, f"answered HTTP {reason}")
    return _decode(response.content, what)


def _url_name(url: str) -> str:
    parts = urlsplit(url)
    return PurePosixPath(unquote(parts.path)).name or parts.hostname or "calendar"


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(
            what, f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def _parse(text: str, what: str) -> list[Any]:
    body = text.lstrip("\ufeff")
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    if first.upper() not in ("BEGIN:VCALENDAR", "BEGIN:VEVENT"):
        raise BadInputError(
            what, "is not an iCalendar file (it does not begin with BEGIN:VCALENDAR)"
        )
    try:
        components = list(icalendar.Calendar.from_ical(body, multiple=True))
    except ValueError as exc:  # icalendar's parse errors, InvalidCalendar among them
        raise BadInputError(what, f"has malformed content ({one_line(exc)})") from None
    except (AttributeError, TypeError, KeyError) as exc:
        # icalendar trips over some malformed input (a repeated parameter or TZID, an unnamed
        # component) with these instead of a ValueError.
        raise BadInputError(
            what, f"has malformed content ({type(exc).__name__}: {one_line(exc)})"
        ) from None
    if not components:
        raise BadInputError(what, "is incomplete (a BEGIN: has no matching END:)")
    return components


# --- checking and de-duplicating the components ----------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    calendar: Any
    zone_hint: str | None
    recurring: frozenset[str]


def _prepare(components: Sequence[Any], what: str) -> _Prepared:
    """Check every VEVENT, keep one per (UID, RECURRENCE-ID), return a calendar to expand."""
    events: list[Any] = []
    timezones: list[Any] = []
    hints: list[str] = []
    for component in components:
        if component.name == "VCALENDAR":
            _check_errors(component, what, "the calendar")
            hint = str(component.get("X-WR-TIMEZONE") or "").strip()
            if hint:
                hints.append(hint)
            for sub in component.subcomponents:
                if sub.name == "VEVENT":
                    events.append(sub)
                elif sub.name == "VTIMEZONE":
                    timezones.append(sub)
        elif component.name == "VEVENT":
            events.append(component)
        else:
            raise BadInputError(what, f"is not an iCalendar file (it holds a {component.name})")
    defined: set[str] = set()
    for timezone in timezones:
        for part in timezone.walk():
            _check_errors(part, what, f"time zone {str(timezone.get('TZID'))!r}")
        defined.add(str(timezone.get("TZID", "")).strip("/"))
    chosen: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
    recurring: set[str] = set()
    for position, event in enumerate(events):
        uid = _ensure_uid(event, what)
        _check_event(event, what, f"event {uid!r}", defined)
        if any(name in event for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            recurring.add(uid)
        key = (uid, _recurrence_key(event))
        rank = (int_or_zero(event.get("SEQUENCE")), position)
        if key not in chosen or chosen[key][0] < rank:
            chosen[key] = (rank, event)
    calendar = icalendar.Calendar()  # times are already resolved: no VTIMEZONE needed
    for (_, position), event in chosen.values():
        event.pop(_POSITION, None)
        event.add(_POSITION, str(position))
        calendar.add_component(event)
    return _Prepared(calendar, _zone_hint(hints), frozenset(recurring))


def _ensure_uid(event: Any, what: str) -> str:
    value = event.get("UID")
    if isinstance(value, list):
        raise BadInputError(
            what, f"has malformed content (UID appears twice in event {value[0]!s})"
        )
    uid = str(value or "").strip()
    if not uid:
        uid = "nouid-" + hashlib.sha1(event.to_ical(), usedforsecurity=False).hexdigest()[:16]
        event.pop("UID", None)
        event.add("UID", uid)
    return uid


def _check_errors(component: Any, what: str, label: str) -> None:
    """icalendar keeps going past broken properties and lines; we refuse them, naming the first."""
    for prop, message in getattr(component, "errors", ()):
        if prop == "RRULE":
            raise BadInputError(what, f"has a bad RRULE in {label} ({one_line(message)})")
        where = f"{prop}: " if prop else ""
        raise BadInputError(what, f"has malformed content in {label} ({where}{one_line(message)})")


def _check_event(event: Any, what: str, label: str, defined: set[str]) -> None:
    _check_errors(event, what, label)
    for sub in event.subcomponents:
        if sub.name != "VALARM":
            raise BadInputError(what, f"has malformed content in {label} (a {sub.name} inside it)")
    for name in _SINGLE_PROPERTIES:
        if isinstance(event.get(name), list):
            raise BadInputError(what, f"has malformed content in {label} ({name} appears twice)")
    if "DTSTART" not in event:
        raise BadInputError(what, f"has no DTSTART in {label}")
    for rule in _as_list(event.get("RRULE")):
        if "FREQ" not in rule:
            raise BadInputError(what, f"has a bad RRULE in {label} (no FREQ)")
    for name in _TIME_PROPERTIES:
        for prop in _as_list(event.get(name)):
            for value in _time_values(prop):
                if not isinstance(value, dt.date):
                    raise BadInputError(
                        what, f"has malformed content in {label} ({name} is not a date or time)"
                    )
            _check_tzid(prop, what, label, defined)
    start = event["DTSTART"].dt
    if "DTEND" in event:
        end = event["DTEND"].dt
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            raise BadInputError(
                what, f"has malformed content in {label} (DTSTART and DTEND mix a DATE and a time)"
            )
        if _comparable(start, end):
            if end < start:
                raise BadInputError(
                    what, f"has malformed content in {label} (DTEND before DTSTART)"
                )
            if end == start and not isinstance(start, dt.datetime):
                del event["DTEND"]  # an all-day event written with DTEND = DTSTART: one day
    elif "DURATION" in event:
        duration = event["DURATION"].dt
        if not isinstance(duration, dt.timedelta) or duration < dt.timedelta(0):
            raise BadInputError(what, f"has malformed content in {label} (bad DURATION)")


def _time_values(prop: Any) -> list[Any]:
    """The date / date-time values of a time property (the start of each RDATE period)."""
    values = [item.dt for item in prop.dts] if hasattr(prop, "dts") else [prop.dt]
    return [value[0] if isinstance(value, tuple) else value for value in values]


def _check_tzid(prop: Any, what: str, label: str, defined: set[str]) -> None:
    tzid = prop.params.get("TZID")
    if not tzid:
        return
    for instant in _time_values(prop):
        if not isinstance(instant, dt.datetime):
            continue
        known = isinstance(instant.tzinfo, ZoneInfo | dt.timezone)
        if instant.tzinfo is None or (not known and str(tzid).strip("/") not in defined):
            raise BadInputError(
                what,
                f"uses an unknown time zone TZID={tzid!r} in {label} (no VTIMEZONE defines it "
                "and it is not an IANA or Windows zone name)",
            )


def _comparable(a: dt.date, b: dt.date) -> bool:
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return (a.tzinfo is None) == (b.tzinfo is None)
    return not isinstance(a, dt.datetime) and not isinstance(b, dt.datetime)


def _recurrence_key(event: Any) -> str:
    if "RECURRENCE-ID" not in event:
        return ""
    value = event["RECURRENCE-ID"].dt
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return utc_iso(value)
    return str(value.isoformat())


def _zone_hint(hints: Iterable[str]) -> str | None:
    for hint in hints:
        for name in (hint, WINDOWS_TO_OLSON.get(hint)):
            if name:
                try:
                    zone(name)
                except BadInputError:
                    continue
                return str(name)
    return None


# --- expanding and reading the instances ------------------------------------------------------


def _expand(calendar: Any, request: LoadRequest, what: str) -> list[Any]:
    start = request.start.to_pydatetime() - _PAD
    end = request.end.to_pydatetime() + _PAD
    try:
        return list(recurring_ical_events.of(calendar).between(start, end))
    except recurring_ical_events.BadRuleStringFormat as exc:
        raise BadInputError(what, f"has a bad RRULE ({one_line(exc)})") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # recurring_ical_events.InvalidCalendar is a ValueError; dateutil raises ValueError for
        # rules it cannot expand, TypeError when a file mixes floating and zoned times in one
        # series, OverflowError for dates beyond year 9999.
        raise BadInputError(what, f"has malformed content ({one_line(exc)})") from None


def _facts(occurrence: Any, me: str | None, *, all_day: bool) -> EventFacts:
    busy_status = str(occurrence.get("X-MICROSOFT-CDO-BUSYSTATUS") or "").strip().upper()
    response, attendees = _people(occurrence, me)
    summary = occurrence.get("SUMMARY")
    return EventFacts(
        cancelled=str(occurrence.get("STATUS") or "").strip().upper() == "CANCELLED",
        response=response,
        vendor_ooo=busy_status == "OOF",
        transparent=(
            str(occurrence.get("TRANSP") or "").strip().upper() == "TRANSPARENT"
            or busy_status == "FREE"
        ),
        ours=bool(str(occurrence.get(TAG) or "").strip()),
        all_day=all_day,
        attendees=attendees,
        title=str(summary) if summary is not None else None,
    )


def _people(occurrence: Any, me: str | None) -> tuple[str, int]:
    """(my response, how many other individual people take part)."""
    people: set[str] = set()
    my_status: str | None = None
    for attendee in _as_list(occurrence.get("ATTENDEE")):
        address = _address(attendee)
        if me is not None and address == me:
            if my_status is None:
                my_status = str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper()
            continue
        cutype = str(attendee.params.get("CUTYPE", "INDIVIDUAL")).strip().upper()
        if address and cutype == "INDIVIDUAL":
            people.add(address)
    organizer = occurrence.get("ORGANIZER")
    organizer_address = _address(organizer) if organizer is not None else ""
    if me is None:
        if organizer_address:
            people.add(organizer_address)
        return "none", max(len(people) - 1, 0)
    if organizer_address == me:
        return "organizer", len(people)
    if organizer_address:
        people.add(organizer_address)
    if my_status is not None:
        return _PARTSTAT.get(my_status, "none"), len(people)
    return "none", len(people)


def _address(value: Any) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.strip().lower()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
