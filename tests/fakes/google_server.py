"""A wire-level fake of the Google Calendar v3 API on 127.0.0.1, for the real client to talk to.

Why: the Google connector must be tested with the real google-api-python-client (its URL
building, JSON model, headers and errors), never against the internet. This server speaks the
same HTTP as Google for what calendar-slack uses: events list (paging with maxResults/pageToken,
syncToken incremental listings that include cancellations, 410 when a token is invalidated,
timeMin/timeMax, showDeleted, singleEvents, privateExtendedProperty), insert (409 on a duplicate
id, 400 for focusTime where the calendar does not allow it), get, patch, update, delete (If-Match
-> 412; a deleted event answers 410), freeBusy.query, and bearer-token auth (401).

Every write changes the event's etag and moves it up the calendar's change sequence. Faults are
scripted per route ("list", "insert", "get", "patch", "update", "delete", "freebusy"): a status
(429 / 5xx / 403 rateLimitExceeded, with Retry-After) answered instead of handling, or a delay
after handling (slow-response mode, for client timeouts). Knobs let a test act as the person or
another app (`put_event`, `add_foreign_event`, `edit_event`, `delete_event`).

    with FakeGoogleCalendar(owner="ada@example.com") as server:
        server.base_url                 # http://127.0.0.1:PORT/calendar/v3/
        server.add_calendar("team@example.com")
        server.fail("list", 429, retry_after="3")
        server.slow("insert", 1.0)
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import itertools
import json
import re
import threading
import time
import urllib.parse
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

LOOPBACK = "127.0.0.1"
ID_PATTERN = re.compile(r"^[a-v0-9]{5,1024}$")


@dataclass(frozen=True)
class Fault:
    """One scripted fault: answer `status` instead of handling, or handle and answer late."""

    status: int | None = None
    reason: str = ""
    message: str = ""
    retry_after: str | None = None
    delay_s: float = 0.0


@dataclass(frozen=True)
class Logged:
    """One request as the server saw it."""

    method: str
    route: str
    calendar: str | None
    event_id: str | None
    query: dict[str, list[str]]
    if_match: str | None
    status: int


@dataclass
class FakeCalendarData:
    """One calendar: its events (raw JSON by id) and change sequence numbers."""

    id: str
    summary: str
    time_zone: str
    focus_time_allowed: bool
    epoch: int = 0
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, status: int, reason: str, message: str, domain: str = "global") -> None:
        super().__init__(message)
        self.status, self.reason, self.message, self.domain = status, reason, message, domain


class FakeGoogleCalendar:
    """The fake service: state, knobs and the HTTP server (start/stop or use `with`)."""

    def __init__(
        self,
        owner: str = "ada@example.com",
        token: str = "test-token",
        time_zone: str = "Europe/Stockholm",
        focus_time_allowed: bool = True,
    ) -> None:
        self.owner = owner
        self.token = token
        self.lock = threading.RLock()
        self.calendars: dict[str, FakeCalendarData] = {}
        self.requests: list[Logged] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._counter = itertools.count(1)
        self._clock = itertools.count(1)
        self._listings: dict[str, tuple[list[str], int]] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_calendar(owner, summary=owner, time_zone=time_zone, focus_time=focus_time_allowed)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeGoogleCalendar:
        handler = _handler_for(self)
        self._httpd = ThreadingHTTPServer((LOOPBACK, 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeGoogleCalendar:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        port: int = self._httpd.server_address[1]
        return port

    @property
    def root_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    @property
    def base_url(self) -> str:
        return self.root_url + "calendar/v3/"

    # -- knobs for tests ------------------------------------------------------------------

    def add_calendar(
        self,
        calendar_id: str,
        *,
        summary: str | None = None,
        time_zone: str = "Europe/Stockholm",
        focus_time: bool = False,
    ) -> None:
        with self.lock:
            self.calendars[calendar_id] = FakeCalendarData(
                calendar_id, summary or calendar_id, time_zone, focus_time
            )

    def fail(
        self,
        route: str,
        status: int,
        *,
        reason: str = "",
        message: str = "",
        retry_after: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests of `route` with `status` (state unchanged)."""
        with self.lock:
            queue = self._faults.setdefault(route, deque())
            queue.extend([Fault(status, reason, message, retry_after)] * times)

    def slow(self, route: str, delay_s: float, *, times: int = 1) -> None:
        """Handle the next `times` requests of `route`, then wait `delay_s` before answering."""
        with self.lock:
            self._faults.setdefault(route, deque()).extend([Fault(delay_s=delay_s)] * times)

    def script(self, route: str, *faults: Fault) -> None:
        """Queue faults for the next requests of `route`; Fault() lets one request through."""
        with self.lock:
            self._faults.setdefault(route, deque()).extend(faults)

    def pending_faults(self, route: str) -> int:
        with self.lock:
            return len(self._faults.get(route, ()))

    def invalidate_sync_tokens(self, calendar: str) -> None:
        """Every sync token (and incremental page token) of `calendar` now answers 410."""
        with self.lock:
            self._calendar(calendar).epoch += 1

    def put_event(self, calendar: str, event: dict[str, Any]) -> dict[str, Any]:
        """Create or replace an event as any app would (no checks); returns the stored copy."""
        with self.lock:
            data = self._calendar(calendar)
            body = copy.deepcopy(event)
            body.setdefault("id", uuid.uuid4().hex)
            body.setdefault("status", "confirmed")
            previous = data.events.get(body["id"])
            return self._store(data, body, created=previous is None)

    def add_foreign_event(
        self,
        calendar: str,
        start: dt.datetime,
        end: dt.datetime,
        title: str,
        attendees: int = 1,
    ) -> str:
        """An untagged timed event with `attendees` other people (and the owner) invited."""
        people = [
            {"email": self._calendar(calendar).id, "self": True, "responseStatus": "accepted"}
        ]
        people += [
            {"email": f"guest{i}@example.com", "responseStatus": "accepted"}
            for i in range(attendees)
        ]
        event = self.put_event(
            calendar,
            {
                "summary": title,
                "start": {"dateTime": _rfc3339(start)},
                "end": {"dateTime": _rfc3339(end)},
                "attendees": people if attendees else [],
            },
        )
        return str(event["id"])

    def edit_event(self, calendar: str, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change an event as the person would in their calendar app (new etag)."""
        with self.lock:
            data = self._calendar(calendar)
            event = _merge(data.events[event_id], changes)
            return self._store(data, event, created=False)

    def delete_event(self, calendar: str, event_id: str) -> None:
        """Delete an event as the person would (it stays as a cancelled tombstone for sync)."""
        with self.lock:
            data = self._calendar(calendar)
            event = dict(data.events[event_id], status="cancelled")
            self._store(data, event, created=False)

    def events(self, calendar: str) -> dict[str, dict[str, Any]]:
        """Every event of the calendar (cancelled ones included), raw, by id."""
        with self.lock:
            return copy.deepcopy(self._calendar(calendar).events)

    def live_events(self, calendar: str) -> dict[str, dict[str, Any]]:
        """The events that are not cancelled."""
        return {k: v for k, v in self.events(calendar).items() if v.get("status") != "cancelled"}

    def routes(self, route: str, calendar: str | None = None) -> list[Logged]:
        """The logged requests of one route (optionally of one calendar)."""
        with self.lock:
            return [
                r
                for r in self.requests
                if r.route == route and (calendar is None or r.calendar == calendar)
            ]

    # -- internals ------------------------------------------------------------------------

    def _calendar(self, calendar: str) -> FakeCalendarData:
        key = self.owner if calendar == "primary" else calendar
        if key not in self.calendars:
            raise ApiError(404, "notFound", "Not Found")
        return self.calendars[key]

    def _store(
        self, data: FakeCalendarData, event: dict[str, Any], *, created: bool
    ) -> dict[str, Any]:
        now = _stamp(next(self._clock))
        event["kind"] = "calendar#event"
        event["etag"] = f'"{3_000_000_000_000 + next(self._counter)}"'
        event["updated"] = now
        if created:
            event["created"] = now
            mine = data.id == self.owner
            event.setdefault(
                "organizer", {"email": data.id, "self": True} if mine else {"email": data.id}
            )
            event.setdefault("creator", {"email": self.owner, "self": True})
            event.setdefault("eventType", "default")
        data.events[event["id"]] = event
        data.seq[event["id"]] = next(self._counter)
        return copy.deepcopy(event)

    def _next_fault(self, route: str) -> Fault | None:
        with self.lock:
            queue = self._faults.get(route)
            return queue.popleft() if queue else None

    # -- routes ---------------------------------------------------------------------------

    def handle_list(self, calendar: str, query: dict[str, list[str]]) -> dict[str, Any]:
        data = self._calendar(calendar)
        one = {k: v[-1] for k, v in query.items()}
        size = min(int(one.get("maxResults", "250")), 2500)
        sync = one.get("syncToken")
        page = one.get("pageToken")
        if sync is not None and any(
            k in query for k in ("timeMin", "timeMax", "privateExtendedProperty", "q")
        ):
            raise ApiError(400, "invalid", "syncToken cannot be combined with these filters")
        if sync is not None and one.get("showDeleted") == "false":
            raise ApiError(400, "invalid", "showDeleted must not be false with a syncToken")
        if page is not None:
            listing_key, offset_text, epoch_text, since_text = _decode(page).split("|")
            if listing_key not in self._listings:
                raise ApiError(400, "invalid", "Invalid page token")
            if since_text != "-" and int(epoch_text) != data.epoch:
                raise _gone()
            (ids, top), offset, horizon = self._listings[listing_key], int(offset_text), since_text
        else:
            if sync is not None:
                epoch, since = _parse_sync(sync)
                if epoch != data.epoch:
                    raise _gone()
                chosen = [i for i in data.events if data.seq[i] > since]
                horizon = str(since)
            else:
                chosen = [i for i in data.events if self._matches(data, data.events[i], query)]
                horizon = "-"
            ids = sorted(chosen, key=lambda i: (self._start_key(data, data.events[i]), i))
            # The sync token at the end covers the changes up to NOW: later ones (even those made
            # while the client pages) come with the next incremental listing.
            top = max(data.seq.values(), default=0)
            listing_key = uuid.uuid4().hex
            self._listings[listing_key] = (ids, top)
            offset = 0
        chunk = [copy.deepcopy(data.events[i]) for i in ids[offset : offset + size]]
        if horizon == "-" and one.get("showDeleted") != "true":
            chunk = [e for e in chunk if e.get("status") != "cancelled"]
        answer: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"{next(self._counter)}"',
            "summary": data.summary,
            "timeZone": data.time_zone,
            "accessRole": "owner",
            "updated": _stamp(next(self._clock)),
            "items": chunk,
        }
        if offset + size < len(ids):
            token = f"{listing_key}|{offset + size}|{data.epoch}|{horizon}"
            answer["nextPageToken"] = _encode(token)
        else:
            answer["nextSyncToken"] = _encode(f"sync|{data.epoch}|{top}")
        return answer

    def handle_insert(self, calendar: str, body: dict[str, Any]) -> dict[str, Any]:
        data = self._calendar(calendar)
        event_id = body.get("id")
        if event_id is not None and not ID_PATTERN.match(str(event_id)):
            raise ApiError(400, "invalid", "Invalid resource id value.")
        if event_id is not None and event_id in data.events:
            raise ApiError(409, "duplicate", "The requested identifier already exists.")
        if "start" not in body or "end" not in body:
            raise ApiError(400, "required", "Missing end time.")
        if body.get("eventType") == "focusTime" and not data.focus_time_allowed:
            raise ApiError(
                400, "invalid", "Focus time events cannot be created on this calendar.", "calendar"
            )
        event = copy.deepcopy(body)
        event.setdefault("id", uuid.uuid4().hex)
        event.setdefault("status", "confirmed")
        return self._store(data, event, created=True)

    def handle_get(self, calendar: str, event_id: str) -> dict[str, Any]:
        data = self._calendar(calendar)
        if event_id not in data.events:
            raise ApiError(404, "notFound", "Not Found")
        return copy.deepcopy(data.events[event_id])

    def handle_write(
        self,
        calendar: str,
        event_id: str,
        if_match: str | None,
        body: dict[str, Any] | None,
        route: str,
    ) -> dict[str, Any] | None:
        data = self._calendar(calendar)
        if event_id not in data.events:
            raise ApiError(404, "notFound", "Not Found")
        current = data.events[event_id]
        if if_match is not None and if_match != current["etag"]:
            raise ApiError(412, "conditionNotMet", "Precondition Failed")
        if route == "delete":
            if current.get("status") == "cancelled":
                raise ApiError(410, "deleted", "Resource has been deleted")
            self._store(data, dict(current, status="cancelled"), created=False)
            return None
        assert body is not None
        if "eventType" in body and body["eventType"] != current.get("eventType", "default"):
            raise ApiError(400, "invalid", "The event type cannot be changed.")
        if route == "patch":
            event = _merge(current, body)
        else:
            keep = {k: current[k] for k in ("id", "created", "organizer", "creator", "eventType")}
            event = {**copy.deepcopy(body), **keep, "status": body.get("status", "confirmed")}
        return self._store(data, event, created=False)

    def handle_freebusy(self, body: dict[str, Any]) -> dict[str, Any]:
        lo, hi = _instant(body["timeMin"]), _instant(body["timeMax"])
        result: dict[str, Any] = {}
        for item in body.get("items") or []:
            try:
                data = self._calendar(str(item["id"]))
            except ApiError:
                result[item["id"]] = {"errors": [{"domain": "global", "reason": "notFound"}]}
                continue
            spans = sorted(
                self._span(data, e)
                for e in data.events.values()
                if e.get("status") != "cancelled" and e.get("transparency") != "transparent"
            )
            merged: list[list[dt.datetime]] = []
            for start, end in spans:
                start, end = max(start, lo), min(end, hi)
                if end <= start:
                    continue
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            result[item["id"]] = {
                "busy": [{"start": _rfc3339(s), "end": _rfc3339(e)} for s, e in merged]
            }
        return {
            "kind": "calendar#freeBusy",
            "timeMin": body["timeMin"],
            "timeMax": body["timeMax"],
            "calendars": result,
        }

    def _span(
        self, data: FakeCalendarData, event: dict[str, Any]
    ) -> tuple[dt.datetime, dt.datetime]:
        tz = ZoneInfo(data.time_zone)
        return _when(event["start"], tz), _when(event["end"], tz)

    def _start_key(self, data: FakeCalendarData, event: dict[str, Any]) -> dt.datetime:
        if "start" not in event:
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return self._span(data, event)[0]

    def _matches(
        self, data: FakeCalendarData, event: dict[str, Any], query: dict[str, list[str]]
    ) -> bool:
        start, end = self._span(data, event)
        if "timeMin" in query and end <= _instant(query["timeMin"][-1]):
            return False
        if "timeMax" in query and start >= _instant(query["timeMax"][-1]):
            return False
        private = (event.get("extendedProperties") or {}).get("private") or {}
        for condition in query.get("privateExtendedProperty", []):
            name, _, value = condition.partition("=")
            if private.get(name) != value:
                return False
        return True


def _handler_for(fake: FakeGoogleCalendar) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave at once: no delayed-ACK stalls
        wbufsize = -1  # buffered; handle_one_request flushes after each answer

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            route, calendar, event_id = _route(method, url.path)
            if_match = self.headers.get("If-Match")
            status, payload, extra = 200, None, {}
            delay = 0.0
            try:
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    raise ApiError(
                        401,
                        "authError",
                        "Request had invalid authentication credentials. Expected OAuth 2 "
                        "access token.",
                    )
                if route is None:
                    raise ApiError(404, "notFound", f"No such method: {method} {url.path}")
                fault = fake._next_fault(route)
                if fault is not None and fault.status is not None:
                    if fault.retry_after is not None:
                        extra["Retry-After"] = fault.retry_after
                    raise ApiError(
                        fault.status,
                        fault.reason or _default_reason(fault.status),
                        fault.message or f"Scripted fault {fault.status}",
                    )
                delay = fault.delay_s if fault is not None else 0.0
                body = json.loads(raw) if raw else None
                with fake.lock:
                    payload = _dispatch(fake, route, calendar, event_id, query, if_match, body)
                if route == "delete":
                    status = 204
            except ApiError as error:
                status = error.status
                payload = {
                    "error": {
                        "code": error.status,
                        "message": error.message,
                        "errors": [
                            {
                                "domain": error.domain,
                                "reason": error.reason,
                                "message": error.message,
                            }
                        ],
                    }
                }
            with fake.lock:
                fake.requests.append(
                    Logged(method, route or "?", calendar, event_id, query, if_match, status)
                )
            if delay:
                time.sleep(delay)
            self._answer(status, payload, extra)

        def _answer(self, status: int, payload: Any, extra: dict[str, str]) -> None:
            data = b"" if status == 204 else json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if data:
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.close_connection = True

    return Handler


def _route(method: str, path: str) -> tuple[str | None, str | None, str | None]:
    parts = [urllib.parse.unquote(p) for p in path.split("/") if p]
    if parts[:2] != ["calendar", "v3"]:
        return None, None, None
    rest = parts[2:]
    if rest == ["freeBusy"] and method == "POST":
        return "freebusy", None, None
    if len(rest) == 3 and rest[0] == "calendars" and rest[2] == "events":
        return {"GET": "list", "POST": "insert"}.get(method), rest[1], None
    if len(rest) == 4 and rest[0] == "calendars" and rest[2] == "events":
        routes = {"GET": "get", "PATCH": "patch", "PUT": "update", "DELETE": "delete"}
        return routes.get(method), rest[1], rest[3]
    return None, None, None


def _dispatch(
    fake: FakeGoogleCalendar,
    route: str,
    calendar: str | None,
    event_id: str | None,
    query: dict[str, list[str]],
    if_match: str | None,
    body: Any,
) -> Any:
    if route == "freebusy":
        return fake.handle_freebusy(body or {})
    assert calendar is not None
    if route == "list":
        return fake.handle_list(calendar, query)
    if route == "insert":
        return fake.handle_insert(calendar, body or {})
    assert event_id is not None
    if route == "get":
        return fake.handle_get(calendar, event_id)
    return fake.handle_write(calendar, event_id, if_match, body, route)


def _default_reason(status: int) -> str:
    return {
        401: "authError",
        403: "forbidden",
        404: "notFound",
        410: "fullSyncRequired",
        429: "rateLimitExceeded",
    }.get(status, "backendError")


def _gone() -> ApiError:
    return ApiError(
        410,
        "fullSyncRequired",
        "Sync token is no longer valid, a full sync is required.",
        "calendar",
    )


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """PATCH semantics: nested objects merge key by key, everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _parse_sync(token: str) -> tuple[int, int]:
    try:
        kind, epoch, since = _decode(token).split("|")
        if kind != "sync":
            raise ValueError(kind)
        return int(epoch), int(since)
    except ValueError:
        raise _gone() from None


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid", "Invalid token") from None


def _instant(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ApiError(400, "invalid", f"Bad time {text!r}")
    return moment


def _when(value: dict[str, Any], tz: ZoneInfo) -> dt.datetime:
    if "dateTime" in value:
        moment = dt.datetime.fromisoformat(str(value["dateTime"]).replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    return dt.datetime.combine(dt.date.fromisoformat(value["date"]), dt.time(), tz)


def _rfc3339(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("aware datetimes only")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(tick: int) -> str:
    """A deterministic `updated` time: 2026-01-01 plus `tick` seconds (no clock is read)."""
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return (base + dt.timedelta(seconds=tick)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
