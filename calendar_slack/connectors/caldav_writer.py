"""Our tagged blocks in one CalDAV calendar: the BlockWriter that booking uses.

Why: booking (booking.py) must be able to create, move and remove the blocks it planned without
ever touching anything else in the person's calendar, and without duplicating a block when a
run is repeated or a request is retried. On CalDAV that safety comes from three things:

- every block is a VEVENT carrying `X-CALENDAR-SLACK-TAG;X-KIND=<kind>:<key>`, the key
  percent-encoded (`tag_value`) so that commas, semicolons and backslashes cannot be split or
  escaped differently by a server or another app; only objects with that tag are listed,
  changed or deleted — anything else is refused;
- its UID is derived from the block key (`block_uid`), and its object URL is the calendar URL +
  UID + ".ics", so a create is a PUT with `If-None-Match: *`: a second create of the same key
  gets 412 and returns the block that is already there;
- updates and deletes send `If-Match: <etag>`; a 412 means the person changed the block since we
  read it (ConflictError), a 404 that it is gone (NotFoundError). When a retried request finds
  its own earlier attempt already applied (the first answer was lost), that counts as success.

Show-as maps to TRANSP (busy -> OPAQUE, free -> TRANSPARENT). Times are written in UTC. A block
the person turned into an all-day or floating event is read back with its dates at UTC midnight.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd
from caldav.collection import Calendar

from calendar_slack.blocks import BLOCK_KINDS
from calendar_slack.connectors.caldav_http import Connection, Response
from calendar_slack.connectors.ingest import int_or_zero, to_utc
from calendar_slack.connectors.remote import (
    TAG,
    BlockKind,
    BlockWrite,
    RemoteBlock,
    ShowAs,
    matches,
)
from calendar_slack.errors import BadInputError, ConflictError, NotFoundError

#: The namespace of block UIDs: uuid5(NAMESPACE, key). Never change it (UIDs would change).
NAMESPACE: Final = uuid.UUID("6f1c3f3e-2b1d-5c8e-9a57-0c5a1e2d7b41")
UID_PREFIX: Final = "calendar-slack-"
#: The tag parameter that holds the block kind.
KIND_PARAM: Final = "X-KIND"
CONTENT_TYPE: Final = "text/calendar; charset=utf-8"
PRODID: Final = "-//calendar-slack//CalDAV connector//EN"
_UTC: Final = ZoneInfo("UTC")


def block_uid(key: str) -> str:
    """The deterministic UID of the block with this key (same key -> same UID, URL-safe)."""
    return f"{UID_PREFIX}{uuid.uuid5(NAMESPACE, key)}"


def tag_value(key: str) -> str:
    """The key as written in the tag: percent-encoded except for plain URL-ish characters."""
    return quote(key, safe="/:@-_.~+=")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class _Stored:
    """An object as the server holds it now: its event (master VEVENT) and etag."""

    url: str
    event: Any
    etag: str | None

    @property
    def tagged(self) -> bool:
        return TAG in self.event and bool(str(self.event[TAG]).strip())


class CalDAVWriter:
    """BlockWriter for one CalDAV calendar collection (see the module docstring)."""

    def __init__(
        self,
        connection: Connection,
        calendar_url: str,
        *,
        now: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.connection = connection
        self.calendar_url = calendar_url if calendar_url.endswith("/") else calendar_url + "/"
        self._now = now

    def close(self) -> None:
        """Close the HTTP session (the writer is not used afterwards)."""
        self.connection.close()

    def __enter__(self) -> CalDAVWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def object_url(self, key: str) -> str:
        return f"{self.calendar_url}{block_uid(key)}.ics"

    # --- BlockWriter ----------------------------------------------------------------------

    def list_ours(self, start: pd.Timestamp, end: pd.Timestamp) -> list[RemoteBlock]:
        """Our tagged blocks overlapping [start, end), by start; foreign events never appear."""
        lo, hi = _utc(start, "start"), _utc(end, "end")
        calendar = Calendar(client=self.connection.client, url=self.calendar_url)
        found = self.connection.call(
            lambda: list(
                cast(
                    "list[Any]",
                    calendar.search(
                        start=lo.to_pydatetime(),
                        end=hi.to_pydatetime(),
                        event=True,
                        expand=False,
                        post_filter=False,  # overlap is checked below, on UTC instants
                    ),
                )
            )
        )
        blocks: list[RemoteBlock] = []
        for obj in found:
            stored = _stored(str(obj.url), str(obj.data), _etag(obj))
            if stored is None or not stored.tagged:
                continue
            block = _remote_block(stored)
            if block.start < hi and block.end > lo:
                blocks.append(block)
        return sorted(blocks, key=lambda b: (b.start, b.end, b.key))

    def get(self, key: str) -> RemoteBlock | None:
        """Our block with this key, or None when it does not exist (or is not ours)."""
        stored = self._read(self.object_url(key))
        if stored is None or not stored.tagged:
            return None
        return _remote_block(stored)

    def create(self, block: BlockWrite) -> RemoteBlock:
        """PUT with If-None-Match: *; when the block already exists, return it unchanged."""
        _check_block(block)
        url = self.object_url(block.key)
        body = self._ics(block, sequence=0)
        headers = {"Content-Type": CONTENT_TYPE, "If-None-Match": "*"}
        for _ in range(2):  # a 412 whose object vanished before we could read it: try once more
            answer = self.connection.request(
                "PUT", url, body, headers, accept=frozenset({200, 201, 204, 412})
            )
            if answer.status != 412:
                return self._written(url, block, answer)
            stored = self._read(url)
            if stored is not None:
                if not stored.tagged:
                    raise _refusal(url)
                return _remote_block(stored)
        raise ConflictError(f"CalDAV: {url} keeps appearing and vanishing; try again later")

    def update(self, remote: RemoteBlock, block: BlockWrite) -> RemoteBlock:
        """PUT with If-Match: remote.etag; ConflictError when the person changed the block."""
        _check_block(block)
        if block.key != remote.key:
            raise BadInputError(
                f"block {remote.key!r}", f"cannot be updated with another key ({block.key!r})"
            )
        url = self._own_url(remote)
        current = self._current(url, remote)
        sequence = int_or_zero(current.event.get("SEQUENCE")) + 1
        body = self._ics(block, sequence=sequence, created=current.event.get("CREATED"))
        headers = {"Content-Type": CONTENT_TYPE, "If-Match": remote.etag or current.etag or "*"}
        attempts = 0

        def put() -> Response:
            nonlocal attempts
            attempts += 1
            return self.connection.request_once(
                "PUT", url, body, headers, accept=frozenset({200, 201, 204})
            )

        try:
            answer = self.connection.call(put)
        except ConflictError:
            if attempts > 1:  # our first attempt may have landed and only its answer got lost
                now = self._read(url)
                if now is not None and now.tagged and matches(_remote_block(now), block):
                    return _remote_block(now)
            raise
        return self._written(url, block, answer)

    def delete(self, remote: RemoteBlock) -> None:
        """DELETE with If-Match: remote.etag; ConflictError if changed, NotFoundError if gone."""
        url = self._own_url(remote)
        current = self._current(url, remote)
        headers = {"If-Match": remote.etag or current.etag or "*"}
        attempts = 0

        def delete() -> Response:
            nonlocal attempts
            attempts += 1
            return self.connection.request_once(
                "DELETE", url, "", headers, accept=frozenset({200, 204})
            )

        try:
            self.connection.call(delete)
        except (ConflictError, NotFoundError):
            if attempts > 1 and self._read(url) is None:
                return  # our first attempt deleted it; only its answer got lost
            raise

    # --- helpers --------------------------------------------------------------------------

    def _read(self, url: str) -> _Stored | None:
        answer = self.connection.request("GET", url, accept=frozenset({200, 404, 410}))
        if answer.status != 200:
            return None
        stored = _stored(url, answer.text, answer.etag)
        if stored is None:
            raise BadInputError(f"CalDAV object {url}", "holds no VEVENT")
        return stored

    def _current(self, url: str, remote: RemoteBlock) -> _Stored:
        """The object we are about to change: it must exist, be ours and match remote.etag."""
        current = self._read(url)
        if current is None:
            raise NotFoundError(f"CalDAV: block {remote.key!r} is gone ({url})")
        if not current.tagged:
            raise _refusal(url)
        if remote.etag and current.etag and current.etag != remote.etag:
            raise ConflictError(
                f"CalDAV: block {remote.key!r} changed since we last read it (etag {remote.etag} "
                f"is now {current.etag}); it is left as the person made it"
            )
        return current

    def _own_url(self, remote: RemoteBlock) -> str:
        """The object URL for remote.key; a remote id elsewhere is refused, never touched."""
        url = self.object_url(remote.key)
        if _path(remote.remote_id) != _path(url):
            raise BadInputError(
                f"CalDAV object {remote.remote_id}",
                f"is not the calendar-slack block {remote.key!r} of {self.calendar_url}; "
                "refusing to change it",
            )
        return url

    def _written(self, url: str, block: BlockWrite, answer: Response) -> RemoteBlock:
        etag = answer.etag
        if etag is None:  # the server changed what we sent (allowed): read its version
            stored = self._read(url)
            if stored is None:
                raise NotFoundError(f"CalDAV: {url} vanished right after we wrote it")
            return _remote_block(stored)
        return RemoteBlock(
            key=block.key,
            remote_id=url,
            kind=block.kind,
            start=_utc(block.start, "start"),
            end=_utc(block.end, "end"),
            title=block.title,
            show_as=block.show_as,
            etag=etag,
        )

    def _ics(self, block: BlockWrite, *, sequence: int, created: Any = None) -> str:
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        event = icalendar.Event()
        event.add("uid", block_uid(block.key))
        stamp = self._now().astimezone(dt.UTC).replace(microsecond=0)
        event.add("dtstamp", stamp)
        if created is not None:
            event["CREATED"] = created
        else:
            event.add("created", stamp)
        event.add("last-modified", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", _utc(block.start, "start").to_pydatetime())
        event.add("dtend", _utc(block.end, "end").to_pydatetime())
        event.add("summary", block.title)
        if block.description:
            event.add("description", block.description)
        event.add("transp", "TRANSPARENT" if block.show_as == "free" else "OPAQUE")
        event.add(TAG, tag_value(block.key), parameters={KIND_PARAM: block.kind})
        calendar.add_component(event)
        return str(calendar.to_ical().decode("utf-8"))


def _stored(url: str, text: str, etag: str | None) -> _Stored | None:
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise BadInputError(f"CalDAV object {url}", f"is not valid iCalendar ({exc})") from None
    events = [c for c in calendar.walk("VEVENT")]
    if not events:
        return None
    master = next((e for e in events if "RECURRENCE-ID" not in e), events[0])
    return _Stored(url, master, etag)


def _remote_block(stored: _Stored) -> RemoteBlock:
    event = stored.event
    tag = event[TAG][0] if isinstance(event[TAG], list) else event[TAG]
    kind = str(getattr(tag, "params", {}).get(KIND_PARAM, "")).strip().lower()
    start_raw = event["DTSTART"].dt
    start = to_utc(start_raw, _UTC)
    if "DTEND" in event:
        end = to_utc(event["DTEND"].dt, _UTC)
    elif "DURATION" in event:
        end = start + event["DURATION"].dt
    else:
        end = start + (dt.timedelta(0) if isinstance(start_raw, dt.datetime) else dt.timedelta(1))
    transp = str(event.get("TRANSP") or "OPAQUE").strip().upper()
    show_as: ShowAs = "free" if transp == "TRANSPARENT" else "busy"
    return RemoteBlock(
        key=unquote(str(tag)),
        remote_id=stored.url,
        kind=cast(BlockKind, kind) if kind in BLOCK_KINDS else "focus",
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
        title=str(event.get("SUMMARY") or ""),
        show_as=show_as,
        etag=stored.etag,
    )


#: The old private name; tests/connectors/test_caldav.py still calls it.


def _check_block(block: BlockWrite) -> None:
    what = f"block {block.key!r}"
    if not block.key.strip():
        raise BadInputError("block", "has an empty key")
    if block.kind not in BLOCK_KINDS:
        raise BadInputError(
            what, f"has kind {block.kind!r}; use one of {', '.join(sorted(BLOCK_KINDS))}"
        )
    if block.show_as not in ("busy", "free"):
        raise BadInputError(what, f"has show_as {block.show_as!r}; use busy or free")
    if _utc(block.end, "end") <= _utc(block.start, "start"):
        raise BadInputError(what, "ends before it starts (or at the same time)")


def _utc(value: pd.Timestamp, name: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise BadInputError(f"block {name} {value}", "has no time zone; give an aware UTC time")
    return stamp.tz_convert("UTC")


def _etag(obj: Any) -> str | None:
    value = getattr(obj, "etag", None)
    return str(value) if value else None


def _path(url: str) -> str:
    return unquote(urlsplit(url).path)


def _refusal(url: str) -> BadInputError:
    return BadInputError(
        f"CalDAV object {url}",
        f"is not a calendar-slack block (it has no {TAG}); refusing to change it",
    )
