"""Fixtures for the crypto-core tests (tests/keys/).

The project root goes on ``sys.path`` here so ``import keys`` finds the
package when pytest is started as ``.venv/bin/pytest`` (which, unlike
``python -m pytest``, does not add the working directory).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from keys import SecretKey  # noqa: E402


@pytest.fixture(scope="session")
def alice() -> SecretKey:
    """A fresh random reviewer key."""
    return SecretKey.generate("Alice")


@pytest.fixture(scope="session")
def bob() -> SecretKey:
    """A second reviewer key."""
    return SecretKey.generate("Bob")


@pytest.fixture(scope="session")
def carol() -> SecretKey:
    """A key that is never a recipient."""
    return SecretKey.generate("Carol")
