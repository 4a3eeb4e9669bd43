"""Small-cell suppression, with complementary suppression proved by linear programming.

Every published cell, margin and total is a linear fact about the hidden
cells: a single-valued question's cells add up to the total; a cross-tab's
rows and columns add up to the one-way tables of its two questions; in a
multiple-choice cross-tab each code's cells add up to that code's one-way
cell, and per column no code exceeds the column's cases minus those who
gave no code, and the codes together cover them. :func:`constraints` writes
these facts down; :func:`interval` solves, for one suppressed cell, the
smallest and largest value it can take given every published number
(``scipy.optimize.linprog``, HiGHS) — the attacker's best linear inference,
as in tau-ARGUS's audit of linked tables.

:func:`suppress` suppresses every cell from 1 to k-1 (primary), then, while
some suppressed cell's interval is narrower than k, also suppresses the
smallest published cell that shares a fact with it (complementary). Making
a published cell unknown only relaxes the problem, so intervals never
shrink and the loop ends; when it does, every suppressed cell can take any
value in a range at least k wide.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np
from scipy.optimize import linprog

from . import DEFAULT_K
from .tables import TOTAL, Table

__all__ = ["DEFAULT_K", "Auditor", "CannotProtect", "Cells", "constraints", "suppress"]
EQ, LE = "eq", "le"


class CannotProtect(ValueError):
    """There are fewer than k cases in total: nothing can be published."""


class Cells:
    """All cells of all tables as one vector; ``where[i]`` = (table, flat index)."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = list(tables)
        self.offset: dict[str, int] = {}
        self.where: list[tuple[Table, int]] = []
        for table in self.tables:
            self.offset[table.key] = len(self.where)
            self.where.extend((table, i) for i in range(table.counts.size))
        self.values = np.concatenate([t.counts.ravel() for t in self.tables]).astype(float)

    def id(self, table: Table, i: int, j: int | None = None) -> int:
        """The global id of cell (i) or (i, j) of ``table``."""
        flat = i if j is None else i * len(table.col_codes) + j
        return self.offset[table.key] + flat

    def suppressed(self) -> np.ndarray:
        """The current suppression mask over all cells."""
        return np.concatenate([t.suppressed.ravel() for t in self.tables])

    def set(self, cell: int) -> None:
        """Suppress one cell."""
        table, flat = self.where[cell]
        table.suppressed.reshape(-1)[flat] = True


def constraints(cells: Cells) -> list[tuple[dict[int, float], str]]:
    """The linear facts linking the cells: (coefficients by cell id, "eq" | "le"), each ``sum ... (=|<=) 0``."""
    by_key = {t.key: t for t in cells.tables}
    total = cells.id(by_key[TOTAL], 0)
    facts: list[tuple[dict[int, float], str]] = []
    for table in cells.tables:
        if table.key == TOTAL:
            continue
        if table.cols is None:
            n = len(table.row_codes)
            ids = [cells.id(table, i) for i in range(n)]
            if table.rows.kind != "multi":
                facts.append(({**{c: 1.0 for c in ids}, total: -1.0}, EQ))
            else:
                none = ids[-1]
                for c in ids[:-1]:
                    facts.append(({c: 1.0, none: 1.0, total: -1.0}, LE))
                facts.append(({**{c: -1.0 for c in ids}, total: 1.0}, LE))
            continue
        rows, cols = by_key[table.rows.id], by_key[table.cols.id]
        nr, nc = len(table.row_codes), len(table.col_codes)
        for i in range(nr):
            facts.append(({**{cells.id(table, i, j): 1.0 for j in range(nc)}, cells.id(rows, i): -1.0}, EQ))
        for j in range(nc):
            column = cells.id(cols, j)
            if table.rows.kind != "multi":
                facts.append(({**{cells.id(table, i, j): 1.0 for i in range(nr)}, column: -1.0}, EQ))
                continue
            none = cells.id(table, nr - 1, j)
            for i in range(nr - 1):
                facts.append(({cells.id(table, i, j): 1.0, none: 1.0, column: -1.0}, LE))
            facts.append(({**{cells.id(table, i, j): -1.0 for i in range(nr)}, column: 1.0}, LE))
    return facts


class Auditor:
    """Solves the interval of a suppressed cell given everything published."""

    def __init__(self, cells: Cells) -> None:
        self.cells = cells
        self.facts = constraints(cells)
        self.touching: dict[int, list[int]] = defaultdict(list)
        for index, (coefs, _sense) in enumerate(self.facts):
            for cell in coefs:
                self.touching[cell].append(index)

    def _component(self, cell: int, hidden: np.ndarray) -> tuple[list[int], list[int]]:
        """Suppressed cells linked to ``cell`` through facts, and those facts."""
        seen, facts, queue = {cell}, set(), [cell]
        while queue:
            current = queue.pop()
            for index in self.touching[current]:
                if index in facts:
                    continue
                facts.add(index)
                for other in self.facts[index][0]:
                    if hidden[other] and other not in seen:
                        seen.add(other)
                        queue.append(other)
        return sorted(seen), sorted(facts)

    def interval(self, cell: int, hidden: np.ndarray | None = None) -> tuple[float, float]:
        """(min, max) of ``cell`` over all non-negative values of the suppressed
        cells consistent with every published cell (``inf`` if unbounded)."""
        hidden = self.cells.suppressed() if hidden is None else hidden
        variables, facts = self._component(cell, hidden)
        column = {c: k for k, c in enumerate(variables)}
        a_eq, b_eq, a_ub, b_ub = [], [], [], []
        for index in facts:
            coefs, sense = self.facts[index]
            row = np.zeros(len(variables))
            constant = 0.0
            for other, coef in coefs.items():
                if hidden[other]:
                    row[column[other]] += coef
                else:
                    constant += coef * self.cells.values[other]
            (a_eq if sense == EQ else a_ub).append(row)
            (b_eq if sense == EQ else b_ub).append(-constant)
        bounds = []
        for _ in range(2):
            objective = np.zeros(len(variables))
            objective[column[cell]] = 1.0 if not bounds else -1.0
            result = linprog(objective, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                             A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None,
                             bounds=[(0, None)] * len(variables), method="highs")
            if result.status == 3:  # unbounded
                bounds.append(float("inf"))
            elif result.status != 0:
                raise RuntimeError(f"the audit could not solve a cell's interval: {result.message}")
            else:
                bounds.append(result.fun if not bounds else -result.fun)
        return bounds[0], bounds[1]

    def neighbours(self, cell: int) -> list[int]:
        """Cells that share a fact with ``cell``."""
        return sorted({other for index in self.touching[cell] for other in self.facts[index][0]} - {cell})


def suppress(tables: Sequence[Table], k: int = DEFAULT_K) -> Auditor:
    """Suppress primary cells (1..k-1) and enough complementary cells that every suppressed
    cell's interval is at least ``k`` wide. Marks ``Table.suppressed``; returns the auditor.

    :raises CannotProtect: if there are fewer than ``k`` cases in total (the
        total itself would be disclosive), or no complement can widen a cell.
    """
    cells = Cells(tables)
    total = cells.values[cells.offset[TOTAL]]
    if total < k:
        raise CannotProtect(f"only {int(total)} consenting cases; at least {k} are needed to publish anything")
    for table in tables:
        if table.key != TOTAL:
            table.suppressed |= (table.counts > 0) & (table.counts < k)
    auditor = Auditor(cells)
    queue = list(np.flatnonzero(cells.suppressed()))
    while queue:
        cell = queue.pop(0)
        while True:
            hidden = cells.suppressed()
            low, high = auditor.interval(cell, hidden)
            if high - low >= k - 1e-6:
                break
            complement = _complement(auditor, cell, hidden)
            cells.set(complement)
            queue.append(complement)
    return auditor


def _complement(auditor: Auditor, cell: int, hidden: np.ndarray) -> int:
    """The published cell to suppress next, never the grand total.

    Among published cells in the facts that bind ``cell``'s linked
    suppressed cells, prefer the one in the most of those facts (it closes
    a rectangle, the classic pattern that frees a row and a column at
    once), then a non-zero one, then the smallest.
    """
    total = auditor.cells.offset[TOTAL]
    _variables, facts = auditor._component(cell, hidden)
    count: dict[int, int] = defaultdict(int)
    for index in facts:
        for other in auditor.facts[index][0]:
            if not hidden[other] and other != total:
                count[other] += 1
    if not count:
        raise CannotProtect("a small cell cannot be protected by suppressing others")
    values = auditor.cells.values
    return min(count, key=lambda c: (-count[c], values[c] == 0, values[c], c))
