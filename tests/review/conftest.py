"""The review tool's tests read its messages in English unless a test asks
for Spanish: the tool's own default (no ``--lang``, a ``C`` locale) is Spanish.
Each test module gets a reviewer key ``key`` ("Ana") and another, ``other_key``
("Beto"), both X25519 (a module may define its own instead)."""

from __future__ import annotations

import pytest

from keys import SecretKey


@pytest.fixture(scope="module")
def key() -> SecretKey:
    return SecretKey.generate("Ana")


@pytest.fixture(scope="module")
def other_key() -> SecretKey:
    return SecretKey.generate("Beto")


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
