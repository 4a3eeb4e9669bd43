"""keys/ imports PyNaCl, ``cryptography`` and the standard library only (DESIGN.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_THIRD_PARTY = {"nacl", "cryptography"}


def _top_level_imports() -> dict[str, set[str]]:
    """{path under keys/: top-level names of every absolute import in it}."""
    found = {}
    for path in sorted((ROOT / "keys").rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_keys_imports_only_pynacl_cryptography_and_the_standard_library():
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {"keys", "__future__"}
    offenders = {path: sorted(names - allowed) for path, names in _top_level_imports().items() if names - allowed}
    assert offenders == {}


def test_the_check_sees_the_libraries_keys_uses():
    used = set().union(*_top_level_imports().values())
    assert {"nacl", "cryptography"} <= used  # the walk reads the real files, not nothing


def test_keys_takes_only_ml_kem_from_cryptography():
    """Issue 9 item 1: keys/ may import ``cryptography`` for ML-KEM-768, nothing else new."""
    taken = set()
    for path in sorted((ROOT / "keys").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                taken |= {alias.name for alias in node.names if alias.name.split(".")[0] == "cryptography"}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("cryptography"):
                taken |= {f"{node.module}.{alias.name}" for alias in node.names}
    assert taken == {"cryptography.hazmat.primitives.asymmetric.mlkem"}
