"""The shared retry policy: backoff with jitter, Retry-After honoured, bounded, errors mapped."""

from __future__ import annotations

import pytest

from calendar_slack.connectors.retry import Retry, RetryPolicy, call, parse_retry_after
from calendar_slack.errors import AuthError, RateLimitedError, ServiceError


class Flaky:
    """Fails with the given exceptions in turn, then returns 'ok'."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


class VendorError(Exception):
    def __init__(self, status: int, retry_after: str | None = None) -> None:
        self.status = status
        self.retry_after = retry_after


def classify(exc: BaseException) -> BaseException:
    if isinstance(exc, VendorError):
        if exc.status == 429:
            return Retry("429", parse_retry_after(exc.retry_after), rate_limited=True)
        if exc.status >= 500:
            return Retry(f"HTTP {exc.status}")
        if exc.status == 401:
            return AuthError("token refused (HTTP 401): log in again")
    return exc


def recording(waits: list[float], **bounds: float) -> RetryPolicy:
    return RetryPolicy(sleep=waits.append, **bounds)  # type: ignore[arg-type]


def test_retries_then_succeeds_and_honours_retry_after() -> None:
    waits: list[float] = []
    fn = Flaky(VendorError(429, "7"), VendorError(503), VendorError(429, "2"))
    assert call(fn, classify, recording(waits, base_s=0.01, cap_s=0.05)) == "ok"
    assert fn.calls == 4
    assert len(waits) == 3
    assert waits[0] >= 7.0  # the server asked for 7 s
    assert waits[1] <= 0.05  # jittered backoff, capped at cap_s
    assert waits[2] >= 2.0


def test_a_rate_limit_storm_ends_in_rate_limited_error_after_the_bound() -> None:
    waits: list[float] = []
    fn = Flaky(*[VendorError(429, "1") for _ in range(10)])
    with pytest.raises(RateLimitedError, match="after 4 attempts"):
        call(fn, classify, recording(waits, max_attempts=4))
    assert fn.calls == 4
    assert len(waits) == 3
    assert all(w >= 1.0 for w in waits)


def test_server_errors_end_in_service_error() -> None:
    waits: list[float] = []
    with pytest.raises(ServiceError, match="HTTP 503"):
        call(Flaky(*[VendorError(503)] * 5), classify, recording(waits, max_attempts=3))
    assert len(waits) == 2


def test_total_time_bound_stops_retrying() -> None:
    # Each 503 backs off ~1-4 s; with a 5-s budget the loop must stop well before 10 attempts.
    waits: list[float] = []
    fn = Flaky(*[VendorError(503) for _ in range(10)])
    with pytest.raises(ServiceError):
        call(fn, classify, recording(waits, max_attempts=10, base_s=2, cap_s=4, max_total_s=5))
    assert sum(waits) <= 5.0
    assert fn.calls < 10


def test_a_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    waits: list[float] = []
    fn = Flaky(VendorError(429, "100"))
    with pytest.raises(RateLimitedError, match="after 1 attempt "):
        call(fn, classify, recording(waits, max_total_s=5))
    assert waits == []
    assert fn.calls == 1


def test_other_errors_fail_at_once_mapped_or_unchanged() -> None:
    fn = Flaky(VendorError(401))
    with pytest.raises(AuthError, match="log in again"):
        call(fn, classify, RetryPolicy(sleep=lambda s: None))
    assert fn.calls == 1
    other = Flaky(KeyError("bug"))
    with pytest.raises(KeyError):
        call(other, classify, RetryPolicy(sleep=lambda s: None))
    assert other.calls == 1


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
