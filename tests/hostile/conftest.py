"""Fixtures for the hostile-input tests, and the figures they print.

Hypothesis runs many examples against ONE app per module (SQLite in a fresh
data directory): each example checks what changed, not an empty store. The
parsing under test is the same whatever the database; tests/faults covers
the databases themselves.
"""

from __future__ import annotations

import secrets

import pytest

from intake import create_app, db, reviewers
from tests.support.hostile import FIGURES
from tests.support.submit import csrf_token


def build_app(tmp_path_factory, reviewer, **settings: str):
    """A new app with the test reviewer registered, configured through the
    environment (``settings``: extra ``RESGUARDO_*`` variables)."""
    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "secret_key").write_text(secrets.token_urlsafe(48))
    (data_dir / "secret_key").chmod(0o600)
    db.upgrade(f"sqlite:///{data_dir / 'resguardo.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESGUARDO_DATA_DIR", str(data_dir))
        patch.delenv("RESGUARDO_DATABASE_URL", raising=False)
        for name, value in settings.items():
            patch.setenv(name, value)
        setup = create_app(require_reviewers=False)
        with setup.app_context():
            reviewers.add(reviewer.secret.public_key)
        db.dispose(setup)
        return create_app()


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, reviewer):
    """The module's app, with the production limits."""
    application = build_app(tmp_path_factory, reviewer)
    yield application
    db.dispose(application)


@pytest.fixture
def hostile_client(hostile_app):
    """A fresh client (own cookies) for the module's app."""
    return hostile_app.test_client()


@pytest.fixture
def hostile_token(hostile_client) -> str:
    """A valid CSRF token for ``hostile_client``."""
    return csrf_token(hostile_client.get("/").get_data(as_text=True))


def pytest_terminal_summary(terminalreporter):
    """Print CPU time and memory per request measured by the hostile tests."""
    lines = FIGURES.lines() if FIGURES.cpu else []
    if lines:
        terminalreporter.section("hostile input: figures per request")
        for line in lines:
            terminalreporter.write_line(line)
