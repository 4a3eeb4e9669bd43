"""The coded questions across questionnaire versions: dataset columns and table dimensions.

Answers are matched across versions by question id. A question's kind,
label and the order of its codes come from the newest questionnaire
(highest version) that asks it; codes only older versions had follow, so
reports of every version count in the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..questionnaire import Schema
from .records import SINGLE_KINDS, Record

ANSWER_KINDS = SINGLE_KINDS + ("multiple_choice", "approximate_date")
NO_ANSWER = ""


@dataclass(frozen=True)
class Dimension:
    """One coded question: ``kind`` is ``"single"``, ``"multi"`` or ``"date"``;
    ``codes`` its categories in order (without the no-answer category);
    ``schema`` the newest questionnaire that asks it (for labels)."""

    id: str
    kind: str
    codes: tuple[str, ...]
    schema: Schema

    def label(self, language: str) -> str:
        """The question's label (its report label if it has one) in ``language``."""
        question = self.schema.questions[self.id]
        return self.schema.text(question.get("report_label") or question.get("label"), language) or self.id

    def code_label(self, code: str, language: str, no_answer: str) -> str:
        """A category's name in ``language``; ``no_answer`` for the empty category."""
        if code == NO_ANSWER:
            return no_answer
        return self.schema.choice_label(self.id, code, language) or code

    def values(self, record: Record) -> tuple[str, ...]:
        """The categories ``record`` falls in: one for single and date questions
        (possibly the no-answer category), zero or more codes for multiple choice."""
        value = record.answers.get(self.id, NO_ANSWER) if self._asked(record) else NO_ANSWER
        if self.kind != "multi":
            return (value if isinstance(value, str) else NO_ANSWER,)
        if self.kind == "multi":
            return tuple(value) if isinstance(value, list) else ()
        return (value if isinstance(value, str) else NO_ANSWER,)

    def _asked(self, record: Record) -> bool:
        key = (self.id, self.kind, record.schema.sha256)
        asked = _ASKED.get(key)
        if asked is None:
            question = record.schema.questions.get(self.id)
            asked = _ASKED[key] = question is not None and _kind(question["kind"]) == self.kind
        return asked


_ASKED: dict[tuple[str, str, str], bool] = {}


def _kind(kind: str) -> str:
    return {"multiple_choice": "multi", "approximate_date": "date"}.get(kind, "single")


def newest_first(schemas: Sequence[Schema]) -> list[Schema]:
    """Distinct schemas, highest version first (ties by id, then hash)."""
    unique = {s.sha256: s for s in schemas}
    return sorted(unique.values(), key=lambda s: (-s.version, s.id, s.sha256))


def dimensions(records: Sequence[Record], extra: Sequence[Schema] = ()) -> dict[str, Dimension]:
    """Every coded question asked by the records' questionnaires (and ``extra``), in column order."""
    schemas = newest_first([r.schema for r in records] + list(extra))
    found: dict[str, Dimension] = {}
    for schema in schemas:
        for _section, ids in schema.order:
            for qid in ids:
                question = schema.questions[qid]
                if question["kind"] not in ANSWER_KINDS:
                    continue
                kind = _kind(question["kind"])
                codes = tuple(c["code"] for c in question.get("choices", ()))
                if qid not in found:
                    found[qid] = Dimension(qid, kind, codes, schema)
                elif found[qid].kind == kind and kind != "date":
                    old = found[qid]
                    more = tuple(c for c in codes if c not in old.codes)
                    found[qid] = Dimension(qid, kind, old.codes + more, old.schema)
    for qid, dim in list(found.items()):
        if dim.kind == "date":
            found_values = {r.answers.get(qid) for r in records if dim._asked(r)} - {NO_ANSWER, None}
            # months in order, then dates known only to the year
            months = sorted(found_values, key=lambda v: (len(v) == 4, v))
            found[qid] = Dimension(qid, "date", tuple(months), dim.schema)
    return found
