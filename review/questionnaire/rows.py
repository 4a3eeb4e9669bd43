"""From (schema, answers, language) to labelled rows: the one place answers get names."""

from __future__ import annotations

from typing import Mapping, NamedTuple

from .reader import CHOICE_KINDS, Schema


class Row(NamedTuple):
    """One answer ready to show.

    ``section``: the section's title ("" for answers the schema does not
    know); ``question``: the question id (the key in the report's
    ``fields``); ``label``: its label; ``kind``: its kind ("" if unknown);
    ``codes``: the codes given (choice kinds, else empty); ``values``: the
    display texts: one per chosen code (a code the schema does not know is
    shown as itself), or the one text/date answer; empty if unanswered.
    Texts are the reporter's data: callers escape or sanitise them.
    """

    section: str
    question: str
    label: str
    kind: str
    codes: tuple[str, ...]
    values: tuple[str, ...]


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple([v if isinstance(v, str) else str(v) for v in value if v not in (None, "")])
    if value in (None, ""):
        return ()
    return (value if isinstance(value, str) else str(value),)


def labelled_rows(schema: Schema | None, answers: Mapping, language: str) -> list[Row]:
    """Every question of ``schema`` in form order, then every answer it does not know.

    ``answers`` is a report's ``fields`` object (question id -> string or
    list of strings); ``language`` a language code ("es", "en", ...): texts
    fall back to the schema's first language. Questions of kind ``files``
    are skipped (attachments are listed on their own). With ``schema``
    None, every answer is an unknown one, shown under its own name.
    """
    rows: list[Row] = []
    known: Mapping = {}
    if schema is not None:
        questions, names = schema.layout(language)
        for title, qid, label, kind in questions:
            given = _strings(answers.get(qid))
            if kind in CHOICE_KINDS:
                codes = names[qid]
                rows.append(Row(title, qid, label, kind, given, tuple([codes.get(code) or code for code in given])))
            else:
                rows.append(Row(title, qid, label, kind, (), given))
        known = schema.questions
    for name, value in answers.items():
        if name not in known:
            rows.append(Row("", str(name), str(name), "", (), _strings(value)))
    return rows


def is_urgent(schema: Schema | None, answers: Mapping) -> bool:
    """True if the answer to the questionnaire's ``roles.urgency`` question is one of its urgent codes
    (the default: the reporter or someone else is in immediate danger now). False without a schema."""
    if schema is None:
        return False
    role = (schema.document.get("roles") or {}).get("urgency")
    if not isinstance(role, Mapping):
        return False
    value = answers.get(role.get("question"))
    urgent = role.get("urgent") or []
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, str) and v in urgent for v in values)
