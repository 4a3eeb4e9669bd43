"""Listing, filtering, searching and sorting cases: one query over the index and the triage.

Used by ``review list`` and by the workspace's case list. The index
(:mod:`.index`) is brought up to date first (one folder scan), then one SQL
query joins it with the triage database (:mod:`.triage`, attached read-only
in the same connection) and returns one page of rows and the total count.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import index, triage

SORTS = ("urgency", "newest", "oldest")
PAGE_SIZE = 100


@dataclass
class Filters:
    """What to show. Empty strings mean "any".

    ``status`` one of :data:`review.workspace.triage.STATUSES`;
    ``incident_type`` and ``region`` codes; ``affected`` words the
    "affected people" answer contains; ``received_from``/``received_to``
    ``YYYY-MM-DD`` (inclusive); ``tag`` one tag; ``text`` words that must all
    appear in the report or its follow-ups (full-text, prefix match, accents ignored);
    ``urgent`` only urgent cases (the reporter answered that someone is in
    immediate danger, or a reviewer flagged the case); ``sort`` one of
    :data:`SORTS` ("urgency": immediate danger first, then flagged urgent,
    then new, in progress, closed, then newest).
    """

    status: str = ""
    incident_type: str = ""
    region: str = ""
    affected: str = ""
    received_from: str = ""
    received_to: str = ""
    tag: str = ""
    text: str = ""
    urgent: bool = False
    sort: str = "urgency"


@dataclass
class CaseRow:
    """One listed case: the index's facts and its triage."""

    folder: str
    submission_id: str
    received_on: str
    incident_types: list[str]
    region: str
    affected: str
    attachments: int
    summary: str
    status: str
    urgent: bool
    assignee: str
    tags: list[str] = field(default_factory=list)
    danger: bool = False
    followups: int = 0


@dataclass
class Listing:
    """A page of rows, the total number of matching cases, the folder's
    unreadable case folders and failed-submission count, and the incident-type
    and region codes that at least one case (any case, not only this page's)
    answered: ``used_types`` and ``used_regions``."""

    rows: list[CaseRow]
    total: int
    broken: list[str]
    failed: int
    used_types: set[str] = field(default_factory=set)
    used_regions: set[str] = field(default_factory=set)


_ORDER = {
    "urgency": "c.danger DESC, urgent DESC, CASE status WHEN 'new' THEN 0 WHEN 'in_progress' THEN 1 ELSE 2 END,"
               " c.received_on DESC, c.folder",
    "newest": "c.received_on DESC, c.folder",
    "oldest": "c.received_on ASC, c.folder",
}


@contextlib.contextmanager
def session(root: Path) -> Iterator[sqlite3.Connection]:
    """The index of ``root`` with the triage database attached as ``t``."""
    with index.opened(root) as connection:
        path = triage.triage_path(root)
        triage.open_triage(root).close()  # create it with its schema if missing
        connection.execute("ATTACH DATABASE ? AS t", (str(path),))
        yield connection


def _where(filters: Filters) -> tuple[str, list]:
    clauses, params = [], []
    if filters.status:
        clauses.append("status = ?")
        params.append(filters.status)
    if filters.urgent:
        clauses.append("(urgent = 1 OR c.danger = 1)")
    if filters.incident_type:
        clauses.append("EXISTS (SELECT 1 FROM json_each(c.incident_types) WHERE value = ?)")
        params.append(filters.incident_type)
    if filters.region:
        clauses.append("c.region = ?")
        params.append(filters.region)
    if filters.affected.strip():
        clauses.append("c.affected LIKE ? ESCAPE '\\'")
        escaped = filters.affected.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if filters.received_from:
        clauses.append("c.received_on >= ?")
        params.append(filters.received_from)
    if filters.received_to:
        clauses.append("c.received_on <= ?")
        params.append(filters.received_to)
    if filters.tag:
        clauses.append("c.submission_id IN (SELECT submission_id FROM t.tags WHERE tag = ?)")
        params.append(filters.tag.lower())
    match = index.fts_query(filters.text)
    if match is not None:
        clauses.append("c.id IN (SELECT rowid FROM cases_text WHERE cases_text MATCH ?)")
        params.append(match)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


_SELECT = """
SELECT c.folder, c.submission_id, c.received_on, c.incident_types, c.region, c.affected,
       c.attachments, c.summary, status, urgent, assignee,
       (SELECT group_concat(tag, ',') FROM t.tags g WHERE g.submission_id = c.submission_id), c.danger,
       c.followups
FROM (SELECT c.*, coalesce(tr.status, 'new') AS status, coalesce(tr.urgent, 0) AS urgent,
             coalesce(tr.assignee, '') AS assignee
      FROM cases c LEFT JOIN t.triage tr ON tr.submission_id = c.submission_id) c
"""


def list_cases(root: Path, filters: Filters | None = None, *, limit: int | None = PAGE_SIZE,
               offset: int = 0) -> Listing:
    """One page of the cases under ``root`` matching ``filters``.

    ``limit`` None means every matching case.

    :raises OSError: if ``root`` cannot be read.
    """
    filters = filters or Filters()
    with session(Path(root)) as connection:
        broken, failed = index.sync(connection, Path(root))
        where, params = _where(filters)
        total = connection.execute(f"SELECT count(*) FROM ({_SELECT}{where})", params).fetchone()[0]
        order = _ORDER.get(filters.sort, _ORDER["urgency"])
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = [
            CaseRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8], bool(r[9]), r[10],
                    r[11].split(",") if r[11] else [], bool(r[12]), r[13])
            for r in connection.execute(f"{_SELECT}{where} ORDER BY {order}{page}", params)
        ]
        used_types = {r[0] for r in connection.execute(
            "SELECT DISTINCT j.value FROM cases, json_each(cases.incident_types) AS j")}
        used_regions = {r[0] for r in connection.execute("SELECT DISTINCT region FROM cases WHERE region != ''")}
    return Listing(rows, total, broken, failed, used_types, used_regions)


def bench_queries(root: Path) -> list[tuple[str, float]]:
    """Seconds of typical queries over ``root`` (for bench/import_speed.py)."""
    figures = []
    for name, filters in (
        ("list (first page, by urgency)", Filters()),
        ("list (all rows, by urgency)", None),
        ("full-text search", Filters(text="mineria")),
        ("filter (type + region + dates)", Filters(incident_type="online_harassment", region="puno",
                                                   received_from="2026-03-01", received_to="2026-09-30")),
    ):
        start = time.perf_counter()
        if filters is None:
            list_cases(root, Filters(), limit=None)
        else:
            list_cases(root, filters)
        figures.append((name, time.perf_counter() - start))
    return figures
