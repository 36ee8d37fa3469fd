"""Each of the eight classification rules of DESIGN.md, and that the first matching rule wins."""

from __future__ import annotations

import pytest

from calendar_slack.classify import ClassifyRules, EventFacts, classify

RULES = ClassifyRules()


def test_rule1_cancelled_is_dropped_even_if_everything_else_matches() -> None:
    facts = EventFacts(cancelled=True, vendor_ooo=True, attendees=3, title="OOO")
    assert classify(facts, RULES) is None


def test_rule2_declined_is_free_before_ooo_and_meeting() -> None:
    assert classify(EventFacts(response="declined", attendees=4), RULES) == "free"
    assert classify(EventFacts(response="declined", vendor_ooo=True), RULES) == "free"


@pytest.mark.parametrize(
    "facts",
    [
        EventFacts(vendor_ooo=True, attendees=2),
        EventFacts(title="OOO – dentist day"),
        EventFacts(title="Vacation in Crete", all_day=True),
        EventFacts(title="Ledig"),
        EventFacts(title="Semester"),
        EventFacts(title="Out of office", transparent=True),  # rule 3 precedes rule 4
    ],
)
def test_rule3_out_of_office(facts: EventFacts) -> None:
    assert classify(facts, RULES) == "ooo"


def test_rule3_title_patterns_are_configurable() -> None:
    rules = ClassifyRules(ooo_patterns=(r"\bsabbatical\b",))
    assert classify(EventFacts(title="Sabbatical"), rules) == "ooo"
    assert classify(EventFacts(title="Vacation"), rules) == "hold"


def test_rule4_transparent_is_free_even_with_attendees_or_focus_title() -> None:
    assert classify(EventFacts(transparent=True, attendees=5), RULES) == "free"
    assert classify(EventFacts(transparent=True, title="Focus time"), RULES) == "free"


@pytest.mark.parametrize(
    "facts",
    [
        EventFacts(ours=True),
        EventFacts(vendor_focus=True, attendees=1),
        EventFacts(title="Deep work"),
        EventFacts(title="FOCUS: design doc", all_day=True),  # rule 5 precedes rule 6
    ],
)
def test_rule5_focus(facts: EventFacts) -> None:
    assert classify(facts, RULES) == "focus"


def test_rule6_all_day_is_free_unless_all_day_busy() -> None:
    facts = EventFacts(all_day=True, title="Conference", attendees=3)
    assert classify(facts, RULES) == "free"
    assert classify(facts, ClassifyRules(all_day_busy=True)) == "meeting"
    assert classify(EventFacts(all_day=True), ClassifyRules(all_day_busy=True)) == "hold"


@pytest.mark.parametrize("response", ["accepted", "tentative", "needs_action", "organizer", "none"])
def test_rule7_meeting_with_one_other_attendee_whatever_the_answer(response: str) -> None:
    assert classify(EventFacts(attendees=1, response=response), RULES) == "meeting"


def test_rule8_alone_and_busy_is_a_hold() -> None:
    assert classify(EventFacts(title="Dentist"), RULES) == "hold"
    assert classify(EventFacts(attendees=0, response="organizer"), RULES) == "hold"


def test_title_patterns_match_words_not_substrings() -> None:
    # "Refocus" and "moon" must not match \bfocus\b / \booo\b.
    assert classify(EventFacts(title="Refocus roadmap", attendees=2), RULES) == "meeting"
    assert classify(EventFacts(title="Full moon party", attendees=2), RULES) == "meeting"
