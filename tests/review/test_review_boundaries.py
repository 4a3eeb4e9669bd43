"""review/ never imports the intake or a network client library (DESIGN.md),
and the terminal commands do not load the workspace's web framework."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("intake", "requests", "urllib3", "httpx", "aiohttp", "urllib.request", "http.client",
             "smtplib", "ftplib", "socket", "ssl", "stem")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_review_imports_no_intake_and_no_network_client():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imports(path)
                                            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN))
        for path in (ROOT / "review").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_terminal_commands_do_not_load_flask():
    code = "import sys, review.cli; print(sorted(m for m in ('flask', 'werkzeug', 'PIL', 'magic') if m in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert shown.stdout.strip() == "[]"
