"""The write side every bookable calendar offers, and where incremental-sync state is kept.

Booking (booking.py) speaks only this protocol, so one booking test suite runs unchanged
against Google, Outlook and CalDAV. Every block we write carries our tag and a deterministic
key; only tagged events are ever listed, changed or deleted through this interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from calendar_slack.blocks import BlockKind, ShowAs
from calendar_slack.errors import BadInputError

__all__ = [
    "BlockKind",
    "BlockWrite",
    "BlockWriter",
    "RemoteBlock",
    "ShowAs",
    "SyncState",
    "matches",
]

#: The tag's name in every vendor's representation (ICS property, Google private extended
#: property key, Graph extended property name).
TAG = "X-CALENDAR-SLACK-TAG"
TAG_KEY = "calendarSlackKey"
TAG_KIND = "calendarSlackKind"


@dataclass(frozen=True)
class BlockWrite:
    """A block we want in the calendar. `key` is deterministic (same plan -> same key)."""

    key: str
    kind: BlockKind
    start: pd.Timestamp
    end: pd.Timestamp
    title: str
    show_as: ShowAs = "busy"
    description: str = ""


@dataclass(frozen=True)
class RemoteBlock:
    """One of our tagged blocks as the calendar holds it now."""

    key: str
    remote_id: str
    kind: BlockKind
    start: pd.Timestamp
    end: pd.Timestamp
    title: str
    show_as: ShowAs
    etag: str | None


def matches(remote: RemoteBlock, block: BlockWrite) -> bool:
    """Whether the calendar already holds `block` as written: key, kind, instants, title, show-as.

    Writers use it after a conflicting retry, to tell "our lost first attempt landed" from "the
    person changed the block". BadInputError when a block time has no time zone.
    """
    return (
        remote.key == block.key
        and remote.kind == block.kind
        and remote.start == _utc(block.start, "start")
        and remote.end == _utc(block.end, "end")
        and remote.title == block.title
        and remote.show_as == block.show_as
    )


def _utc(value: pd.Timestamp, name: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise BadInputError(f"block {name} {value}", "has no time zone; give an aware UTC time")
    return stamp.tz_convert("UTC")


class BlockWriter(Protocol):
    """Tagged-block operations on one person's calendar."""

    def list_ours(self, start: pd.Timestamp, end: pd.Timestamp) -> list[RemoteBlock]:
        """Our tagged blocks overlapping [start, end); foreign events never appear here."""
        ...

    def get(self, key: str) -> RemoteBlock | None:
        """Our block with this key, or None when it does not exist (e.g. the person deleted it)."""
        ...

    def create(self, block: BlockWrite) -> RemoteBlock:
        """Create idempotently: a second create with the same key returns the existing block."""
        ...

    def update(self, remote: RemoteBlock, block: BlockWrite) -> RemoteBlock:
        """Change our block, sending `remote.etag`; ConflictError when it changed since."""
        ...

    def delete(self, remote: RemoteBlock) -> None:
        """Delete our block, sending `remote.etag`; ConflictError when it changed since,
        NotFoundError when it is already gone."""
        ...


class SyncState(Protocol):
    """Where a connector keeps sync tokens / delta links (store.py persists it)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, value: str | None) -> None: ...


class MemorySyncState:
    """A SyncState in a dict: for tests and one-shot runs."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def put(self, key: str, value: str | None) -> None:
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value
