"""Shared CalDAV fixtures: a Radicale server per test module, a calendar on it, a fault proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.caldav_harness import make_calendar
from tests.fakes.radicale_server import FaultProxy, RadicaleServer, running_radicale

#: The two Radicale accounts the CalDAV tests sign in with.
USER, PASSWORD = "alice", "secret"
OTHER_USER, OTHER_PASSWORD = "bob", "hunter2"


@pytest.fixture(scope="module")
def radicale() -> Iterator[RadicaleServer]:
    with running_radicale({USER: PASSWORD, OTHER_USER: OTHER_PASSWORD}) as server:
        yield server


@pytest.fixture
def calendar_url(radicale: RadicaleServer) -> str:
    return make_calendar(radicale, USER, PASSWORD, "Work")


@pytest.fixture
def proxy(radicale: RadicaleServer) -> Iterator[FaultProxy]:
    with FaultProxy(radicale.url) as p:
        yield p
