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
