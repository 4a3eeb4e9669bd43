"""review dataset / review stats: only consenting cases, only codes, every questionnaire version."""

from __future__ import annotations

import copy
import csv
import io
import json
import struct
from pathlib import Path

import pytest

from review.cli import main
from review.data.charts import chart_size
from review.data.dataset import rows, to_csv
from review.data.records import load_records, records_from_reports
from review.data.report import write_stats
from review.data.synthetic import default_schema, generate, write_cases
from review.data.tables import build_tables

CANARY = "CANARY-FREE-TEXT-7d41"
COLUMNS = ["questionnaire", "questionnaire_version", "received_month", "immediate_danger",
           "consent_aggregate_statistics", "incident_types", "date", "region", "affected_gender",
           "affected_sector", "perpetrator_types"]


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(cases: Path, out: Path, *extra: str) -> dict[str, bytes]:
    assert main(["dataset", str(cases), "--out", str(out)]) == 0
    assert main(["stats", str(cases), "--out", str(out), "--lang", "en", *extra]) == 0
    return outputs(out)


def legacy(report: dict) -> dict:
    """The same answers as a report of the form before the questionnaire file (version 1)."""
    old = copy.deepcopy(report)
    del old["questionnaire"]
    fields = old["fields"]
    old["fields"] = {"description": fields["description"], "incident_types": ["criminalisation", "threats"],
                     "date": "mayo 2023", "region": fields["region"], "affected": "", "perpetrators": "",
                     "online_platforms": "", "consent_aggregate_statistics": fields["consent_aggregate_statistics"],
                     "contact": ""}
    return old


def test_dataset_has_only_coded_columns_and_month_dates():
    records = records_from_reports(generate(300, seed=2, canary=CANARY))
    columns, data = rows(records)
    assert columns == COLUMNS
    text = to_csv(columns, data).decode("utf-8")
    assert CANARY not in text
    for row in csv.DictReader(io.StringIO(text)):
        assert row["consent_aggregate_statistics"] == "yes"
        assert len(row["date"]) in (0, 4, 7)
        assert len(row["received_month"]) == 7


def test_a_tampered_report_cannot_smuggle_text_through_a_code():
    [(report, day)] = generate(1, seed=5)
    report["fields"].update(consent_aggregate_statistics="yes", region=CANARY, incident_types=["threats", CANARY],
                            date=f"2024-05 {CANARY}", affected_gender=["woman"])
    [record] = records_from_reports([(report, day)])
    assert record.answers["region"] == "" and record.answers["incident_types"] == ["threats"]
    assert record.answers["date"] == "" and record.answers["affected_gender"] == ""


def test_no_free_text_reaches_any_output_and_non_consented_cases_change_no_byte(tmp_path):
    pairs = generate(260, seed=11, canary=CANARY)
    consenting = [(r, d) for r, d in pairs if r["fields"]["consent_aggregate_statistics"] == "yes"]
    refusing = [(r, d) for r, d in pairs if r["fields"]["consent_aggregate_statistics"] != "yes"]
    assert refusing and len(consenting) > 100
    before = run(write_cases(tmp_path / "a", consenting), tmp_path / "out-a")

    odd = copy.deepcopy(refusing[0])
    odd[0]["fields"].update(consent_aggregate_statistics="", date="1999-01", region="tumbes")  # unanswered is not yes
    unknown = copy.deepcopy(consenting[0])
    unknown[0]["questionnaire"] = {"id": "other", "version": 9, "sha256": "0" * 64}  # a questionnaire we lack
    unknown[0]["submission_id"] = "f" * 32
    after = run(write_cases(tmp_path / "b", consenting + refusing + [odd, unknown]), tmp_path / "out-b")

    assert set(before) >= {"dataset.csv", "dataset.jsonl", "tables.json", "tables.csv", "report.html",
                           "charts/incident_types.png", "charts/incident_types.svg"}
    assert before == after
    for name, data in after.items():
        assert CANARY.encode() not in data, name


def test_reports_of_the_old_form_still_count(tmp_path):
    pairs = generate(200, seed=4)
    old = [(legacy(r), d) for r, d in pairs[:100]]
    records, seen = load_records(write_cases(tmp_path / "cases", old + pairs[100:]))
    assert seen == 200
    versions = {r.schema.version for r in records}
    assert versions == {1, 2}
    tables = {t.key: t for t in build_tables(records)}
    types = tables["incident_types"]
    counted = dict(zip(types.row_codes, types.counts))
    yes_old = sum(1 for r, _ in old if r["fields"]["consent_aggregate_statistics"] == "yes")
    assert counted["criminalisation"] == yes_old  # a code only version 1 had
    assert "death_threat" in counted
    columns, data = rows(records)
    assert {row["date"] for row in data if row["questionnaire_version"] == 1} == {""}  # v1's date was free text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_charts_are_images_of_the_stated_size_with_translated_text(tmp_path):
    records = records_from_reports(generate(400, seed=6))
    english = write_stats(records, tmp_path / "en", language="en")
    spanish = write_stats(records, tmp_path / "es", language="es")
    tables = {t.key: t for t in english.tables}
    for key in ("incident_types", "region", "date", "affected_gender"):
        png = (tmp_path / "en" / "charts" / f"{key}.png").read_bytes()
        assert _png_size(png) == chart_size(tables[key])
        assert _png_size(png)[0] == 800
    svg_en = (tmp_path / "en" / "charts" / "incident_types.svg").read_text(encoding="utf-8")
    svg_es = (tmp_path / "es" / "charts" / "incident_types.svg").read_text(encoding="utf-8")
    assert ">Death threat<" in svg_en and ">Cases<" in svg_en and "Source: " in svg_en
    assert ">Amenaza de muerte<" in svg_es and ">Casos<" in svg_es and "Fuente: " in svg_es
    assert "Amenaza de muerte" not in svg_en and "Death threat" not in svg_es
    assert 'width="576pt" height=' in svg_en  # 8 inches
    assert _png_size((tmp_path / "es" / "charts" / "region.png").read_bytes()) == chart_size(
        {t.key: t for t in spanish.tables}["region"])


def test_stats_report_is_self_contained_and_states_its_method(tmp_path):
    records = records_from_reports(generate(300, seed=6))
    write_stats(records, tmp_path, language="es", k=5)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "Métodos" in html and "programa lineal" in html
    tables = json.loads((tmp_path / "tables.json").read_text(encoding="utf-8"))
    assert tables["k"] == 5 and tables["epsilon_total"] is None
    assert [t["key"] for t in tables["tables"]] == [
        "incident_types", "date", "region", "affected_sector", "affected_gender", "perpetrator_types",
        "incident_types__affected_gender", "affected_sector__affected_gender", "perpetrator_types__affected_sector"]


def test_stats_refuses_to_publish_fewer_than_k_cases(tmp_path, capsys):
    cases = write_cases(tmp_path / "cases", [p for p in generate(30, seed=1)
                                             if p[0]["fields"]["consent_aggregate_statistics"] == "yes"][:3])
    assert main(["stats", str(cases), "--out", str(tmp_path / "out"), "--lang", "en"]) == 2
    assert "only 3 consenting cases, at least 5 are needed" in capsys.readouterr().err
    assert main(["stats", str(cases), "--out", str(tmp_path / "out"), "--lang", "es"]) == 2
    assert "solo 3 casos con consentimiento; se necesitan al menos 5" in capsys.readouterr().err


def test_dataset_cli_counts(tmp_path, capsys):
    pairs = generate(50, seed=3)
    yes = sum(1 for r, _ in pairs if r["fields"]["consent_aggregate_statistics"] == "yes")
    cases = write_cases(tmp_path / "cases", pairs)
    assert main(["dataset", str(cases), "--out", str(tmp_path / "out"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"cases read: 50\nconsenting cases written: {yes}\n" in out
    lines = (tmp_path / "out" / "dataset.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == yes and set(json.loads(lines[0])) == set(COLUMNS)
    assert default_schema().version == 2


def test_pdf_report_through_weasyprint(tmp_path):
    records = records_from_reports(generate(200, seed=12, canary=CANARY))
    write_stats(records, tmp_path, language="es", pdf=True)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
    assert CANARY.encode() not in pdf
