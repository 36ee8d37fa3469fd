"""The Google Calendar v3 client: building it offline, and turning its errors into ours.

Why: every Google call (reading, writing) goes through the real google-api-python-client, built
from a static discovery document (no discovery fetch at run time) and pointed at any endpoint
(`[google] endpoint` / CALENDAR_SLACK_GOOGLE_ENDPOINT: a proxy or a test server). All calls run
through `GoogleClient.call`, the one place where retry.py's policy meets Google's errors, so no
module above this one ever sees an HttpError, an httplib2 or a google-auth exception.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import google.auth.exceptions
import google_auth_httplib2  # type: ignore[import-untyped]
import httplib2  # type: ignore[import-untyped]
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError

from calendar_slack.connectors import retry
from calendar_slack.errors import (
    AuthError,
    BadInputError,
    CalendarSlackError,
    ConflictError,
    NotFoundError,
    SyncResetError,
)

T = TypeVar("T")

ENDPOINT_ENV = "CALENDAR_SLACK_GOOGLE_ENDPOINT"
TOKEN_ENV = "CALENDAR_SLACK_GOOGLE_TOKEN"
SERVICE_PATH = "calendar/v3/"
DEFAULT_ROOT = "https://www.googleapis.com/"
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


class AlreadyExistsError(ConflictError):
    """Google answered 409: an event with the requested id exists already (insert)."""


@dataclass
class GoogleClient:
    """A built Calendar v3 service plus the retry policy every call goes through."""

    service: Any
    policy: retry.RetryPolicy = field(default_factory=retry.RetryPolicy)
    page_size: int = 250
    _resources: _ResourceCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._resources = _ResourceCache(self.service)

    def call(
        self,
        build: Callable[[Any], Any],
        what: str,
        *,
        headers: Mapping[str, str] | None = None,
        gone: type[CalendarSlackError] = SyncResetError,
    ) -> Any:
        """Build a request (from the service, resources cached), execute it with retries,
        return the JSON answer.

        `what` names the call in error messages; `gone` is the error a 410 becomes (a sync token
        that expired when listing; an event that is already deleted when writing).
        """

        def attempt() -> Any:
            request = build(self._resources)
            if headers:
                request.headers.update(headers)
            return request.execute()

        return retry.call(attempt, classifier(what, gone), self.policy)


class _ResourceCache:
    """The service with its resources (events(), freebusy(), ...) built once, not per call:
    the client builds every method of a resource, docstrings included, each time it is asked."""

    def __init__(self, service: Any) -> None:
        self._service = service
        self._built: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Callable[[], Any]:
        def resource() -> Any:
            if name not in self._built:
                self._built[name] = getattr(self._service, name)()
            return self._built[name]

        return resource


def base_url(endpoint: str | None = None) -> str:
    """The API base URL: `endpoint` (a root like https://host/ or a full .../calendar/v3/ URL),
    else CALENDAR_SLACK_GOOGLE_ENDPOINT, else Google's own."""
    root = endpoint or os.environ.get(ENDPOINT_ENV) or DEFAULT_ROOT
    root = root.strip()
    if not root.startswith(("http://", "https://")):
        raise BadInputError(f"Google endpoint {root!r}", "must be an http:// or https:// URL")
    if root.rstrip("/").endswith("/" + SERVICE_PATH.rstrip("/")):
        return root.rstrip("/") + "/"
    return root.rstrip("/") + "/" + SERVICE_PATH


def load_discovery(document: Mapping[str, Any] | str | None = None) -> dict[str, Any]:
    """The Calendar v3 discovery document: the one given, else the copy the client ships."""
    if document is None:
        document = get_static_doc("calendar", "v3")
        if document is None:  # pragma: no cover - only with a broken client install
            raise BadInputError(
                "google-api-python-client", "ships no calendar v3 discovery document"
            )
    if isinstance(document, str):
        parsed: dict[str, Any] = json.loads(document)
        return parsed
    return dict(document)


def credentials(token: str | None = None, credentials_json: str | None = None) -> Credentials:
    """google-auth credentials from a static access token or login_google's JSON.

    Without either, CALENDAR_SLACK_GOOGLE_TOKEN is used; with none of the three, AuthError.
    """
    if credentials_json:
        try:
            info = json.loads(credentials_json)
            restored: Credentials = Credentials.from_authorized_user_info(info)  # type: ignore[no-untyped-call]
            return restored
        except (ValueError, TypeError) as exc:
            raise AuthError(
                f"The stored Google credentials cannot be read ({exc}); run the Google login again."
            ) from None
    token = token or os.environ.get(TOKEN_ENV)
    if not token:
        raise AuthError(
            "No Google credentials: run the Google login (calendar-slack login google) or set "
            f"{TOKEN_ENV} to an access token."
        )
    return Credentials(token=token.strip())  # type: ignore[no-untyped-call]


def open_client(
    *,
    endpoint: str | None = None,
    token: str | None = None,
    credentials_json: str | None = None,
    discovery: Mapping[str, Any] | str | None = None,
    policy: retry.RetryPolicy | None = None,
    timeout_s: float = 30.0,
    page_size: int = 250,
) -> GoogleClient:
    """A ready client. Builds offline; no request is sent until the first call."""
    if not 1 <= page_size <= 2500:
        raise BadInputError("Google page size", f"{page_size} is not within 1..2500")
    creds = credentials(token, credentials_json)
    authorized = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=timeout_s))
    service = build_from_document(
        load_discovery(discovery),
        http=authorized,
        client_options={"api_endpoint": base_url(endpoint)},
    )
    return GoogleClient(service, policy or retry.RetryPolicy(), page_size)


def classifier(what: str, gone: type[CalendarSlackError] = SyncResetError) -> retry.Classifier:
    """Google's failures -> retry.Retry (transient) or one of our errors (fail now)."""

    def classify(exc: BaseException) -> BaseException:
        if isinstance(exc, HttpError):
            return _http_error(exc, what, gone)
        if isinstance(exc, google.auth.exceptions.RefreshError):
            return AuthError(
                f"Google refused the access token for {what} (401 Unauthorized) and it cannot "
                f"be refreshed; sign in again (calendar-slack login google) or set a fresh "
                f"{TOKEN_ENV}. Detail: {exc}"
            )
        if isinstance(exc, TimeoutError | socket.timeout):
            return retry.Retry(f"{what} timed out")
        if isinstance(
            exc,
            httplib2.ServerNotFoundError
            | http.client.HTTPException
            | ConnectionError
            | google.auth.exceptions.TransportError,
        ):
            return retry.Retry(f"{what}: connection failed ({exc})")
        return exc

    return classify


def _http_error(
    exc: HttpError, what: str, gone: type[CalendarSlackError]
) -> BaseException | CalendarSlackError:
    status = int(exc.resp.status)
    reason = _reason(exc)
    message = str(exc.reason or exc.resp.reason or "").strip() or f"HTTP {status}"
    retry_after = retry.parse_retry_after(exc.resp.get("retry-after"))
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return retry.Retry(
            f"Google rate-limited {what} ({status} {reason or message})", retry_after, True
        )
    if status >= 500:
        return retry.Retry(f"Google failed {what} ({status} {message})", retry_after)
    if status == 401:
        return AuthError(
            f"Google refused the access token for {what} (401: {message}); sign in again or "
            f"set a fresh {TOKEN_ENV}."
        )
    if status == 403:
        return AuthError(
            f"Google denied {what} (403 {reason or ''}: {message}); the sign-in may lack the "
            "needed permission (booking needs the write scope)."
        )
    if status == 404:
        return NotFoundError(f"Google found nothing for {what} (404: {message}).")
    if status == 409:
        return AlreadyExistsError(f"{what}: the id exists already (409: {message}).")
    if status == 410:
        return gone(f"{what}: gone (410: {message}).")
    if status == 412:
        return ConflictError(
            f"{what}: the event changed since calendar-slack last saw it (412: {message})."
        )
    return BadInputError(f"Google Calendar {what}", f"refused with {status}: {message}")


def _reason(exc: HttpError) -> str:
    """The first `errors[].reason` of a Google error body ('' when absent)."""
    try:
        body = json.loads(exc.content.decode("utf-8"))
        errors = body["error"].get("errors") or []
        return str(errors[0].get("reason", "")) if errors else ""
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return ""
