"""Suppression proved: no hidden cell can be narrowed below k by the published tables.

The attacker's model here is written independently of review/data/suppression.py:
every cell of every table is an unknown, each published cell is fixed at its
value, and the facts any reader knows about counts of cases are constraints.
For each hidden cell, linprog finds the smallest and largest value it can
take; milp does the same over whole numbers (a tighter attacker).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from review.data.records import records_from_reports
from review.data.suppression import CannotProtect, suppress
from review.data.synthetic import generate
from review.data.tables import TOTAL, build_tables

K = 5


def attacker(tables):
    """(objective size, A_eq, b_eq, A_ub, b_ub, bounds) over all cells; hidden cells free >= 0."""
    start, sizes = {}, 0
    for table in tables:
        start[table.key] = sizes
        sizes += table.counts.size
    by_key = {t.key: t for t in tables}

    def cell(table, i, j=None):
        return start[table.key] + (i if j is None else i * len(table.col_codes) + j)

    eq, ub = [], []

    def row(pairs):
        vector = np.zeros(sizes)
        for index, coef in pairs:
            vector[index] += coef
        return vector

    total = cell(by_key[TOTAL], 0)
    for t in tables:
        if t.key == TOTAL:
            continue
        if t.cols is None:
            cells = [cell(t, i) for i in range(len(t.row_codes))]
            if t.rows.kind == "multi":  # codes + "none": each code at most the cases that gave some code
                for c in cells[:-1]:
                    ub.append(row([(c, 1), (cells[-1], 1), (total, -1)]))
                ub.append(row([(c, -1) for c in cells] + [(total, 1)]))
            else:
                eq.append(row([(c, 1) for c in cells] + [(total, -1)]))
            continue
        r, c = by_key[t.rows.id], by_key[t.cols.id]
        nr, nc = len(t.row_codes), len(t.col_codes)
        for i in range(nr):
            eq.append(row([(cell(t, i, j), 1) for j in range(nc)] + [(cell(r, i), -1)]))
        for j in range(nc):
            if t.rows.kind == "multi":
                for i in range(nr - 1):
                    ub.append(row([(cell(t, i, j), 1), (cell(t, nr - 1, j), 1), (cell(c, j), -1)]))
                ub.append(row([(cell(t, i, j), -1) for i in range(nr)] + [(cell(c, j), 1)]))
            else:
                eq.append(row([(cell(t, i, j), 1) for i in range(nr)] + [(cell(c, j), -1)]))
    values = np.concatenate([t.counts.ravel() for t in tables]).astype(float)
    hidden = np.concatenate([t.suppressed.ravel() for t in tables])
    lower = np.where(hidden, 0.0, values)
    upper = np.where(hidden, np.inf, values)
    return sizes, np.array(eq), np.array(ub), lower, upper, values, hidden


def widths(tables, integer=False):
    """{cell: (min, max)} for every hidden cell."""
    size, a_eq, a_ub, lower, upper, values, hidden = attacker(tables)
    out = {}
    for cell in np.flatnonzero(hidden):
        found = []
        for sign in (1.0, -1.0):
            objective = np.zeros(size)
            objective[cell] = sign
            if integer:
                result = milp(objective, integrality=np.ones(size),
                              constraints=[LinearConstraint(a_eq, 0, 0), LinearConstraint(a_ub, -np.inf, 0)],
                              bounds=Bounds(lower, upper))
            else:
                result = linprog(objective, A_ub=a_ub, b_ub=np.zeros(len(a_ub)), A_eq=a_eq, b_eq=np.zeros(len(a_eq)),
                                 bounds=list(zip(lower, [None if u == np.inf else u for u in upper])), method="highs")
            if result.status == 3 or (integer and result.status == 4):
                found.append(np.inf)
                continue
            assert result.status == 0, result.message
            found.append(sign * result.fun)
        out[cell] = (found[0], found[1])
        assert found[0] <= values[cell] <= found[1]  # the truth is always inside
    return out


def protected(count, seed):
    tables = build_tables(records_from_reports(generate(count, seed=seed)))
    suppress(tables, K)
    return tables


@pytest.mark.parametrize(("count", "seed"), [(120, 7), (2000, 9)])
def test_every_hidden_cell_keeps_an_interval_at_least_k_wide(count, seed):
    tables = protected(count, seed)
    for table in tables:  # every small cell is hidden, and nothing else is hidden needlessly small
        small = (table.counts > 0) & (table.counts < K)
        assert not (small & ~table.suppressed).any()
    found = widths(tables)
    assert found, "the data must have small cells for this test to mean anything"
    narrow = {cell: bounds for cell, bounds in found.items() if bounds[1] - bounds[0] < K - 1e-6}
    assert narrow == {}


def test_whole_number_attacker_is_no_better_on_a_small_publication():
    tables = protected(120, 7)
    found = widths(tables, integer=True)
    assert all(high - low >= K for low, high in found.values())


def test_primary_suppression_alone_would_leak():
    tables = build_tables(records_from_reports(generate(150, seed=8)))
    for table in tables:
        if table.key != TOTAL:
            table.suppressed |= (table.counts > 0) & (table.counts < K)
    found = widths(tables)
    assert any(high - low < K for low, high in found.values())


def test_fewer_than_k_cases_publish_nothing():
    tables = build_tables(records_from_reports(generate(5, seed=1))[:4])
    with pytest.raises(CannotProtect):
        suppress(tables, K)


def test_k_is_configurable():
    tables = build_tables(records_from_reports(generate(150, seed=8)))
    suppress(tables, 10)
    for table in tables:
        assert not ((table.counts > 0) & (table.counts < 10) & ~table.suppressed).any()
    assert all(high - low >= 10 - 1e-6 for low, high in widths(tables).values())
