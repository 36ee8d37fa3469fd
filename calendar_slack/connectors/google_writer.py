"""BlockWriter for Google Calendar: our tagged blocks, created idempotently, changed safely.

Why: booking (booking.py) writes through remote.BlockWriter only. Here that contract meets
Google: the event id is derived from the block key (so a retried or repeated create finds the
event instead of duplicating it: Google answers 409 for an id it has seen), every block carries
private extendedProperties {calendarSlack: "1", calendarSlackKey, calendarSlackKind}, patches and
deletes send If-Match with the etag we last saw (412 -> ConflictError), and before any change the
event is read back and refused unless it carries our tag: foreign events are never touched.
Focus blocks use eventType focusTime where the calendar allows it (a Workspace user's primary
calendar); when Google refuses that with a 400, the block is written as a normal tagged busy
event and the refusal is remembered per calendar (in the SyncState, when one is given).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from calendar_slack.blocks import BLOCK_KINDS
from calendar_slack.connectors.google_client import AlreadyExistsError, GoogleClient
from calendar_slack.connectors.google_map import GOOGLE_TAG, is_ours, private_properties
from calendar_slack.connectors.google_sync import list_events
from calendar_slack.connectors.ingest import utc_iso
from calendar_slack.connectors.remote import (
    TAG_KEY,
    TAG_KIND,
    BlockKind,
    BlockWrite,
    RemoteBlock,
    SyncState,
)
from calendar_slack.errors import BadInputError, ConflictError, NotFoundError

ID_PREFIX = "cs"


class ForeignEventError(ConflictError):
    """Asked to change or delete an event that does not carry our tag: refused, untouched."""


def event_id_for(key: str) -> str:
    """The Google event id of the block with this key: 'cs' + base32hex(sha256(key)).

    Google ids use the characters a-v and 0-9 and are 5-1024 long; this one is 54 long.
    """
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return ID_PREFIX + base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


class GoogleBlockWriter:
    """Tagged-block operations on one calendar of one person (see remote.BlockWriter)."""

    def __init__(
        self,
        client: GoogleClient,
        calendar: str = "primary",
        *,
        person: str | None = None,
        state: SyncState | None = None,
    ) -> None:
        self.client = client
        self.calendar = calendar
        self.person = person
        self.state = state
        self._focus_time: bool | None = None

    # -- reading -------------------------------------------------------------------------

    def list_ours(self, start: pd.Timestamp, end: pd.Timestamp) -> list[RemoteBlock]:
        """Our tagged blocks overlapping [start, end), by start; foreign events never appear."""
        params: dict[str, Any] = {
            "calendarId": self.calendar,
            "singleEvents": True,
            "privateExtendedProperty": [f"{GOOGLE_TAG}=1"],
            "timeMin": utc_iso(_utc(start, "list window start")),
            "timeMax": utc_iso(_utc(end, "list window end")),
            "maxResults": self.client.page_size,
        }
        blocks: list[RemoteBlock] = []
        page: str | None = None
        while True:
            query = {**params, "pageToken": page} if page else params
            answer = self.client.call(list_events(query), self._what("listing our blocks"))
            for event in answer.get("items") or []:
                block = _remote_block(event)
                if block is not None:
                    blocks.append(block)
            page = answer.get("nextPageToken")
            if not page:
                return sorted(blocks, key=lambda b: (b.start, b.key))

    def get(self, key: str) -> RemoteBlock | None:
        """Our live block with this key; None when absent, deleted, or not ours."""
        event = self._fetch(event_id_for(key))
        if event is None or event.get("status") == "cancelled":
            return None
        return _remote_block(event)

    # -- writing -------------------------------------------------------------------------

    def create(self, block: BlockWrite) -> RemoteBlock:
        """Insert with the deterministic id; when it exists (409), return what is there."""
        body = self._body(block)
        body["id"] = event_id_for(block.key)
        body["extendedProperties"] = {"private": _tag(block.key, block.kind)}
        what = self._what(f"creating block {block.key!r}")
        focus_refused = False
        if self._wants_focus_time(block):
            try:
                event = self._insert({**body, "eventType": "focusTime"}, what)
            except AlreadyExistsError:
                return self._existing(block, body)
            except BadInputError:
                focus_refused = True  # retried below as a normal tagged busy event
            else:
                self._remember_focus_time()
                return self._checked(event, block.key)
        try:
            event = self._insert(body, what)
        except AlreadyExistsError:
            return self._existing(block, body)
        if focus_refused:
            self._remember_no_focus_time()
        return self._checked(event, block.key)

    def update(self, remote: RemoteBlock, block: BlockWrite) -> RemoteBlock:
        """Patch our block with If-Match; ConflictError when it changed since `remote`."""
        etag = self._guard(remote)
        body = self._body(block)
        body["extendedProperties"] = {"private": _tag(remote.key, block.kind)}
        event = self.client.call(
            lambda s: s.events().patch(
                calendarId=self.calendar, eventId=remote.remote_id, body=body
            ),
            self._what(f"updating block {remote.key!r}"),
            headers={"If-Match": etag},
            gone=NotFoundError,
        )
        return self._checked(event, remote.key)

    def delete(self, remote: RemoteBlock) -> None:
        """Delete our block with If-Match; ConflictError when changed, NotFoundError when gone."""
        etag = self._guard(remote)
        self.client.call(
            lambda s: s.events().delete(calendarId=self.calendar, eventId=remote.remote_id),
            self._what(f"deleting block {remote.key!r}"),
            headers={"If-Match": etag},
            gone=NotFoundError,
        )

    # -- helpers -------------------------------------------------------------------------

    def _what(self, action: str) -> str:
        return f"{action} in Google calendar {self.calendar!r}"

    def _fetch(self, event_id: str) -> dict[str, Any] | None:
        try:
            event: dict[str, Any] = self.client.call(
                lambda s: s.events().get(calendarId=self.calendar, eventId=event_id),
                self._what(f"reading event {event_id!r}"),
                gone=NotFoundError,
            )
        except NotFoundError:
            return None
        return event

    def _guard(self, remote: RemoteBlock) -> str:
        """Read the event back: refuse foreign ones, report gone or changed ones; the etag."""
        event = self._fetch(remote.remote_id)
        if event is None or event.get("status") == "cancelled":
            raise NotFoundError(
                f"Block {remote.key!r} ({remote.remote_id}) is gone from Google calendar "
                f"{self.calendar!r}."
            )
        if not is_ours(event):
            raise ForeignEventError(
                f"Event {remote.remote_id!r} in Google calendar {self.calendar!r} does not carry "
                "the calendar-slack tag; calendar-slack never changes events it did not create."
            )
        current = str(event.get("etag", ""))
        if remote.etag is not None and current != remote.etag:
            raise ConflictError(
                f"Block {remote.key!r} was changed in Google calendar {self.calendar!r} since "
                "calendar-slack last saw it; leaving it as it is."
            )
        return remote.etag if remote.etag is not None else current

    def _insert(self, body: Mapping[str, Any], what: str) -> dict[str, Any]:
        event: dict[str, Any] = self.client.call(
            lambda s: s.events().insert(calendarId=self.calendar, body=dict(body)), what
        )
        return event

    def _existing(self, block: BlockWrite, body: Mapping[str, Any]) -> RemoteBlock:
        """The event already holding the block's id: return it, or restore it if deleted."""
        event = self._fetch(str(body["id"]))
        if event is None:
            raise NotFoundError(
                f"Google calendar {self.calendar!r} says block {block.key!r} exists but cannot "
                "find it."
            )
        if not is_ours(event) or private_properties(event).get(TAG_KEY) != block.key:
            raise ForeignEventError(
                f"Event id {body['id']!r} in Google calendar {self.calendar!r} is taken by an "
                "event that is not this calendar-slack block; leaving it untouched."
            )
        if event.get("status") == "cancelled":  # deleted earlier: bring the block back
            restore = {k: v for k, v in body.items() if k != "id"}
            event = self.client.call(
                lambda s: s.events().patch(
                    calendarId=self.calendar,
                    eventId=body["id"],
                    body={**restore, "status": "confirmed"},
                ),
                self._what(f"restoring block {block.key!r}"),
                headers={"If-Match": str(event.get("etag", ""))},
                gone=NotFoundError,
            )
        return self._checked(event, block.key)

    def _checked(self, event: Mapping[str, Any], key: str) -> RemoteBlock:
        block = _remote_block(event)
        if block is None or block.key != key:
            raise ConflictError(
                f"Google calendar {self.calendar!r} returned block {key!r} without our tag."
            )
        return block

    def _body(self, block: BlockWrite) -> dict[str, Any]:
        start = _utc(block.start, f"block {block.key!r} start")
        end = _utc(block.end, f"block {block.key!r} end")
        if end <= start:
            raise BadInputError(f"block {block.key!r}", "ends before it starts")
        return {
            "summary": block.title,
            "description": block.description,
            "start": {"dateTime": utc_iso(start)},
            "end": {"dateTime": utc_iso(end)},
            "transparency": "transparent" if block.show_as == "free" else "opaque",
        }

    def _state_key(self) -> str:
        return f"google:{self.person or ''}:{self.calendar}:focus_time"

    def _wants_focus_time(self, block: BlockWrite) -> bool:
        """focusTime only for busy focus blocks on the person's primary calendar, unless refused."""
        if block.kind != "focus" or block.show_as != "busy":
            return False
        primary = self.calendar == "primary" or (
            self.person is not None and self.calendar.lower() == self.person.lower()
        )
        if not primary:
            return False
        if self._focus_time is None and self.state is not None:
            saved = self.state.get(self._state_key())
            self._focus_time = None if saved is None else saved == "1"
        return self._focus_time is not False

    def _remember_no_focus_time(self) -> None:
        self._focus_time = False
        if self.state is not None:
            self.state.put(self._state_key(), "0")

    def _remember_focus_time(self) -> None:
        if self._focus_time is None:
            self._focus_time = True
            if self.state is not None:
                self.state.put(self._state_key(), "1")


def _tag(key: str, kind: str) -> dict[str, str]:
    return {GOOGLE_TAG: "1", TAG_KEY: key, TAG_KIND: kind}


def _remote_block(event: Mapping[str, Any]) -> RemoteBlock | None:
    """Our block as RemoteBlock; None for foreign, cancelled or all-day events."""
    if not is_ours(event) or event.get("status") == "cancelled":
        return None
    private = private_properties(event)
    start, end = event.get("start") or {}, event.get("end") or {}
    if "dateTime" not in start or "dateTime" not in end:
        return None
    kind_text = private.get(TAG_KIND, "focus")
    kind: BlockKind = kind_text if kind_text in BLOCK_KINDS else "focus"  # type: ignore[assignment]
    return RemoteBlock(
        key=private.get(TAG_KEY, ""),
        remote_id=str(event["id"]),
        kind=kind,
        start=pd.Timestamp(start["dateTime"]).tz_convert("UTC"),
        end=pd.Timestamp(end["dateTime"]).tz_convert("UTC"),
        title=str(event.get("summary", "")),
        show_as="free" if event.get("transparency") == "transparent" else "busy",
        etag=event.get("etag"),
    )


def _utc(moment: pd.Timestamp, what: str) -> pd.Timestamp:
    if moment.tzinfo is None:
        raise BadInputError(what, "has no time zone (expected a UTC instant)")
    return moment.tz_convert("UTC")
