"""Supply chain: every dependency locked with hashes, none with a known vulnerability.

The hand-edited lists (``requirements.in``, ``requirements-test.in``) pin the
direct dependencies; ``tools/lock.sh`` (pip-tools' ``pip-compile
--generate-hashes``) turns them into the locks (``requirements.txt``,
``requirements-test.txt``) that pin every dependency, transitive ones
included, with the SHA-256 of each of its files; ``scripts/setup-venv.sh``
installs them with ``--require-hashes``.

``pip-audit --strict`` fails when a locked version has a published
vulnerability, and also when it cannot audit a dependency (the vulnerability
service unreachable: on this project's machines and in its CI only a PyPI
mirror is reachable, which serves project pages but not the per-version data
pip-audit asks for). For what pip-audit could not audit, the test falls back
to PyPI's project JSON, whose ``vulnerabilities`` list describes the latest
release: a pin equal to the latest release is checked there and fails on any
entry; an older pin that nothing could audit is reported in the skip reason,
never silently passed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"
LOCKS = {"requirements.txt": "requirements.in", "requirements-test.txt": "requirements-test.in"}
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[0-9][0-9A-Za-z.+!-]*$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


def _normal(name: str) -> str:
    """PEP 503 normal form of a project name, without extras."""
    return re.sub(r"[-_.]+", "-", re.sub(r"\[.*\]", "", name)).lower()


def _entries(name: str) -> list[list[str]]:
    """The requirement entries of a requirements file: each a list of tokens
    (``["flask==3.1.3", "--hash=sha256:…", …]``), continuation lines joined,
    comments and ``-r`` / ``-c`` lines left out."""
    text = (ROOT / name).read_text(encoding="utf-8").replace("\\\n", " ")
    entries = []
    for line in text.splitlines():
        tokens = line.split("#", 1)[0].split()
        if tokens and tokens[0] not in ("-r", "-c"):
            entries.append(tokens)
    return entries


def _pins(name: str) -> dict[str, str]:
    """``{normal name: version}`` of a requirements file."""
    return {_normal(tokens[0].split("==")[0]): tokens[0].split("==")[1] for tokens in _entries(name)}


@pytest.mark.parametrize("name", sorted(LOCKS.values()))
def test_every_direct_requirement_is_pinned_exactly(name):
    entries = _entries(name)
    assert entries, name
    assert [tokens for tokens in entries if len(tokens) != 1 or not PIN.match(tokens[0])] == []


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_every_locked_requirement_is_pinned_with_hashes(name):
    entries = _entries(name)
    assert len(entries) > len(_entries(LOCKS[name])), "the lock lists the transitive dependencies too"
    unhashed = [tokens[0] for tokens in entries
                if not PIN.match(tokens[0]) or len(tokens) < 2 or not all(HASH.match(t) for t in tokens[1:])]
    assert unhashed == []


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_each_lock_holds_the_versions_its_list_asks_for(lock):
    """A .in edited without re-running tools/lock.sh fails here."""
    locked = _pins(lock)
    wanted = _pins(LOCKS[lock])
    if lock == "requirements-test.txt":
        wanted |= _pins("requirements.in")
    assert {name: locked.get(name) for name in wanted} == wanted


def test_tests_run_on_the_runtime_lock_versions():
    runtime, test = _pins("requirements.txt"), _pins("requirements-test.txt")
    assert {name: test.get(name) for name in runtime} == runtime


def test_setup_installs_the_lock_with_hashes_and_the_project_without_dependencies():
    """Every ``pip install`` in scripts/setup-venv.sh: a lock with --require-hashes,
    or Resguardo itself with --no-deps."""
    script = (ROOT / "scripts" / "setup-venv.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    installs = [line for line in script.splitlines() if "pip install" in line and not line.lstrip().startswith("#")]
    assert installs
    for line in installs:
        assert ("--require-hashes" in line and " -r " in line) or ("--no-deps" in line and " -e ." in line), line


def _audit(name: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PIP_AUDIT), "-r", name, "--require-hashes", "--disable-pip", "--progress-spinner", "off", *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_no_known_vulnerability(name):
    """``pip-audit -r LOCK --require-hashes --strict``: the lock lists every dependency, so it audits exactly them."""
    strict = _audit(name, "--strict")
    if strict.returncode == 0:
        return
    report = _audit(name, "--format", "json")
    try:
        dependencies = json.loads(report.stdout)["dependencies"]
    except (ValueError, KeyError):
        dependencies = None
    if dependencies is not None:
        vulnerable = {f"{d['name']}=={d['version']}": [v["id"] for v in d["vulns"]] for d in dependencies if d.get("vulns")}
        assert vulnerable == {}, f"known vulnerabilities: {vulnerable}"
        unaudited = [f"{d['name']}: {d['skip_reason']}" for d in dependencies if d.get("skip_reason")]
    else:
        unaudited = [strict.stderr.strip()[-500:]]
    still_unaudited = _fallback_check(name)
    if still_unaudited:
        pytest.skip(f"pip-audit could not audit {name} ({unaudited[:2]}); nothing could audit: {still_unaudited}")


def _project_json(package: str) -> dict | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{package}/json", timeout=30) as response:
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _fallback_check(name: str) -> list[str]:
    """Check pins equal to the latest release against PyPI's project JSON.

    :returns: the pins nothing could audit (older than latest, or PyPI unreachable).
    :raises AssertionError: if a pinned latest release has a listed vulnerability.
    """
    unaudited = []
    vulnerable = {}
    for package, version in _pins(name).items():
        data = _project_json(package)
        if data is None or data["info"]["version"] != version:
            unaudited.append(f"{package}=={version}")
            continue
        ids = [entry.get("id") for entry in data.get("vulnerabilities", [])]
        if ids:
            vulnerable[f"{package}=={version}"] = ids
    assert vulnerable == {}, f"known vulnerabilities: {vulnerable}"
    return unaudited
