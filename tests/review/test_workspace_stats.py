"""The workspace's statistics page and the urgency the reporter gave (immediate danger first)."""

from __future__ import annotations

import copy
import re

from review.cli import main
from review.data.synthetic import default_schema, generate, write_cases
from review.workspace import query
from review.workspace.app import create_app

PORT = 48124
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "stats-" + "z" * 40
PNG = b"\x89PNG\r\n\x1a\n"


def _client(root, language="en"):
    client = create_app(root, TOKEN, language, PORT).test_client()
    assert client.get(f"/?token={TOKEN}", base_url=BASE).status_code == 303
    return client


def _pairs(count, seed=3):
    return generate(count, seed=seed)


def test_stats_page_shows_the_published_tables_and_serves_their_charts(tmp_path):
    root = write_cases(tmp_path / "cases", _pairs(400))
    client = _client(root)
    page = client.get("/stats", base_url=BASE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Consenting cases counted: " in html
    counted = int(re.search(r"Consenting cases counted: (\d+)\.", html).group(1))
    consenting = sum(1 for report, _ in _pairs(400) if report["fields"]["consent_aggregate_statistics"] == "yes")
    assert counted == consenting
    assert "<h2 id=\"t-region\">" in html and "Methods" in html
    assert "review stats " in html and "--k 5" in html
    charts = re.findall(r'src="(/stats/chart/[a-z_]+\.png\?k=5)"', html)
    assert len(charts) >= 5
    chart = client.get(charts[0], base_url=BASE)
    assert chart.status_code == 200 and chart.mimetype == "image/png" and chart.data.startswith(PNG)
    assert client.get("/stats/chart/nonexistent.png", base_url=BASE).status_code == 404
    assert "script-src" not in page.headers["Content-Security-Policy"]


def test_stats_page_never_shows_a_cell_below_k(tmp_path):
    root = write_cases(tmp_path / "cases", _pairs(300, seed=9))
    html = _client(root).get("/stats?k=7", base_url=BASE).get_data(as_text=True)
    cells = [int(c) for c in re.findall(r"<td>(\d+)</td>", html)]
    assert cells, "no table was shown"
    assert all(value == 0 or value >= 7 for value in cells)
    assert "<td>—</td>" in html


def test_stats_page_with_too_few_cases_says_so_in_spanish(tmp_path):
    root = write_cases(tmp_path / "cases", _pairs(3))
    html = _client(root, "es").get("/stats", base_url=BASE).get_data(as_text=True)
    assert "Todavía no se puede mostrar nada" in html
    assert "<table>" not in html


def test_a_reporter_in_danger_comes_first_and_counts_as_urgent(tmp_path, capsys):
    pairs = _pairs(12, seed=5)
    for report, _ in pairs:
        report["fields"]["immediate_danger"] = "no"
    danger = copy.deepcopy(pairs[7])
    danger[0]["fields"]["immediate_danger"] = "others"
    danger[0]["submission_id"] = "d" * 32
    pairs[7] = (danger[0], "2024-01-01")  # the oldest day: only the danger answer puts it first
    schema = default_schema()
    assert schema.sha256 == pairs[0][0]["questionnaire"]["sha256"]
    root = write_cases(tmp_path / "cases", pairs)
    listing = query.list_cases(root, query.Filters())
    assert listing.rows[0].submission_id == "d" * 32 and listing.rows[0].danger is True
    assert [row.danger for row in listing.rows[1:]] == [False] * 11
    urgent = query.list_cases(root, query.Filters(urgent=True))
    assert [row.submission_id for row in urgent.rows] == ["d" * 32]
    html = _client(root).get("/", base_url=BASE).get_data(as_text=True)
    assert html.count("In danger now") == 1
    assert main(["list", str(root), "--lang", "en"]) == 0
    first = [line for line in capsys.readouterr().out.splitlines() if "dddddddd" in line]
    assert len(first) == 1 and "!" in first[0]
