"""Shared fixtures in the flaskr style: ``app``, ``client``, ``runner``.

Security controls stay on in tests (CSRF included). Each test gets its own
data directory; the reviewer keypair is made once per session because
Argon2id at MODERATE limits costs about half a second per key file.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
from intake import create_app, db, reviewers  # noqa: E402
from intake.cli import main as resguardo_cli  # noqa: E402
from tests.support.submit import csrf_token  # noqa: E402

PASSPHRASE = "correct horse battery staple tinta"


@dataclass
class ReviewerKit:
    """A test reviewer: the secret key, and its key files on disk."""

    secret: keys.SecretKey
    secret_file: Path
    public_file: Path
    passphrase: str


@pytest.fixture(scope="session")
def reviewer(tmp_path_factory) -> ReviewerKit:
    directory = tmp_path_factory.mktemp("reviewer")
    secret = keys.SecretKey.generate("Test Reviewer")
    secret_file = directory / "test.secret-key"
    public_file = directory / "test.public-key"
    keys.write_secret_key_file(secret_file, secret, PASSPHRASE)
    keys.write_public_key_file(public_file, secret.public_key)
    return ReviewerKit(secret, secret_file, public_file, PASSPHRASE)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """An initialised data directory: secret key file and migrated database."""
    directory = tmp_path / "data"
    directory.mkdir(mode=0o700)
    secret_file = directory / "secret_key"
    secret_file.write_text(secrets.token_urlsafe(48))
    secret_file.chmod(0o600)
    url = os.environ.get("RESGUARDO_TEST_DATABASE_URL") or f"sqlite:///{directory / 'resguardo.db'}"
    db.upgrade(url)
    return directory


@pytest.fixture
def env(data_dir, monkeypatch) -> dict[str, str]:
    """The environment an operator would set for this data directory."""
    monkeypatch.setenv("RESGUARDO_DATA_DIR", str(data_dir))
    if os.environ.get("RESGUARDO_TEST_DATABASE_URL"):
        monkeypatch.setenv("RESGUARDO_DATABASE_URL", os.environ["RESGUARDO_TEST_DATABASE_URL"])
    return {"RESGUARDO_DATA_DIR": str(data_dir)}


@pytest.fixture
def app(env, reviewer, data_dir):
    """An app with the test reviewer registered, configured only through the environment."""
    setup = create_app(require_reviewers=False)
    with setup.app_context():
        reviewers.add(reviewer.secret.public_key)
    setup.extensions["resguardo.engine"].dispose()
    application = create_app()
    yield application
    application.extensions["resguardo.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(env):
    """Invoke the ``resguardo`` CLI: ``runner(["reviewer", "list"])``."""
    cli_runner = CliRunner()

    def invoke(args, **kwargs):
        return cli_runner.invoke(resguardo_cli, args, catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def token(client) -> str:
    """A valid CSRF token for ``client``'s session."""
    return csrf_token(client.get("/").get_data(as_text=True))
