"""Preferences and the TOML config file: what each person wants, with defaults that work.

The config file lives in the platformdirs config folder (`calendar-slack config-path` prints it)
or wherever `--config` / `CALENDAR_SLACK_CONFIG` points. Every section is optional. Settings in
`[defaults]` and `[planner]` apply to everyone; `[people."email"]` overrides them per person,
because people differ. Errors name the setting and say what would be valid.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from calendar_slack.blocks import BlockKind, ShowAs
from calendar_slack.classify import DEFAULT_FOCUS_PATTERNS, DEFAULT_OOO_PATTERNS, ClassifyRules
from calendar_slack.errors import BadInputError
from calendar_slack.workhours import WEEKDAYS, WorkingHours, parse_clock, parse_span

APP = "calendar-slack"
ModelT = TypeVar("ModelT", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricSettings(_Strict):
    """Thresholds of the metric definitions (DESIGN.md, "Metrics")."""

    focus_min_block: int = Field(120, ge=1, le=1440)
    b2b_gap: int = Field(5, ge=0, le=240)
    recovery_after: int = Field(60, ge=1, le=1440)
    recovery_min: int = Field(15, ge=0, le=240)


class ClassifySettings(_Strict):
    ooo_patterns: tuple[str, ...] = DEFAULT_OOO_PATTERNS
    focus_patterns: tuple[str, ...] = DEFAULT_FOCUS_PATTERNS
    all_day_busy: bool = False

    def rules(self) -> ClassifyRules:
        return ClassifyRules(self.ooo_patterns, self.focus_patterns, self.all_day_busy)


class PlannerPrefs(_Strict):
    """One person's planner preferences (DESIGN.md, "Planner"). Minutes unless named otherwise."""

    weekly_focus_goal: int = Field(600, ge=0, le=10080)
    focus_block_min: int = Field(60, ge=5, le=1440)
    focus_block_ideal: int = Field(120, ge=5, le=1440)
    focus_block_max: int = Field(180, ge=5, le=1440)
    focus_cap_per_day: int = Field(240, ge=0, le=1440)
    preferred_time: Literal["morning", "afternoon", "none"] = "morning"
    not_before: str | None = None
    focus_days: tuple[str, ...] | None = None
    no_focus_days: tuple[str, ...] = ()
    recovery_buffer: int = Field(15, ge=0, le=240)
    prep_buffer: int = Field(0, ge=0, le=240)
    lunch_window: str | None = None
    lunch_length: int = Field(0, ge=0, le=240)
    reflection_length: int = Field(30, ge=0, le=240)
    reflection_day: str = "fri"
    reflection_time: Literal["morning", "afternoon", "none"] = "afternoon"
    daily_reserve: int = Field(60, ge=0, le=1440)
    show_as: dict[BlockKind, ShowAs] = Field(
        default_factory=lambda: {  # type: ignore[arg-type,return-value]
            "focus": "busy",
            "buffer": "busy",
            "reflection": "busy",
            "lunch": "busy",
        }
    )
    no_move_hours: int = Field(20, ge=0, le=24 * 14)

    @field_validator("focus_days", "no_focus_days")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        days = tuple(day.strip().lower()[:3] for day in value)
        bad = [day for day in days if day not in WEEKDAYS]
        if bad:
            raise ValueError(f"{', '.join(bad)} is not a weekday (mon … sun)")
        return days

    @field_validator("reflection_day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in WEEKDAYS:
            raise ValueError(f"{value!r} is not a weekday (mon … sun)")
        return day

    @field_validator("not_before")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None:
            _as_value_error(parse_clock, value)
        return value

    @field_validator("lunch_window")
    @classmethod
    def _lunch(cls, value: str | None) -> str | None:
        if value is not None:
            _as_value_error(parse_span, value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PlannerPrefs:
        if self.focus_block_min > self.focus_block_max:
            raise ValueError(
                f"focus_block_min ({self.focus_block_min}) is above focus_block_max "
                f"({self.focus_block_max})"
            )
        if not self.focus_block_min <= self.focus_block_ideal <= self.focus_block_max:
            raise ValueError(
                f"focus_block_ideal ({self.focus_block_ideal}) must lie between focus_block_min "
                f"and focus_block_max"
            )
        if 0 < self.focus_cap_per_day < self.focus_block_min:
            raise ValueError(
                f"focus_cap_per_day ({self.focus_cap_per_day}) is below focus_block_min "
                f"({self.focus_block_min}): no block could ever fit"
            )
        return self


class PersonSettings(_Strict):
    """Everything known about one person: zone, working hours and planner preferences."""

    tz: str | None = None
    working_hours: dict[str, str | None] = Field(default_factory=dict)
    planner: PlannerPrefs = Field(default_factory=PlannerPrefs)

    def hours(self) -> WorkingHours:
        return WorkingHours.parse(self.working_hours)


class GoogleSettings(_Strict):
    """[google]: endpoint override (or CALENDAR_SLACK_GOOGLE_ENDPOINT), calendars to read."""

    endpoint: str | None = None
    calendars: tuple[str, ...] = ("primary",)
    client_secrets: str | None = None
    booking: bool = False


class OutlookSettings(_Strict):
    """[outlook]: Graph endpoint / authority overrides, app registration, calendars to read."""

    endpoint: str | None = None
    authority: str | None = None
    client_id: str | None = None
    tenant: str = "common"
    calendars: tuple[str, ...] = ()
    booking: bool = False


class CalDAVSettings(_Strict):
    """[caldav]: server URL and user; the password comes from the environment, not the CLI."""

    url: str | None = None
    username: str | None = None
    password: str | None = None
    calendars: tuple[str, ...] = ()
    booking: bool = False


class Config(_Strict):
    """The whole config file."""

    defaults: PersonSettings = Field(default_factory=PersonSettings)
    metrics: MetricSettings = Field(default_factory=MetricSettings)
    classify: ClassifySettings = Field(default_factory=ClassifySettings)
    planner: dict[str, Any] = Field(default_factory=dict)
    people: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sources: tuple[str, ...] = ()
    me: str | None = None
    google: GoogleSettings = Field(default_factory=GoogleSettings)
    outlook: OutlookSettings = Field(default_factory=OutlookSettings)
    caldav: CalDAVSettings = Field(default_factory=CalDAVSettings)

    def person(self, person: str) -> PersonSettings:
        """Settings for `person`: [defaults] and [planner], overridden by [people."person"]."""
        base = self.defaults.model_dump(exclude_unset=True)
        planner = {**self.defaults.planner.model_dump(exclude_unset=True), **self.planner}
        own = next(
            (v for k, v in self.people.items() if k.strip().lower() == person.strip().lower()), {}
        )
        merged = {**base, **{k: v for k, v in own.items() if k != "planner"}}
        merged["working_hours"] = {**base.get("working_hours", {}), **own.get("working_hours", {})}
        merged["planner"] = {**planner, **own.get("planner", {})}
        return _validated(PersonSettings, merged, f'people."{person}"')


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config file. No file at the default place means all defaults.

    An explicit path that is missing, unreadable TOML or a bad setting raises BadInputError.
    """
    explicit = path is not None or "CALENDAR_SLACK_CONFIG" in os.environ
    if path is None:
        path = Path(os.environ.get("CALENDAR_SLACK_CONFIG") or default_config_path())
    if not path.exists():
        if explicit:
            raise BadInputError(f"config file {path}", "does not exist") from None
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"config file {path}", f"cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInputError(f"config file {path}", f"is not valid TOML ({exc})") from None
    try:
        config = _validated(Config, data, "")
        config.defaults.hours()
        for person in config.people:  # fail early, naming the person, not at first use
            config.person(person).hours()
        if config.planner:
            _validated(PlannerPrefs, config.planner, "", prefix="planner.")
    except BadInputError as exc:
        raise BadInputError(f"config file {path}: {exc.what}".rstrip(": "), exc.cause) from None
    return config


def _validated(model: type[ModelT], data: Any, where: str, prefix: str = "") -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        setting = ".".join(str(part) for part in error["loc"])
        first = message.split(" ", 1)[0]  # checks across settings start with the one to change
        if first in model.model_fields or first in PlannerPrefs.model_fields:
            setting = f"{setting}.{first}" if setting else first
        setting = setting or "(top level)"
        raise BadInputError(f"{where}: setting {prefix}{setting}".lstrip(": "), message) from None


def _as_value_error(parse: Any, value: str) -> None:
    """Run a workhours parser inside a pydantic validator, so the error names the setting."""
    try:
        parse(value, "")
    except BadInputError as exc:
        raise ValueError(exc.cause) from None
