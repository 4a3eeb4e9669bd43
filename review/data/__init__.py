"""Data and statistics: from decrypted cases to publishable numbers.

Owns: reading the coded answers of consenting cases (:mod:`.records`), the
dataset files (:mod:`.dataset`), the tables of the Front Line Defenders
Global Analysis shape (:mod:`.tables`), small-cell suppression with its
linear-programming audit (:mod:`.suppression`), optional differential
privacy through OpenDP (:mod:`.privacy`), charts (:mod:`.charts`), the
publishable report (:mod:`.report`) and synthetic cases (:mod:`.synthetic`).
Imports ``review.questionnaire``, numpy, scipy, opendp, matplotlib, jinja2;
never ``intake``, never a network library. docs/QUESTIONNAIRE.md describes
the columns and the methods.
"""

DEFAULT_K = 5
"""Cells below this many cases are hidden unless told otherwise (``review stats --k``)."""
