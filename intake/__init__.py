"""Resguardo's intake: the Flask app that reporters reach as an onion service.

:func:`create_app` stays short: configuration, extensions, blueprints. Each
concern (database, sealing upload stream, security headers, languages, error
pages) lives in its own module with an ``init_app``.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from . import bundles, capacity, config, db, errors, i18n, limits, reviewers, sealing, security
from .questionnaire import store as questionnaire_store
from .checkback import views as checkback_views
from .report.views import bp as report_bp
from .upload.views import bp as upload_bp

csrf = CSRFProtect()


class NotReadyError(config.ConfigError):
    """The database is not initialised or holds no reviewer key."""


class ResguardoFlask(Flask):
    """Flask with exception logging that never records an exception's message."""

    def log_exception(self, exc_info) -> None:  # noqa: D102 - see class docstring
        errors.log_exception_safely(exc_info[1])


def create_app(test_config: Mapping[str, Any] | None = None, *, require_reviewers: bool = True) -> Flask:
    """Build the intake app.

    :param test_config: Flask config values overriding the environment.
    :param require_reviewers: refuse to start unless at least one reviewer
        public key is registered (the operator CLI passes False).
    :raises config.ConfigError: if the configuration is missing or unsafe.
    :raises NotReadyError: if the database is not initialised, or has no
        (or an unusable) reviewer key while ``require_reviewers`` is true.
    """
    app = ResguardoFlask(__name__)
    app.config.from_mapping(config.load(test_config))
    questionnaire_store.init_app(app)

    db.init_app(app)
    sealing.init_app(app)
    limits.init_app(app)  # first before-request check: types and sizes before any body byte
    capacity.init_app(app)  # before CSRF: its check reads the request body
    csrf.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    bundles.init_app(app)
    app.register_blueprint(report_bp)
    app.register_blueprint(upload_bp)
    checkback_views.init_app(app)

    if require_reviewers:
        _check_ready(app)
    return app


def preflight() -> str | None:
    """Why the intake cannot start now (one operator-readable sentence), or None.

    Builds the app exactly as ``wsgi.py`` does and closes it again; used by
    gunicorn's ``on_starting`` hook so a misconfigured server says so once,
    before any worker starts.
    """
    try:
        app = create_app()
    except config.ConfigError as exc:
        return str(exc)
    db.dispose(app)
    return None


def _check_ready(app: Flask) -> None:
    if not db.is_migrated(app.extensions["resguardo.engine"]):
        raise NotReadyError("the database is not initialised: run `resguardo init`")
    if not db.is_current(app.extensions["resguardo.engine"]):
        raise NotReadyError("the database is from an older version of Resguardo: run `resguardo init` to upgrade it")
    with app.app_context():
        try:
            recipients = reviewers.active_recipients()
        except reviewers.UnusableKeyError as exc:
            raise NotReadyError(str(exc)) from exc
        if not recipients:
            raise NotReadyError(
                "no reviewer public key is registered: run `resguardo reviewer add FILE`"
            )
