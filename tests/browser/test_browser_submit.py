"""The report form in real Chromium against a live gunicorn, in three modes.

Every sample report (tests/support/samples.py) with its attachments, plus a
generated file with a canary, is sent through the form by a real browser:

- ``wasm``: JavaScript with WebAssembly; the browser seals (20 MB file);
- ``jitless``: JavaScript without JIT or WebAssembly (``--js-flags=--jitless``,
  like Tor Browser "Safer"); the browser seals with libsodium's pure-JS build,
  which manages about 1 MB/s, so this mode's generated file is 4 MB instead
  of 20 to keep the suite within its time budget;
- ``nojs``: JavaScript off (Tor Browser "Safest"); the server seals (20 MB file).

In the JavaScript modes every request body the browser sent is captured and
must contain no canary and no file name; no plaintext form is posted. Then the
operator exports and the reviewer imports offline: every canary and every
file's SHA-256 must come back exactly, from all three modes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

import pytest

from tests.browser.chromium import (
    MODES, Sent, export_and_review, fill_and_send, installation, launch, new_page, require_chromium,
)
from tests.support.live import gunicorn
from tests.support.samples import BINARY_CANARIES, all_reports

pytestmark = pytest.mark.live

BIG_MB = {"wasm": 20, "jitless": 4, "nojs": 20}
EXPECTED = {"wasm": ("wasm", "browser"), "jitless": ("js", "browser"), "nojs": (None, None)}


def _big_file(path: Path, size: int, canary: bytes) -> str:
    """Random bytes with ``canary`` at the start, middle and end; returns the SHA-256."""
    body = bytearray(secrets.token_bytes(size))
    for offset in (0, size // 2, size - len(canary)):
        body[offset : offset + len(canary)] = canary
    path.write_bytes(body)
    return hashlib.sha256(body).hexdigest()


@pytest.fixture(scope="module")
def run(tmp_path_factory, reviewer):
    """Submit every sample in every mode once; export; import as the reviewer."""
    sync_api = require_chromium()
    base = tmp_path_factory.mktemp("browser")
    env = installation(base, reviewer)
    samples = all_reports()
    token = secrets.token_hex(6)
    sent = {mode: Sent() for mode in MODES}
    submitted = []  # (mode, description, canary, [(file name, sha256)])
    with gunicorn(env, base / "logs") as url, sync_api.sync_playwright() as playwright:
        for mode in MODES:
            canary = f"CANARY-FILE-{mode}-{token}".encode()
            big = base / f"CANARY-NAME-{mode}-{token}-grabación.bin"
            big_sha = _big_file(big, BIG_MB[mode] * 1024 * 1024, canary)
            browser = launch(playwright, mode)
            try:
                for index, sample in enumerate(samples):
                    files = list(sample.attachments) + ([big] if index == 0 else [])
                    fields = dict(sample.fields)
                    fields["description"] = f"{fields['description']}\n[{mode}]"
                    context, page = new_page(browser, mode, sent[mode])
                    facts = fill_and_send(page, url, fields, files, javascript=mode != "nojs")
                    sent[mode].build, sent[mode].sealing = facts
                    context.close()
                    hashes = [(path.name, big_sha if path == big else hashlib.sha256(path.read_bytes()).hexdigest())
                              for path in files]
                    submitted.append((mode, fields["description"], sample.canary, hashes, canary))
            finally:
                browser.close()
    imported, cases = export_and_review(env, base, reviewer)
    return {"sent": sent, "submitted": submitted, "cases": cases, "import": imported, "token": token, "samples": samples}


def _cases(run) -> dict[str, tuple[Path, dict]]:
    found = {}
    for case in sorted(run["cases"].iterdir()):
        if case.is_dir() and not case.name.startswith(("_", ".")):
            report = json.loads((case / "report.json").read_text("utf-8"))
            found[report["fields"]["description"].replace("\r\n", "\n")] = (case, report)
    return found


def test_every_submission_imports(run):
    assert run["import"].returncode == 0, run["import"].stderr
    assert len(_cases(run)) == len(run["submitted"]) == 3 * len(run["samples"])


def test_every_path_writes_the_same_answers_and_names_the_questionnaire(run):
    """JavaScript on (browser-sealed) and off (server-sealed) build one report document from the questionnaire."""
    from intake.questionnaire import load_default

    cases = _cases(run)
    answers: dict[str, set] = {}
    for mode, description, canary, _hashes, _file_canary in run["submitted"]:
        _case, report = cases[description]
        assert report["questionnaire"] == load_default().ref()
        fields = dict(report["fields"])
        fields["description"] = fields["description"].rsplit("\n[", 1)[0]
        assert list(fields) == [q.id for q in load_default().questions() if q.kind != "files"]
        answers.setdefault(canary, set()).add(json.dumps(fields, sort_keys=True, ensure_ascii=False))
    assert len(answers) == len(run["samples"])
    assert all(len(found) == 1 for found in answers.values())


@pytest.mark.parametrize("mode", list(MODES))
def test_the_page_says_which_path_and_build_ran(run, mode):
    sent = run["sent"][mode]
    assert (sent.build, sent.sealing) == EXPECTED[mode]


@pytest.mark.parametrize("mode", list(MODES))
def test_every_canary_and_file_hash_comes_back_exactly(run, mode):
    cases = _cases(run)
    for sub_mode, description, canary, hashes, file_canary in run["submitted"]:
        if sub_mode != mode:
            continue
        case, report = cases[description]
        assert canary in report["fields"]["description"]
        assert report["sealed_by"] == ("server" if mode == "nojs" else "browser")
        assert [entry["filename"] for entry in report["attachments"]] == [name for name, _ in hashes]
        hash_key = "sha256" if mode == "nojs" else "blake2b_256"
        assert all(hash_key in entry for entry in report["attachments"])
        on_disk = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in (case / "attachments").iterdir()) \
            if hashes else []
        assert on_disk == sorted(digest for _, digest in hashes)
        data = b"".join(p.read_bytes() for p in (case / "attachments").iterdir()) if hashes else b""
        if any(name.startswith("CANARY-NAME") for name, _ in hashes):
            assert file_canary in data
            assert {n for n, c in BINARY_CANARIES.items() if c in data} == {
                n for n, _ in hashes if n in BINARY_CANARIES}


@pytest.mark.parametrize("mode", ["wasm", "jitless"])
def test_no_request_body_holds_any_plaintext(run, mode):
    sent = run["sent"][mode]
    needles = [canary.encode() for m, _, canary, _, _ in run["submitted"] if m == mode]
    needles += list(BINARY_CANARIES.values())
    needles += [f"CANARY-FILE-{mode}-{run['token']}".encode(), run["token"].encode()]
    needles += [name.encode() for m, _, _, hashes, _ in run["submitted"] if m == mode for name, _ in hashes]
    needles += ["grabación".encode()]
    puts = [body for method, url, body in sent.bodies if method == "PUT"]
    assert puts and all(body is not None and len(body) > 0 for body in puts)
    assert not [url for method, url, _ in sent.bodies if method == "POST" and url.endswith("/submit") and "/upload/" not in url]
    for method, url, body in sent.bodies:
        for needle in needles:
            assert body is None or needle not in body, (method, url, needle)
