"""Fixtures for the scale-out tests: installations shared by several app servers.

An app server is stateless (docs/SCALING.md): what it needs of its own is a
data directory holding a copy of the deployment's app secret
(``secret_key``) and the shared ``RESGUARDO_DATABASE_URL``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.databases import in_ci
from tests.support.site import Installation, install


def require(tool: str, check: list[str] | None = None) -> None:
    """Skip the test when the Debian package behind ``tool`` is missing (fail under CI,
    which must run it; scripts/test.sh installs it). ``check`` is a command that must
    succeed as well (e.g. an import in the system Python)."""
    found = shutil.which(tool) or Path("/usr/sbin", tool).exists()
    if found and check:
        found = subprocess.run(check, capture_output=True).returncode == 0
    if not found:
        message = f"{tool} is not installed (scripts/test.sh installs it)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def second_server_env(site: Installation, name: str) -> dict[str, str]:
    """The environment of another app server of ``site``'s deployment.

    A fresh data directory under ``site.base / name`` with a 0600 copy of
    the app secret; the database URL, PATH and the rest as ``site.env``.
    """
    data_dir = site.base / name / "data"
    data_dir.mkdir(parents=True, mode=0o700)
    shutil.copy2(site.data_dir / "secret_key", data_dir / "secret_key")
    (data_dir / "secret_key").chmod(0o600)
    tmp = site.base / name / "tmp"
    tmp.mkdir(mode=0o700)
    return {**site.env, "RESGUARDO_DATA_DIR": str(data_dir), "TMPDIR": str(tmp)}


@pytest.fixture
def pg_site(request, tmp_path, reviewer) -> Installation:
    """An installation on the session's PostgreSQL server (``resguardo init`` + the test reviewer)."""
    return install(request, tmp_path, "postgresql", reviewer)


@pytest.fixture
def site(request, backend, tmp_path, reviewer) -> Installation:
    """An installation on ``backend`` (SQLite and PostgreSQL)."""
    return install(request, tmp_path, backend, reviewer)


def pytest_terminal_summary(terminalreporter):
    """Print the scale-out figures even without ``-s``."""
    from tests.support.figures import LINES

    if LINES:
        terminalreporter.section("scale-out: figures")
        for line in LINES:
            terminalreporter.write_line(line)


def logs(base: Path, name: str) -> Path:
    """A log directory ``base/logs-name``."""
    return base / f"logs-{name}"
