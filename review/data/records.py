"""The coded answers of consenting cases: what the dataset and statistics may see.

A :class:`Record` holds only codes and coarse dates, checked against the
questionnaire the report names: a value that is not one of that question's
codes (a hand-made or tampered report) is dropped, so no free text can
travel through a "code". A report counts only if its questionnaire has a
``roles.statistics_consent`` question and the answer to it is ``yes``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ..questionnaire import Registry, Schema

CONSENT_YES = "yes"
CASE_FOLDER = re.compile(r"([0-9]{4})-([0-9]{2})-[0-9]{2}_(?:[0-9a-f]{8}|[0-9a-f]{32})\Z")
_DATE = re.compile(r"^([0-9]{4})(?:-(0[1-9]|1[0-2])(?:-([0-3][0-9]))?)?$")
SINGLE_KINDS = ("single_choice", "region", "consent")


@dataclass(frozen=True)
class Record:
    """One consenting case: ``answers`` maps question id -> code (str, "" if
    unanswered), list of codes, or coarse date (``YYYY-MM``, ``YYYY`` or "");
    ``received_month`` is ``YYYY-MM``; ``schema`` the questionnaire it used."""

    schema: Schema
    received_month: str
    answers: dict


def coarse_date(value: object) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM`` -> ``YYYY-MM``; ``YYYY`` stays; anything else -> ""."""
    match = _DATE.match(value) if isinstance(value, str) else None
    if not match:
        return ""
    return f"{match.group(1)}-{match.group(2)}" if match.group(2) else match.group(1)


def consented(schema: Schema | None, fields: Mapping) -> bool:
    """True if the report's questionnaire names a consent question and the answer is ``yes``."""
    if schema is None:
        return False
    question = (schema.document.get("roles") or {}).get("statistics_consent")
    return isinstance(question, str) and fields.get(question) == CONSENT_YES


_PLANS: dict[str, list[tuple[str, str, frozenset, tuple]]] = {}


def _plan(schema: Schema) -> list[tuple[str, str, frozenset, tuple]]:
    """(question id, kind, its codes, their order) for each coded question of ``schema`` (cached by hash)."""
    plan = _PLANS.get(schema.sha256)
    if plan is None:
        plan = []
        for qid, question in schema.questions.items():
            if question["kind"] in SINGLE_KINDS + ("multiple_choice", "approximate_date"):
                order = tuple(c["code"] for c in question.get("choices", ()))
                plan.append((qid, question["kind"], frozenset(order), order))
        _PLANS[schema.sha256] = plan
    return plan


def coded(schema: Schema, fields: Mapping) -> dict:
    """The coded answers of ``fields`` (a report's ``fields``) under ``schema``; text answers left out."""
    out: dict = {}
    for qid, kind, codes, order in _plan(schema):
        value = fields.get(qid)
        if kind == "multiple_choice":
            given = set(v for v in value if isinstance(v, str)) if isinstance(value, list) else set()
            out[qid] = [code for code in order if code in given]
        elif kind == "approximate_date":
            out[qid] = coarse_date(value)
        else:
            out[qid] = value if isinstance(value, str) and value in codes else ""
    return out


def record(report: Mapping, received_on: str, registry: Registry) -> Record | None:
    """The :class:`Record` of one decrypted report, or None if it does not count
    (no consent, unknown questionnaire, malformed)."""
    fields = report.get("fields")
    if not isinstance(fields, Mapping):
        return None
    schema = registry.for_report(report)
    if not consented(schema, fields):
        return None
    month = received_on[:7] if re.match(r"^[0-9]{4}-[0-9]{2}", received_on or "") else ""
    return Record(schema, month, coded(schema, fields))


def load_records(outdir: str | Path, registry: Registry | None = None) -> tuple[list[Record], int]:
    """The records of every consenting case folder under ``outdir``, and how many cases were read.

    Reads ``OUTDIR/<day>_<id>/report.json`` (links never followed) and the
    questionnaires filed in ``OUTDIR/_questionnaires/``.

    :raises OSError: if ``outdir`` cannot be read.
    """
    from ..casefolder import read_case_report  # the one reader of case folders

    root = Path(outdir)
    registry = registry or Registry()
    registry.add_folder(root)
    records: list[Record] = []
    seen = 0
    with os.scandir(root) as entries:
        names = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    for name in names:
        if not CASE_FOLDER.match(name):
            continue
        report = read_case_report(root / name)
        if report is None:
            continue
        seen += 1
        item = record(report, name[:10], registry)
        if item is not None:
            records.append(item)
    return records, seen


def records_from_reports(pairs: Iterable[tuple[Mapping, str]], registry: Registry | None = None) -> list[Record]:
    """Records from (report, received_on) pairs in memory (tests, the bench)."""
    registry = registry or Registry()
    return [r for r in (record(report, day, registry) for report, day in pairs) if r is not None]
