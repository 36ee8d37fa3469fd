"""One retry policy for every remote connector: backoff with jitter, Retry-After, hard bounds.

Google, Graph and CalDAV servers all say "slow down" (429, 503, Google's rate-limit 403) and
sometimes just fail (5xx, timeouts). Each connector classifies its own vendor exception into a
`Verdict` (retry after N seconds, or give up with one of our errors); this module does the
waiting, with tenacity, bounded both in attempts and in total time, so no connector writes its
own loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from calendar_slack.errors import CalendarSlackError, RateLimitedError, ServiceError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop (seconds). Tests shrink them; defaults suit a real service."""

    max_attempts: int = 6
    max_total_s: float = 120.0
    base_s: float = 0.5
    cap_s: float = 30.0
    sleep: Callable[[float], None] = tenacity.nap.sleep


@dataclass(frozen=True)
class Retry(Exception):
    """A transient failure: wait (at least `retry_after_s` when the server said so) and retry."""

    reason: str
    retry_after_s: float | None = None
    rate_limited: bool = False

    def __str__(self) -> str:
        return self.reason


Classifier = Callable[[BaseException], BaseException]
"""Maps a vendor exception to `Retry` (transient) or a CalendarSlackError (fail now)."""


def call(fn: Callable[[], T], classify: Classifier, policy: RetryPolicy | None = None) -> T:
    """Run `fn`, retrying transient failures per `policy`; raise our own error types only."""
    policy = policy or RetryPolicy()
    jitter = tenacity.wait_random_exponential(multiplier=policy.base_s, max=policy.cap_s)

    def attempt() -> T:
        try:
            return fn()
        except CalendarSlackError:
            raise
        except Exception as exc:
            verdict = classify(exc)
            if verdict is exc:
                raise
            raise verdict from exc

    def elapsed(state: tenacity.RetryCallState) -> float:
        # Slept time counts even when `sleep` is a test recorder that returns at once.
        return max(state.seconds_since_start or 0.0, state.idle_for)

    def asked_wait(state: tenacity.RetryCallState) -> float | None:
        exc = state.outcome.exception() if state.outcome else None
        return exc.retry_after_s if isinstance(exc, Retry) else None

    def stop(state: tenacity.RetryCallState) -> bool:
        remaining = policy.max_total_s - elapsed(state)
        asked = asked_wait(state)
        return (
            state.attempt_number >= policy.max_attempts
            or remaining <= 0
            or (asked is not None and asked > remaining)  # cannot honour it: give up now
        )

    def wait(state: tenacity.RetryCallState) -> float:
        delay = max(float(jitter(state)), asked_wait(state) or 0.0)
        return max(0.0, min(delay, policy.max_total_s - elapsed(state)))

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(Retry),
        stop=stop,
        wait=wait,
        sleep=policy.sleep,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except Retry as last:
        count = retrying.statistics.get("attempt_number", policy.max_attempts)
        attempts = f"{count} attempt" + ("s" if count != 1 else "")
        if last.rate_limited:
            raise RateLimitedError(
                f"still rate-limited after {attempts} ({last.reason}); try again later",
                last.retry_after_s,
            ) from last
        raise ServiceError(
            f"service kept failing after {attempts} ({last.reason}); try again later"
        ) from last


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds form, or an HTTP date relative to now)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import datetime as dt
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
