"""An in-memory calendar that behaves like the real ones where booking cares: tagged blocks,
etags that change on every write, 412-style conflicts, and edits/deletes made by the person.

It is both a BlockWriter and a CalendarHarness, so the booking suite can run fast against it
and unchanged against the Google, Graph and CalDAV test servers.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pandas as pd

from calendar_slack.connectors.remote import BlockWrite, RemoteBlock
from calendar_slack.errors import CalendarSlackError, ConflictError, NotFoundError


class MemoryCalendar:
    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._etags = itertools.count(1)
        self.calls: list[str] = []

    @property
    def writer(self) -> MemoryCalendar:
        return self

    # --- BlockWriter --------------------------------------------------------------------------
    def list_ours(self, start: pd.Timestamp, end: pd.Timestamp) -> list[RemoteBlock]:
        return sorted(
            (
                self._remote(rid)
                for rid, ev in self.events.items()
                if ev.get("tag") and ev["start"] < end and ev["end"] > start
            ),
            key=lambda b: (b.start, b.key),
        )

    def get(self, key: str) -> RemoteBlock | None:
        for rid, ev in self.events.items():
            if ev.get("tag") == key:
                return self._remote(rid)
        return None

    def create(self, block: BlockWrite) -> RemoteBlock:
        self.calls.append(f"create {block.key}")
        existing = self.get(block.key)
        if existing is not None:
            return existing
        rid = f"ev{next(self._ids)}"
        self.events[rid] = {
            "tag": block.key,
            "kind": block.kind,
            "start": block.start,
            "end": block.end,
            "title": block.title,
            "show_as": block.show_as,
            "etag": f"e{next(self._etags)}",
        }
        return self._remote(rid)

    def update(self, remote: RemoteBlock, block: BlockWrite) -> RemoteBlock:
        self.calls.append(f"update {block.key}")
        event = self._ours(remote)
        event.update(
            start=block.start,
            end=block.end,
            title=block.title,
            kind=block.kind,
            show_as=block.show_as,
            etag=f"e{next(self._etags)}",
        )
        return self._remote(remote.remote_id)

    def delete(self, remote: RemoteBlock) -> None:
        self.calls.append(f"delete {remote.key}")
        self._ours(remote)
        del self.events[remote.remote_id]

    # --- CalendarHarness ----------------------------------------------------------------------
    def add_foreign_event(
        self, start: pd.Timestamp, end: pd.Timestamp, title: str, attendees: int = 1
    ) -> str:
        rid = f"ev{next(self._ids)}"
        self.events[rid] = {
            "start": start,
            "end": end,
            "title": title,
            "attendees": attendees,
            "etag": f"e{next(self._etags)}",
        }
        return rid

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.events)

    def edit_as_person(self, remote_id: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
        self.events[remote_id].update(start=start, end=end, etag=f"e{next(self._etags)}")

    def delete_as_person(self, remote_id: str) -> None:
        del self.events[remote_id]

    # --- helpers ------------------------------------------------------------------------------
    def _ours(self, remote: RemoteBlock) -> dict[str, Any]:
        event = self.events.get(remote.remote_id)
        if event is None:
            raise NotFoundError(f"event {remote.remote_id} no longer exists")
        if not event.get("tag"):
            raise CalendarSlackError(f"refusing to change event {remote.remote_id}: not ours")
        if event["etag"] != remote.etag:
            raise ConflictError(f"event {remote.remote_id} changed since we read it")
        return event

    def _remote(self, rid: str) -> RemoteBlock:
        ev = self.events[rid]
        return RemoteBlock(
            ev["tag"],
            rid,
            ev["kind"],
            ev["start"],
            ev["end"],
            ev["title"],
            ev["show_as"],
            ev["etag"],
        )
