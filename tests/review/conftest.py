"""The review tool's tests read its messages in English unless a test asks
for Spanish: the tool's own default (no ``--lang``, a ``C`` locale) is Spanish."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
