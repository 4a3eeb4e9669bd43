"""The workspace's Flask app: configuration, the launch token, the Host check and headers.

Every request must carry the per-launch secret token, first in the URL the
launcher prints (``/?token=…``, as Jupyter does), then in an HttpOnly,
SameSite=Strict cookie set on that first visit (the token is then removed
from the address bar by a redirect). Tokens are compared in constant time.
A request whose ``Host`` is not exactly ``127.0.0.1:<port>`` or
``localhost:<port>`` is refused before anything else (a page of another
site cannot reach the workspace by DNS rebinding). Forms carry a CSRF token
(Flask-WTF). Every response has a strict Content-Security-Policy: no script
at all, styles and images from the workspace itself only, nothing framed,
forms posting only to the workspace. Pages are server-rendered HTML and work
without JavaScript.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, redirect, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ..i18n import gettext_for
from ..render import LANGUAGES

TOKEN_COOKIE = "resguardo_workspace"
LANG_COOKIE = "resguardo_lang"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(root: Path, token: str, language: str, port: int) -> Flask:
    """The workspace app over the cases folder ``root``.

    ``token`` is the launch secret (URL-safe text), ``language`` the default
    ("es" or "en"; a visitor may switch), ``port`` the port the server
    listens on (for the Host check).
    """
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_NAME="resguardo_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=256 * 1024,
        MAX_FORM_MEMORY_SIZE=128 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=0,
        CASES_ROOT=Path(root),
        DEFAULT_LANGUAGE=language,
        ALLOWED_HOSTS=(f"127.0.0.1:{port}", f"localhost:{port}"),
    )
    app.jinja_env.autoescape = True
    _install_guards(app, token)  # first: Host and token are checked before the CSRF token
    CSRFProtect(app)
    from . import replies, stats, views

    app.register_blueprint(views.bp)
    app.register_blueprint(stats.bp)
    app.register_blueprint(replies.bp)
    return app


def _error(status: int, title: str, message: str):
    return render_template("error.html", title=title, message=message), status


def _install_guards(app: Flask, token: str) -> None:
    expected = token.encode("utf-8")

    def valid(candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode("utf-8", "replace"), expected)

    @app.before_request
    def guard():
        chosen = request.cookies.get(LANG_COOKIE)
        g.lang = chosen if chosen in LANGUAGES else app.config["DEFAULT_LANGUAGE"]
        g._ = gettext_for(g.lang)
        if request.host not in app.config["ALLOWED_HOSTS"]:
            return _error(421, g._("Wrong address"),
                          g._("The workspace answers only at the address review workspace printed."))
        if valid(request.args.get("token")):
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
            response = redirect(request.path + (f"?{urlencode(rest)}" if rest else ""), 303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/")
            return response
        if not valid(request.cookies.get(TOKEN_COOKIE)):
            return _error(403, g._("Open the workspace from its link"),
                          g._("Use the address that review workspace printed in the terminal "
                              "(it holds a secret that changes at every launch)."))
        return None

    @app.after_request
    def headers(response):
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response

    @app.context_processor
    def language():
        return {"_": g.get("_") or gettext_for(app.config["DEFAULT_LANGUAGE"]),
                "lang": g.get("lang", app.config["DEFAULT_LANGUAGE"])}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _ = g.get("_") or gettext_for(app.config["DEFAULT_LANGUAGE"])
        return _error(400, _("The form expired"), _("Nothing was saved. Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        _ = g.get("_") or gettext_for(app.config["DEFAULT_LANGUAGE"])
        if error.code == 404:
            return _error(404, _("Not found"), _("There is no such case or file in this folder."))
        if error.code == 413:
            return _error(413, _("Too much text"), _("Nothing was saved: the form was too large."))
        return _error(error.code or 400, _("This cannot be done"),
                      _("The request could not be used. Go back and try again."))

    @app.errorhandler(Exception)
    def internal_error(error):
        _ = g.get("_") or gettext_for(app.config["DEFAULT_LANGUAGE"])
        app.logger.error("workspace error: %s", type(error).__name__)
        return _error(500, _("Something went wrong"),
                      _("The workspace could not do this. Your cases were not changed."))
