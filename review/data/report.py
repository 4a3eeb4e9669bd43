"""``review stats``: tables, charts and one publishable HTML report (and PDF if WeasyPrint is there).

Writes into the output folder: ``tables.json`` (every table, suppressed
cells as null), ``tables.csv`` (long form: table, row, column, value),
``charts/<question>.png|svg`` and ``report.html`` (self-contained: charts
embedded, no script, nothing loaded from elsewhere), plus ``report.pdf``
when WeasyPrint is installed and ``pdf`` is asked for.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import jinja2
import numpy as np

from . import charts
from .privacy import add_noise
from .records import Record
from .suppression import DEFAULT_K, suppress
from .tables import TOTAL, Table, build_tables
from .words import WORDS

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class StatsResult:
    """What :func:`write_stats` wrote and spent: ``tables``, ``epsilon_total`` (None without DP)."""

    tables: list[Table]
    epsilon_total: float | None
    files: list[Path]


def _title(table: Table, language: str) -> str:
    words = WORDS[language]
    if table.cols is None:
        return table.rows.label(language)
    return f"{table.rows.label(language)} {words['by']} {table.cols.label(language).lower()}"


def _cell(value: int) -> str:
    return "—" if value < 0 else str(int(value))


def table_rows(table: Table, language: str) -> tuple[list[str], list[dict]]:
    """(column headings, [{code, label, values}]) of ``table``, values as published (-1 = suppressed)."""
    no_answer = WORDS[language]["no_answer"]
    values = table.published
    if table.cols is None:
        columns = [WORDS[language]["cases"]]
        rows = [{"code": code, "label": table.rows.code_label(code, language, no_answer), "values": [int(values[i])]}
                for i, code in enumerate(table.row_codes)]
    else:
        columns = [table.cols.code_label(code, language, no_answer) for code in table.col_codes]
        rows = [{"code": code, "label": table.rows.code_label(code, language, no_answer),
                 "values": [int(v) for v in values[i]]} for i, code in enumerate(table.row_codes)]
    return columns, rows


def publish_tables(records: Sequence[Record], k: int = DEFAULT_K, epsilon: float | None = None) -> tuple[list[Table], float | None]:
    """Count, then protect: suppression proved by the audit, or noise then suppression of small noisy cells.

    :raises suppression.CannotProtect: with fewer than ``k`` cases.
    """
    tables = build_tables(records)
    if epsilon is None:
        suppress(tables, k)
        return tables, None
    spent = add_noise(tables, epsilon)
    for table in tables:
        if table.key != TOTAL:
            table.suppressed = (table.noisy > 0) & (table.noisy < k)
    return tables, spent


def write_stats(records: Sequence[Record], out_dir: str | Path, *, language: str = "es", k: int = DEFAULT_K,
                epsilon: float | None = None, source: str | None = None, pdf: bool = False) -> StatsResult:
    """Publish the statistics of ``records`` into ``out_dir`` (created 0700).

    :raises suppression.CannotProtect: with fewer than ``k`` cases.
    :raises OSError: if files cannot be written.
    """
    words = WORDS[language]
    source = source or words["default_source"]
    tables, spent = publish_tables(records, k, epsilon)
    out = Path(out_dir)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = []
    document = {"k": k, "epsilon_total": spent, "language": language, "tables": []}
    long_form = io.StringIO()
    writer = csv.writer(long_form, lineterminator="\r\n")
    writer.writerow(["table", "row", "column", "value", "epsilon"])
    shown = []
    caption = charts.caption(language, k, None if spent is None else spent, source)
    for table in tables:
        if table.key == TOTAL:
            continue
        columns, rows = table_rows(table, language)
        document["tables"].append({
            "key": table.key, "title": _title(table, language), "epsilon": table.epsilon,
            "rows": [r["code"] for r in rows],
            "columns": list(table.col_codes) if table.cols is not None else ["cases"],
            "values": [[v if v >= 0 else None for v in r["values"]] for r in rows],
        })
        col_codes = list(table.col_codes) if table.cols is not None else [""]
        for r in rows:
            for code, value in zip(col_codes, r["values"]):
                writer.writerow([table.key, r["code"], code, "" if value < 0 else value,
                                 "" if table.epsilon is None else f"{table.epsilon:.6g}"])
        chart = None
        size = None
        if table.cols is None:
            png, svg = charts.render(table, language, k, source)
            (out / "charts").mkdir(mode=0o700, exist_ok=True)
            for suffix, data in (("png", png), ("svg", svg)):
                path = out / "charts" / f"{table.key}.{suffix}"
                path.write_bytes(data)
                files.append(path)
            chart = base64.b64encode(png).decode("ascii")
            size = charts.chart_size(table)
        shown.append({
            "title": _title(table, language), "columns": columns,
            "rows": [{"label": r["label"], "cells": [_cell(v) for v in r["values"]]} for r in rows],
            "multi": table.rows.kind == "multi", "epsilon": None if table.epsilon is None else f"{table.epsilon:.3g}",
            "chart": chart, "chart_size": size,
        })
    total = tables[0].published[0]
    document["total"] = int(total)
    for name, data in (("tables.json", json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")),
                       ("tables.csv", long_form.getvalue().encode("utf-8"))):
        (out / name).write_bytes(data)
        files.append(out / name)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    html = environment.get_template("report.html").render(
        language=language, words=words, tables=shown, total=int(total), caption=caption, source=source,
        epsilon_total=None if spent is None else f"{spent:.3g}",
        suppressed_note=words["suppressed"].format(k=k),
        methods=words["methods_text"].format(k=k, k_minus=k - 1),
        dp_text=words["dp_text"].format(epsilon=f"{spent:.3g}") if spent is not None else "",
    )
    (out / "report.html").write_text(html, encoding="utf-8")
    files.append(out / "report.html")
    if pdf:
        from weasyprint import HTML  # optional: only when asked for

        HTML(string=html).write_pdf(out / "report.pdf")
        files.append(out / "report.pdf")
    return StatsResult(tables, spent, files)
