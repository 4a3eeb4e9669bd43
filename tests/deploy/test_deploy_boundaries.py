"""Which of the project's packages imports which (DESIGN.md, "Layout").

DESIGN.md's table: intake imports keys; review imports keys and never intake;
deploy imports intake and keys. One exception is the project's decision since
the backup tool learnt Spanish and English (stop 10): ``deploy/backup`` also
imports review's language and passphrase modules (its gettext catalogs, the
zxcvbn judgement of a new passphrase, the language choice and the error type
that judgement raises), so an operator meets the same words and the same
passphrase rule as a reviewer. Nothing else of review, and nothing of review
outside ``deploy/backup``. review still imports neither intake nor deploy
(tests/review/test_review_boundaries.py). The map below is the whole graph:
a new edge fails this test until this docstring and OPERATIONS.md say why.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("deploy", "intake", "keys", "review")

EXPECTED = {
    "deploy": {"intake", "intake.errors", "keys", "review.errors", "review.i18n", "review.passphrase",
               "review.render"},
    "intake": {"keys", "keys.envelope2", "keys.padding", "keys.stream"},
    "keys": set(),
    "review": {"keys", "keys.receipt"},
}
REVIEW_IN_DEPLOY_ONLY_UNDER = "deploy/backup/"


def _project_imports(package: str) -> dict[str, set[str]]:
    """{file path relative to the root: the other project packages' modules it imports}."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        others = {name for name in names if name.split(".")[0] in PACKAGES and name.split(".")[0] != package}
        if others:
            found[str(path.relative_to(ROOT))] = others
    return found


def test_the_packages_import_each_other_only_as_the_layout_says():
    graph = {package: set().union(*_project_imports(package).values()) for package in PACKAGES}
    assert graph == EXPECTED


def test_deploy_uses_review_only_in_the_backup_tool():
    users = {path for path, names in _project_imports("deploy").items()
             if any(name.split(".")[0] == "review" for name in names)}
    assert users == {"deploy/backup/archive.py", "deploy/backup/cli.py", "deploy/backup/database.py",
                     "deploy/backup/errors.py", "deploy/backup/install.py"}
    assert all(path.startswith(REVIEW_IN_DEPLOY_ONLY_UNDER) for path in users)
