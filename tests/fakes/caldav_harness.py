"""CalendarHarness for CalDAV: a fresh calendar on a real Radicale, and the person's own hands.

The shared booking suite (tests/fakes/harness.py) drives `harness.writer` — the real
CalDAVWriter — and plays the person and other apps through the other methods, which speak plain
HTTP (httpx) to Radicale so that they never go through the code under test:

- `add_foreign_event` PUTs a raw VEVENT without our tag (as another calendar app would);
- `snapshot` returns every object's raw ICS keyed by its URL (the writer's remote ids);
- `edit_as_person` moves an event (its etag changes); `delete_as_person` deletes it.

Usage (one Radicale per test module, a fresh calendar per test):

    from tests.fakes.caldav_harness import caldav_harness
    from tests.fakes.radicale_server import running_radicale

    @pytest.fixture(scope="module")
    def radicale() -> Iterator[RadicaleServer]:
        with running_radicale({"alice": "secret"}) as server:
            yield server

    @pytest.fixture
    def harness(radicale: RadicaleServer) -> Iterator[CalDAVHarness]:
        with caldav_harness(radicale) as h:
            yield h

`caldav_harness()` without a server uses one Radicale shared by the whole process (started on
first use, stopped at exit; every harness gets a fresh calendar), so the booking suite can call
it once per test cheaply: `OPENERS["caldav"] = caldav_harness` in tests/booking_harnesses.py.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import itertools
import threading
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpx
import icalendar
import pandas as pd

from calendar_slack.connectors.caldav import open_writer
from calendar_slack.connectors.caldav_http import ENV_PASSWORD, ENV_USERNAME
from calendar_slack.connectors.caldav_writer import CalDAVWriter
from calendar_slack.connectors.retry import RetryPolicy
from tests.fakes.radicale_server import RadicaleServer, running_radicale

DEFAULT_USER = "alice"
DEFAULT_PASSWORD = "secret"
PERSON_EMAIL = "alice@example.com"
_STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_counter = itertools.count(1)


def no_sleep(_seconds: float) -> None:
    """A RetryPolicy sleep that returns at once (tests never really wait)."""


def make_calendar(server: RadicaleServer, user: str, password: str, name: str | None = None) -> str:
    """Create a new, empty calendar collection for `user` (MKCALENDAR); return its URL."""
    slug = f"cal-{uuid.uuid4().hex[:12]}"
    url = f"{server.principal_url(user)}{slug}/"
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f"<D:set><D:prop><D:displayname>{name or slug}</D:displayname></D:prop></D:set>"
        "</C:mkcalendar>"
    )
    with httpx.Client(auth=(user, password), timeout=10) as http:
        response = http.request("MKCALENDAR", url, content=body.encode())
    if response.status_code != 201:
        raise RuntimeError(f"MKCALENDAR {url} answered {response.status_code}: {response.text}")
    return url


def put_raw(http: httpx.Client | tuple[str, str], url: str, ics: str) -> str:
    """PUT iCalendar text at `url` as another app would (no preconditions); return the etag.

    `http` is an httpx client (reused: cheaper) or a (user, password) pair.
    """
    with contextlib.ExitStack() as stack:
        if isinstance(http, tuple):
            http = stack.enter_context(httpx.Client(auth=http, timeout=10))
        response = http.put(
            url, content=ics.encode(), headers={"Content-Type": "text/calendar; charset=utf-8"}
        )
    if response.status_code not in (201, 204):
        raise RuntimeError(f"PUT {url} answered {response.status_code}: {response.text}")
    return str(response.headers.get("etag", ""))


class CalDAVHarness:
    """CalendarHarness over one calendar collection of a Radicale user."""

    def __init__(self, writer: CalDAVWriter, calendar_url: str, auth: tuple[str, str]) -> None:
        self.writer = writer
        self.calendar_url = calendar_url
        self.auth = auth
        self.http = httpx.Client(auth=auth, timeout=10)

    def close(self) -> None:
        self.http.close()
        self.writer.close()

    def add_foreign_event(
        self, start: pd.Timestamp, end: pd.Timestamp, title: str, attendees: int = 1
    ) -> str:
        """A VEVENT without our tag (the person is one attendee among `attendees` others)."""
        uid = f"foreign-{next(_counter)}-{uuid.uuid4().hex[:8]}"
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstamp", _STAMP)
        event.add("dtstart", pd.Timestamp(start).tz_convert("UTC").to_pydatetime())
        event.add("dtend", pd.Timestamp(end).tz_convert("UTC").to_pydatetime())
        event.add("summary", title)
        if attendees:
            event.add("organizer", "mailto:other-1@example.com")
            event.add("attendee", f"mailto:{PERSON_EMAIL}", parameters={"PARTSTAT": "ACCEPTED"})
            for index in range(1, attendees + 1):
                event.add(
                    "attendee",
                    f"mailto:other-{index}@example.com",
                    parameters={"PARTSTAT": "ACCEPTED"},
                )
        url = f"{self.calendar_url}{uid}.ics"
        put_raw(self.http, url, _wrap(event))
        return url

    def snapshot(self) -> dict[str, Any]:
        """Every object of the calendar: absolute URL -> raw ICS text as the server holds it."""
        objects: dict[str, Any] = {}
        for href in self._hrefs():
            url = urljoin(self.calendar_url, href)
            response = self.http.get(url)
            response.raise_for_status()
            objects[url] = response.text
        return objects

    def edit_as_person(self, remote_id: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
        """Move the event in a calendar app: new times, SEQUENCE + 1, new etag."""
        response = self.http.get(remote_id)
        response.raise_for_status()
        calendar = icalendar.Calendar.from_ical(response.text)
        for event in calendar.walk("VEVENT"):
            for name, value in (("DTSTART", start), ("DTEND", end)):
                event.pop(name, None)
                event.add(name.lower(), pd.Timestamp(value).tz_convert("UTC").to_pydatetime())
            sequence = int(event.get("SEQUENCE", 0)) + 1
            event.pop("SEQUENCE", None)
            event.add("sequence", sequence)
        put_raw(self.http, remote_id, calendar.to_ical().decode())

    def delete_as_person(self, remote_id: str) -> None:
        response = self.http.delete(remote_id)
        if response.status_code not in (200, 204):
            raise RuntimeError(f"DELETE {remote_id} answered {response.status_code}")

    def _hrefs(self) -> list[str]:
        response = self.http.request(
            "PROPFIND",
            self.calendar_url,
            headers={"Depth": "1", "Content-Type": "application/xml"},
            content=b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
            b"<D:getetag/></D:prop></D:propfind>",
        )
        response.raise_for_status()
        root = ElementTree.fromstring(response.content)
        own = unquote(urlsplit(self.calendar_url).path)
        hrefs = [str(node.text) for node in root.iter("{DAV:}href") if node.text]
        return sorted(h for h in hrefs if unquote(urlsplit(h).path) != own)


@contextlib.contextmanager
def caldav_harness(
    server: RadicaleServer | None = None,
    *,
    user: str = DEFAULT_USER,
    password: str = DEFAULT_PASSWORD,
    policy: RetryPolicy | None = None,
) -> Iterator[CalDAVHarness]:
    """A harness on a fresh calendar of `user` on `server` (default: the shared Radicale)."""
    with contextlib.ExitStack() as stack:
        if server is None:
            server = shared_radicale(user, password)
        calendar_url = make_calendar(server, user, password)
        env = {ENV_USERNAME: user, ENV_PASSWORD: password}
        writer = open_writer(
            calendar_url,
            env=env,
            policy=policy or RetryPolicy(max_attempts=4, sleep=no_sleep),
            timeout_s=10,
        )
        harness = CalDAVHarness(writer, calendar_url, (user, password))
        stack.callback(harness.close)
        yield harness


_shared: dict[tuple[str, str], RadicaleServer] = {}
_shared_lock = threading.Lock()


def shared_radicale(user: str = DEFAULT_USER, password: str = DEFAULT_PASSWORD) -> RadicaleServer:
    """One Radicale per process and user, started on first use and stopped when Python exits.

    Harnesses share it safely: each one works in a calendar of its own.
    """
    with _shared_lock:
        server = _shared.get((user, password))
        if server is None:
            context = running_radicale({user: password})
            server = context.__enter__()
            atexit.register(context.__exit__, None, None, None)
            _shared[(user, password)] = server
        return server


def _wrap(event: icalendar.Event) -> str:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//another app//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return str(calendar.to_ical().decode())
