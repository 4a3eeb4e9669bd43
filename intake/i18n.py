"""Language: Spanish first, English second, nothing stored on the server.

The language comes from the ``lang`` cookie if the reporter chose one with
the switch, else from ``Accept-Language``, else the deployment's default
(Spanish). Tor Browser's "request English pages" privacy setting makes every
user send exactly ``en-US, en`` (``en-US,en;q=0.5``) whatever language they
read: that header is treated as no preference (:data:`TOR_BROWSER_SPOOF`), so a
Spanish speaker using it still gets Spanish, with the switch in plain sight. The switch sets
only that cookie (HttpOnly, SameSite=Strict, ends with the browser session)
and redirects to a path on this site, never elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, request, url_for
from flask_babel import Babel, get_locale

bp = Blueprint("language", __name__)
COOKIE = "lang"
TOR_BROWSER_SPOOF = frozenset({"en-us", "en"})
"""The language tags Tor Browser sends for everyone when it spoofs English."""


def select_locale() -> str:
    """The locale code for this request: cookie, then Accept-Language, then default."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    tags = {tag.lower() for tag, _quality in request.accept_languages}
    if tags == TOR_BROWSER_SPOOF:
        return default
    return request.accept_languages.best_match(languages) or default


def safe_next(target: str | None) -> str:
    """``target`` if it is a plain path on this site, else the form's path.

    Rejects absolute URLs, scheme-relative ``//host``, backslashes and
    control characters, so a crafted link cannot redirect elsewhere.
    """
    fallback = url_for("report.form")
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


@bp.get("/language/<code>")
def switch(code: str):
    """Remember ``code`` in a session cookie and go back to ``?next=``."""
    response = redirect(safe_next(request.args.get("next")), code=303)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(COOKIE, code, httponly=True, samesite="Strict", secure=False)
    return response


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with :func:`select_locale` and the switch route."""
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.register_blueprint(bp)
