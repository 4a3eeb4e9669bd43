"""A questionnaire edited by an organisation, end to end without code changes (JavaScript off):
form, sealed report, bundle, review rendering, dataset column, statistics; reports made
with the version before still render and count."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from intake import create_app, reviewers
from intake.questionnaire import load, load_default
from review.bundle import Bundle
from review.cases import import_bundle
from review.data.dataset import rows
from review.data.records import load_records
from review.data.report import write_stats
from tests.intake.test_intake_questionnaire import EDITED
from tests.support.submit import csrf_token


def _submit(app, answers: list[dict]) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    for fields in answers:
        data = {"csrf_token": token, "description": "Nos amenazaron otra vez.", "attachments": [(io.BytesIO(b""), "")]}
        data.update(fields)
        assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 200


def _app():
    app = create_app()
    return app


@pytest.fixture
def edited_file(tmp_path):
    path = tmp_path / "edited.yaml"
    path.write_text(EDITED, encoding="utf-8")
    return path


def test_edited_questionnaire_travels_to_the_reviewer_and_into_the_numbers(env, reviewer, runner, edited_file,
                                                                          tmp_path, monkeypatch):
    setup = create_app(require_reviewers=False)
    with setup.app_context():
        reviewers.add(reviewer.secret.public_key)
    setup.extensions["resguardo.engine"].dispose()

    before = _app()  # the shipped questionnaire, version 2
    _submit(before, [{"consent_aggregate_statistics": "yes", "incident_types": ["death_threat"], "region": "puno",
                      "affected_gender": "woman"}] * 6)
    before.extensions["resguardo.engine"].dispose()

    monkeypatch.setenv("RESGUARDO_QUESTIONNAIRE", str(edited_file))
    after = _app()  # version 3: a new question and a new choice, no code changed
    _submit(after, [{"consent_aggregate_statistics": "yes", "protest_related": "yes", "incident_types": ["land_grab"],
                     "region": "puno", "affected_gender": "man"}] * 6)
    after.extensions["resguardo.engine"].dispose()

    result = runner(["export", "--out", str(tmp_path / "usb")])
    assert result.exit_code == 0, result.output
    bundle_path = next((tmp_path / "usb").glob("resguardo-bundle-*.tar"))
    edited, default = load(edited_file), load_default()
    with tarfile.open(bundle_path) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert f"questionnaires/{edited.sha256}.json" in names and f"questionnaires/{default.sha256}.json" in names
    assert {q["sha256"] for q in manifest["questionnaires"]} == {edited.sha256, default.sha256}

    cases = tmp_path / "cases"
    with Bundle(bundle_path) as bundle:
        summary = import_bundle(bundle, [reviewer.secret], cases, language="es")
    assert summary.count("imported") == 12
    texts = [p.read_text(encoding="utf-8") for p in sorted(cases.glob("*/report.txt"))]
    new = [t for t in texts if "¿Ocurrió durante una protesta?: Sí\n" in t]
    old = [t for t in texts if "Tipos de incidente: Amenaza de muerte\n" in t]
    assert len(new) == 6 and len(old) == 6
    assert all("Tipos de incidente: Despojo de tierras\n" in t and "Cuestionario: resguardo-default v3\n" in t for t in new)
    assert all("protest_related" not in t and "Cuestionario: resguardo-default v2\n" in t for t in old)

    records, seen = load_records(cases)
    assert seen == 12 and len(records) == 12
    columns, data = rows(records)
    assert "protest_related" in columns
    assert sorted(row["protest_related"] for row in data) == [""] * 6 + ["yes"] * 6

    published = write_stats(records, tmp_path / "stats", language="en", k=5)
    tables = {t.key: t for t in published.tables}
    assert dict(zip(tables["protest_related"].row_codes, tables["protest_related"].counts.tolist())) == {
        "yes": 6, "no": 0, "": 6}
    types = dict(zip(tables["incident_types"].row_codes, tables["incident_types"].counts.tolist()))
    assert types["land_grab"] == 6 and types["death_threat"] == 6
    html = (tmp_path / "stats" / "report.html").read_text(encoding="utf-8")
    assert "Did it happen during a protest?" in html and "Land grab" in html
