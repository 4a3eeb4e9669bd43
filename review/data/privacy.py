"""Optional differential privacy: Laplace noise on every published count, through OpenDP.

With a total budget ε, each published table (the total included) gets an
equal share ε_t = ε / number of tables, and its count vector receives
OpenDP's Laplace mechanism (``opendp.measurements.make_laplace``; on
integers it is the discrete Laplace, or geometric, mechanism) with scale
Δ_t / ε_t, where Δ_t is the table's L1 sensitivity: how many of its cells
one case can change by one (1 for a single-answer question, the number of
codes for a multiple-choice one). OpenDP's privacy map then states the ε
each table actually spends, which is what is printed. By sequential
composition the whole publication spends at most the sum. Negative noisy
counts are shown as 0 (post-processing, which costs no privacy).

OpenDP marks this constructor as "contrib" (not yet formally vetted by its
maintainers); :func:`laplace` turns that feature on.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .tables import Table


def laplace(scale: float):
    """An OpenDP measurement adding discrete Laplace noise of ``scale`` to a vector of integers."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    return dp.m.make_laplace(*space, scale=float(scale))


def add_noise(tables: Sequence[Table], epsilon: float) -> float:
    """Give every table noisy counts (``Table.noisy``) and its ε (``Table.epsilon``).

    :param epsilon: the total budget, > 0.
    :returns: the total ε spent (sum of the tables' ε, as OpenDP's maps state it).
    :raises ValueError: if ``epsilon`` is not positive.
    """
    if not epsilon > 0:
        raise ValueError("epsilon must be positive")
    share = epsilon / len(tables)
    spent = 0.0
    for table in tables:
        measurement = laplace(table.sensitivity / share)
        noisy = np.array(measurement([int(v) for v in table.counts.ravel()]), dtype=np.int64)
        table.noisy = np.maximum(noisy, 0).reshape(table.counts.shape)
        table.epsilon = float(measurement.map(table.sensitivity))
        spent += table.epsilon
    return spent
