"""Run the JavaScript tests (``node --test tests/js/``) as part of the Python suite.

They cover intake/static/js/envelope.js and seal-worker.js with the committed
vendored libsodium: the envelope vectors, round trips, and interoperability
with keys/ (they call this interpreter, passed as ``RESGUARDO_PYTHON``). They
need node >= 20 and no ``npm install``. Skipped only when node is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_node_test_runner_passes():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    major = int(version.strip().lstrip("v").split(".")[0])
    assert major >= 20, f"the JS tests need node >= 20 (package.json engines), found {version.strip()}"
    env = {**os.environ, "RESGUARDO_PYTHON": sys.executable}
    result = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = "\n".join(
        line for line in result.stdout.splitlines() if line.startswith(("not ok", "# "))
    )
    assert result.returncode == 0, f"{summary}\n{result.stderr[-4000:]}"
