"""argparse's own words (usage, section headings, ``-h``'s help, its usage errors) in the review tool's language.

argparse looks its texts up through its module-level ``_`` (stdlib gettext,
the ``argparse`` domain, never translated on a reviewer's laptop), so
``review --help`` in Spanish said "usage:", "positional arguments:",
"options:" and "show this help message and exit", and a mistyped command
answered "invalid choice" in English. :func:`translated` points that lookup
at the review catalog while the parser is built and used. Imports only the
standard library and :mod:`review.i18n`.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import Iterator

from .i18n import N_, current_language, translations

TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
)
"""The texts of Python 3.11's argparse that a reviewer can see, as msgids of the review catalog."""


@contextmanager
def translated() -> Iterator[None]:
    """Within the block, argparse speaks :func:`review.i18n.current_language`;
    its own lookup is put back afterwards, also on ``SystemExit`` (``--help``,
    usage errors). Texts the catalog lacks stay in English."""
    saved = argparse._
    argparse._ = translations(current_language()).gettext
    try:
        yield
    finally:
        argparse._ = saved
