"""The one place that speaks HTTP to Microsoft Graph: auth header, retries, errors, paging.

Every Graph request of the Outlook connector goes through `GraphClient.request`, which runs it
under the shared retry policy (connectors/retry.py) and turns every httpx exception or Graph
error answer into our own error family (calendar_slack/errors.py) via `classify`, so nothing
above the connector ever sees an httpx type. Paging follows `@odata.nextLink` and refuses links
that point away from the configured endpoint (the bearer token must not leak to another host).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from calendar_slack.connectors.retry import Retry, RetryPolicy, call, parse_retry_after
from calendar_slack.errors import (
    AuthError,
    BadInputError,
    ConflictError,
    NotFoundError,
    ServiceError,
    SyncResetError,
)

GRAPH_ENDPOINT = "https://graph.microsoft.com/v1.0"
#: Graph error codes that mean "your delta link is dead, start over" (with 410 or 400).
SYNC_RESET_CODES = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})

Json = dict[str, Any]


class TokenSource:
    """Hands out a bearer token for each request; `app_only` when it is an app's own token."""

    def __init__(self, token: Callable[[], str], *, app_only: bool = False) -> None:
        self._token = token
        self.app_only = app_only

    def __call__(self) -> str:
        return self._token()


@dataclass
class GraphError(Exception):
    """An HTTP error answer from Graph (internal: `classify` maps it to our errors)."""

    status: int
    code: str
    message: str
    method: str
    url: str
    retry_after_s: float | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> {self.status} {self.code}: {self.message}"


@dataclass
class Tries:
    """Counts the attempts of one request (the writer needs to know whether it was retried)."""

    count: int = 0


def classify(exc: BaseException) -> BaseException:
    """Map a Graph error / httpx exception to `Retry` (transient) or one of our errors."""
    if isinstance(exc, GraphError):
        return _classify_answer(exc)
    if isinstance(exc, httpx.TimeoutException):
        return Retry(f"Microsoft Graph did not answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError):
        return Retry(f"cannot reach Microsoft Graph ({type(exc).__name__}: {exc})")
    if isinstance(exc, httpx.InvalidURL):
        return BadInputError("Outlook endpoint", f"is not a valid URL ({exc})")
    if isinstance(exc, httpx.HTTPError):
        return ServiceError(f"Microsoft Graph request failed ({type(exc).__name__}: {exc}).")
    return exc


def _classify_answer(err: GraphError) -> BaseException:
    status, code = err.status, err.code
    detail = f"{status} {code}: {err.message}".strip()
    if code.lower() in SYNC_RESET_CODES or status == 410:
        return SyncResetError(f"Outlook delta link is no longer valid ({detail}).")
    if status == 429:
        return Retry(f"Graph throttled us ({detail})", err.retry_after_s, rate_limited=True)
    if status >= 500:
        throttled = status == 503 and err.retry_after_s is not None
        return Retry(f"Graph failed ({detail})", err.retry_after_s, rate_limited=throttled)
    if status == 401:
        return AuthError(
            f"Microsoft Graph refused the access token ({detail}): sign in again "
            "(calendar-slack login outlook) or check CALENDAR_SLACK_OUTLOOK_TOKEN."
        )
    if status == 403:
        return AuthError(
            f"Microsoft Graph denied access ({detail}): reading needs the Calendars.Read "
            "permission; booking needs Calendars.ReadWrite ([outlook] booking = true, then "
            "sign in again)."
        )
    if status == 404:
        return NotFoundError(f"Outlook has no such calendar or event ({err.method} {err.url}).")
    if status == 412:
        return ConflictError(
            f"The Outlook event changed since we last read it ({err.method} {err.url}: {detail})."
        )
    return BadInputError(f"Microsoft Graph request {err.method} {err.url}", detail)


class GraphClient:
    """httpx on Graph, with a bearer token per request and the shared retry policy."""

    def __init__(
        self,
        endpoint: str,
        token: TokenSource,
        *,
        policy: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        page_size: int = 100,
        verify: bool | str = True,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BadInputError(
                f"Outlook endpoint {endpoint!r}", "must be an http(s) URL, e.g. " + GRAPH_ENDPOINT
            )
        self._origin = (parts.scheme, parts.netloc.lower())
        self.token = token
        self.policy = policy or RetryPolicy()
        self.page_size = page_size
        context: bool | ssl.SSLContext = (
            ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        )
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s), verify=context)

    @property
    def app_only(self) -> bool:
        return self.token.app_only

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def url(self, path_or_url: str) -> str:
        """An absolute URL under the endpoint; absolute links must stay on its origin."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            if (parts.scheme, parts.netloc.lower()) != self._origin:
                raise ServiceError(
                    f"Microsoft Graph sent a link to another host ({parts.netloc}); refusing to "
                    "send our token there."
                )
            return path_or_url
        return self.endpoint + "/" + path_or_url.lstrip("/")

    def prefer(self, *, paged: bool = False) -> str:
        """The Prefer header: instants in UTC, and our page size for collections."""
        value = 'outlook.timezone="UTC"'
        return value + f", odata.maxpagesize={self.page_size}" if paged else value

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Json | None = None,
        headers: Mapping[str, str] | None = None,
        tries: Tries | None = None,
    ) -> Json | None:
        """One Graph call, retried per policy; the JSON answer, or None for an empty one."""
        url = self.url(path_or_url)
        counter = tries if tries is not None else Tries()

        def once() -> Json | None:
            counter.count += 1
            sent = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
            sent.update(headers or {})
            response = self._http.request(method, url, params=params, json=body, headers=sent)
            return _answer(method, url, response)

        return call(once, classify, self.policy)

    def pages(self, path_or_url: str, params: Mapping[str, str] | None = None) -> Iterator[Json]:
        """Every page of a collection, following @odata.nextLink (the link carries the query)."""
        page = self.request(
            "GET", path_or_url, params=params, headers={"Prefer": self.prefer(paged=True)}
        )
        while True:
            if page is None:
                raise ServiceError(f"Microsoft Graph sent an empty page for {path_or_url}.")
            yield page
            link = page.get("@odata.nextLink")
            if not link:
                return
            page = self.request("GET", str(link), headers={"Prefer": self.prefer(paged=True)})


def _answer(method: str, url: str, response: httpx.Response) -> Json | None:
    if response.status_code >= 400:
        code, message = _error_of(response)
        raise GraphError(
            response.status_code,
            code,
            message,
            method,
            url.split("?", 1)[0],
            parse_retry_after(response.headers.get("Retry-After")),
        )
    if response.status_code == 204 or not response.content:
        return None
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ServiceError(
            f"Microsoft Graph answered {method} {url} with something not JSON."
        ) from None
    if not isinstance(data, dict):
        raise ServiceError(f"Microsoft Graph answered {method} {url} with unexpected JSON.")
    return data


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error", {})
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return response.reason_phrase or "error", response.text[:200]
    if not isinstance(error, dict):
        return str(error), ""
    return str(error.get("code", "error")), str(error.get("message", ""))
