"""An edited questionnaire in real Chromium: the same answers with JavaScript on (browser-sealed)
and off (server-sealed), with no code changed; the reviewer reads them by the new questionnaire."""

from __future__ import annotations

import json

import pytest

from intake.questionnaire import parse
from tests.browser.chromium import Sent, export_and_review, installation, launch, new_page, require_chromium
from tests.intake.test_intake_questionnaire import EDITED
from tests.support.live import gunicorn

pytestmark = pytest.mark.live


def _fill(page, base: str, marker: str, javascript: bool) -> None:
    page.goto(base + "/")
    if javascript:
        page.wait_for_selector("#report-form[data-sealing=browser]", state="attached", timeout=240_000)
    page.check("input[name=immediate_danger][value=others]")
    page.check("input[name=consent_aggregate_statistics][value=yes]")
    page.fill("#description", f"Desalojo durante una marcha. {marker}")
    page.check("input[name=incident_types][value=land_grab]")
    page.check("input[name=incident_types][value=death_threat]")
    page.select_option("#date-year", "2025")
    page.select_option("#date-month", "04")
    page.select_option("#region", "cusco")
    page.check("input[name=protest_related][value=yes]")
    page.check("input[name=perpetrator_types][value=police]")
    page.fill("#contact", "")
    if javascript:  # sealed in the browser: the receipt is shown in place
        page.click("#send-report")
        page.wait_for_selector("#browser-received", state="visible", timeout=240_000)
    else:  # the POST answers with the receipt page itself
        with page.expect_navigation(url="**/submit", timeout=240_000):
            page.click("#send-report")


def test_edited_questionnaire_gives_the_same_report_on_both_paths(tmp_path, reviewer):
    sync_api = require_chromium()
    edited = tmp_path / "edited.yaml"
    edited.write_text(EDITED, encoding="utf-8")
    env = installation(tmp_path, reviewer)
    env["RESGUARDO_QUESTIONNAIRE"] = str(edited)
    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        for mode in ("wasm", "nojs"):
            browser = launch(playwright, mode)
            try:
                context, page = new_page(browser, mode, Sent())
                _fill(page, url, f"[{mode}]", javascript=mode != "nojs")
                context.close()
            finally:
                browser.close()
    result, cases = export_and_review(env, tmp_path, reviewer)
    assert result.returncode == 0, result.stderr
    reports = {}
    for case in sorted(p for p in cases.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        report = json.loads((case / "report.json").read_text("utf-8"))
        mode = report["fields"]["description"].rsplit("[", 1)[1].rstrip("]")
        reports[mode] = (report, (case / "report.txt").read_text("utf-8"))
    assert set(reports) == {"wasm", "nojs"}
    assert reports["wasm"][0]["sealed_by"] == "browser" and reports["nojs"][0]["sealed_by"] == "server"
    sha = parse(EDITED).sha256
    strip = lambda fields: {**fields, "description": fields["description"].rsplit(" [", 1)[0]}  # noqa: E731
    browser_fields, server_fields = (strip(reports[m][0]["fields"]) for m in ("wasm", "nojs"))
    assert browser_fields == server_fields
    assert list(browser_fields) == list(server_fields)
    assert browser_fields["protest_related"] == "yes"
    assert browser_fields["incident_types"] == ["death_threat", "land_grab"]
    assert browser_fields["date"] == "2025-04"
    for report, text in reports.values():
        assert report["questionnaire"] == {"id": "resguardo-default", "version": 3, "sha256": sha}
        assert "¿Ocurrió durante una protesta?: Sí" in text or "Did it happen during a protest?: Yes" in text
