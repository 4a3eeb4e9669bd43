"""The review tool's languages: gettext catalogs in ``review/translations``.

English is the source language (the msgids); Spanish comes from
``review/translations/es/LC_MESSAGES/review.mo``, made by
``tools/update_review_translations.py`` (Babel extracts the marked strings of
``review/`` and its workspace templates, fills Spanish from
``tools/review_translations_es*.py`` and compiles). A missing translation
falls back to English, never to an error.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

DOMAIN = "review"
DIRECTORY = Path(__file__).resolve().parent / "translations"


@lru_cache(maxsize=4)
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for ``language`` ("es" or "en"); English text if there is none."""
    return gettext.translation(DOMAIN, DIRECTORY, [language], fallback=True)


def gettext_for(language: str):
    """A ``_(message, **values)`` function for ``language``: the translated
    message, ``%``-formatted with ``values`` when given (Babel's style)."""
    catalog = translations(language)

    def _(message: str, **values: object) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return _


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


_CURRENT = ["en"]


def set_language(language: str) -> None:
    """Make ``language`` the language of :func:`_` (the CLI sets it once, at start)."""
    _CURRENT[0] = language


def current_language() -> str:
    """The language :func:`_` translates to."""
    return _CURRENT[0]


def _(message: str, **values: object) -> str:
    """``message`` in the current language (see :func:`set_language`),
    ``%``-formatted with ``values`` when given."""
    text = translations(_CURRENT[0]).gettext(message)
    return text % values if values else text
