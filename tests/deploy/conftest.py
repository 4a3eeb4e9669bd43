"""Fixtures for launcher tests against a real tor with ``DisableNetwork 1``.

Tests skip only when ``tor`` is not installed; CI installs it.
"""

from __future__ import annotations

import logging
import shutil

import pytest

from offline_tor import OfflineTor, run_launcher


# stem logs every closed control socket at INFO; keep failure output readable
# (stem sets its logger's level when imported, so import it first)
import stem.util.log  # noqa: E402

logging.getLogger("stem").setLevel(logging.WARNING)


@pytest.fixture
def tor(tmp_path):
    """A running offline tor, stopped (SIGKILL if needed) after the test."""
    if shutil.which("tor") is None:
        pytest.skip("tor is not installed (apt install tor)")
    instance = OfflineTor(tmp_path / "tor")
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def launcher():
    """The :func:`offline_tor.run_launcher` helper."""
    return run_launcher
