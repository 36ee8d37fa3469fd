"""The built-in demo team: eight people whose calendars look like a real product team's.

Why: `make demo` and a first `calendar-slack report --source demo` must show something true to
life for whatever week is asked (the CLI defaults to the current week) with no account and no
file. Every event of a local date is a pure function of (seed, person, date) — never of the
window asked for, nor of the clock — so any week has data and overlapping windows agree.
Events are built as `EventFacts` and go through `classify` like every real source's.

The team (Europe/Stockholm unless named):
- ana, engineering lead: runs the stand-up, a weekly 1:1 with everyone, the team meeting and
  the fortnightly retro; preps before them ("Prep" holds); the heaviest ad-hoc load.
- ben, product manager: back-to-back afternoons on Tue and Thu, three 30–60-minute meetings
  in a row then a "Write up notes" hold at once (a recovery deficit); a Wednesday evening call.
- carl, backend engineer: books his own "Focus time" (Tue, Wed, Fri mornings) and always
  declines the Thursday architecture forum.
- dana, product designer: runs the design critique, is tentative for the architecture forum,
  now and then a "Dentist" hold.
- erik, backend engineer: takes every fourth Friday off ("Vacation", all-day).
- farah, frontend engineer: a daily "Lunch" hold and a Thursday "Focus time".
- gus, QA and release engineer: a daily "School pickup" hold; on call every fourth week, with an
  evening "Incident call".
- hana, developer advocate in America/New_York: the team's meetings land in her mornings, her
  partner sync with Asia and the release go/no-go land after her hours.
Everyone has one vacation week in thirteen (staggered), during which the shared meetings are
auto-declined; ad-hoc meetings fill the days at a rate that changes from week to week, so the
week-over-week comparison has wins and losses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd

from calendar_slack.classify import EventFacts
from calendar_slack.connectors.base import Loaded, LoadRequest
from calendar_slack.connectors.ingest import Collector, Instance, to_utc
from calendar_slack.errors import BadInputError
from calendar_slack.workhours import date_range, parse_span, wall_clock, zone

SOURCE: Final = "demo"
CALENDAR: Final = "demo"
TEAM_ZONE: Final = "Europe/Stockholm"
NEW_YORK: Final = "America/New_York"
#: A Monday: week numbers count from here, so "every other week" never depends on the year.
_EPOCH: Final = dt.date(2001, 1, 1)
_SPARE: Final = pd.Timedelta(days=2)


@dataclass(frozen=True)
class Member:
    """One person of the demo team."""

    person: str
    role: str
    zone: str
    adhoc_per_day: float  # mean ad-hoc meetings on a working day in an ordinary week


TEAM: Final[tuple[Member, ...]] = (
    Member("ana@demo.example", "engineering lead", TEAM_ZONE, 1.8),
    Member("ben@demo.example", "product manager", TEAM_ZONE, 1.2),
    Member("carl@demo.example", "backend engineer", TEAM_ZONE, 0.6),
    Member("dana@demo.example", "product designer", TEAM_ZONE, 0.9),
    Member("erik@demo.example", "backend engineer", TEAM_ZONE, 0.7),
    Member("farah@demo.example", "frontend engineer", TEAM_ZONE, 0.7),
    Member("gus@demo.example", "QA and release engineer", TEAM_ZONE, 0.8),
    Member("hana@demo.example", "developer advocate", NEW_YORK, 1.0),
)
LEAD: Final = TEAM[0].person
_BY_NAME: Final = {m.person.split("@")[0]: m.person for m in TEAM}
_STOCKHOLM: Final = tuple(m.person for m in TEAM if m.zone == TEAM_ZONE)
_EVERYONE: Final = tuple(m.person for m in TEAM)

#: ana's weekly 1:1s: report -> (weekday, Stockholm wall-clock span).
_ONE_ON_ONES: Final = {
    "ben": (0, "13:00-13:30"),
    "carl": (1, "14:00-14:30"),
    "dana": (1, "11:00-11:30"),
    "erik": (2, "13:00-13:30"),
    "farah": (2, "13:30-14:00"),
    "gus": (3, "10:00-10:30"),
    "hana": (3, "16:00-16:30"),  # 10:00–10:30 in New York
}
_ADHOC_TITLES: Final = (
    "Design review",
    "Sync with platform team",
    "Hiring interview",
    "Incident review",
    "Customer call",
    "Pairing session",
    "Demo prep with sales",
    "Budget check-in",
    "Backlog grooming",
    "Vendor call",
    "Onboarding buddy chat",
    "Data review",
)
_B2B_TITLES: Final = (
    "Customer interview",
    "Roadmap review",
    "Stakeholder sync",
    "Pricing workshop",
    "Sales sync",
    "Analytics review",
)
_RESPONSES: Final = ("accepted", "organizer", "needs_action", "tentative", "declined")
_RESPONSE_WEIGHTS: Final = (60, 20, 8, 6, 6)


@dataclass(frozen=True)
class _Draft:
    """One event of one person on one local date, in wall-clock minutes of `zone`."""

    slug: str  # unique per person and date
    title: str
    zone: str
    start: int  # minutes after local midnight (1440 = next midnight)
    end: int
    attendees: int = 0
    response: str = "none"
    series: str | None = None
    all_day: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class _Shared:
    """A meeting several team members share: their responses, and people from outside."""

    draft: _Draft
    responses: dict[str, str] = field(default_factory=dict)
    outsiders: int = 0


def load(argument: str, request: LoadRequest) -> Loaded:
    """The demo team's events overlapping the request's window (`demo` or `demo:SEED`)."""
    seed = _seed(argument)
    zones = {m.person: request.zone_name_for(m.person, m.zone) for m in TEAM}
    collector = Collector(SOURCE, request)
    start, end = _utc(request.start), _utc(request.end)
    if end > start:
        # Two spare days each side cover every zone's offset from UTC; the collector cuts rows
        # to the window, classifies them, counts the cancelled ones and drops titles on --redact.
        for day in date_range((start - _SPARE).date(), (end + _SPARE).date()):
            shared = _team_meetings(seed, day)
            for member in TEAM:
                for draft in _person_day(seed, member, day, shared, zones[member.person]):
                    collector.add(_instance(draft, member.person, day))
    return collector.loaded(zones)


def _instance(draft: _Draft, person: str, day: dt.date) -> Instance:
    tz = _zone(draft.zone)
    if draft.all_day:
        start, end = to_utc(day, tz), to_utc(day + dt.timedelta(days=1), tz)
    else:
        start, end = wall_clock(day, draft.start, tz), wall_clock(day, draft.end, tz)
    facts = EventFacts(
        cancelled=draft.cancelled,
        response=draft.response,
        all_day=draft.all_day,
        attendees=draft.attendees,
        title=draft.title,
    )
    return Instance(person, CALENDAR, f"{draft.slug}-{day:%Y%m%d}", start, end, facts, draft.series)


def _team_meetings(seed: int, day: dt.date) -> list[_Shared]:
    """The recurring meetings the team shares on `day` (anchored in Stockholm time)."""
    weekday, week = day.weekday(), _week(day)
    if weekday >= 5:
        return []
    off = {p for p in _EVERYONE if _is_off(seed, p, day)}
    out: list[_Shared] = []

    def add(
        draft: _Draft, people: tuple[str, ...], organizer: str, outsiders: int = 0, **answers: str
    ) -> None:
        responses = {p: "organizer" if p == organizer else "accepted" for p in people}
        responses.update({_BY_NAME[name]: answer for name, answer in answers.items()})
        for person in off & set(people):
            responses[person] = "declined"  # the out-of-office reply declines automatically
        out.append(_Shared(draft, responses, outsiders))

    add(_meeting("standup", "Daily stand-up", "09:15-09:30"), _STOCKHOLM, LEAD)
    if weekday == 0 and week % 2 == 0:
        add(_meeting("planning", "Sprint planning", "10:00-11:00"), _STOCKHOLM, LEAD)
    for name, (on, span) in _ONE_ON_ONES.items():
        if weekday != on:
            continue
        report = _BY_NAME[name]
        # Cancelled when either is away, and now and then anyway (dropped at ingest).
        skipped = bool(off & {LEAD, report}) or _rng(seed, "1on1", name, day).random() < 0.1
        add(_meeting(f"1on1-{name}", f"1:1 ana / {name}", span, skipped), (LEAD, report), LEAD)
    if weekday == 0:
        add(
            _meeting("critique", "Design critique", "14:00-15:00"),
            (_BY_NAME["dana"], _BY_NAME["ben"], _BY_NAME["farah"]),
            _BY_NAME["dana"],
        )
    if weekday == 2:
        add(_meeting("team", "Team meeting", "15:00-16:00"), _EVERYONE, LEAD)
    if weekday == 3:
        farah = "accepted" if _rng(seed, "forum", day).random() < 0.7 else "needs_action"
        engineers = tuple(_BY_NAME[n] for n in ("ana", "carl", "dana", "erik", "farah", "gus"))
        forum = _meeting("forum", "Architecture forum", "14:00-15:00")
        add(forum, engineers, "", 12, carl="declined", dana="tentative", farah=farah)
    if weekday == 4 and week % 2 == 0:
        add(_meeting("retro", "Retro", "15:00-16:00"), _EVERYONE, LEAD)
    return out


def _person_day(
    seed: int, member: Member, day: dt.date, shared: list[_Shared], zone_name: str
) -> list[_Draft]:
    """Everything in `member`'s calendar on local `day`: shared meetings, own events, ad hoc."""
    person = member.person
    drafts = [
        replace(
            s.draft,
            response=s.responses[person],
            attendees=len(s.responses) - 1 + s.outsiders,
        )
        for s in shared
        if person in s.responses
    ]
    if day.weekday() < 5 and _is_off(seed, person, day):
        # All-day events span the local midnights of the zone the person is reported in.
        return [_Draft("vacation", "Vacation", zone_name, 0, 1440, all_day=True), *drafts]
    own = _own_events(seed, member, day)
    rng = _rng(seed, person, day)
    drafts += own
    if day.weekday() < 5:
        drafts += _adhoc(seed, member, day, rng, drafts)
    return drafts


def _own_events(seed: int, member: Member, day: dt.date) -> list[_Draft]:
    """The person's own recurring habits (wall-clock times of their home zone)."""
    name = member.person.split("@")[0]
    weekday, week = day.weekday(), _week(day)
    out: list[_Draft] = []

    def own(
        slug: str,
        title: str,
        span: str,
        attendees: int = 0,
        response: str = "none",
        recurring: bool = True,
    ) -> None:
        start, end = _span(span)
        series = f"demo-{slug}" if recurring else None
        out.append(_Draft(slug, title, member.zone, start, end, attendees, response, series))

    on_call = _on_call(seed, day) and _incident_day(seed, day) == weekday
    if name == "gus" and on_call:
        own("incident", "Incident call", "20:00-20:45", 3, "accepted", recurring=False)
    if weekday >= 5:
        return out
    if name == "ana":
        if weekday == 2:
            own("prep-team", "Prep: team meeting", "14:30-15:00")
        if weekday == 4 and week % 2 == 0:
            own("prep-retro", "Prep: retro", "14:30-15:00")
    elif name == "ben":
        if weekday in (1, 3):
            out += _back_to_back(seed, member.zone, day)
        if weekday == 2:
            own("us-call", "Call with US customer", "18:30-19:15", 2, "organizer")
    elif name == "carl":
        if weekday in (1, 2, 4):
            own("focus", "Focus time", "09:30-11:30")
    elif name == "dana":
        if _rng(seed, "dentist", day).random() < 0.04:
            own("dentist", "Dentist", "12:30-13:30", recurring=False)
    elif name == "farah":
        own("lunch", "Lunch", "11:30-12:15")
        if weekday == 3:
            own("focus", "Focus time", "09:30-11:30")
    elif name == "gus":
        own("pickup", "School pickup", "16:15-17:00")
    elif name == "hana":
        if weekday == 1:
            own("apac", "APAC partner sync", "17:30-18:15", 3, "accepted")
        if weekday == 3 and week % 2 == 1:
            own("go-no-go", "Release go/no-go", "18:00-18:30", 5, "accepted")
    return out


def _back_to_back(seed: int, tz: str, day: dt.date) -> list[_Draft]:
    """Three 30–60-minute meetings in a row from 13:00, then a write-up hold right after."""
    rng = _rng(seed, "b2b", day)
    titles = rng.sample(_B2B_TITLES, 3)
    out: list[_Draft] = []
    minute = 13 * 60
    for i, title in enumerate(titles):
        length = rng.choice((30, 45, 60))
        response = rng.choice(("organizer", "accepted"))
        out.append(
            _Draft(f"b2b{i}", title, tz, minute, minute + length, rng.randint(1, 5), response)
        )
        minute += length
    out.append(_Draft("write-up", "Write up notes", tz, minute, minute + 30))
    return out


def _adhoc(
    seed: int, member: Member, day: dt.date, rng: random.Random, busy: list[_Draft]
) -> list[_Draft]:
    """Ad-hoc meetings in free slots of the working day; how many depends on the week's load."""
    weekly = _rng(seed, member.person, "load", _week(day))
    rate = member.adhoc_per_day * weekly.choice((0.3, 0.7, 1.0, 1.0, 1.4, 2.0))
    count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
    taken = [_home_span(d, member.zone, day) for d in busy if not d.all_day and not d.cancelled]
    out: list[_Draft] = []
    for i in range(count):
        length = rng.choice((30, 30, 45, 60))
        title = rng.choice(_ADHOC_TITLES)
        response = rng.choices(_RESPONSES, _RESPONSE_WEIGHTS)[0]
        starts = list(range(9 * 60 + 30, 17 * 60 - length + 1, 15))
        rng.shuffle(starts)
        slot = next((s for s in starts if all(s >= e or s + length <= b for b, e in taken)), None)
        if slot is None:
            break
        taken.append((slot, slot + length))
        out.append(
            _Draft(
                f"adhoc{i}", title, member.zone, slot, slot + length, rng.randint(1, 6), response
            )
        )
    if rng.random() < 0.06:  # a late sync that runs past the working day
        start, end = _span("17:15-17:45")
        out.append(
            _Draft("late", "Late sync", member.zone, start, end, rng.randint(1, 3), "accepted")
        )
    return out


def _home_span(draft: _Draft, home: str, day: dt.date) -> tuple[int, int]:
    """A draft's minutes on the wall clock of `home` (for slot finding only)."""
    if draft.zone == home:
        return draft.start, draft.end
    midnight = to_utc(day, _zone(home))
    spans = []
    for minute in (draft.start, draft.end):
        instant = wall_clock(day, minute, _zone(draft.zone))
        spans.append(int((instant - midnight).total_seconds() // 60))
    return spans[0], spans[1]


def _meeting(slug: str, title: str, span: str, cancelled: bool = False) -> _Draft:
    """A recurring team meeting, at Stockholm wall-clock times."""
    start, end = _span(span)
    return _Draft(slug, title, TEAM_ZONE, start, end, series=f"demo-{slug}", cancelled=cancelled)


def _span(text: str) -> tuple[int, int]:
    window = parse_span(text, "demo schedule")
    assert window is not None
    return window


def _is_off(seed: int, person: str, day: dt.date) -> bool:
    """On vacation: one week in thirteen (staggered per person); erik also every 4th Friday."""
    index = _EVERYONE.index(person)
    week = _week(day)
    if (week + 3 * index + seed) % 13 == 0:
        return day.weekday() < 5
    return person == _BY_NAME["erik"] and day.weekday() == 4 and (week + seed) % 4 == 0


def _on_call(seed: int, day: dt.date) -> bool:
    return (_week(day) + seed) % 4 == 2


def _incident_day(seed: int, day: dt.date) -> int:
    """The weekday (Mon=0 … Sat=5) of the on-call week's evening incident call."""
    return _rng(seed, "incident", _week(day)).randint(0, 5)


def _week(day: dt.date) -> int:
    return (day - _EPOCH).days // 7


def _rng(seed: int, *key: object) -> random.Random:
    """A random stream that depends only on (seed, key): stable across runs and machines."""
    text = "|".join(str(part) for part in (seed, *key)).encode()
    return random.Random(int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big"))


@cache
def _zone(name: str) -> ZoneInfo:
    return zone(name)


def _seed(argument: str) -> int:
    text = argument.strip()
    if not text:
        return 0
    try:
        return int(text)
    except ValueError:
        raise BadInputError(
            f"source 'demo:{argument}'",
            "the seed after 'demo:' must be a whole number, e.g. demo:7",
        ) from None


def _utc(instant: pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(instant)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
