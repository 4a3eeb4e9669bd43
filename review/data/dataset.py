"""``review dataset``: the coded answers of consenting cases as CSV and JSONL.

One row per consenting case; columns (docs/QUESTIONNAIRE.md, "Dataset"):
``questionnaire``, ``questionnaire_version``, ``received_month``, then one
column per coded question (choices, region, consent, approximate date
coarsened to the month). No free text, no names, no attachments, no
submission id. Rows are sorted by their own content, so their order says
nothing about when a case arrived, and the files are byte-for-byte the same
for the same cases.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Sequence

from .dimensions import Dimension, dimensions
from .records import Record

FIXED = ("questionnaire", "questionnaire_version", "received_month")
MULTI_SEPARATOR = "|"


def rows(records: Sequence[Record]) -> tuple[list[str], list[dict]]:
    """(column names, one dict per record) sorted by content; multiple choice as lists."""
    dims: dict[str, Dimension] = dimensions(records)
    columns = list(FIXED) + list(dims)
    out = []
    multi = [qid for qid, dim in dims.items() if dim.kind == "multi"]
    for record in records:
        row: dict = {
            "questionnaire": record.schema.id,
            "questionnaire_version": record.schema.version,
            "received_month": record.received_month,
        }
        for qid, dim in dims.items():
            values = dim.values(record)
            row[qid] = list(values) if qid in multi else values[0]
        out.append(row)
    out.sort(key=lambda row: tuple(
        MULTI_SEPARATOR.join(v) if isinstance(v, list) else str(v) for v in (row[c] for c in columns)))
    return columns, out


def to_csv(columns: list[str], data: list[dict]) -> bytes:
    """RFC 4180 CSV (UTF-8, CRLF), header first; lists joined with ``|``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in data:
        writer.writerow([MULTI_SEPARATOR.join(v) if isinstance(v, list) else v for v in (row[c] for c in columns)])
    return buffer.getvalue().encode("utf-8")


def to_jsonl(columns: list[str], data: list[dict]) -> bytes:
    """One JSON object per line (UTF-8, LF), keys in column order."""
    lines = [json.dumps({c: row[c] for c in columns}, ensure_ascii=False, separators=(",", ":")) for row in data]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def write_dataset(records: Sequence[Record], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``dataset.csv`` and ``dataset.jsonl`` into ``out_dir`` (created 0700); returns both paths.

    :raises OSError: if they cannot be written.
    """
    out = Path(out_dir)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    columns, data = rows(records)
    csv_path, jsonl_path = out / "dataset.csv", out / "dataset.jsonl"
    csv_path.write_bytes(to_csv(columns, data))
    jsonl_path.write_bytes(to_jsonl(columns, data))
    return csv_path, jsonl_path
