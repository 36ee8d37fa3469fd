"""Encryption at rest for tokens: nothing that grants access to a calendar is stored in clear.

Access and refresh tokens (the MSAL token cache, OAuth credentials) are encrypted with Fernet
(AES-128-CBC + HMAC-SHA256) before they touch a disk or a database. The key comes from the
environment (`CALENDAR_SLACK_SECRET_KEY`, a Fernet key) or from the OS keyring (service
"calendar-slack"); without either, a clear AuthError says how to provide one.

Where the encrypted bytes live is a small `BlobStore` (a load / save pair), so store.py can
keep them in its database later; `FileBlobStore` is the default, a file in the platformdirs
data directory written atomically and readable only by its owner.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import platformdirs
from cryptography.fernet import Fernet, InvalidToken

from calendar_slack.errors import AuthError

APP = "calendar-slack"
KEY_ENV = "CALENDAR_SLACK_SECRET_KEY"
KEYRING_SERVICE = "calendar-slack"
KEYRING_USERNAME = "secret-key"

_HOW_TO = (
    f"set {KEY_ENV} to a Fernet key (make one with: python -c "
    '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"), '
    f'or store one in the OS keyring under service "{KEYRING_SERVICE}", '
    f'user "{KEYRING_USERNAME}"'
)


def secret_key(environ: Mapping[str, str] | None = None, *, create: bool = False) -> bytes:
    """The Fernet key: from the environment, else the OS keyring.

    With `create`, a missing keyring entry is generated and saved there (first login on a
    desktop). Raises AuthError saying how to set a key when neither source has one.
    """
    env = os.environ if environ is None else environ
    from_env = env.get(KEY_ENV, "").strip()
    if from_env:
        return _checked(from_env.encode("ascii", "replace"), KEY_ENV)
    stored = _keyring_get()
    if stored:
        return _checked(stored.encode("ascii", "replace"), f'the OS keyring entry "{APP}"')
    if create:
        key = Fernet.generate_key()
        if _keyring_set(key.decode("ascii")):
            return key
    raise AuthError(f"No key to encrypt stored tokens with: {_HOW_TO}.")


def encrypt(data: bytes, key: bytes | None = None) -> bytes:
    """Encrypt `data` with `key` (default: `secret_key()`)."""
    return Fernet(key if key is not None else secret_key()).encrypt(data)


def decrypt(token: bytes, key: bytes | None = None) -> bytes:
    """Decrypt what `encrypt` made; AuthError when the key is not the one it was made with."""
    try:
        return Fernet(key if key is not None else secret_key()).decrypt(token)
    except InvalidToken:
        raise AuthError(
            "Stored tokens cannot be decrypted with the current key (it changed, or the data is "
            f"damaged): restore the old {KEY_ENV}, or sign in again to replace them."
        ) from None


class BlobStore(Protocol):
    """Where one encrypted blob is kept (a file now; a database row once store.py exists)."""

    def load(self) -> bytes | None:
        """The saved bytes, or None when nothing was saved yet."""
        ...

    def save(self, data: bytes) -> None:
        """Replace the saved bytes."""
        ...


class MemoryBlobStore:
    """A BlobStore in memory: for tests and one-shot runs."""

    def __init__(self, data: bytes | None = None) -> None:
        self.data = data

    def load(self) -> bytes | None:
        return self.data

    def save(self, data: bytes) -> None:
        self.data = data


class FileBlobStore:
    """A BlobStore in one file, replaced atomically, mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AuthError(f"Cannot read the token file {self.path}: {exc}.") from None

    def save(self, data: bytes) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise AuthError(f"Cannot write the token file {self.path}: {exc}.") from None


class EncryptedBlob:
    """Plain bytes in, encrypted bytes kept in a BlobStore; the key is read on each use."""

    def __init__(
        self, store: BlobStore, key: bytes | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self.store = store
        self._key = key
        self._environ = environ

    def key(self, *, create: bool = False) -> bytes:
        if self._key is None:
            self._key = secret_key(self._environ, create=create)
        return self._key

    def load(self) -> bytes | None:
        """The decrypted bytes, or None when nothing was saved; AuthError on a wrong key."""
        raw = self.store.load()
        if raw is None:
            return None
        return decrypt(raw, self.key())

    def save(self, data: bytes) -> None:
        self.store.save(encrypt(data, self.key(create=True)))


def default_token_path(name: str) -> Path:
    """Where `FileBlobStore` keeps the encrypted token blob called `name` by default."""
    return Path(platformdirs.user_data_dir(APP)) / f"{name}.tokens"


def _checked(key: bytes, where: str) -> bytes:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise AuthError(f"The key in {where} is not a Fernet key: {_HOW_TO}.") from None
    return key


def _keyring_get() -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
    except Exception:  # no keyring package or backend (no D-Bus, locked keychain): not available
        return None


def _keyring_set(value: str) -> bool:
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, KEYRING_USERNAME, value)
    except Exception:  # no usable backend: the caller explains how to set a key instead
        return False
    return True
