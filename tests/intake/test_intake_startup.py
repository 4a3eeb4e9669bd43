"""The app refuses to start when it would be unsafe or useless."""

from __future__ import annotations

import pytest

from intake import NotReadyError, create_app
from intake.config import ConfigError, load


def test_refuses_without_a_reviewer_key(env):
    with pytest.raises(NotReadyError):
        create_app()


def test_refuses_without_a_data_dir(monkeypatch):
    monkeypatch.delenv("RESGUARDO_DATA_DIR", raising=False)
    with pytest.raises(ConfigError):
        create_app(require_reviewers=False)


def test_refuses_without_the_secret_key_file(env, data_dir):
    (data_dir / "secret_key").unlink()
    with pytest.raises(ConfigError):
        create_app(require_reviewers=False)


def test_refuses_a_short_secret_key(env, data_dir):
    (data_dir / "secret_key").write_text("short")
    with pytest.raises(ConfigError):
        create_app(require_reviewers=False)


def test_refuses_debug_in_production(env):
    with pytest.raises(ConfigError):
        create_app({"DEBUG": True}, require_reviewers=False)


def test_allows_debug_in_development(env):
    app = create_app({"DEBUG": True, "RESGUARDO_ENV": "development"}, require_reviewers=False)
    assert app.debug is True


def test_refuses_csrf_off(env):
    with pytest.raises(ConfigError):
        create_app({"WTF_CSRF_ENABLED": False}, require_reviewers=False)


def test_refuses_an_uninitialised_database(tmp_path, monkeypatch):
    data = tmp_path / "fresh"
    data.mkdir()
    (data / "secret_key").write_text("x" * 40)
    monkeypatch.setenv("RESGUARDO_DATA_DIR", str(data))
    monkeypatch.delenv("RESGUARDO_DATABASE_URL", raising=False)
    with pytest.raises(NotReadyError):
        create_app()


def test_starts_with_a_reviewer_key(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 512 * 1024 * 1024
    assert app.config["WTF_CSRF_ENABLED"] is not False if "WTF_CSRF_ENABLED" in app.config else True


@pytest.mark.parametrize("name,value", [("RESGUARDO_MAX_CONTENT_LENGTH", "lots"), ("RESGUARDO_MAX_FORM_PARTS", "1"), ("RESGUARDO_ENV", "staging")])
def test_malformed_settings_are_refused(tmp_path, name, value):
    (tmp_path / "secret_key").write_text("y" * 40)
    with pytest.raises(ConfigError):
        load(env={"RESGUARDO_DATA_DIR": str(tmp_path), name: value})


def test_settings_come_from_the_environment(tmp_path):
    (tmp_path / "secret_key").write_text("z" * 40)
    config = load(env={"RESGUARDO_DATA_DIR": str(tmp_path), "RESGUARDO_MAX_CONTENT_LENGTH": "2048", "RESGUARDO_MAX_ATTACHMENTS": "3"})
    assert config["MAX_CONTENT_LENGTH"] == 2048
    assert config["MAX_ATTACHMENTS"] == 3
    assert config["SECRET_KEY"] == "z" * 40
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'resguardo.db'}"
    assert config["WTF_CSRF_TIME_LIMIT"] is None
    assert config["SESSION_COOKIE_SAMESITE"] == "Strict"


@pytest.mark.parametrize("conf", [True, False], ids=["production-config", "bare-gunicorn"])
def test_gunicorn_refuses_a_misconfigured_intake_in_one_line(tmp_path, conf):
    """No data directory: one plain error line and exit code 3, never a worker traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.support.live import free_port

    root = Path(__file__).resolve().parents[2]
    command = [str(Path(sys.executable).parent / "gunicorn")]
    if conf:
        command += ["-c", str(root / "deploy" / "gunicorn.conf.py")]
    command += ["-b", f"127.0.0.1:{free_port()}", "wsgi:app"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("RESGUARDO_")}
    env["HOME"] = str(tmp_path)
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "resguardo: error: RESGUARDO_DATA_DIR is not set: say where the data directory is" in result.stderr
    assert "Traceback" not in result.stderr
