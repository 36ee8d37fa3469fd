"""Which calendars the booking suite runs against, and how to open each one for a test.

Every entry yields a CalendarHarness (tests/fakes/harness.py). The remote ones start their
server (fake Google, fake Graph, real Radicale) on loopback for the duration of one test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from tests.fakes.caldav_harness import caldav_harness
from tests.fakes.google_harness import google_harness
from tests.fakes.graph_harness import graph_harness
from tests.fakes.harness import CalendarHarness
from tests.fakes.memory_calendar import MemoryCalendar


@contextmanager
def _memory() -> Iterator[CalendarHarness]:
    yield MemoryCalendar()


OPENERS: dict[str, Callable[[], AbstractContextManager[CalendarHarness]]] = {
    "memory": _memory,
    "google": google_harness,
    "outlook": graph_harness,
    "caldav": caldav_harness,
}
HARNESSES = tuple(OPENERS)


def open_harness(name: str) -> AbstractContextManager[CalendarHarness]:
    return OPENERS[name]()
