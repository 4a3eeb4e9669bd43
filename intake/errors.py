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
    408: (
        _l("The connection was too slow"),
        _l("What you sent arrived too slowly or stopped arriving. Nothing was saved. Please try again, if you can on a better connection."),
    ),
    414: (_l("The address is too long"), _l("Check the address, or go back to the report form.")),
    415: (_l("The request could not be understood"), _l("This page does not take this kind of data. Nothing was saved. Please go back and try again.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    431: (_l("The request could not be understood"), _l("Nothing was saved. Please go back and try again.")),
    503: (_l("Please wait a moment"), _l("Your report is being stored right now. Please wait a moment.")),
    500: (_l("Something went wrong on our side"), _l("Nothing was saved. Please try again later.")),
}
CSRF_MESSAGE = (
    _l("Your session expired"),
    _l(
        "For your protection, this form only works within one browser session, and this browser "
        "does not keep what you typed once you leave the page. Nothing was saved. Open the form "
        "again, write your report and choose your files again."
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


def message_for(exc: HTTPException):
    """(title, message) for ``exc``: its own ``title``/``message`` attributes if it
    has them (e.g. :class:`intake.limits.Busy`), else the page for its status."""
    own = (getattr(exc, "title", None), getattr(exc, "message", None))
    if own[0] is not None and own[1] is not None:
        return own
    return MESSAGES.get(exc.code or 500, (exc.name, _l("Please go back and try again.")))


def _http_error(exc: HTTPException):
    return render_error(exc.code or 500, *message_for(exc))


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


def standalone_page(app: Flask, code: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """``app``'s error page for ``code`` outside any request, in the default language.

    For the server's own refusals of requests it cannot parse (deploy/worker.py):
    (status, headers with the security headers, body bytes).
    """
    with app.test_request_context("/"):
        response = app.make_response(_http_error(_exception_for(code)))
        response = app.process_response(response)
        return response.status_code, list(response.headers.items()), response.get_data()


def _exception_for(code: int) -> HTTPException:
    exc = HTTPException()
    exc.code = code
    return exc


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
