"""docs/FORMAT.md's tables of test vectors ("Test vectors", "V2 vectors") name
exactly the files in tests/vectors/, each with the ``expect`` the file carries,
so an implementation written from the text alone runs the same cases."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.vectors import parse_vector

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
ROW = re.compile(r"^\| `([a-z0-9_]+)` \| ([a-z ]+) \|", re.M)


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    doc = (ROOT / "docs" / "FORMAT.md").read_text("utf-8")
    section = doc.split("\n## Test vectors\n", 1)[1].split("\n## ", 1)[0]
    v1, v2 = section.split("\n### V2 vectors\n", 1)
    cases = [part.split("\n| case | expect |", 1)[1] for part in (v1, v2)]
    return dict(ROW.findall(cases[0])), dict(ROW.findall(cases[1]))


def _files(prefix: str) -> dict[str, str]:
    found = {}
    for path in sorted(VECTORS.glob(prefix + "*")):
        if path.suffix:
            continue
        fields, _ = parse_vector(path.read_bytes(), {"expect", "identity", "identity-kind", "payload-size",
                                                     "payload-sha256", "comment"})
        found[path.name.removeprefix(prefix)] = fields["expect"]
    return found


def test_the_v1_table_is_the_v1_files():
    v1, _ = _tables()
    assert len(v1) == 38
    assert v1 == _files("envelope_")


def test_the_v2_table_is_the_v2_files():
    _, v2 = _tables()
    assert len(v2) == 20
    assert v2 == _files("envelope2_")
