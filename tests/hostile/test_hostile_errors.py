"""Error pages carry no traceback, path, version or server name, in every
mode the app can run in production; the log names the exception's type
and place, never its message."""

from __future__ import annotations

import logging

import pytest

from intake import config, db
from tests.hostile.conftest import build_app
from tests.support.hostile import page_kind

CANARY = "CANARY-EXCEPTION-MESSAGE-5e1f"
LEAKY = ["Traceback", 'File "', "/work/", "/tmp/", "site-packages", "Werkzeug", "werkzeug", "Flask", "Python",
         "gunicorn", "RuntimeError", CANARY, "intake/", ".py"]


@pytest.mark.parametrize("mode", ["production", "development"])
def test_an_unexpected_exception_is_a_plain_localized_500(tmp_path_factory, reviewer, monkeypatch, caplog, mode):
    app = build_app(tmp_path_factory, reviewer, RESGUARDO_ENV=mode)
    assert app.debug is False and app.config["PROPAGATE_EXCEPTIONS"] is False

    def boom(*_args, **_kwargs):
        raise RuntimeError(f"{CANARY} in /work/main/intake/secret.py")

    monkeypatch.setattr("intake.report.views.render_template", boom)
    with caplog.at_level(logging.ERROR, logger="resguardo"):
        for lang, title in (("es", "Algo falló de nuestro lado"), ("en", "Something went wrong on our side")):
            response = app.test_client().get("/received", headers={"Accept-Language": lang})
            assert response.status_code == 500
            assert page_kind(response) == "server" and f"<h1>{title}</h1>" in response.get_data(as_text=True)
            html = response.get_data(as_text=True)
            assert [word for word in LEAKY if word in html] == []
            assert "Server" not in response.headers
    assert [record.getMessage().split(" at ")[0] for record in caplog.records] == ["unhandled RuntimeError"] * 2
    assert CANARY not in caplog.text and "/work/" not in caplog.text
    db.dispose(app)


@pytest.mark.parametrize("path, status", [("/no-such-page", 404), ("/submit", 405)])
def test_http_errors_show_no_framework_details(hostile_client, path, status):
    response = hostile_client.get(path)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert [word for word in LEAKY if word in html] == []


def test_debug_is_refused_outside_development(tmp_path):
    with pytest.raises(config.ConfigError):
        config.load({"DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40, "DEBUG": True}, env={})
