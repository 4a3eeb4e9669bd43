"""Readable names for coded answers, taken from the questionnaire documents (no list of its own).

The names come from the schema documents in ``review/questionnaire/builtin/``
(newest version first), so a code keeps the name the questionnaire gives it.
Rendering one report uses :func:`review.questionnaire.labelled_rows` with
the questionnaire that report names; this module serves the views that show
many cases at once (``review list``, the workspace's list and index). A code
no questionnaire knows is shown as it is.
"""

from __future__ import annotations

from keys.receipt import strip_accents

from .questionnaire import Registry, Schema
from .questionnaire.reader import CHOICE_KINDS

LANGUAGES = ("es", "en")


def _code_labels(registry: Registry) -> dict[str, dict[str, dict[str, str]]]:
    table: dict[str, dict[str, dict[str, str]]] = {}
    for schema in sorted(registry.schemas(), key=lambda s: -s.version):
        for qid, question in schema.questions.items():
            if question["kind"] not in CHOICE_KINDS:
                continue
            for language in LANGUAGES:
                names = table.setdefault(qid, {}).setdefault(language, {})
                for choice in question["choices"]:
                    names.setdefault(choice["code"], schema.text(choice.get("label"), language) or choice["code"])
    return table


CODE_LABELS: dict[str, dict[str, dict[str, str]]] = _code_labels(Registry())
"""question id -> language -> code -> name, from the shipped questionnaires."""

CODED_FIELDS = tuple(CODE_LABELS)
"""The report fields whose answers are codes (shown by name)."""


def label(field: str, code: str, language: str, schema: Schema | None = None) -> str:
    """The readable name of ``code`` for ``field`` in ``language``: from ``schema`` if given and
    it knows the code, else from the shipped questionnaires; ``code`` itself when unknown.
    E.g. ``label("region", "cusco", "es") == "Cusco"``."""
    if schema is not None:
        named = schema.choice_label(field, code, language)
        if named:
            return named
    return CODE_LABELS.get(field, {}).get(language, {}).get(code, code)


def coded_answer(field: str, value: object, language: str, schema: Schema | None = None) -> list[str]:
    """THE one place a report answer is turned into words for a reviewer, outside a whole report.

    ``value`` is the answer as the report holds it (a code, a list of codes,
    free text, or None); returns one readable string per value, in
    ``language`` ("es" or "en"): codes by their names (``schema``'s if given),
    unknown codes and free text as given (not yet made safe for a terminal
    or HTML: callers escape). ``None`` and ``""`` give ``[]``.
    E.g. ``coded_answer("incident_types", ["threats"], "en") == ["Threats"]``.
    """
    values = value if isinstance(value, list) else [value]
    shown = []
    coded = field in CODE_LABELS or (schema is not None and field in schema.questions)
    for item in values:
        if item is None or item == "":
            continue
        if coded and isinstance(item, str):
            shown.append(label(field, item, language, schema))
        else:
            shown.append(item if isinstance(item, str) else str(item))
    return shown


def choices(field: str, language: str) -> list[tuple[str, str]]:
    """Every known code of a coded ``field`` with its name in ``language``,
    sorted by name as a reader expects, accents and case aside ("Áncash"
    before "Apurímac"), for the workspace's filters; ``[]`` for other fields."""
    names = CODE_LABELS.get(field, {}).get(language, {})
    return sorted(names.items(), key=lambda pair: (_sort_key(pair[1]), pair[1]))


def _sort_key(name: str) -> str:
    """``name`` without accents (keys.receipt's NFKD folding), case-folded: the order of a printed index."""
    return strip_accents(name).casefold()
