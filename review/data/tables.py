"""Counting: the tables of the Global Analysis shape, from the questionnaire's ``statistics``.

Front Line Defenders' Global Analysis reports counts by violation type,
region, sector, gender and perpetrator; the questionnaire names which of
its questions get a one-way table (``statistics.tables``) and which pairs a
cross-tabulation (``statistics.crosstabs``), so a new question gets its
table by editing the file. Every table counts cases (one consenting report
= one case). A single-valued question's table has a "no answer" category,
so its cells add up to the number of cases; in a multiple-choice table a
case counts once under each code it gave (cells do not add up to the
total), and "no answer" counts cases that gave none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..questionnaire import Schema
from .dimensions import NO_ANSWER, Dimension, dimensions, newest_first
from .records import Record

TOTAL = "total"


@dataclass
class Table:
    """Counts over one dimension (``cols`` None) or two.

    ``row_codes``/``col_codes`` are the categories (codes, the no-answer
    category ``""`` last); ``counts`` an int array of shape (rows,) or
    (rows, cols). Filled in later: ``suppressed`` (bool mask, same shape)
    and ``noisy`` (the published values under differential privacy) and
    ``epsilon`` (this table's share of the privacy budget).
    """

    key: str
    rows: Dimension | None
    cols: Dimension | None
    row_codes: tuple[str, ...]
    col_codes: tuple[str, ...]
    counts: np.ndarray
    suppressed: np.ndarray = field(default=None)  # type: ignore[assignment]
    noisy: np.ndarray | None = None
    epsilon: float | None = None

    def __post_init__(self) -> None:
        if self.suppressed is None:
            self.suppressed = np.zeros(self.counts.shape, dtype=bool)

    @property
    def published(self) -> np.ndarray:
        """The values to publish (noisy ones under DP); suppressed cells are -1."""
        values = self.noisy if self.noisy is not None else self.counts
        return np.where(self.suppressed, -1, values)

    @property
    def sensitivity(self) -> int:
        """Most cells one case can change, each by 1: the L1 sensitivity of the count vector."""
        multi = [d for d in (self.rows, self.cols) if d is not None and d.kind == "multi"]
        return max(1, len(multi[0].codes)) if multi else 1


def _categories(dim: Dimension) -> tuple[str, ...]:
    return dim.codes + (NO_ANSWER,)


def _encode(dim: Dimension, records: Sequence[Record]) -> np.ndarray:
    """Single-valued question: category index per record, shape (n,). Multiple choice: a 0/1
    matrix, shape (n, codes + 1), the last column "no code given"."""
    lookup = {code: i for i, code in enumerate(_categories(dim))}
    none = len(dim.codes)
    if dim.kind != "multi":
        return np.fromiter((lookup.get(dim.values(r)[0], none) for r in records), dtype=np.int64, count=len(records))
    matrix = np.zeros((len(records), none + 1), dtype=np.int64)
    for row, record in enumerate(records):
        values = dim.values(record)
        if not values:
            matrix[row, none] = 1
        for value in values:
            if value in lookup:
                matrix[row, lookup[value]] = 1
    return matrix


def _one_hot(indices: np.ndarray, size: int) -> np.ndarray:
    matrix = np.zeros((indices.size, size), dtype=np.int64)
    matrix[np.arange(indices.size), indices] = 1
    return matrix


def statistics_spec(records: Sequence[Record], extra: Sequence[Schema] = ()) -> tuple[list[str], list[tuple[str, str]]]:
    """(one-way question ids, cross-tab pairs) named by the newest questionnaire, kept only if
    every question is a known coded dimension."""
    schemas = newest_first([r.schema for r in records] + list(extra))
    dims = dimensions(records, extra)
    spec = (schemas[0].document.get("statistics") or {}) if schemas else {}
    tables = [q for q in spec.get("tables", []) if q in dims]
    crosstabs = [(a, b) for a, b in spec.get("crosstabs", []) if a in tables and b in tables]
    return tables, crosstabs


def build_tables(records: Sequence[Record], extra: Sequence[Schema] = ()) -> list[Table]:
    """The total, every one-way table and every cross-tab, counted from ``records``."""
    dims = dimensions(records, extra)
    one_way, crosstabs = statistics_spec(records, extra)
    tables = [Table(TOTAL, None, None, ("",), (), np.array([len(records)], dtype=np.int64))]
    encoded = {qid: _encode(dims[qid], records) for qid in one_way}
    for qid in one_way:
        dim, data = dims[qid], encoded[qid]
        size = len(dim.codes) + 1
        counts = data.sum(axis=0) if dim.kind == "multi" else np.bincount(data, minlength=size)
        tables.append(Table(qid, dim, None, _categories(dim), (), counts.astype(np.int64)))
    for a, b in crosstabs:
        rows, cols = dims[a], dims[b]
        if rows.kind != "multi" and cols.kind == "multi":
            rows, cols = cols, rows  # the multiple-choice question, if any, is always the rows
        nr, nc = len(rows.codes) + 1, len(cols.codes) + 1
        left, right = encoded[rows.id], encoded[cols.id]
        if rows.kind == "multi":
            counts = left.T @ _one_hot(right, nc)
        else:
            counts = np.bincount(left * nc + right, minlength=nr * nc).reshape(nr, nc)
        tables.append(Table(f"{rows.id}__{cols.id}", rows, cols, _categories(rows), _categories(cols), counts))
    return tables
