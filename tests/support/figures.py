"""Figures that tests measure, collected for the end-of-run summary.

Tests call :func:`record`; a ``pytest_terminal_summary`` hook prints them
even without ``-s``, so CI's own log carries the numbers.
"""

from __future__ import annotations

LINES: list[str] = []


def record(line: str) -> None:
    """Keep ``line`` for the summary and print it too (seen with ``-s``)."""
    LINES.append(line)
    print("\n" + line)
