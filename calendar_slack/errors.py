"""The one small exception family everything above the connectors sees.

Connectors map their vendor's errors (HttpError, httpx, caldav, icalendar parse errors) onto these
classes so that the CLI can turn any of them into a one-line message and a non-zero exit, and so
that no module above a connector ever needs a vendor type.
"""

from __future__ import annotations


class CalendarSlackError(Exception):
    """Base class: the message is a complete sentence fit for a user's terminal."""


class BadInputError(CalendarSlackError):
    """The user gave us something we cannot read: a file, a setting, a week, a time zone."""

    def __init__(self, what: str, cause: str) -> None:
        self.what = what
        self.cause = cause
        super().__init__(f"{what}: {cause}")


class AuthError(CalendarSlackError):
    """Credentials are missing, expired or refused."""


class RateLimitedError(CalendarSlackError):
    """The service kept refusing us for rate reasons after every retry we allow ourselves."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class SyncResetError(CalendarSlackError):
    """An incremental sync token or delta link is no longer valid: a full resync is needed."""


class ConflictError(CalendarSlackError):
    """The remote object changed since we last saw it (etag mismatch, HTTP 412)."""


class NotFoundError(CalendarSlackError):
    """The remote object or calendar does not exist (any more)."""


class ServiceError(CalendarSlackError):
    """The remote service failed (5xx, timeouts) after every retry we allow ourselves."""
