"""Event -> kind: the eight documented classification rules, in order, first match wins.

Connectors reduce each vendor's event to `EventFacts` (what the vendor told us, in neutral
words) and call `classify`. Keeping the rules here, once, is what makes a Google, an Outlook and
an ICS calendar with the same events give the same numbers. See DESIGN.md, "Classification".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["meeting", "hold", "focus", "ooo", "free"]

DEFAULT_OOO_PATTERNS: tuple[str, ...] = (
    r"\booo\b",
    r"\bout of (the )?office\b",
    r"\bvacation\b",
    r"\bholiday\b",
    r"\bsemester\b",
    r"\bledig\b",
    r"\bpto\b",
    r"\bsick\b",
)
DEFAULT_FOCUS_PATTERNS: tuple[str, ...] = (r"\bfocus\b", r"\bdeep work\b", r"\bno meetings\b")


@dataclass(frozen=True)
class ClassifyRules:
    """The configurable parts of classification (config file section `[classify]`)."""

    ooo_patterns: tuple[str, ...] = DEFAULT_OOO_PATTERNS
    focus_patterns: tuple[str, ...] = DEFAULT_FOCUS_PATTERNS
    all_day_busy: bool = False
    _ooo: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _focus: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ooo", _compile(self.ooo_patterns))
        object.__setattr__(self, "_focus", _compile(self.focus_patterns))

    def title_is_ooo(self, title: str | None) -> bool:
        return bool(title and self._ooo is not None and self._ooo.search(title))

    def title_is_focus(self, title: str | None) -> bool:
        return bool(title and self._focus is not None and self._focus.search(title))


@dataclass(frozen=True)
class EventFacts:
    """What a connector knows about one event instance, before classification.

    `response` is the person's own answer (one of schema.RESPONSES); `attendees` counts other
    people invited, excluding the person and rooms / resources.
    """

    cancelled: bool = False
    response: str = "none"
    vendor_ooo: bool = False
    transparent: bool = False
    ours: bool = False
    vendor_focus: bool = False
    all_day: bool = False
    attendees: int = 0
    title: str | None = None


def classify(facts: EventFacts, rules: ClassifyRules) -> Kind | None:
    """Return the event's kind, or None when the event is dropped at ingest (cancelled)."""
    if facts.cancelled:  # rule 1
        return None
    if facts.response == "declined":  # rule 2
        return "free"
    if facts.vendor_ooo or rules.title_is_ooo(facts.title):  # rule 3
        return "ooo"
    if facts.transparent:  # rule 4
        return "free"
    if facts.ours or facts.vendor_focus or rules.title_is_focus(facts.title):  # rule 5
        return "focus"
    if facts.all_day and not rules.all_day_busy:  # rule 6
        return "free"
    if facts.attendees >= 1:  # rule 7
        return "meeting"
    return "hold"  # rule 8


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
