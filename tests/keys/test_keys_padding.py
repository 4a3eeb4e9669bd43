"""Padmé (Nikitin et al., PURBs, PETS 2019, Algorithm 1) as used for chunk counts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from keys.padding import padme


def paper_padme(length: int) -> int:
    """Algorithm 1 of the paper, transcribed literally (floats are exact here)."""
    exponent = math.floor(math.log2(length))
    size_bits = math.floor(math.log2(exponent)) + 1
    last_bits = exponent - size_bits
    bit_mask = (1 << last_bits) - 1
    return (length + bit_mask) & ~bit_mask


@pytest.mark.parametrize(
    ("length", "padded"),
    [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (7, 7), (8, 8), (9, 10), (10, 10), (11, 12),
     (13, 14), (16, 16), (17, 18), (33, 36), (65, 72), (100, 104), (129, 144), (257, 272),
     (1000, 1024), (1025, 1088), (65537, 67584)],
)
def test_known_values(length, padded):
    assert padme(length) == padded


def test_matches_the_paper_for_small_lengths():
    for length in range(2, 1 << 16):
        assert padme(length) == paper_padme(length)


@given(st.integers(min_value=2, max_value=1 << 60))
def test_properties(length):
    padded = padme(length)
    assert padded >= length
    assert padme(padded) == padded
    assert (padded - length) / length < 0.12
    # only the top floor(log2 E) + 1 bits below the leading one may be set
    exponent = length.bit_length() - 1
    last_bits = exponent - exponent.bit_length()
    assert padded % (1 << last_bits) == 0


def test_monotone():
    values = [padme(n) for n in range(5000)]
    assert values == sorted(values)


def test_negative_is_refused():
    with pytest.raises(ValueError):
        padme(-1)
