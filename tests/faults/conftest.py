"""Fixtures for the fault tests: a fresh installation per test, per backend."""

from __future__ import annotations

import pytest

from tests.support.site import install


@pytest.fixture
def site(request, backend, tmp_path, reviewer):
    """An installation (``resguardo init`` + the test reviewer) on ``backend``."""
    return install(request, tmp_path, backend, reviewer)


def pytest_terminal_summary(terminalreporter):
    """Print the fault and load figures even without ``-s``."""
    from tests.support.figures import LINES

    if LINES:
        terminalreporter.section("faults and load: figures")
        for line in LINES:
            terminalreporter.write_line(line)
