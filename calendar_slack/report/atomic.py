"""Atomic file output: a reader sees the old file or the complete new one, never half of one.

Every file the CLI writes (reports, exports) goes through here: the data lands in a temporary
file next to the target and is moved over it with os.replace, and a failure removes the
temporary file, so no broken output is ever left behind. Problems with the target (missing
folder, a folder in the way, no permission) become one-line BadInputErrors naming the file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from calendar_slack.errors import BadInputError


def check_target(path: Path) -> None:
    """Fail early, before any work, when `path` cannot be an output file."""
    what = f"output file {path}"
    if path.is_dir():
        raise BadInputError(what, "is a folder; give a file name")
    parent = path.parent
    if not parent.exists():
        raise BadInputError(what, f"folder {parent} does not exist")
    if not parent.is_dir():
        raise BadInputError(what, f"{parent} is not a folder")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success move it over `path`, else delete it.

    The temporary name keeps the target's suffix, so writers that look at it still work.
    """
    check_target(path)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent
        )
    except OSError as exc:
        raise BadInputError(f"output file {path}", f"cannot be written ({_reason(exc)})") from None
    os.close(handle)
    temp = Path(name)
    os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; a report should be like any file
    try:
        yield temp
        os.replace(temp, path)
    except OSError as exc:
        raise BadInputError(f"output file {path}", f"cannot be written ({_reason(exc)})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__
