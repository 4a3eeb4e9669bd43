"""The workspace's statistics page: the published tables and charts of ``review stats``, on screen.

The same pipeline as ``review stats`` (:mod:`review.data`): consenting cases
only, coded answers only, small cells suppressed with complementary
suppression proved by the linear-program audit. Nothing is written to disk:
tables and charts are computed in memory and kept in a small cache keyed by
(k, language, the cases folder's state), so the chart images the page links
to are not recomputed one by one. Differential privacy and the publishable
HTML/PDF report stay with the ``review stats`` command the page names.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, render_template, request

from ..data import DEFAULT_K
from ..output import displayable

bp = Blueprint("stats", __name__)

MAX_K = 50
_CACHE_SIZE = 4
_lock = threading.Lock()


def _k() -> int:
    raw = request.args.get("k", "")
    if raw.isdigit() and 2 <= int(raw) <= MAX_K:
        return int(raw)
    return DEFAULT_K


def _state(root: Path) -> tuple:
    """What changes when cases are imported or questionnaires filed: folder times and sizes."""
    stat = root.stat()
    marks = [stat.st_mtime_ns, stat.st_ino]
    questionnaires = root / "_questionnaires"
    if questionnaires.is_dir():
        marks.append(questionnaires.stat().st_mtime_ns)
    return tuple(marks)


def _published(k: int, language: str) -> dict:
    """{"tables", "seen", "counted", "error"} for ``k`` and ``language``, cached."""
    from ..data.records import load_records
    from ..data.report import publish_tables
    from ..data.suppression import CannotProtect

    root = current_app.config["CASES_ROOT"]
    key = (k, language, _state(root))
    cache = current_app.extensions.setdefault("resguardo.stats", {})
    with _lock:
        if key in cache:
            return cache[key]
        records, seen = load_records(root)
        entry = {"tables": [], "seen": seen, "counted": len(records), "error": None, "charts": {}}
        try:
            entry["tables"], _spent = publish_tables(records, k)
        except CannotProtect:
            entry["error"] = "too_few" if len(records) < k else "cannot_protect"
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = entry
        return entry


@bp.get("/stats")
def page():
    """The tables (and, for one-way tables, charts) that ``review stats`` would publish."""
    from ..data.report import _title, table_rows
    from ..data.tables import TOTAL
    from ..data.words import WORDS

    k = _k()
    entry = _published(k, g.lang)
    words = WORDS[g.lang]
    shown = []
    for table in entry["tables"]:
        if table.key == TOTAL:
            continue
        columns, rows = table_rows(table, g.lang)
        shown.append({
            "key": table.key, "title": _title(table, g.lang), "columns": columns,
            "rows": [{"label": r["label"], "cells": ["—" if v < 0 else str(v) for v in r["values"]]} for r in rows],
            "chart": table.cols is None, "multi": table.rows.kind == "multi",
        })
    command = f"review stats {displayable(current_app.config['CASES_ROOT'])} --out DIR --k {k} --lang {g.lang}"
    return render_template(
        "stats.html", k=k, tables=shown, seen=entry["seen"], counted=entry["counted"], error=entry["error"],
        words=words, suppressed_note=words["suppressed"].format(k=k),
        methods=words["methods_text"].format(k=k, k_minus=k - 1), command=command, max_k=MAX_K,
    )


@bp.get("/stats/chart/<key>.png")
def chart(key: str):
    """The PNG chart of one one-way table, as ``review stats`` draws it."""
    from ..data import charts
    from ..data.words import WORDS

    k = _k()
    entry = _published(k, g.lang)
    table = next((t for t in entry["tables"] if t.key == key and t.cols is None), None)
    if table is None:
        abort(404)
    with _lock:
        png = entry["charts"].get(key)
        if png is None:
            png, _svg = charts.render(table, g.lang, k, WORDS[g.lang]["default_source"])
            entry["charts"][key] = png
    return Response(png, mimetype="image/png")
