"""The TOML config file: defaults that work, per-person overrides, errors naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendar_slack.errors import BadInputError
from calendar_slack.prefs import Config, PlannerPrefs, load_config

EXAMPLE = """
me = "ana@example.com"
sources = ["ics:~/work.ics"]

[defaults]
tz = "Europe/Stockholm"
working_hours = { fri = "09:00-15:00" }

[metrics]
focus_min_block = 90

[planner]
weekly_focus_goal = 480

[people."Bo@Example.com"]
tz = "America/New_York"
working_hours = { mon = "10:00-18:00" }
planner = { focus_block_ideal = 90, preferred_time = "afternoon" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_default_file_means_all_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALENDAR_SLACK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    config = load_config()
    assert config == Config()
    assert config.metrics.focus_min_block == 120
    assert config.person("x@example.com").planner == PlannerPrefs()


def test_example_config_merges_defaults_and_person_overrides(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, EXAMPLE))
    assert config.metrics.focus_min_block == 90
    ana = config.person("ana@example.com")
    assert ana.tz == "Europe/Stockholm"
    assert ana.hours().windows[4] == (540, 900)
    assert ana.planner.weekly_focus_goal == 480
    bo = config.person("bo@example.com")  # matched case-insensitively
    assert bo.tz == "America/New_York"
    assert bo.hours().windows[0] == (600, 1080)
    assert bo.hours().windows[4] == (540, 900)  # inherits [defaults]
    assert bo.planner.focus_block_ideal == 90
    assert bo.planner.preferred_time == "afternoon"
    assert bo.planner.weekly_focus_goal == 480  # inherits [planner]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[metrics]\nb2b_gap = -1", "setting metrics.b2b_gap"),
        ("[metrics]\nfocus_min_blok = 90", "setting metrics.focus_min_blok: Extra inputs"),
        (
            "[planner]\nfocus_block_min = 200",
            "setting planner.focus_block_min: focus_block_min (200) is above focus_block_max",
        ),
        (
            '[people."a@x"]\nplanner = { focus_cap_per_day = 30 }',
            'people."a@x": setting planner.focus_cap_per_day: focus_cap_per_day (30) is below',
        ),
        ('[people."a@x"]\nplanner = { lunch_window = "noon" }', "lunch_window"),
        ("this is = not toml =", "is not valid TOML"),
        ('[people."a@x"]\nworking_hours = { mon = "9 to 5" }', "setting working_hours.mon"),
    ],
)
def test_bad_settings_name_the_file_and_setting(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(BadInputError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
