"""Durable state: accounts (tokens encrypted at rest), sync tokens, block states, booking ledger.

SQLAlchemy 2 with Alembic migrations. The default database is an SQLite file in the user data
folder (platformdirs); CALENDAR_SLACK_DATABASE_URL selects another database, e.g. PostgreSQL
(`postgresql+psycopg://user@host/db`, docker-compose runs one). The schema is created and
upgraded by Alembic on open, so an old database is migrated rather than rebuilt.

The ledger is what makes booking safe: every change is written here (run id, before, after)
*before* the calendar is touched, and marked done after, so a crash leaves enough to finish or
revert the run, and `undo RUN_ID` knows exactly what to put back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from calendar_slack.errors import BadInputError, CalendarSlackError

APP = "calendar-slack"
Op = Literal["create", "update", "delete"]
EntryState = Literal["pending", "done", "reverted", "failed"]
BlockStatus = Literal["active", "locked", "deleted", "removed"]


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    vendor: Mapped[str] = mapped_column(String(16), primary_key=True)
    person: Mapped[str] = mapped_column(String(320), primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SyncToken(Base):
    __tablename__ = "sync_tokens"
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CachedEvent(Base):
    __tablename__ = "cached_events"
    scope: Mapped[str] = mapped_column(String(512), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(1024), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class BlockStateRow(Base):
    __tablename__ = "block_states"
    person: Mapped[str] = mapped_column(String(320), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    remote_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    etag: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Run(Base):
    __tablename__ = "runs"
    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[str] = mapped_column(String(320), index=True)
    source: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # book | undo | recover
    status: Mapped[str] = mapped_column(String(16))  # applying | applied | undone | failed
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LedgerEntry(Base):
    __tablename__ = "ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128))
    before: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON of the block
    after: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON of the block
    state: Mapped[str] = mapped_column(String(16))


@dataclass(frozen=True)
class BlockState:
    """What we last knew of one of our blocks.

    active: we wrote it and it was as we left it; locked: the person edited it (never touch);
    deleted: the person deleted it (never recreate it); removed: we deleted it ourselves.
    """

    key: str
    status: BlockStatus
    remote_id: str | None
    etag: str | None


@dataclass(frozen=True)
class Entry:
    """One ledger line: a change to one block, with the block before and after (dicts)."""

    id: int
    run_id: str
    seq: int
    op: Op
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    state: EntryState


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    person: str
    source: str
    kind: str
    status: str
    started_at: dt.datetime


def default_url() -> str:
    url = os.environ.get("CALENDAR_SLACK_DATABASE_URL")
    if url:
        return url
    folder = Path(platformdirs.user_data_dir(APP))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'calendar-slack.db'}"


class Store:
    """The database, migrated to the newest schema when opened."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        try:
            self.engine: Engine = create_engine(self.url, future=True)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            migrate(self.engine)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise BadInputError(f"database {_safe(self.url)}", _first_line(exc)) from None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise CalendarSlackError(f"database error: {_first_line(exc)}") from None
            except BaseException:
                session.rollback()
                raise

    # --- accounts ----------------------------------------------------------------------------
    def save_secret(self, vendor: str, person: str, secret: bytes) -> None:
        """Store a credential for (vendor, person), encrypted with calendar_slack.secrets."""
        from calendar_slack import secrets

        sealed = secrets.encrypt(secret)
        with self.session() as s:
            row = s.get(Account, (vendor, person.lower()))
            if row is None:
                s.add(
                    Account(vendor=vendor, person=person.lower(), secret=sealed, updated_at=_now())
                )
            else:
                row.secret, row.updated_at = sealed, _now()

    def load_secret(self, vendor: str, person: str) -> bytes | None:
        from calendar_slack import secrets

        with self.session() as s:
            row = s.get(Account, (vendor, person.lower()))
            return None if row is None else secrets.decrypt(row.secret)

    # --- sync tokens (SyncState) -------------------------------------------------------------
    def get(self, key: str) -> str | None:
        with self.session() as s:
            row = s.get(SyncToken, key)
            return None if row is None else row.value

    def put(self, key: str, value: str | None) -> None:
        """Save (or with None, forget) a sync token; committed at once, page by page."""
        with self.session() as s:
            row = s.get(SyncToken, key)
            if value is None:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(SyncToken(key=key, value=value, updated_at=_now()))
            else:
                row.value, row.updated_at = value, _now()

    # --- block states ------------------------------------------------------------------------
    def block_states(self, person: str, source: str) -> dict[str, BlockState]:
        with self.session() as s:
            rows = s.scalars(
                select(BlockStateRow).where(
                    BlockStateRow.person == person, BlockStateRow.source == source
                )
            )
            return {
                r.key: BlockState(r.key, r.status, r.remote_id, r.etag)  # type: ignore[arg-type]
                for r in rows
            }

    def set_block_state(self, person: str, source: str, state: BlockState) -> None:
        with self.session() as s:
            row = s.get(BlockStateRow, (person, source, state.key))
            if row is None:
                s.add(
                    BlockStateRow(
                        person=person,
                        source=source,
                        key=state.key,
                        status=state.status,
                        remote_id=state.remote_id,
                        etag=state.etag,
                        updated_at=_now(),
                    )
                )
            else:
                row.status, row.remote_id, row.etag = state.status, state.remote_id, state.etag
                row.updated_at = _now()

    # --- ledger ------------------------------------------------------------------------------
    def begin_run(self, person: str, source: str, kind: str = "book") -> str:
        run_id = _new_run_id()
        with self.session() as s:
            s.add(
                Run(
                    run_id=run_id,
                    person=person,
                    source=source,
                    kind=kind,
                    status="applying",
                    started_at=_now(),
                )
            )
        return run_id

    def finish_run(self, run_id: str, status: str) -> None:
        with self.session() as s:
            row = s.get(Run, run_id)
            if row is not None:
                row.status = status

    def run(self, run_id: str) -> RunInfo | None:
        with self.session() as s:
            row = s.get(Run, run_id)
            if row is None:
                return None
            return RunInfo(row.run_id, row.person, row.source, row.kind, row.status, row.started_at)

    def record(
        self,
        run_id: str,
        op: Op,
        key: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> int:
        """Write a pending ledger entry (before the calendar is touched); return its id."""
        with self.session() as s:
            seq = s.scalar(
                select(func.count()).select_from(LedgerEntry).where(LedgerEntry.run_id == run_id)
            )
            entry = LedgerEntry(
                run_id=run_id,
                seq=seq or 0,
                op=op,
                key=key,
                before=_dump(before),
                after=_dump(after),
                state="pending",
            )
            s.add(entry)
            s.flush()
            return entry.id

    def settle(self, entry_id: int, state: EntryState, after: dict[str, Any] | None = None) -> None:
        """Mark an entry done / reverted / failed, optionally with what the calendar returned."""
        with self.session() as s:
            row = s.get(LedgerEntry, entry_id)
            if row is None:
                raise CalendarSlackError(f"ledger entry {entry_id} does not exist")
            row.state = state
            if after is not None:
                row.after = _dump(after)

    def entries(self, run_id: str) -> list[Entry]:
        with self.session() as s:
            rows = s.scalars(
                select(LedgerEntry).where(LedgerEntry.run_id == run_id).order_by(LedgerEntry.seq)
            )
            return [_entry(r) for r in rows]

    def runs(self, limit: int = 20) -> list[RunInfo]:
        """The newest runs first."""
        with self.session() as s:
            rows = s.scalars(select(Run).order_by(Run.started_at.desc()).limit(limit))
            return [
                RunInfo(r.run_id, r.person, r.source, r.kind, r.status, r.started_at) for r in rows
            ]

    def pending(self, person: str, source: str) -> list[Entry]:
        """Entries of any run for (person, source) left pending by a crash, oldest first."""
        with self.session() as s:
            rows = s.scalars(
                select(LedgerEntry)
                .join(Run, Run.run_id == LedgerEntry.run_id)
                .where(
                    Run.person == person,
                    Run.source == source,
                    LedgerEntry.state == "pending",
                )
                .order_by(LedgerEntry.id)
            )
            return [_entry(r) for r in rows]


class StoreEventCache:
    """Raw vendor events per sync scope, kept in the store (the connectors' EventCache)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, scope: str, event_id: str) -> dict[str, Any] | None:
        with self.store.session() as s:
            row = s.get(CachedEvent, (scope, event_id))
            return None if row is None else dict(json.loads(row.body))

    def put(self, scope: str, event: Mapping[str, Any]) -> None:
        body = json.dumps(dict(event), sort_keys=True, default=str)
        with self.store.session() as s:
            row = s.get(CachedEvent, (scope, str(event["id"])))
            if row is None:
                s.add(CachedEvent(scope=scope, event_id=str(event["id"]), body=body))
            else:
                row.body = body

    def events(self, scope: str) -> list[dict[str, Any]]:
        with self.store.session() as s:
            rows = s.scalars(
                select(CachedEvent).where(CachedEvent.scope == scope).order_by(CachedEvent.event_id)
            )
            return [dict(json.loads(r.body)) for r in rows]

    def remove(self, scope: str, event_id: str) -> None:
        with self.store.session() as s:
            row = s.get(CachedEvent, (scope, event_id))
            if row is not None:
                s.delete(row)

    def clear(self, scope: str) -> None:
        with self.store.session() as s:
            s.execute(delete(CachedEvent).where(CachedEvent.scope == scope))


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema with Alembic (creates it when empty)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL and NORMAL sync: durable across crashes of our process, far fewer fsyncs."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _entry(row: LedgerEntry) -> Entry:
    return Entry(
        row.id,
        row.run_id,
        row.seq,
        row.op,  # type: ignore[arg-type]
        row.key,
        _load(row.before),
        _load(row.after),
        row.state,  # type: ignore[arg-type]
    )


def _dump(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _load(value: str | None) -> dict[str, Any] | None:
    return None if value is None else dict(json.loads(value))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_run_id() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
