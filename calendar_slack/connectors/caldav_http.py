"""Talking to a CalDAV server: where the URL and credentials come from, retries, error mapping.

Why a module of its own: the CalDAV reader (connectors/caldav.py) and the block writer
(connectors/caldav_writer.py) must agree on how a URL is checked, where credentials come from
and how every failure of the caldav library and its HTTP library (niquests, or requests) becomes
one of calendar_slack.errors — nothing above this layer may see a vendor exception. Transient
failures (429, 5xx, timeouts, refused connections) are retried by the one policy in
connectors/retry.py; everything else fails at once with a one-line message.

Credentials never come from the command line: a URL with `user:pass@` is refused. They come
from CALENDAR_SLACK_CALDAV_USERNAME / CALENDAR_SLACK_CALDAV_PASSWORD, else the config file's
[caldav] username / password; CALENDAR_SLACK_CALDAV_TOKEN sends a static bearer token instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast
from urllib.parse import urljoin, urlsplit, urlunsplit

from caldav.davclient import DAVClient
from caldav.lib import error as dav_error
from caldav.lib.http_sync import requests as http_library
from caldav.requests import HTTPBearerAuth

from calendar_slack.connectors import retry
from calendar_slack.connectors.ingest import one_line
from calendar_slack.errors import (
    AuthError,
    BadInputError,
    ConflictError,
    NotFoundError,
    ServiceError,
    SyncResetError,
)
from calendar_slack.prefs import CalDAVSettings

T = TypeVar("T")

ENV_USERNAME: Final = "CALENDAR_SLACK_CALDAV_USERNAME"
ENV_PASSWORD: Final = "CALENDAR_SLACK_CALDAV_PASSWORD"
ENV_TOKEN: Final = "CALENDAR_SLACK_CALDAV_TOKEN"
ENV_ENDPOINT: Final = "CALENDAR_SLACK_CALDAV_ENDPOINT"
#: Seconds to wait for the server (connect, and between bytes of an answer).
DEFAULT_TIMEOUT_S: Final = 30.0

_OK: Final = frozenset({200, 201, 204, 207})
#: RFC 6578 precondition: the sync token is no longer valid (full resync needed).
_SYNC_TOKEN: Final = "{DAV:}valid-sync-token"


@dataclass(frozen=True)
class Credentials:
    """Who we are to the server: basic/digest user and password, or a bearer token, or nobody."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    @property
    def source_hint(self) -> str:
        return f"{ENV_USERNAME} / {ENV_PASSWORD} (or [caldav] username / password in the config)"


def credentials(settings: CalDAVSettings, env: Mapping[str, str] | None = None) -> Credentials:
    """Credentials from the environment, else from the config file's [caldav] section."""
    env = os.environ if env is None else env
    username = env.get(ENV_USERNAME) or settings.username
    password = env.get(ENV_PASSWORD) or settings.password
    token = env.get(ENV_TOKEN) or None
    if username and not password and not token:
        raise BadInputError(
            "CalDAV credentials", f"a user name is set but no password: set {ENV_PASSWORD}"
        )
    if password and not username:
        raise BadInputError(
            "CalDAV credentials", f"a password is set but no user name: set {ENV_USERNAME}"
        )
    return Credentials(username or None, password or None, token)


def resolve_url(
    argument: str, settings: CalDAVSettings, env: Mapping[str, str] | None = None
) -> str:
    """The URL to use for `caldav:ARGUMENT`.

    An absolute http(s) URL is used as it is. An empty argument means the endpoint
    (CALENDAR_SLACK_CALDAV_ENDPOINT, else [caldav] url); a relative one ("alice/work/") is
    resolved against that endpoint. A URL that carries credentials is refused.
    """
    env = os.environ if env is None else env
    endpoint = (env.get(ENV_ENDPOINT) or settings.url or "").strip()
    target = argument.strip()
    if endpoint:
        check_url(endpoint, "CalDAV endpoint")
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", target):
        return check_url(target, "CalDAV URL")
    if not endpoint:
        raise BadInputError(
            f"source caldav:{target}",
            "needs the URL of a calendar or of a principal, e.g. "
            f"caldav:https://dav.example.com/alice/ (or set [caldav] url or {ENV_ENDPOINT})",
        )
    base = endpoint if endpoint.endswith("/") else endpoint + "/"
    return check_url(urljoin(base, target), "CalDAV URL")


def check_url(url: str, what: str) -> str:
    """`url` when it is an http(s) URL with a host and no credentials in it."""
    try:
        parts = urlsplit(url)
        has_userinfo = "@" in parts.netloc
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise BadInputError(f"{what} {url!r}", f"is not a valid URL ({exc})") from None
    if has_userinfo:
        shown = urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))
        raise BadInputError(
            f"{what} {shown}",
            "carries a user name or password; never put credentials on the command line or in "
            f"a URL — set {ENV_USERNAME} and {ENV_PASSWORD} in the environment instead",
        )
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise BadInputError(f"{what} {url!r}", "is not an http(s) URL with a host name")
    return url


class HTTPStatusError(Exception):
    """A CalDAV answer with a status we did not expect (classified by `classify_error`)."""

    def __init__(self, method: str, url: str, status: int, retry_after: str | None = None) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"{method} {url} answered HTTP {status}")


@dataclass(frozen=True)
class Response:
    """The parts of an HTTP answer the connector uses (header names lower-cased)."""

    status: int
    headers: Mapping[str, str]
    text: str

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None


def classify_error(exc: BaseException) -> BaseException:
    """The retry classifier: a vendor exception -> retry.Retry or one of our errors.

    429 -> Retry (rate-limited, Retry-After honoured); 5xx, timeouts and refused connections ->
    Retry; a DAV:valid-sync-token precondition -> SyncResetError; 401/403 -> AuthError;
    404/410 -> NotFoundError; 409/412 -> ConflictError; other 4xx -> BadInputError. Exceptions
    that are not the vendor's (bugs) pass through unchanged.
    """
    if isinstance(exc, dav_error.RateLimitError):
        status = exc.status or 429
        return retry.Retry(
            f"HTTP {status} from {_host(exc.url)}",
            exc.retry_after_seconds,
            rate_limited=status == 429,
        )
    if isinstance(exc, dav_error.DAVError) and _SYNC_TOKEN in getattr(exc, "preconditions", ()):
        return SyncResetError(f"CalDAV: {exc.url or 'the server'} no longer accepts our sync token")
    if isinstance(exc, dav_error.AuthorizationError):
        return _auth_error(exc.status, exc.url)
    if isinstance(exc, HTTPStatusError):
        return _by_status(exc.status, exc.method, exc.url, exc.retry_after)
    if isinstance(exc, dav_error.DAVError):
        if exc.status is not None:
            return _by_status(exc.status, "request", exc.url, None)
        if isinstance(exc, dav_error.NotFoundError):
            return NotFoundError(f"CalDAV: {one_line(exc.reason)}")
        return ServiceError(f"CalDAV request failed: {one_line(exc)}")
    if isinstance(exc, http_library.exceptions.Timeout):
        return retry.Retry(f"no answer in time from the CalDAV server ({one_line(exc)})")
    if isinstance(exc, http_library.exceptions.ConnectionError):
        return retry.Retry(f"cannot reach the CalDAV server ({_connection_reason(exc)})")
    if isinstance(exc, http_library.exceptions.RequestException):
        return BadInputError("CalDAV request", one_line(exc))
    if type(exc).__module__.startswith("lxml"):  # the caldav library's XML parser
        return ServiceError(f"the CalDAV server sent XML we cannot read ({one_line(exc)})")
    return exc


def _by_status(status: int, method: str, url: str | None, retry_after: str | None) -> Exception:
    where = f"{method} {url}" if url else method
    if status == 429:
        return retry.Retry(
            f"HTTP 429 from {_host(url)}", retry.parse_retry_after(retry_after), True
        )
    if status >= 500:
        return retry.Retry(f"HTTP {status} from {_host(url)}", retry.parse_retry_after(retry_after))
    if status in (401, 403):
        return _auth_error(status, url)
    if status in (404, 410):
        return NotFoundError(f"CalDAV: {url or 'the resource'} does not exist (HTTP {status})")
    if status in (409, 412):
        return ConflictError(
            f"CalDAV: {url or 'the resource'} changed since we last read it (HTTP {status})"
        )
    return BadInputError(f"CalDAV {where}", f"was refused with HTTP {status}")


def _auth_error(status: int | None, url: str | None) -> AuthError:
    if status == 403:
        return AuthError(
            f"The CalDAV server refused access to {url or 'the calendar'} (HTTP 403): this user "
            "may not read or change it."
        )
    return AuthError(
        f"The CalDAV server at {_host(url)} refused our credentials (HTTP 401). Check "
        f"{ENV_USERNAME} / {ENV_PASSWORD} (or [caldav] username / password in the config file)."
    )


def _connection_reason(exc: BaseException) -> str:
    text = one_line(exc)
    match = re.search(r"\[Errno -?\d+\] ([^')\"]+)", text)
    host = re.search(r"host='([^']+)', port=(\d+)", text)
    where = f"{host.group(1)}:{host.group(2)}" if host else "the server"
    return f"{where}: {match.group(1).strip()}" if match else text


def _host(url: str | None) -> str:
    if not url:
        return "the CalDAV server"
    parts = urlsplit(str(url))
    return parts.netloc or str(url)


class Connection:
    """One authenticated CalDAV client, with the retry policy applied to every call."""

    def __init__(
        self,
        url: str,
        creds: Credentials,
        *,
        policy: retry.RetryPolicy | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.url = check_url(url, "CalDAV URL")
        self.creds = creds
        self.policy = policy or retry.RetryPolicy()
        options: dict[str, Any] = {
            "url": self.url,
            "timeout": timeout_s,
            "enable_rfc6764": False,  # no DNS discovery: the URL is given
            "rate_limit_handle": False,  # retries are ours (connectors/retry.py)
        }
        if creds.username and creds.password:
            options.update(username=creds.username, password=creds.password)
        elif creds.token:
            options["auth"] = HTTPBearerAuth(creds.token)
        self.client = DAVClient(**options)

    def call(self, fn: Callable[[], T], classify: retry.Classifier = classify_error) -> T:
        """Run `fn` (caldav library calls) under the retry policy; our errors only."""
        return retry.call(fn, classify, self.policy)

    def request(
        self,
        method: str,
        url: str,
        body: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        accept: frozenset[int] = _OK,
    ) -> Response:
        """One HTTP request under the retry policy; statuses outside `accept` raise our errors."""
        return self.call(lambda: self.request_once(method, url, body, headers, accept=accept))

    def request_once(
        self,
        method: str,
        url: str,
        body: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        accept: frozenset[int] = _OK,
    ) -> Response:
        """One HTTP request, no retry: a status outside `accept` raises HTTPStatusError."""
        answer = self.client.request(url, method, body, cast(Any, dict(headers or {})))
        status = int(answer.status)
        headers_in = {str(k).lower(): str(v) for k, v in dict(answer.headers).items()}
        if status not in accept:
            raise HTTPStatusError(method, url, status, headers_in.get("retry-after"))
        raw = answer.raw
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        return Response(status, headers_in, text)

    def close(self) -> None:
        self.client.close()
