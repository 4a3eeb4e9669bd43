"""The questionnaire file: validation with located errors, hashing, the form it drives."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from intake import create_app
from intake.config import ConfigError
from intake.questionnaire import QuestionnaireError, load, load_default, parse, shipped
from intake.questionnaire.schema import DEFAULT_FILE, SCHEMAS
from review.questionnaire.registry import BUILTIN
from tests.support.stored import open_submission, stored_submissions

V2 = DEFAULT_FILE.read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        parse(text, "q.yaml")
    return caught.value.problems


def test_shipped_questionnaires_are_valid_and_the_default_asks_danger_and_consent_first():
    versions = {(q.id, q.version) for q in shipped()}
    assert versions == {("resguardo-default", 1), ("resguardo-default", 2)}
    default = load_default()
    first = default.sections[0].questions
    assert [q.id for q in first] == ["immediate_danger", "consent_aggregate_statistics"]
    assert default.roles["statistics_consent"] == "consent_aggregate_statistics"
    regions = default.question("region").choices
    assert len([c for c in regions if c.code not in ("outside_peru", "withheld")]) == 26  # 24 + Callao + Lima split in 2


def test_review_ships_the_same_documents_byte_for_byte():
    for questionnaire in shipped():
        built = (BUILTIN / f"{questionnaire.id}-v{questionnaire.version}.json").read_bytes()
        assert built == questionnaire.canonical()
        assert hashlib.sha256(built).hexdigest() == questionnaire.sha256


def test_hash_is_of_the_canonical_form_not_of_the_formatting():
    reformatted = "# a new comment\n" + V2.replace("format_version: 1\n", "format_version:    1   # same\n")
    assert parse(reformatted).sha256 == load_default().sha256
    canonical = json.dumps(parse(V2).document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert parse(V2).sha256 == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert parse(V2.replace('en: "Woman"', 'en: "Women"')).sha256 != load_default().sha256


def test_a_bad_code_is_reported_with_its_line_and_path():
    text = V2.replace("{code: woman,", "{code: Woman,")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "code: Woman" in row)
    assert problems(text) == [
        f"q.yaml:{line}: sections[2].questions[0].choices[0].code: a choice code must match "
        "^[a-z0-9][a-z0-9_]{0,63}$, got 'Woman'"
    ]


def test_an_unquoted_no_is_caught_as_a_yaml_boolean():
    text = V2.replace('- {code: "no", label: {es: "No", en: "No"}}', "- {code: no, label: {es: \"No\", en: \"No\"}}", 1)
    [problem] = problems(text)
    assert "sections[0].questions[0].choices[3].code" in problem and "YAML boolean" in problem


def test_every_problem_is_reported_at_once():
    text = V2.replace("kind: region", "kind: place").replace('en: "Man"', 'fr: "Homme"')
    found = problems(text)
    assert any(re.search(r"sections\[1\]\.questions\[3\]\.kind: unknown kind 'place'", p) for p in found)
    assert any("sections[2].questions[0].choices[1].label.en: missing or empty text" in p for p in found)
    assert any("choices[1].label.fr: language 'fr' is not in 'languages'" in p for p in found)
    assert any("statistics.tables[2]: 'region' is not a choice" in p for p in found)


@pytest.mark.parametrize(("change", "where"), [
    (("id: immediate_danger", "id: description"), "duplicate question id 'description'"),
    (("    choices:\n      - {code: amazonas", "    choices:\n      - {code: amazonas, label: {es: x, en: x}}\n      - {code: amazonas"), "duplicate code 'amazonas'"),
    (("list: peru_regions", "list: chile_regions"), "no list named 'chile_regions'"),
    (("format_version: 1", "format_version: 2"), "format_version: must be 1"),
    (("version: 2\n", "version: 0\n"), "version: must be a whole number"),
    (("id: attachments", "id: files"), "the files question must have the id 'attachments'"),
    (("    - [affected_sector, affected_gender]", "    - [incident_types, perpetrator_types]"), "at most one of the two questions may be multiple_choice"),
])
def test_each_rule_is_enforced(change, where):
    text = V2.replace(*change, 1)
    assert text != V2
    assert any(where in problem for problem in problems(text))


def test_not_yaml_is_located():
    [problem] = problems("sections: [\n  {id: x\n")
    assert problem.startswith("q.yaml:") and "not valid YAML" in problem


def test_cli_check_prints_the_hash_or_every_problem(runner, tmp_path):
    good = runner(["questionnaire", "check", str(DEFAULT_FILE)])
    assert good.exit_code == 0
    assert f"sha256: {load_default().sha256}" in good.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(V2.replace("kind: region", "kind: place"), encoding="utf-8")
    result = runner(["questionnaire", "check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "sections[1].questions[3].kind: unknown kind 'place'" in result.output
    assert runner(["questionnaire", "check", str(tmp_path / "missing.yaml")]).exit_code == 5


def test_the_app_refuses_to_start_with_an_invalid_questionnaire(env, tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(V2.replace("kind: region", "kind: place"), encoding="utf-8")
    monkeypatch.setenv("RESGUARDO_QUESTIONNAIRE", str(bad))
    with pytest.raises(ConfigError, match=r"unknown kind 'place'"):
        create_app(require_reviewers=False)


def test_the_form_follows_the_questionnaire_with_the_csrf_token_first(client):
    html = client.get("/").get_data(as_text=True)
    form = html[html.index('<form method="post"'):]
    assert re.search(r"<form[^>]*>\s*<input[^>]*name=\"csrf_token\"", form)
    questions = re.findall(r'data-question="([a-z_]+)"', form)
    assert questions == [q.id for q in load_default().questions()]
    assert f'data-questionnaire-sha256="{load_default().sha256}"' in form
    assert "¿Usted u otra persona está en peligro inmediato ahora mismo?" in form
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Are you or someone else in immediate danger right now?" in english


def post(client, token, fields):
    data = {"csrf_token": token, "description": "Nos amenazaron.", "attachments": [(__import__("io").BytesIO(b""), "")]}
    data.update(fields)
    return client.post("/submit", data=data, content_type="multipart/form-data")


def test_answers_are_codes_and_dates_in_the_sealed_report(app, client, token, reviewer):
    response = post(client, token, {
        "immediate_danger": "others", "consent_aggregate_statistics": "yes",
        "incident_types": ["death_threat", "surveillance"], "date-year": "2025", "date-month": "03",
        "region": "cusco", "affected_gender": "woman", "affected_sector": "environmental_rights",
        "perpetrator_types": ["company"],
    })
    assert response.status_code == 200
    [submission] = stored_submissions(app)
    report, _ = open_submission(app, submission, reviewer.secret)
    assert report["questionnaire"] == {"id": "resguardo-default", "version": 2, "sha256": load_default().sha256}
    assert report["fields"] == {
        "immediate_danger": "others", "consent_aggregate_statistics": "yes", "description": "Nos amenazaron.",
        "incident_types": ["death_threat", "surveillance"], "date": "2025-03", "region": "cusco",
        "affected_gender": "woman", "affected_sector": "environmental_rights", "affected": "",
        "perpetrator_types": ["company"], "perpetrators": "", "online_platforms": "", "contact": "",
    }


@pytest.mark.parametrize("fields", [
    {"immediate_danger": "maybe"},
    {"date-month": "03"},
    {"date-year": "2023", "date-month": "02", "date-day": "30"},
    {"date-year": "1999"},
    {"affected_sector": "astronomy"},
])
def test_answers_outside_the_questionnaire_are_refused(app, client, token, fields):
    assert post(client, token, fields).status_code == 400
    assert stored_submissions(app) == []


EDITED = V2.replace("version: 2\n", "version: 3\n").replace(
    "          - {code: other, label: {es: \"Otro\", en: \"Other\"}}\n      - id: date",
    "          - {code: land_grab, label: {es: \"Despojo de tierras\", en: \"Land grab\"}}\n"
    "          - {code: other, label: {es: \"Otro\", en: \"Other\"}}\n      - id: date",
).replace(
    "  - id: affected\n    title:",
    "  - id: context\n    title: {es: \"Contexto\", en: \"Context\"}\n    questions:\n"
    "      - id: protest_related\n        kind: single_choice\n"
    "        label: {es: \"¿Ocurrió durante una protesta?\", en: \"Did it happen during a protest?\"}\n"
    "        choices:\n          - {code: \"yes\", label: {es: \"Sí\", en: \"Yes\"}}\n"
    "          - {code: \"no\", label: {es: \"No\", en: \"No\"}}\n"
    "  - id: affected\n    title:",
).replace("tables: [incident_types,", "tables: [protest_related, incident_types,")


def test_an_edited_questionnaire_needs_no_code_change(env, reviewer, tmp_path, monkeypatch):
    assert EDITED.count("land_grab") == 1 and "protest_related" in EDITED
    path = tmp_path / "edited.yaml"
    path.write_text(EDITED, encoding="utf-8")
    edited = load(path)
    monkeypatch.setenv("RESGUARDO_QUESTIONNAIRE", str(path))
    from intake import reviewers
    setup = create_app(require_reviewers=False)
    with setup.app_context():
        reviewers.add(reviewer.secret.public_key)
    setup.extensions["resguardo.engine"].dispose()
    app = create_app()
    try:
        client = app.test_client()
        html = client.get("/").get_data(as_text=True)
        assert 'value="land_grab"' in html and 'name="protest_related"' in html
        from tests.support.submit import csrf_token
        token = csrf_token(html)
        response = post(client, token, {"protest_related": "yes", "incident_types": ["land_grab"]})
        assert response.status_code == 200
        [submission] = stored_submissions(app)
        report, _ = open_submission(app, submission, reviewer.secret)
        assert report["questionnaire"]["sha256"] == edited.sha256 != load_default().sha256
        assert report["fields"]["protest_related"] == "yes"
        assert report["fields"]["incident_types"] == ["land_grab"]
        filed = sorted(p.name for p in (app.config["DATA_DIR"] / "questionnaires").iterdir())
        assert f"{edited.sha256}.json" in filed
    finally:
        app.extensions["resguardo.engine"].dispose()


def test_schemas_folder_holds_only_valid_documents():
    for path in SCHEMAS.glob("*.yaml"):
        load(path)
