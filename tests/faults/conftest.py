"""Fixtures for the fault tests: a fresh installation per test, per backend."""

from __future__ import annotations

import pytest

from tests.support.site import install


@pytest.fixture
def site(request, backend, tmp_path, reviewer):
    """An installation (``resguardo init`` + the test reviewer) on ``backend``."""
    return install(request, tmp_path, backend, reviewer)
