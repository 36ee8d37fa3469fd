"""Our tagged blocks in one Outlook calendar: the BlockWriter booking speaks to.

Why: booking must never duplicate a block, never overwrite the person's own edit and never
touch an event that is not ours. On Graph that means:
- create: look the key up first (our extended property), then POST with a `transactionId`
  derived from the key, so a create retried after a timeout is deduplicated by Graph itself;
- update / delete: first read the event and refuse unless it carries our tag with the same key,
  then PATCH / DELETE with `If-Match: <etag we last saw>`; 412 -> ConflictError.
  A request that timed out may have been applied: when its retry meets 412 (update) or 404
  (delete), the event is read back and the outcome accepted when it is what we asked for.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pandas as pd

from calendar_slack.blocks import BLOCK_KINDS
from calendar_slack.connectors.ingest import utc_iso
from calendar_slack.connectors.outlook_graph import GraphClient, Json, Tries
from calendar_slack.connectors.outlook_map import (
    EXPAND_TAG,
    event_time,
    tag_filter,
    tag_of,
    tag_properties,
)
from calendar_slack.connectors.outlook_sync import CalendarRef, tagged
from calendar_slack.connectors.remote import BlockKind, BlockWrite, RemoteBlock, ShowAs, matches
from calendar_slack.errors import BadInputError, ConflictError, NotFoundError, ServiceError

#: Namespace of transactionIds (fixed: changing it would defeat Graph's deduplication).
TRANSACTION_NAMESPACE = uuid.UUID("5f0c1c55-3f5e-5a57-9d0b-6b7f3c0a1e42")
_UTC = ZoneInfo("UTC")


def transaction_id(key: str) -> str:
    """The deterministic Graph transactionId of the block with this key."""
    return str(uuid.uuid5(TRANSACTION_NAMESPACE, key))


class OutlookBlockWriter:
    """BlockWriter on one calendar (`ref`) of one person, through a GraphClient."""

    def __init__(self, client: GraphClient, ref: CalendarRef) -> None:
        self.client = client
        self.ref = ref

    def list_ours(self, start: pd.Timestamp, end: pd.Timestamp) -> list[RemoteBlock]:
        blocks = [_remote_block(e) for e in tagged(self.client, self.ref, start, end)]
        return sorted(blocks, key=lambda b: (b.start, b.key))

    def get(self, key: str) -> RemoteBlock | None:
        params = {"$filter": tag_filter(key), "$expand": EXPAND_TAG}
        for page in self.client.pages(f"{self.ref.root}/events", params):
            for event in page.get("value") or []:
                found = tag_of(event)
                if found is not None and found[0] == key:
                    return _remote_block(event)
        return None

    def create(self, block: BlockWrite) -> RemoteBlock:
        existing = self.get(block.key)
        if existing is not None:
            return existing
        body = {**self._body(block), "transactionId": transaction_id(block.key)}
        event = self.client.request(
            "POST", f"{self.ref.root}/events", body=body, headers=self._prefer()
        )
        return _remote_block(_present(event, "creating a block"), block)

    def update(self, remote: RemoteBlock, block: BlockWrite) -> RemoteBlock:
        current = self._guard(remote)
        etag = remote.etag or str(current.get("@odata.etag") or "")
        tries = Tries()
        try:
            event = self.client.request(
                "PATCH",
                self._event_path(remote.remote_id),
                body=self._body(block),
                headers={**self._prefer(), "If-Match": etag},
                tries=tries,
            )
        except ConflictError:
            if tries.count > 1:  # our timed-out first attempt may be what changed the etag
                again = self._fetch(remote.remote_id)
                if again is not None and matches(_remote_block(again), block):
                    return _remote_block(again)
            raise
        return _remote_block(_present(event, "updating a block"), block)

    def delete(self, remote: RemoteBlock) -> None:
        current = self._guard(remote)
        etag = remote.etag or str(current.get("@odata.etag") or "")
        tries = Tries()
        try:
            self.client.request(
                "DELETE",
                self._event_path(remote.remote_id),
                headers={"If-Match": etag},
                tries=tries,
            )
        except NotFoundError:
            if tries.count > 1 and self._fetch(remote.remote_id) is None:
                return  # our timed-out first attempt deleted it
            raise

    def _guard(self, remote: RemoteBlock) -> Json:
        """The event as it is now; refuses anything that does not carry our tag and key."""
        current = self._fetch(remote.remote_id)
        if current is None:
            raise NotFoundError(f"Outlook event {remote.remote_id} no longer exists.")
        tag = tag_of(current)
        if tag is None:
            raise BadInputError(
                f"Outlook event {remote.remote_id}",
                "does not carry calendar-slack's tag; refusing to change or delete it",
            )
        if tag[0] != remote.key:
            raise BadInputError(
                f"Outlook event {remote.remote_id}",
                f"carries block key {tag[0]!r}, not {remote.key!r}; refusing to change it",
            )
        return current

    def _fetch(self, remote_id: str) -> Json | None:
        try:
            return self.client.request(
                "GET",
                self._event_path(remote_id),
                params={"$expand": EXPAND_TAG},
                headers=self._prefer(),
            )
        except NotFoundError:
            return None

    def _event_path(self, remote_id: str) -> str:
        return f"{self.ref.user_path}/events/{quote(remote_id, safe='')}"

    def _prefer(self) -> dict[str, str]:
        return {"Prefer": self.client.prefer()}

    def _body(self, block: BlockWrite) -> Json:
        if block.kind not in BLOCK_KINDS:
            raise BadInputError(f"block {block.key}", f"has unknown kind {block.kind!r}")
        if _utc(block.end) <= _utc(block.start):
            raise BadInputError(f"block {block.key}", "ends before it starts")
        return {
            "subject": block.title,
            "body": {"contentType": "text", "content": block.description},
            "start": {"dateTime": utc_iso(block.start), "timeZone": "UTC"},
            "end": {"dateTime": utc_iso(block.end), "timeZone": "UTC"},
            "showAs": block.show_as,
            "isReminderOn": False,
            "singleValueExtendedProperties": tag_properties(block.key, block.kind),
        }


def _present(event: Json | None, what: str) -> Json:
    if event is None:
        raise ServiceError(f"Microsoft Graph sent no event back when {what}.")
    return event


def _remote_block(event: Mapping[str, Any], block: BlockWrite | None = None) -> RemoteBlock:
    """A RemoteBlock from Graph's event; `block` supplies key / kind when not expanded."""
    tag = tag_of(event)
    if tag is None and block is None:
        raise BadInputError(f"Outlook event {event.get('id')}", "does not carry our tag")
    key = tag[0] if tag is not None else cast(BlockWrite, block).key
    kind_text: str = tag[1] if tag is not None and tag[1] else (block.kind if block else "focus")
    kind = cast(BlockKind, kind_text) if kind_text in BLOCK_KINDS else "focus"
    what = f"Outlook event {event.get('id')}"
    start = event_time(event.get("start"), False, _UTC, f"{what} start")
    end = event_time(event.get("end"), False, _UTC, f"{what} end")
    show_as: ShowAs = "free" if str(event.get("showAs", "")).lower() == "free" else "busy"
    etag = event.get("@odata.etag")
    return RemoteBlock(
        key=key,
        remote_id=str(event.get("id")),
        kind=kind,
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
        title=str(event.get("subject") or ""),
        show_as=show_as,
        etag=str(etag) if etag else None,
    )


def _utc(moment: pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        raise BadInputError(f"block time {stamp}", "has no time zone (give UTC instants)")
    return stamp.tz_convert("UTC")
