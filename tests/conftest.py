"""Shared fixtures in the flaskr style: ``app``, ``client``, ``runner``.

Security controls stay on in tests (CSRF included). Each test gets its own
data directory; the reviewer keypair is made once per session because
Argon2id at MODERATE limits costs about half a second per key file.

Every test that touches storage (through ``data_dir``, ``env``, ``app``,
``client`` or ``runner``) runs twice, as ``[sqlite]`` and ``[postgresql]``,
each time on a fresh database; the PostgreSQL server is started once per
session (tests/support/databases.py).
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
from intake import create_app, db, reviewers  # noqa: E402
from intake.cli import main as resguardo_cli  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.submit import csrf_token  # noqa: E402

PASSPHRASE = "correct horse battery staple tinta"

# Hypothesis fails an example that runs longer than 200 ms by default (its "deadline"):
# a speed, which a loaded 2-core CI machine need not meet without any defect (speeds
# are measured in bench/). No deadline for any property test; their own settings
# (max_examples, health checks) are kept.
settings.register_profile("resguardo", deadline=None)
settings.load_profile("resguardo")


@dataclass
class ReviewerKit:
    """A test reviewer: the secret key (X-Wing by default), and its key files on disk."""

    secret: keys.XWingSecretKey | keys.SecretKey
    secret_file: Path
    public_file: Path
    passphrase: str


def _reviewer_kit(directory: Path, secret) -> ReviewerKit:
    secret_file = directory / "test.secret-key"
    public_file = directory / "test.public-key"
    keys.write_secret_key_file(secret_file, secret, PASSPHRASE)
    keys.write_public_key_file(public_file, secret.public_key)
    return ReviewerKit(secret, secret_file, public_file, PASSPHRASE)


@pytest.fixture(scope="session")
def reviewer(tmp_path_factory) -> ReviewerKit:
    """The test reviewer, with an X-Wing key (what ``review keygen`` makes)."""
    return _reviewer_kit(tmp_path_factory.mktemp("reviewer"), keys.XWingSecretKey.generate("Test Reviewer"))


@pytest.fixture(scope="session")
def reviewer_x25519(tmp_path_factory) -> ReviewerKit:
    """A second reviewer with an older X25519 key (for mixed reviewer sets)."""
    return _reviewer_kit(tmp_path_factory.mktemp("reviewer-x25519"), keys.SecretKey.generate("Old Key Reviewer"))


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    yield from databases.session_server()


@pytest.fixture(params=databases.BACKENDS)
def backend(request) -> str:
    """``"sqlite"`` or ``"postgresql"``: storage tests run once with each."""
    return request.param


@pytest.fixture
def database_url(request, backend, tmp_path, monkeypatch) -> str:
    """A fresh, empty database of ``backend`` for this test (SQLAlchemy URL).

    Every engine the app makes during the test is disposed at its end, so
    no database connection outlives the test (psycopg warns about those).
    """
    directory = tmp_path / "data"
    directory.mkdir(mode=0o700, exist_ok=True)
    url = databases.fresh_database_url(request, backend, directory)
    engines = []
    make_engine = db.make_engine

    def recording_make_engine(*args, **kwargs):
        engines.append(make_engine(*args, **kwargs))
        return engines[-1]

    monkeypatch.setattr(db, "make_engine", recording_make_engine)
    yield url
    for engine in engines:
        engine.dispose()


@pytest.fixture
def data_dir(tmp_path, database_url) -> Path:
    """An initialised data directory: secret key file and migrated database."""
    directory = tmp_path / "data"
    directory.mkdir(mode=0o700, exist_ok=True)
    secret_file = directory / "secret_key"
    secret_file.write_text(secrets.token_urlsafe(48))
    secret_file.chmod(0o600)
    db.upgrade(database_url)
    return directory


@pytest.fixture
def env(data_dir, database_url, backend, monkeypatch) -> dict[str, str]:
    """The environment an operator would set for this data directory."""
    monkeypatch.setenv("RESGUARDO_DATA_DIR", str(data_dir))
    variables = {"RESGUARDO_DATA_DIR": str(data_dir)}
    if backend == "sqlite":
        monkeypatch.delenv("RESGUARDO_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("RESGUARDO_DATABASE_URL", database_url)
        variables["RESGUARDO_DATABASE_URL"] = database_url
    return variables


@pytest.fixture
def app(env, reviewer, data_dir):
    """An app with the test reviewer registered, configured only through the environment."""
    setup = create_app(require_reviewers=False)
    with setup.app_context():
        reviewers.add(reviewer.secret.public_key)
    db.dispose(setup)
    application = create_app()
    yield application
    db.dispose(application)


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
