"""Atomic writes: the old file or the whole new one, never half, never a leftover temp file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from calendar_slack.errors import BadInputError
from calendar_slack.report.atomic import atomic_path, check_target, write_text


def test_write_text_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old", encoding="utf-8")
    write_text(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert os.listdir(tmp_path) == ["r.html"]


def test_a_failure_while_writing_keeps_the_old_file_and_removes_the_temp(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_text("half", encoding="utf-8")
        assert temp.parent == tmp_path and temp.name.endswith(".csv")
        raise RuntimeError("renderer broke")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["r.csv"]


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "r.json", "{}")
    finally:
        os.umask(mask)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644  # 0o666 minus umask 0o022


def test_check_target_refuses_folders_and_missing_parents(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as folder:
        check_target(tmp_path)
    assert str(folder.value) == f"output file {tmp_path}: is a folder; give a file name"
    missing = tmp_path / "a" / "b.json"
    with pytest.raises(BadInputError) as parent:
        check_target(missing)
    assert str(parent.value) == f"output file {missing}: folder {tmp_path / 'a'} does not exist"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(BadInputError, match="is not a folder"):
        check_target(tmp_path / "file" / "r.json")
