"""docs/FORMAT.md's table of domain-separation labels ("every label of every
format; no other exists") names exactly the ``resguardo/vN/...`` labels the
code uses (keys/, intake/, review/, deploy/, the browser's JavaScript)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LABEL = re.compile(r"resguardo/v[0-9]+/[a-z0-9-]+")


def _code_labels() -> set[str]:
    found = set()
    for package in ("keys", "intake", "review", "deploy"):
        for path in (ROOT / package).rglob("*"):
            if path.suffix in (".py", ".js") and "vendor" not in path.parts:
                found |= set(LABEL.findall(path.read_text("utf-8")))
    return found


def _table_labels() -> set[str]:
    doc = (ROOT / "docs" / "FORMAT.md").read_text("utf-8")
    section = doc.split("Domain-separation labels", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and line.count("|") >= 4]
    return {label for row in rows for label in LABEL.findall(row.split("|")[2])}


def test_the_label_table_is_complete_and_has_nothing_else():
    assert len(_table_labels()) == 17
    assert _table_labels() == _code_labels()
