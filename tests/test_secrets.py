"""Encryption at rest: tokens never reach a disk in clear, and a missing or wrong key is an
AuthError that says what to do. No test reads the machine's environment or its OS keyring:
environments are passed as dicts and the keyring is replaced by an in-memory backend."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from cryptography.fernet import Fernet
from keyring.backends import fail

from calendar_slack import secrets
from calendar_slack.errors import AuthError

TOKEN = b'{"RefreshToken": {"rt": {"secret": "rt-very-secret-refresh-token"}}}'


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend in a dict (the tests' stand-in for the OS keychain)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(before)


def test_round_trip_and_the_ciphertext_does_not_contain_the_secret() -> None:
    key = Fernet.generate_key()
    sealed = secrets.encrypt(TOKEN, key)
    assert b"rt-very-secret-refresh-token" not in sealed
    assert secrets.decrypt(sealed, key) == TOKEN


def test_a_wrong_key_is_an_auth_error_that_says_what_to_do() -> None:
    sealed = secrets.encrypt(TOKEN, Fernet.generate_key())
    with pytest.raises(AuthError, match=r"cannot be decrypted.*sign in again"):
        secrets.decrypt(sealed, Fernet.generate_key())


def test_the_key_comes_from_the_environment_first(memory_keyring: MemoryKeyring) -> None:
    env_key, ring_key = Fernet.generate_key(), Fernet.generate_key()
    memory_keyring.values[("calendar-slack", "secret-key")] = ring_key.decode()
    assert secrets.secret_key({"CALENDAR_SLACK_SECRET_KEY": env_key.decode()}) == env_key
    assert secrets.secret_key({}) == ring_key


def test_a_malformed_environment_key_names_the_variable() -> None:
    with pytest.raises(AuthError, match="CALENDAR_SLACK_SECRET_KEY is not a Fernet key"):
        secrets.secret_key({"CALENDAR_SLACK_SECRET_KEY": "not-a-key"})


def test_no_key_anywhere_says_how_to_set_one(no_keyring: None) -> None:
    with pytest.raises(AuthError, match=r"set CALENDAR_SLACK_SECRET_KEY.*Fernet.generate_key"):
        secrets.secret_key({})
    # create=True cannot help either: there is no keyring to keep a new key in.
    with pytest.raises(AuthError, match="OS keyring"):
        secrets.secret_key({}, create=True)


def test_create_makes_and_keeps_a_key_in_the_keyring(memory_keyring: MemoryKeyring) -> None:
    made = secrets.secret_key({}, create=True)
    assert memory_keyring.values[("calendar-slack", "secret-key")] == made.decode()
    assert secrets.secret_key({}) == made  # the next run finds the same key
    Fernet(made)  # and it is a usable Fernet key


def test_file_store_writes_atomically_and_privately(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "outlook.tokens"
    store = secrets.FileBlobStore(path)
    assert store.load() is None
    store.save(b"first")
    store.save(b"second")
    assert store.load() == b"second"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["outlook.tokens"]  # no temp left


def test_encrypted_blob_keeps_only_ciphertext_on_disk(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    path = tmp_path / "outlook.tokens"
    secrets.EncryptedBlob(secrets.FileBlobStore(path), key).save(TOKEN)
    on_disk = path.read_bytes()
    assert b"rt-very-secret-refresh-token" not in on_disk
    assert b"RefreshToken" not in on_disk
    assert secrets.EncryptedBlob(secrets.FileBlobStore(path), key).load() == TOKEN
    wrong = secrets.EncryptedBlob(secrets.FileBlobStore(path), Fernet.generate_key())
    with pytest.raises(AuthError):
        wrong.load()


def test_encrypted_blob_reads_its_key_from_the_given_environment(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    env = {"CALENDAR_SLACK_SECRET_KEY": key.decode()}
    store = secrets.MemoryBlobStore()
    secrets.EncryptedBlob(store, environ=env).save(TOKEN)
    assert store.data is not None
    assert secrets.decrypt(store.data, key) == TOKEN
    assert secrets.EncryptedBlob(store, environ=env).load() == TOKEN


def test_nothing_saved_needs_no_key(no_keyring: None) -> None:
    # Loading an empty store must not demand a key (so "not signed in" can be said instead).
    assert secrets.EncryptedBlob(secrets.MemoryBlobStore(), environ={}).load() is None


def test_default_token_path_is_named_after_the_vendor() -> None:
    path = secrets.default_token_path("outlook")
    assert path.name == "outlook.tokens"
    assert "calendar-slack" in str(path.parent)
