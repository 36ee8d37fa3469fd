"""The store on SQLite and on a real PostgreSQL server: migrations, sync tokens, ledger, states,
and credentials encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from calendar_slack.errors import BadInputError
from calendar_slack.store import BlockState, Store, StoreEventCache
from tests.fakes.postgres_server import postgres_server


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    monkeypatch.setenv("CALENDAR_SLACK_SECRET_KEY", Fernet.generate_key().decode())
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = Store(url)
    yield opened
    if request.param == "postgresql":  # one server per module: empty it for the next test
        with opened.engine.begin() as connection:
            tables = ("ledger", "runs", "block_states", "sync_tokens", "accounts", "cached_events")
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
    opened.close()


def test_migrations_create_every_table_and_are_idempotent(store: Store) -> None:
    again = Store(store.url)  # opening a migrated database migrates nothing and loses nothing
    store.put("k", "v")
    assert again.get("k") == "v"
    with store.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0002"
    again.close()


def test_sync_tokens_put_get_replace_forget(store: Store) -> None:
    assert store.get("google:me:primary") is None
    store.put("google:me:primary", "token-1")
    store.put("google:me:primary", "token-2")
    assert store.get("google:me:primary") == "token-2"
    store.put("google:me:primary", None)
    assert store.get("google:me:primary") is None


def test_ledger_records_pending_then_settles(store: Store) -> None:
    run = store.begin_run("me@example.com", "caldav")
    first = store.record(run, "create", "k1", None, {"start": "2026-11-23T08:00:00+00:00"})
    second = store.record(run, "delete", "k2", {"start": "x"}, None)
    assert [e.key for e in store.pending("me@example.com", "caldav")] == ["k1", "k2"]
    assert store.pending("other@example.com", "caldav") == []
    store.settle(first, "done", {"start": "2026-11-23T08:00:00+00:00", "etag": "e1"})
    store.settle(second, "reverted")
    entries = store.entries(run)
    assert [(e.seq, e.op, e.state) for e in entries] == [
        (0, "create", "done"),
        (1, "delete", "reverted"),
    ]
    assert entries[0].after == {"start": "2026-11-23T08:00:00+00:00", "etag": "e1"}
    assert entries[1].before == {"start": "x"}
    store.finish_run(run, "applied")
    info = store.run(run)
    assert info is not None
    assert (info.person, info.source, info.status) == ("me@example.com", "caldav", "applied")


def test_block_states_per_person_and_source(store: Store) -> None:
    store.set_block_state("me@example.com", "google", BlockState("k", "active", "id1", "e1"))
    store.set_block_state("me@example.com", "google", BlockState("k", "locked", "id1", "e2"))
    store.set_block_state("me@example.com", "caldav", BlockState("k", "deleted", None, None))
    assert store.block_states("me@example.com", "google") == {
        "k": BlockState("k", "locked", "id1", "e2")
    }
    assert store.block_states("me@example.com", "caldav")["k"].status == "deleted"


def test_secrets_are_encrypted_at_rest(store: Store) -> None:
    token = b'{"refresh_token": "very-secret-refresh-token"}'
    store.save_secret("google", "Me@Example.com", token)
    assert store.load_secret("google", "me@example.com") == token
    with store.engine.connect() as connection:
        raw = connection.execute(text("SELECT secret FROM accounts")).scalar()
    assert isinstance(raw, bytes | memoryview)
    assert b"very-secret" not in bytes(raw)


def test_an_unreachable_database_is_a_one_line_bad_input() -> None:
    with pytest.raises(BadInputError) as caught:
        Store("postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none?connect_timeout=2")
    message = str(caught.value)
    assert message.startswith("database postgresql+psycopg://nobody:***@127.0.0.1:1/none")
    assert "hunter2" not in message
    assert "\n" not in message


def test_event_cache_per_scope(store: Store) -> None:
    cache = StoreEventCache(store)
    cache.put("google:me:primary", {"id": "b", "summary": "Stand-up"})
    cache.put("google:me:primary", {"id": "a", "summary": "1:1"})
    cache.put("google:me:primary", {"id": "b", "summary": "Stand-up (moved)"})
    cache.put("google:me:team", {"id": "a", "summary": "Team"})
    assert cache.get("google:me:primary", "b") == {"id": "b", "summary": "Stand-up (moved)"}
    assert [e["id"] for e in cache.events("google:me:primary")] == ["a", "b"]
    cache.clear("google:me:primary")
    assert cache.events("google:me:primary") == []
    assert cache.events("google:me:team") == [{"id": "a", "summary": "Team"}]
