"""Issue 9 item 3, the server side: the SQLite data directory of the release before
envelope v2 (d6ee689 = a93327f^, schema 0003), as that release left it after
exporting its one submission, is upgraded by today's ``resguardo init``
(docs/OPERATIONS.md, Upgrade); today's app then takes a fresh report, today's
``resguardo export`` bundles only that one, and today's ``review import`` opens it
beside the old release's bundle: two cases. The fixture is made by that release
(tests/review/fixtures/pre-v2/README.md); SQLite only, as it was made.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from intake import create_app, db
from intake.cli import main as resguardo_cli
from review.cli import main as review_main
from tests.support.samples import SAMPLES, parse_report
from tests.support.submit import csrf_token

FIXTURE = Path(__file__).resolve().parents[1] / "review" / "fixtures" / "pre-v2"
OLD_BUNDLE = FIXTURE / "resguardo-bundle-2026-12-02-0269aa72.tar"
OLD_SUBMISSION = "9e5858c15917e7118d7084fcc65aa333"
PDF_SHA256 = "d7fc99148fb00603d7d225b637ae856f349005fd02908f8b06ac72daad6f77bc"


def _schema(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_old_data_dir_upgrades_and_old_and_new_reports_both_import(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    shutil.copytree(FIXTURE / "data-dir", data)
    data.chmod(0o700)
    for path in [*data.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    assert _schema(data / "resguardo.db") == "0003"
    monkeypatch.setenv("RESGUARDO_DATA_DIR", str(data))
    monkeypatch.delenv("RESGUARDO_DATABASE_URL", raising=False)
    cli = CliRunner()

    upgraded = cli.invoke(resguardo_cli, ["init"], catch_exceptions=False)
    assert upgraded.exit_code == 0, upgraded.output
    assert _schema(data / "resguardo.db") == "0005"
    status = cli.invoke(resguardo_cli, ["status"], catch_exceptions=False)
    assert status.exit_code == 0
    assert "submissions waiting for export: 0" in status.output.splitlines()
    assert "submissions exported, not yet marked as read: 1" in status.output.splitlines()

    sample = parse_report(SAMPLES / "report-03-en-journalist.txt")
    app = create_app()
    try:
        client = app.test_client()
        form = {"csrf_token": csrf_token(client.get("/").get_data(as_text=True)), **sample.fields,
                "attachments": [(io.BytesIO(b""), "")]}
        assert client.post("/submit", data=form, content_type="multipart/form-data").status_code == 200
    finally:
        db.dispose(app)

    exported = cli.invoke(resguardo_cli, ["export", "--out", str(tmp_path / "usb")], catch_exceptions=False)
    assert exported.exit_code == 0, exported.output
    assert "1 submission, 1 item," in exported.output  # only the fresh one: the old one was exported before
    new_bundle = exported.output.split("bundle: ")[1].split()[0]

    key = tmp_path / "reviewer.secret-key"
    shutil.copyfile(FIXTURE / "pre-v2-test-reviewer.secret-key", key)
    key.chmod(0o600)
    cases = tmp_path / "cases"
    capsys.readouterr()
    for bundle in (OLD_BUNDLE, new_bundle):
        assert review_main(["import", str(bundle), "--key", str(key), "--out", str(cases),
                            "--passphrase-file", str(FIXTURE / "passphrase.txt"), "--lang", "en"]) == 0
    reports = {}
    for case in cases.iterdir():
        if case.is_dir() and not case.name.startswith(("_", ".")):
            report = json.loads((case / "report.json").read_text(encoding="utf-8"))
            reports[report["fields"]["description"]] = (case, report)
    old_sample = parse_report(SAMPLES / "report-02-es-criminalizacion.txt")
    assert sorted(reports) == sorted([old_sample.fields["description"], sample.fields["description"]])
    old_case, old_report = reports[old_sample.fields["description"]]
    assert old_report["submission_id"] == OLD_SUBMISSION
    pdf = (old_case / "attachments" / "denuncia-fiscalia.pdf").read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == PDF_SHA256
    assert reports[sample.fields["description"]][1]["attachments"] == []
