"""Differential privacy: the noise OpenDP adds matches the ε printed on each table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from review.data.privacy import add_noise, laplace
from review.data.records import records_from_reports
from review.data.report import write_stats
from review.data.synthetic import generate
from review.data.tables import build_tables

SAMPLES = 200_000


@pytest.mark.parametrize("epsilon", [0.5, 1.0])
def test_empirical_privacy_loss_matches_the_stated_epsilon(epsilon):
    # A one-way table of a single-answer question: one case moves one cell by 1 (sensitivity 1).
    measurement = laplace(1 / epsilon)
    assert measurement.map(1) == pytest.approx(epsilon)
    count = 40
    with_case = np.array(measurement([count + 1] * SAMPLES))
    without = np.array(measurement([count] * SAMPLES))
    # For the discrete Laplace mechanism, P[out <= c | c] / P[out <= c | c + 1] is exactly e^epsilon,
    # the largest ratio over any set of outputs: the privacy loss the stated epsilon bounds.
    loss = math.log(np.mean(without <= count) / np.mean(with_case <= count))
    assert loss == pytest.approx(epsilon, abs=0.05)
    spread = np.mean(np.abs(without - count))
    a = math.exp(-epsilon)
    assert spread == pytest.approx(2 * a / (1 - a * a), rel=0.03)  # mean |noise| of the discrete Laplace


def test_every_table_states_its_epsilon_and_they_add_up(tmp_path):
    records = records_from_reports(generate(500, seed=3))
    tables = build_tables(records)
    spent = add_noise(tables, 1.0)
    assert spent == pytest.approx(1.0)
    assert all(t.epsilon == pytest.approx(1.0 / len(tables)) for t in tables)
    result = write_stats(records, tmp_path, language="en", epsilon=2.0)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert result.epsilon_total == pytest.approx(2.0)
    assert html.count("ε of this table: ") == len(result.tables) - 1  # every table but the total, which is in the heading
    assert "total ε of this publication: 2" in html and "differential privacy" in html
    assert all((t.noisy >= 0).all() for t in result.tables)
