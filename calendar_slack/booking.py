"""Plan -> diff -> apply: writing blocks into a person's calendar safely and reversibly.

The safety rules of DESIGN.md, and where each one lives:
- Only our tagged blocks are ever changed: everything here goes through a BlockWriter, which
  lists, changes and deletes tagged blocks only.
- Creates are idempotent: block keys are deterministic (person, kind, local date, slot), and the
  writers create by key, so a re-run finds the block and changes nothing.
- A block the person edited becomes locked (its etag differs from the one we last wrote) and is
  never overwritten; a block the person deleted is not recreated (same key: that kind, that day).
- Every change is written to the ledger first (run id, before, after), then applied, then
  settled; `recover` completes or reverts what a crash left pending; `undo` reverts a run.
Dry-run is the default: `compute_diff` is pure and `apply` is only called with --apply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from calendar_slack.blocks import TITLES, BlockKind, ShowAs
from calendar_slack.connectors.remote import (
    BlockWrite,
    BlockWriter,
    RemoteBlock,
)
from calendar_slack.errors import CalendarSlackError, ConflictError, NotFoundError
from calendar_slack.store import BlockState, Entry, Store

DESCRIPTION = (
    "Booked by calendar-slack to protect time for focus and recovery. Move it or delete it "
    "freely: calendar-slack will leave a block you changed alone and will not re-add one you "
    "deleted."
)


@dataclass(frozen=True)
class Diff:
    """What booking a plan would change; nothing here has touched the calendar."""

    create: tuple[BlockWrite, ...] = ()
    update: tuple[tuple[RemoteBlock, BlockWrite], ...] = ()
    delete: tuple[RemoteBlock, ...] = ()
    unchanged: tuple[RemoteBlock, ...] = ()
    locked: tuple[RemoteBlock, ...] = ()
    skipped: tuple[BlockWrite, ...] = ()  # the person deleted it: not recreated

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.update) + len(self.delete)


@dataclass
class RunReport:
    """What an applied run did (for `book --apply` and `undo` output)."""

    run_id: str | None
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "created": len(self.created),
            "updated": len(self.updated),
            "deleted": len(self.deleted),
            "unchanged": len(self.unchanged),
            "locked": len(self.locked),
        }


def block_key(person: str, kind: str, local_date: dt.date, slot: int) -> str:
    """Deterministic key of the `slot`-th block of `kind` on a local date: same plan, same key."""
    digest = hashlib.sha256(f"{person.lower()}|{kind}|{local_date}|{slot}".encode()).hexdigest()
    return f"cs{digest[:30]}"


def desired_blocks(
    person: str,
    blocks: Iterable[tuple[str, pd.Timestamp, pd.Timestamp]],
    tz: ZoneInfo,
    show_as: Mapping[BlockKind, ShowAs],
    reserved: Iterable[str] = (),
) -> list[BlockWrite]:
    """Planned (kind, start, end) blocks -> the BlockWrites we want in the calendar.

    `reserved` keys belong to blocks that stay as they are (locked ones): new blocks skip them,
    so a locked block's key is never reused for a different block.
    """
    taken = set(reserved)
    slots: dict[tuple[str, dt.date], int] = defaultdict(int)
    wanted = []
    for kind, start, end in sorted(blocks, key=lambda b: (b[1], b[2], b[0])):
        local_date = start.tz_convert(tz).date()
        key = block_key(person, kind, local_date, slots[(kind, local_date)])
        while key in taken:
            slots[(kind, local_date)] += 1
            key = block_key(person, kind, local_date, slots[(kind, local_date)])
        slots[(kind, local_date)] += 1
        taken.add(key)
        block_kind = _kind(kind)
        wanted.append(
            BlockWrite(
                key=key,
                kind=block_kind,
                start=start.tz_convert("UTC"),
                end=end.tz_convert("UTC"),
                title=TITLES[block_kind],
                show_as=show_as.get(block_kind, "busy"),
                description=DESCRIPTION,
            )
        )
    return wanted


def is_locked(block: RemoteBlock, states: Mapping[str, BlockState]) -> bool:
    """The person edited this block of ours (or we locked it earlier): never touch it."""
    state = states.get(block.key)
    return state is not None and (
        state.status == "locked" or (state.etag is not None and block.etag != state.etag)
    )


def compute_diff(
    desired: Iterable[BlockWrite],
    remote: Iterable[RemoteBlock],
    states: Mapping[str, BlockState],
) -> Diff:
    """Pure: what to create, update, delete, keep, leave locked or not recreate."""
    want = {block.key: block for block in desired}
    have = {block.key: block for block in remote}
    create, update, delete, unchanged, locked, skipped = [], [], [], [], [], []
    for key in sorted(have, key=lambda k: (have[k].start, k)):
        block = have[key]
        if is_locked(block, states):
            locked.append(block)  # the person edited it: never overwrite
        elif key not in want:
            delete.append(block)
        elif _same(block, want[key]):
            unchanged.append(block)
        else:
            update.append((block, want[key]))
    for key in sorted(want.keys() - have.keys(), key=lambda k: (want[k].start, k)):
        state = states.get(key)
        if state is not None and state.status in ("active", "deleted", "locked"):
            skipped.append(want[key])  # it existed and the person removed it
        else:
            create.append(want[key])
    return Diff(
        tuple(create), tuple(update), tuple(delete), tuple(unchanged), tuple(locked), tuple(skipped)
    )


def apply(
    diff: Diff,
    writer: BlockWriter,
    store: Store,
    person: str,
    source: str,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Write the diff: ledger entry first, then the calendar, then settle. Returns the run."""
    report = RunReport(run_id=None)
    report.recovered = recover(writer, store, person, source)
    report.unchanged = [b.key for b in diff.unchanged]
    for block in diff.locked:
        store.set_block_state(
            person, source, BlockState(block.key, "locked", block.remote_id, block.etag)
        )
        report.locked.append(block.key)
    states = store.block_states(person, source)
    for gone in diff.skipped:
        known = states.get(gone.key)
        if known is not None and known.status == "active":
            store.set_block_state(person, source, BlockState(gone.key, "deleted", None, None))
    if diff.changes == 0:
        return report
    run_id = store.begin_run(person, source, "book")
    report.run_id = run_id
    step = progress or (lambda _: None)
    for wanted in diff.create:
        step(f"create {wanted.kind} {wanted.start:%a %H:%M}")
        entry = store.record(run_id, "create", wanted.key, None, _block_dict(wanted))
        created = writer.create(wanted)
        store.settle(entry, "done", _remote_dict(created))
        _remember(store, person, source, created, "active")
        report.created.append(wanted.key)
    for old, new in diff.update:
        step(f"update {new.kind} {new.start:%a %H:%M}")
        entry = store.record(run_id, "update", new.key, _remote_dict(old), _block_dict(new))
        try:
            updated = writer.update(old, new)
        except ConflictError:
            store.settle(entry, "failed")
            _remember(store, person, source, old, "locked")
            report.locked.append(old.key)
            continue
        store.settle(entry, "done", _remote_dict(updated))
        _remember(store, person, source, updated, "active")
        report.updated.append(new.key)
    for old in diff.delete:
        step(f"delete {old.kind} {old.start:%a %H:%M}")
        entry = store.record(run_id, "delete", old.key, _remote_dict(old), None)
        try:
            writer.delete(old)
        except ConflictError:
            store.settle(entry, "failed")
            _remember(store, person, source, old, "locked")
            report.locked.append(old.key)
            continue
        except NotFoundError:
            pass  # already gone: the goal of the delete holds
        store.settle(entry, "done")
        store.set_block_state(person, source, BlockState(old.key, "removed", None, None))
        report.deleted.append(old.key)
    store.finish_run(run_id, "applied")
    return report


def recover(writer: BlockWriter, store: Store, person: str, source: str) -> list[str]:
    """Settle ledger entries a crash left pending, by looking at what the calendar now holds.

    A pending create whose block exists is completed (state remembered), one whose block does
    not exist is reverted (the next diff creates it if it is still wanted — by the same key, so
    never twice). Updates and deletes are settled the same way. Returns the keys settled.
    """
    settled = []
    for entry in store.pending(person, source):
        current = writer.get(entry.key)
        done = _reached(entry, current)
        store.settle(
            entry.id,
            "done" if done else "reverted",
            _remote_dict(current) if current is not None else None,
        )
        if current is not None and done:
            _remember(store, person, source, current, "active")
        elif entry.op == "delete" and current is None:
            store.set_block_state(person, source, BlockState(entry.key, "removed", None, None))
        settled.append(entry.key)
    return settled


def undo(run_id: str, writer: BlockWriter, store: Store) -> RunReport:
    """Revert an applied run, newest change first; blocks the person edited since stay as they
    are (reported as locked)."""
    run = store.run(run_id)
    if run is None:
        raise CalendarSlackError(
            f"run {run_id} is not in the ledger; `calendar-slack runs` lists the runs"
        )
    if run.status == "undone":
        return RunReport(run_id=None)
    person, source = run.person, run.source
    recover(writer, store, person, source)
    report = RunReport(run_id=store.begin_run(person, source, "undo"))
    assert report.run_id is not None
    for entry in reversed(store.entries(run_id)):
        if entry.state != "done":
            continue
        current = writer.get(entry.key)
        if entry.op == "create":
            if current is None:
                continue
            if not _matches(current, entry.after):
                report.locked.append(entry.key)
                continue
            ledger = store.record(report.run_id, "delete", entry.key, _remote_dict(current), None)
            writer.delete(current)
            store.settle(ledger, "done")
            store.set_block_state(person, source, BlockState(entry.key, "removed", None, None))
            report.deleted.append(entry.key)
        elif entry.op == "update" and entry.before is not None:
            if current is None or not _matches(current, entry.after):
                report.locked.append(entry.key)
                continue
            wanted_back = _block_from(entry.before)
            ledger = store.record(
                report.run_id, "update", entry.key, _remote_dict(current), _block_dict(wanted_back)
            )
            restored = writer.update(current, wanted_back)
            store.settle(ledger, "done", _remote_dict(restored))
            _remember(store, person, source, restored, "active")
            report.updated.append(entry.key)
        elif entry.op == "delete" and entry.before is not None:
            if current is not None:
                continue
            recreated = _block_from(entry.before)
            ledger = store.record(report.run_id, "create", entry.key, None, _block_dict(recreated))
            restored = writer.create(recreated)
            store.settle(ledger, "done", _remote_dict(restored))
            _remember(store, person, source, restored, "active")
            report.created.append(entry.key)
    store.finish_run(report.run_id, "applied")
    store.finish_run(run_id, "undone")
    return report


def _reached(entry: Entry, current: RemoteBlock | None) -> bool:
    """Did the calendar reach the state the entry aimed for?"""
    if entry.op == "delete":
        return current is None
    return current is not None and _matches(current, entry.after)


def _matches(block: RemoteBlock, data: Mapping[str, Any] | None) -> bool:
    if data is None:
        return False
    return (
        block.start == pd.Timestamp(data["start"])
        and block.end == pd.Timestamp(data["end"])
        and block.kind == data["kind"]
        and block.title == data["title"]
    )


def _same(block: RemoteBlock, want: BlockWrite) -> bool:
    return (
        block.start == want.start
        and block.end == want.end
        and block.kind == want.kind
        and block.title == want.title
        and block.show_as == want.show_as
    )


def _remember(store: Store, person: str, source: str, block: RemoteBlock, status: str) -> None:
    store.set_block_state(
        person,
        source,
        BlockState(block.key, status, block.remote_id, block.etag),  # type: ignore[arg-type]
    )


def _shared_fields(block: BlockWrite | RemoteBlock) -> dict[str, Any]:
    return {
        "key": block.key,
        "kind": block.kind,
        "start": block.start.isoformat(),
        "end": block.end.isoformat(),
        "title": block.title,
        "show_as": block.show_as,
    }


def _block_dict(block: BlockWrite) -> dict[str, Any]:
    return {**_shared_fields(block), "description": block.description}


def _remote_dict(block: RemoteBlock) -> dict[str, Any]:
    return {
        **_shared_fields(block),
        "remote_id": block.remote_id,
        "etag": block.etag,
        "description": DESCRIPTION,
    }


def _block_from(data: Mapping[str, Any]) -> BlockWrite:
    return BlockWrite(
        key=str(data["key"]),
        kind=_kind(str(data["kind"])),
        start=pd.Timestamp(data["start"]),
        end=pd.Timestamp(data["end"]),
        title=str(data["title"]),
        show_as="free" if data.get("show_as") == "free" else "busy",
        description=str(data.get("description", DESCRIPTION)),
    )


def _kind(kind: str) -> BlockKind:
    if kind not in TITLES:
        raise CalendarSlackError(f"unknown block kind {kind!r}")
    return kind  # type: ignore[return-value]
