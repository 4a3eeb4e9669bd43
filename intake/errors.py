"""Error pages: clear, localized, and never a traceback.

Every HTTP error renders templates/error.html with a message for the
reporter in their language. Unexpected exceptions become a 500 page; what is
logged about them is the exception type and code location only, never its
message or arguments, which could hold report text.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, current_app, render_template
from flask_babel import format_decimal, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("resguardo")

MESSAGES = {
    400: (_l("The request could not be understood"), _l("Nothing was saved. Please go back and try again.")),
    403: (_l("Not allowed"), _l("This page cannot be used this way.")),
    404: (_l("Page not found"), _l("Check the address, or go back to the report form.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    413: (
        _l("Too much data"),
        _l(
            "What you sent is larger than this site accepts (%(limit)s in total). "
            "Nothing was saved. Please send fewer or smaller files, or send them in several reports."
        ),
    ),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    503: (_l("Please wait a moment"), _l("Your report is being stored right now. Please wait a moment.")),
    500: (_l("Something went wrong on our side"), _l("Nothing was saved. Please try again later.")),
}
CSRF_MESSAGE = (
    _l("Your session expired"),
    _l(
        "For your protection, this form only works within one browser session. Nothing was saved. "
        "Use your browser's Back button: your text should still be there. Reload the form page, "
        "copy your text back in and choose your files again."
    ),
)


def _human_size(size: float) -> str:
    """``size`` bytes in words for the current locale, e.g. 536870912 -> "512 MiB"."""
    for unit in ("bytes", "KiB", "MiB"):
        if size < 1024:
            return f"{format_decimal(round(size, 1))} {unit}"
        size /= 1024
    return f"{format_decimal(round(size, 1))} GiB"


def render_error(code: int, title, message):
    """The localized error page for ``code``, as a (body, status) pair.

    ``message`` may use ``%(limit)s``, the request size limit in words.
    """
    limit = _human_size(current_app.config["MAX_CONTENT_LENGTH"])
    return render_template("error.html", code=code, title=title, message=message % {"limit": limit}), code


def _http_error(exc: HTTPException):
    code = exc.code or 500
    title, message = MESSAGES.get(code, (exc.name, _l("Please go back and try again.")))
    return render_error(code, title, message)


def _csrf_error(_exc: CSRFError):
    return render_error(400, *CSRF_MESSAGE)


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log_exception_safely(exc)
    return _http_error(InternalServerError())


def log_exception_safely(exc: BaseException) -> None:
    """Log the type and code locations of ``exc`` — not its message, which may hold report text."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" for frame in reversed(frames[-6:]))
    log.error("unhandled %s at %s", type(exc).__name__, where)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
