"""A wire-level fake of Microsoft Graph's calendar API and of the Microsoft identity platform.

Why: the Outlook connector must be tested with the real msal and the real httpx on the wire,
never the internet. `FakeGraph` runs a ThreadingHTTPServer on 127.0.0.1 (random free port, in a
thread) that serves:

- the authority msal needs: `/<tenant>/v2.0/.well-known/openid-configuration`,
  `/<tenant>/oauth2/v2.0/devicecode`, `/<tenant>/oauth2/v2.0/token` (device code, client
  credentials, refresh token) and `/common/discovery/instance`. msal only accepts https
  authorities, so `FakeGraph(tls=True)` serves over TLS with a throw-away self-signed
  certificate (`ca_path`, to pass as `verify=`);
- Graph under `/v1.0`: `/me`, `/users/<id>`, calendars, `calendarView` (paging with
  `Prefer: odata.maxpagesize`, `Prefer: outlook.timezone`), `calendarView/delta` (nextLink /
  deltaLink, `@removed`, 410 syncStateNotFound for invalidated links), events GET / POST
  (transactionId dedup) / PATCH / DELETE (If-Match -> 412), `$filter` and `$expand` on our
  single-value extended properties, a bearer-token check (401) and scope checks (403).

Knobs for tests: `add_user`, `issue_token`, `add_event` (foreign or tagged), `edit_event` /
`delete_event` (the person in their calendar app: the etag changes), `invalidate_delta`,
`inject` (status faults such as 429 with Retry-After or 503, and slow answers for timeouts;
a slow answer is applied first and answered late, like a real timeout), `requests` (a log).

Usage:
    with FakeGraph() as fake:
        fake.add_user("ada@example.com", calendars=("default", "work"))
        token = fake.issue_token("ada@example.com")
        ...  # point GraphClient(fake.endpoint, ...) at it
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import itertools
import json
import re
import secrets
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

APP_PRINCIPAL = "<app>"
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access"})
TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
DEFAULT_PAGE = 10
_UTC = dt.UTC

Json = dict[str, Any]


@dataclass
class Fault:
    """One injected misbehaviour, matched against 'METHOD /path?query'."""

    status: int | None = None  # None: answer normally, only `delay_s` late
    delay_s: float = 0.0
    retry_after: str | None = None
    code: str = ""
    match: str | None = None
    skip: int = 0  # let this many matching requests through first
    times: int = 1


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int = 0


@dataclass
class Grant:
    principal: str
    scopes: frozenset[str]


@dataclass
class Calendar:
    id: str
    owner: str
    events: dict[str, Json] = field(default_factory=dict)
    tombstones: dict[str, int] = field(default_factory=dict)
    epoch: int = 0


@dataclass
class User:
    upn: str
    tz: str
    calendars: dict[str, Calendar]
    default: str


@dataclass
class Round:
    """A frozen listing (calendarView or one delta round) served page by page."""

    ids: list[str]
    calendar: Calendar
    window: tuple[dt.datetime, dt.datetime]
    expand: frozenset[str] | None
    delta: bool
    epoch: int
    snapshot: int
    path: str


class GraphAnswer(Exception):
    def __init__(
        self, status: int, code: str, message: str = "", headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message or code
        self.headers = dict(headers or {})


class FakeGraph:
    """State, knobs and the HTTP server (see the module docstring)."""

    def __init__(self, *, tls: bool = False, tenant: str = "common") -> None:
        self.tls = tls
        self.tenant = tenant
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.grants: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        self.clients: dict[str, str | None] = {"calendar-slack-test": None}
        self.device_codes: dict[str, Json] = {}
        self.device_user: str | None = None
        self.pending_polls = 1
        self.named_calendar_delta = True  # False: like Graph v1.0, delta on the default only
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.errors: list[str] = []  # exceptions inside the fake (tests assert there are none)
        self.rounds: dict[str, Round] = {}
        self.delta_tokens: dict[str, Json] = {}
        self.version = 0
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.ca_path: str | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeGraph:
        context = None
        if self.tls:
            self._tmp = tempfile.TemporaryDirectory(prefix="fake-graph-")
            cert, key = _self_signed(Path(self._tmp.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self.ca_path = str(cert)
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        server.ssl_context = context
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        assert self._server is not None, "start() the fake first"
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def endpoint(self) -> str:
        return f"{self.base}/v1.0"

    @property
    def authority(self) -> str:
        return f"{self.base}/{self.tenant}"

    # -- knobs ------------------------------------------------------------------------------

    def add_user(
        self, upn: str, *, calendars: Sequence[str] = ("default",), tz: str = "Europe/Stockholm"
    ) -> User:
        """A mailbox; the first calendar is its default calendar."""
        with self.lock:
            key = upn.lower()
            cals = {c: Calendar(c, key) for c in calendars}
            user = User(key, tz, cals, calendars[0])
            self.users[key] = user
            if self.device_user is None:
                self.device_user = key
            return user

    def add_client(self, client_id: str, secret: str | None = None) -> None:
        """An app registration: public (no secret) or confidential."""
        with self.lock:
            self.clients[client_id] = secret

    def issue_token(
        self, principal: str, scopes: Sequence[str] = ("Calendars.Read", "Calendars.ReadWrite")
    ) -> str:
        """A valid access token for `principal` (a user, or APP_PRINCIPAL) with `scopes`."""
        with self.lock:
            token = "at-" + secrets.token_hex(12)
            self.grants[token] = Grant(principal.lower(), frozenset(s.lower() for s in scopes))
            return token

    def add_event(
        self,
        user: str,
        calendar: str = "default",
        *,
        start: dt.datetime | dt.date,
        end: dt.datetime | dt.date,
        subject: str = "Meeting",
        all_day: bool = False,
        show_as: str = "busy",
        response: str | None = None,
        attendees: Sequence[str | Mapping[str, Any]] = (),
        organizer: str | None = None,
        cancelled: bool = False,
        series_master_id: str | None = None,
        tag: tuple[str, str] | None = None,
        transaction_id: str | None = None,
    ) -> str:
        """Put an event in a calendar as another app would (untagged unless `tag`)."""
        with self.lock:
            owner = self.users[user.lower()]
            cal = self._calendar(owner, calendar)
            organizer_address = (organizer or owner.upn).lower()
            is_organizer = organizer_address == owner.upn
            answer = response or ("organizer" if is_organizer else "accepted")
            event: Json = {
                "id": self._new_id(),
                "subject": subject,
                "isAllDay": all_day,
                "showAs": show_as,
                "isCancelled": cancelled,
                "isOrganizer": is_organizer,
                "responseStatus": {"response": answer, "time": "0001-01-01T00:00:00Z"},
                "organizer": {"emailAddress": {"address": organizer_address, "name": ""}},
                "attendees": [_attendee(a) for a in attendees],
                "type": "occurrence" if series_master_id else "singleInstance",
                "seriesMasterId": series_master_id,
                "body": {"contentType": "text", "content": ""},
                "_props": [],
                "_tx": transaction_id,
            }
            if tag is not None:
                event["_props"] = _tag_props(*tag)
            _set_times(event, start, end, all_day, ZoneInfo(owner.tz))
            self._touch(cal, event)
            return str(event["id"])

    def edit_event(self, event_id: str, **changes: Any) -> None:
        """The person edits an event in their calendar app (start / end / subject / show_as)."""
        with self.lock:
            cal, event = self._find(event_id)
            owner = self.users[cal.owner]
            if "subject" in changes:
                event["subject"] = changes["subject"]
            if "show_as" in changes:
                event["showAs"] = changes["show_as"]
            if "cancelled" in changes:
                event["isCancelled"] = bool(changes["cancelled"])
            if "response" in changes:
                event["responseStatus"] = {"response": changes["response"]}
            if "start" in changes or "end" in changes:
                all_day = bool(changes.get("all_day", event["isAllDay"]))
                start = changes["start"] if "start" in changes else event["_start_value"]
                end = changes["end"] if "end" in changes else event["_end_value"]
                _set_times(event, start, end, all_day, ZoneInfo(owner.tz))
            self._touch(cal, event)

    def delete_event(self, event_id: str) -> None:
        """The person deletes an event in their calendar app."""
        with self.lock:
            cal, _ = self._find(event_id)
            self._remove(cal, event_id)

    def invalidate_delta(self, user: str, calendar: str = "default") -> None:
        """Every delta / paging link of that calendar dies (next use: 410 syncStateNotFound)."""
        with self.lock:
            self._calendar(self.users[user.lower()], calendar).epoch += 1

    def inject(self, **fault: Any) -> Fault:
        """Add a Fault (see the class); returns it."""
        with self.lock:
            made = Fault(**fault)
            self.faults.append(made)
            return made

    def snapshot(self, user: str, calendar: str = "default") -> dict[str, Json]:
        """Every event of a calendar as Graph would show it (UTC, tag included), by id."""
        with self.lock:
            cal = self._calendar(self.users[user.lower()], calendar)
            return {
                eid: self._render(e, "UTC", frozenset({"*"}), cal)
                for eid, e in sorted(cal.events.items())
            }

    def event(self, event_id: str) -> Json:
        with self.lock:
            cal, event = self._find(event_id)
            return self._render(event, "UTC", frozenset({"*"}), cal)

    def graph_requests(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r.path.startswith("/v1.0")
                and (method is None or r.method == method)
                and contains in r.path
            ]

    # -- request handling ---------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            if "json" in headers.get("content-type", ""):
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
            else:
                body = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        method = handler.command
        record = Recorded(method, path, query, headers, body)
        delay = 0.0
        status: int
        out_headers: dict[str, str] = {}
        payload: Any
        with self.lock:
            self.requests.append(record)
            fault = self._fault(f"{method} {split.path}?{split.query}")
            try:
                if fault is not None and fault.status is not None:
                    extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    raise GraphAnswer(fault.status, fault.code or _reason(fault.status), "", extra)
                if fault is not None:
                    delay = fault.delay_s
                status, payload = self._route(method, path, query, headers, body)
            except GraphAnswer as answer:
                status, out_headers = answer.status, answer.headers
                if path.startswith("/v1.0"):
                    payload = {"error": {"code": answer.code, "message": answer.message}}
                else:
                    payload = {"error": answer.code, "error_description": answer.message}
                if status == 401:
                    out_headers["WWW-Authenticate"] = 'Bearer realm="", error="invalid_token"'
            except Exception as exc:  # a bug in the fake: answer 500 and let the test see it
                self.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                status, payload = 500, {"error": {"code": "FakeBug", "message": str(exc)}}
            record.status = status
        if delay:
            self._stopping.wait(delay)
        data = b"" if payload is None else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            for name, value in out_headers.items():
                handler.send_header(name, value)
            if data:
                handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass  # the client gave up (a timeout test): the change stays applied

    def _fault(self, line: str) -> Fault | None:
        for fault in self.faults:
            if fault.times <= 0 or (fault.match is not None and fault.match not in line):
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            fault.times -= 1
            return fault
        return None

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        if path.startswith("/v1.0/"):
            grant = self._grant(headers)
            return self._graph(method, path[len("/v1.0/") :], query, headers, body, grant)
        return self._identity(method, path, query, body)

    # -- identity platform ------------------------------------------------------------------

    def _identity(
        self, method: str, path: str, query: dict[str, str], form: Any
    ) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        if parts[-2:] == ["discovery", "instance"]:
            return 200, {
                "tenant_discovery_endpoint": (
                    f"{self.authority}/v2.0/.well-known/openid-configuration"
                ),
                "api-version": "1.1",
                "metadata": [],
            }
        if len(parts) >= 2 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            tenant = parts[0]
            root = f"{self.base}/{tenant}"
            return 200, {
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                "issuer": f"{self.base}/{TENANT_ID}/v2.0",
                "response_types_supported": ["code", "id_token", "token"],
            }
        if method == "POST" and parts[-3:] == ["oauth2", "v2.0", "devicecode"]:
            return self._devicecode(dict(form or {}))
        if method == "POST" and parts[-3:] == ["oauth2", "v2.0", "token"]:
            return self._token(dict(form or {}))
        raise GraphAnswer(404, "not_found", f"no identity endpoint {path}")

    def _devicecode(self, form: dict[str, str]) -> tuple[int, Any]:
        client = form.get("client_id", "")
        if client not in self.clients:
            raise GraphAnswer(400, "unauthorized_client", f"AADSTS700016: app {client} not found")
        code = "dc-" + secrets.token_hex(8)
        user_code = secrets.token_hex(4).upper()
        self.device_codes[code] = {
            "client": client,
            "scope": form.get("scope", ""),
            "polls": self.pending_polls,
            "user": self.device_user,
        }
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": f"{self.base}/devicelogin",
            "expires_in": 900,
            "interval": 0,
            "message": f"To sign in, open {self.base}/devicelogin and enter the code {user_code}.",
        }

    def _token(self, form: dict[str, str]) -> tuple[int, Any]:
        grant_type = form.get("grant_type", "")
        client = form.get("client_id", "")
        if client not in self.clients:
            raise GraphAnswer(400, "unauthorized_client", f"AADSTS700016: app {client} not found")
        if grant_type == "urn:ietf:params:oauth:grant-type:device_code":
            flow = self.device_codes.get(form.get("device_code", ""))
            if flow is None:
                raise GraphAnswer(400, "invalid_grant", "unknown device code")
            if flow["polls"] > 0:
                flow["polls"] -= 1
                raise GraphAnswer(400, "authorization_pending", "the user has not signed in yet")
            if flow["user"] is None:
                raise GraphAnswer(400, "authorization_declined", "the user declined")
            del self.device_codes[form["device_code"]]
            return 200, self._user_tokens(str(flow["user"]), client, flow["scope"])
        if grant_type == "refresh_token":
            grant = self.refresh.pop(form.get("refresh_token", ""), None)
            if grant is None:
                raise GraphAnswer(400, "invalid_grant", "AADSTS700082: the refresh token expired")
            return 200, self._user_tokens(grant.principal, client, " ".join(grant.scopes))
        if grant_type == "client_credentials":
            secret = self.clients.get(client)
            if secret is None or form.get("client_secret") != secret:
                raise GraphAnswer(401, "invalid_client", "AADSTS7000215: invalid client secret")
            token = self.issue_token(APP_PRINCIPAL, (".default",))
            return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        raise GraphAnswer(400, "unsupported_grant_type", grant_type)

    def _user_tokens(self, upn: str, client: str, scope: str) -> Json:
        scopes = [s for s in scope.split() if s.lower() not in RESERVED_SCOPES]
        token = self.issue_token(upn, scopes)
        refresh = "rt-" + secrets.token_hex(12)
        self.refresh[refresh] = Grant(upn, frozenset(scopes))
        oid = f"oid-{upn}"
        claims = {
            "aud": client,
            "iss": f"{self.base}/{TENANT_ID}/v2.0",
            "iat": 1_700_000_000,
            "nbf": 1_700_000_000,
            "exp": 4_100_000_000,
            "name": upn.split("@")[0],
            "oid": oid,
            "preferred_username": upn,
            "sub": f"sub-{upn}",
            "tid": TENANT_ID,
            "ver": "2.0",
        }
        return {
            "token_type": "Bearer",
            "scope": " ".join(scopes),
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
            "refresh_token": refresh,
            "id_token": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
            "client_info": _b64({"uid": oid, "utid": TENANT_ID}),
        }

    # -- Graph --------------------------------------------------------------------------------

    def _grant(self, headers: dict[str, str]) -> Grant:
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            raise GraphAnswer(401, "InvalidAuthenticationToken", "Access token is empty.")
        grant = self.grants.get(auth[7:].strip())
        if grant is None:
            raise GraphAnswer(401, "InvalidAuthenticationToken", "Access token validation failure.")
        return grant

    def _graph(
        self,
        method: str,
        rest: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        grant: Grant,
    ) -> tuple[int, Any]:
        parts = [p for p in rest.split("/") if p]
        if parts[:1] == ["me"]:
            if grant.principal == APP_PRINCIPAL:
                raise GraphAnswer(
                    400,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
            user, prefix, parts = self.users[grant.principal], "/v1.0/me", parts[1:]
        elif parts[:1] == ["users"] and len(parts) >= 2:
            if parts[1].lower() not in self.users:
                raise GraphAnswer(404, "ErrorItemNotFound", f"no user {parts[1]}")
            user = self.users[parts[1].lower()]
            if grant.principal not in (APP_PRINCIPAL, user.upn):
                raise GraphAnswer(403, "ErrorAccessDenied", "Access is denied.")
            prefix, parts = f"/v1.0/users/{quote(parts[1], safe='@')}", parts[2:]
        else:
            raise GraphAnswer(400, "BadRequest", f"Unsupported path /v1.0/{rest}")
        write = method in ("POST", "PATCH", "DELETE")
        self._scope(grant, write)
        tz = _prefer_tz(headers.get("prefer", ""), user.tz)
        page = _prefer_page(headers.get("prefer", ""))
        if not parts and method == "GET":
            return 200, {"id": f"oid-{user.upn}", "mail": user.upn, "userPrincipalName": user.upn}
        if parts == ["calendars"] and method == "GET":
            return 200, {"value": [{"id": c, "name": c} for c in user.calendars]}
        cal, tail = self._calendar_of(user, parts)
        full = f"{prefix}/{'/'.join(parts)}"
        if tail == ["calendarView"] and method == "GET":
            return 200, self._view(cal, query, tz, page, full, delta=False)
        if tail == ["calendarView", "delta"] and method == "GET":
            if not self.named_calendar_delta and parts[0] == "calendars":
                raise GraphAnswer(400, "BadRequest", "Resource not found for the segment 'delta'.")
            return 200, self._view(cal, query, tz, page, full, delta=True)
        if tail == ["events"] and method == "GET":
            return 200, self._list(cal, query, tz)
        if tail == ["events"] and method == "POST":
            return 201, self._create(cal, user, dict(body or {}), tz)
        if len(tail) == 2 and tail[0] == "events":
            event_cal, event = self._find_in(user, tail[1], cal if parts[0] != "events" else None)
            if method == "GET":
                return 200, self._render(event, tz, _expand(query.get("$expand")), event_cal)
            self._if_match(event, headers)
            if method == "PATCH":
                self._patch(event, user, dict(body or {}))
                self._touch(event_cal, event)
                return 200, self._render(event, tz, None, event_cal)
            if method == "DELETE":
                self._remove(event_cal, str(event["id"]))
                return 204, None
        raise GraphAnswer(405, "ErrorInvalidRequest", f"{method} {full} is not supported")

    def _scope(self, grant: Grant, write: bool) -> None:
        if grant.principal == APP_PRINCIPAL:
            return
        need = {"calendars.readwrite"} if write else {"calendars.read", "calendars.readwrite"}
        if not need & grant.scopes:
            raise GraphAnswer(403, "ErrorAccessDenied", "Access is denied. Check credentials.")

    def _calendar_of(self, user: User, parts: list[str]) -> tuple[Calendar, list[str]]:
        if parts[:1] == ["calendar"]:
            return user.calendars[user.default], parts[1:]
        if parts[:1] == ["calendars"] and len(parts) >= 2:
            return self._calendar(user, parts[1]), parts[2:]
        if parts[:1] == ["calendarView"]:
            return user.calendars[user.default], parts
        return user.calendars[user.default], parts

    def _calendar(self, user: User, calendar: str) -> Calendar:
        cal = user.calendars.get(user.default if calendar == "default" else calendar)
        if cal is None:
            raise GraphAnswer(404, "ErrorItemNotFound", f"no calendar {calendar}")
        return cal

    def _view(
        self,
        cal: Calendar,
        query: dict[str, str],
        tz: str,
        page: int,
        path: str,
        *,
        delta: bool,
    ) -> Json:
        if "$skiptoken" in query:
            round_id, _, offset_text = query["$skiptoken"].rpartition("-")
            listing = self.rounds.get(round_id)
            if listing is None or listing.epoch != listing.calendar.epoch:
                raise GraphAnswer(410, "syncStateNotFound", "The sync state is not found.")
            return self._page(round_id, listing, int(offset_text), tz, page)
        if delta and any(k in query for k in ("$expand", "$select", "$filter", "$orderby")):
            raise GraphAnswer(400, "ErrorInvalidUrlQuery", "delta does not support that query")
        if delta and "$deltatoken" in query:
            spec = self.delta_tokens.get(query["$deltatoken"])
            if spec is None or spec["epoch"] != cal.epoch or spec["calendar"] is not cal:
                raise GraphAnswer(410, "syncStateNotFound", "The sync state is not found.")
            since = int(spec["version"])
            changed = {eid for eid, e in cal.events.items() if e["_version"] > since}
            changed |= {eid for eid, v in cal.tombstones.items() if v > since}
            ids = sorted(changed, key=lambda eid: _order(cal, eid))
            window = spec["window"]
            expand = None
        else:
            window = (_query_time(query, "startDateTime"), _query_time(query, "endDateTime"))
            matcher = _filter(query.get("$filter"))
            ids = [
                eid
                for eid, e in sorted(cal.events.items(), key=lambda kv: _order(cal, kv[0]))
                if _overlaps(e, window) and matcher(e)
            ]
            expand = _expand(query.get("$expand"))
        round_id = secrets.token_hex(6)
        self.rounds[round_id] = Round(
            ids, cal, window, expand, delta, cal.epoch, self.version, path
        )
        return self._page(round_id, self.rounds[round_id], 0, tz, page)

    def _page(self, round_id: str, listing: Round, offset: int, tz: str, page: int) -> Json:
        chunk = listing.ids[offset : offset + page]
        values = []
        for eid in chunk:
            event = listing.calendar.events.get(eid)
            if event is not None and _overlaps(event, listing.window):
                values.append(self._render(event, tz, listing.expand, listing.calendar))
            elif listing.delta:
                values.append(
                    {
                        "@odata.type": "#microsoft.graph.event",
                        "id": eid,
                        "@removed": {"reason": "deleted"},
                    }
                )
        out: Json = {"value": values}
        link = f"{self.base}{listing.path}"
        if offset + page < len(listing.ids):
            out["@odata.nextLink"] = f"{link}?$skiptoken={round_id}-{offset + page}"
        elif listing.delta:
            token = secrets.token_hex(8)
            self.delta_tokens[token] = {
                "calendar": listing.calendar,
                "window": listing.window,
                "version": listing.snapshot,
                "epoch": listing.epoch,
            }
            out["@odata.deltaLink"] = f"{link}?$deltatoken={token}"
        return out

    def _list(self, cal: Calendar, query: dict[str, str], tz: str) -> Json:
        matcher = _filter(query.get("$filter"))
        expand = _expand(query.get("$expand"))
        ordered = sorted(cal.events.items(), key=lambda kv: _order(cal, kv[0]))
        return {"value": [self._render(e, tz, expand, cal) for _, e in ordered if matcher(e)]}

    def _create(self, cal: Calendar, user: User, body: Json, tz: str) -> Json:
        tx = body.get("transactionId")
        if tx:
            for known in cal.events.values():
                if known.get("_tx") == tx:
                    return self._render(known, tz, None, cal)
        try:
            start = _parse_time(body["start"])
            end = _parse_time(body["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise GraphAnswer(400, "ErrorInvalidRequest", f"bad start/end: {exc}") from None
        event: Json = {
            "id": self._new_id(),
            "subject": body.get("subject", ""),
            "isAllDay": False,
            "showAs": body.get("showAs", "busy"),
            "isCancelled": False,
            "isOrganizer": True,
            "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
            "organizer": {"emailAddress": {"address": user.upn, "name": ""}},
            "attendees": [],
            "type": "singleInstance",
            "seriesMasterId": None,
            "body": body.get("body") or {"contentType": "text", "content": ""},
            "categories": list(body.get("categories") or []),
            "_props": [dict(p) for p in body.get("singleValueExtendedProperties") or []],
            "_tx": tx,
        }
        _set_times(event, start, end, False, ZoneInfo(user.tz))
        self._touch(cal, event)
        return self._render(event, tz, None, cal)

    def _patch(self, event: Json, user: User, body: Json) -> None:
        for name in ("subject", "showAs", "body", "categories"):
            if name in body:
                event[name] = body[name]
        if "start" in body or "end" in body:
            try:
                start = _parse_time(body["start"]) if "start" in body else event["_start_value"]
                end = _parse_time(body["end"]) if "end" in body else event["_end_value"]
            except (TypeError, ValueError) as exc:
                raise GraphAnswer(400, "ErrorInvalidRequest", f"bad start/end: {exc}") from None
            _set_times(event, start, end, False, ZoneInfo(user.tz))
        for prop in body.get("singleValueExtendedProperties") or []:
            event["_props"] = [p for p in event["_props"] if p["id"].lower() != prop["id"].lower()]
            event["_props"].append(dict(prop))

    def _if_match(self, event: Json, headers: dict[str, str]) -> None:
        wanted = headers.get("if-match")
        if wanted and wanted != "*" and wanted != event["@odata.etag"]:
            raise GraphAnswer(412, "ErrorIrresolvableConflict", "The etag does not match.")

    def _find(self, event_id: str) -> tuple[Calendar, Json]:
        for user in self.users.values():
            for cal in user.calendars.values():
                if event_id in cal.events:
                    return cal, cal.events[event_id]
        raise GraphAnswer(404, "ErrorItemNotFound", "The specified object was not found.")

    def _find_in(self, user: User, event_id: str, cal: Calendar | None) -> tuple[Calendar, Json]:
        for candidate in [cal] if cal is not None else list(user.calendars.values()):
            if event_id in candidate.events:
                return candidate, candidate.events[event_id]
        raise GraphAnswer(404, "ErrorItemNotFound", "The specified object was not found.")

    def _touch(self, cal: Calendar, event: Json) -> None:
        self.version += 1
        event["_version"] = self.version
        event["@odata.etag"] = f'W/"DwAAABYAAA{self.version:06d}"'
        event["changeKey"] = f"DwAAABYAAA{self.version:06d}"
        cal.events[str(event["id"])] = event
        cal.tombstones.pop(str(event["id"]), None)

    def _remove(self, cal: Calendar, event_id: str) -> None:
        self.version += 1
        del cal.events[event_id]
        cal.tombstones[event_id] = self.version

    def _new_id(self) -> str:
        return f"AAMkAD{next(self._ids):08d}="

    def _render(self, event: Json, tz: str, expand: frozenset[str] | None, cal: Calendar) -> Json:
        out = {k: copy.deepcopy(v) for k, v in event.items() if not k.startswith("_")}
        out["transactionId"] = event.get("_tx")
        zone = ZoneInfo(tz)
        if event["isAllDay"]:
            out["start"] = {"dateTime": f"{event['_start_value']}T00:00:00.0000000", "timeZone": tz}
            out["end"] = {"dateTime": f"{event['_end_value']}T00:00:00.0000000", "timeZone": tz}
        else:
            out["start"] = {"dateTime": _wall(event["_start"], zone), "timeZone": tz}
            out["end"] = {"dateTime": _wall(event["_end"], zone), "timeZone": tz}
        if expand is not None:
            out["singleValueExtendedProperties"] = [
                dict(p) for p in event["_props"] if "*" in expand or p["id"].lower() in expand
            ]
        return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: FakeGraph
    ssl_context: ssl.SSLContext | None = None

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer (timeouts) is part of the tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        # Headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def do_GET(self) -> None:
        self.server.fake.handle(self)

    def do_POST(self) -> None:
        self.server.fake.handle(self)

    def do_PATCH(self) -> None:
        self.server.fake.handle(self)

    def do_DELETE(self) -> None:
        self.server.fake.handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


# -- helpers -------------------------------------------------------------------------------------


def _attendee(value: str | Mapping[str, Any]) -> Json:
    if isinstance(value, str):
        return {
            "type": "required",
            "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
            "emailAddress": {"address": value, "name": value.split("@")[0]},
        }
    return dict(value)


def _tag_props(key: str, kind: str) -> list[Json]:
    from calendar_slack.connectors.outlook_map import KEY_PROP, KIND_PROP

    return [{"id": KEY_PROP, "value": key}, {"id": KIND_PROP, "value": kind}]


def _set_times(
    event: Json,
    start: dt.datetime | dt.date,
    end: dt.datetime | dt.date,
    all_day: bool,
    tz: ZoneInfo,
) -> None:
    event["isAllDay"] = all_day
    event["_start_value"], event["_end_value"] = start, end
    if all_day:
        assert isinstance(start, dt.date) and isinstance(end, dt.date)
        event["_start"] = dt.datetime.combine(start, dt.time(), tz).astimezone(_UTC)
        event["_end"] = dt.datetime.combine(end, dt.time(), tz).astimezone(_UTC)
    else:
        assert isinstance(start, dt.datetime) and start.tzinfo is not None, "aware datetimes"
        assert isinstance(end, dt.datetime) and end.tzinfo is not None, "aware datetimes"
        event["_start"], event["_end"] = start.astimezone(_UTC), end.astimezone(_UTC)


def _parse_time(value: Mapping[str, Any]) -> dt.datetime:
    text = str(value["dateTime"]).replace("Z", "")
    head = text.partition(".")[0]
    moment = dt.datetime.fromisoformat(head)
    name = str(value.get("timeZone") or "UTC")
    return moment.replace(tzinfo=ZoneInfo("UTC" if name.upper() == "UTC" else name))


def _wall(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _query_time(query: Mapping[str, str], name: str) -> dt.datetime:
    text = query.get(name)
    if not text:
        raise GraphAnswer(400, "ErrorInvalidParameter", f"{name} is required")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GraphAnswer(400, "ErrorInvalidParameter", f"{name} is not a date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=_UTC)


def _overlaps(event: Json, window: tuple[dt.datetime, dt.datetime]) -> bool:
    start, end = event["_start"], event["_end"]
    if end <= start:
        return bool(window[0] <= start < window[1])
    return bool(start < window[1] and end > window[0])


def _order(cal: Calendar, event_id: str) -> tuple[dt.datetime, str]:
    event = cal.events.get(event_id)
    return (event["_start"] if event else dt.datetime.min.replace(tzinfo=_UTC)), event_id


_PREFER_TZ = re.compile(r'outlook\.timezone\s*=\s*"([^"]+)"', re.IGNORECASE)
_PREFER_PAGE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)", re.IGNORECASE)
_FILTER = re.compile(
    r"^singleValueExtendedProperties/any\(ep:\s*ep/id eq '((?:[^']|'')*)' and "
    r"ep/value (eq|ne) ('(?:[^']|'')*'|null)\)$",
    re.IGNORECASE,
)
_EXPAND = re.compile(r"^singleValueExtendedProperties(?:\(\$filter=(.*)\))?$", re.IGNORECASE)


def _prefer_tz(prefer: str, default: str) -> str:
    match = _PREFER_TZ.search(prefer)
    return match.group(1) if match else default


def _prefer_page(prefer: str) -> int:
    match = _PREFER_PAGE.search(prefer)
    return max(1, int(match.group(1))) if match else DEFAULT_PAGE


def _filter(text: str | None) -> Any:
    if not text:
        return lambda event: True
    match = _FILTER.match(text.strip())
    if not match:
        raise GraphAnswer(400, "ErrorInvalidUrlQueryFilter", f"unsupported $filter {text}")
    prop = match.group(1).replace("''", "'").lower()
    op, literal = match.group(2).lower(), match.group(3)
    value = None if literal.lower() == "null" else literal[1:-1].replace("''", "'")

    def matches(event: Json) -> bool:
        found = next((p["value"] for p in event["_props"] if p["id"].lower() == prop), None)
        if found is None:
            return False
        return bool(found == value) if op == "eq" else bool(found != value)

    return matches


def _expand(text: str | None) -> frozenset[str] | None:
    if not text:
        return None
    match = _EXPAND.match(text.strip())
    if not match:
        raise GraphAnswer(400, "ErrorInvalidUrlQuery", f"unsupported $expand {text}")
    if match.group(1) is None:
        return frozenset({"*"})
    ids = re.findall(r"id eq '((?:[^']|'')*)'", match.group(1), re.IGNORECASE)
    return frozenset(i.replace("''", "'").lower() for i in ids)


def _reason(status: int) -> str:
    return {429: "TooManyRequests", 503: "ServiceUnavailable", 500: "InternalServerError"}.get(
        status, "Error"
    )


def _b64(value: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 / localhost (valid for a day)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-graph.test")])
    now = dt.datetime.now(_UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def iter_rounds(fake: FakeGraph) -> Iterator[Round]:
    """The listings served so far (for assertions on paging)."""
    with fake.lock:
        yield from list(fake.rounds.values())
