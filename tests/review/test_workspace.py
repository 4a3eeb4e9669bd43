"""The workspace app through Flask's test client: launch token, Host check,
headers, list with words, filters, search, triage kept, attachments flagged,
GPS reported, cleaned copies without metadata, previews as safe PNGs."""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest

import keys
from review.workspace.app import TOKEN_COOKIE, create_app
from tests.support.samples import all_reports

from workspace_cases import PHOTO, make_cases

PORT = 48123
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-" + "x" * 40


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    key = keys.SecretKey.generate("Ana")
    root, subs = make_cases(tmp_path_factory.mktemp("ws"), key)
    return root, subs


def _client(root, language="es", token=TOKEN):
    app = create_app(root, token, language, PORT)
    client = app.test_client()
    response = client.get(f"/?token={token}", base_url=BASE)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    return client


def _get(client, path, **kwargs):
    return client.get(path, base_url=BASE, **kwargs)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _folder(subs, index: int) -> str:
    return f"{subs[index].received_on}_{subs[index].id[:8]}"


def test_no_token_wrong_token_and_foreign_host_are_refused(cases):
    root, _ = cases
    app = create_app(root, TOKEN, "en", PORT)
    client = app.test_client()
    assert client.get("/", base_url=BASE).status_code == 403
    assert client.get("/?token=" + "y" * 46, base_url=BASE).status_code == 403
    client.set_cookie(TOKEN_COOKIE, "wrong", domain="127.0.0.1")
    assert client.get("/", base_url=BASE).status_code == 403
    # DNS rebinding: right token, another site's name
    assert client.get(f"/?token={TOKEN}", base_url=f"http://evil.example:{PORT}").status_code == 421
    assert client.get(f"/?token={TOKEN}", base_url="http://127.0.0.1:1").status_code == 421


def test_first_visit_sets_a_strict_cookie_and_drops_the_token(cases):
    root, _ = cases
    app = create_app(root, TOKEN, "en", PORT)
    response = app.test_client().get(f"/?token={TOKEN}&q=x", base_url=BASE)
    assert response.status_code == 303 and TOKEN not in response.headers["Location"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{TOKEN_COOKIE}={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_headers_and_csp(cases):
    root, _ = cases
    response = _get(_client(root), "/")
    assert response.status_code == 200
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert csp == {"default-src": "'none'", "style-src": "'self'", "img-src": "'self'",
                   "form-action": "'self'", "frame-ancestors": "'none'", "base-uri": "'none'"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert b"<script" not in response.data and b"http://" not in response.data and b"https://" not in response.data


def test_list_shows_coded_answers_in_words_and_filters(cases):
    root, subs = cases
    client = _client(root, "es")
    page = _get(client, "/").get_data(as_text=True)
    assert "3 caso(s)" in page
    table = page.split("<tbody>")[1]
    assert "Agresión física" in table and "physical_attack" not in table
    filtered = _get(client, "/?type=legal_action").get_data(as_text=True)  # the samples criminalización
    assert "1 caso(s)" in filtered and subs[1].id[:8] in filtered and subs[0].id[:8] not in filtered
    english = _get(_client(root, "en"), "/?type=doxxing").get_data(as_text=True)
    assert "1 case(s) found" in english and "Personal data published (doxxing)" in english


def test_full_text_search_finds_a_case_by_a_word_of_its_text(cases):
    root, subs = cases
    client = _client(root, "en")
    word = "conversatorio"
    assert word in all_reports()[0].fields["description"]
    page = _get(client, f"/?q={word}").get_data(as_text=True)
    assert "1 case(s) found" in page and subs[0].id[:8] in page
    assert "0 case(s) found" in _get(client, "/?q=qqzz%20NOT%20%22%2A").get_data(as_text=True)


def test_triage_needs_csrf_and_is_kept_across_launches(cases):
    root, subs = cases
    folder = _folder(subs, 2)
    client = _client(root, "en")
    url = f"/case/{folder}/triage"
    form = {"status": "in_progress", "urgent": "1", "tags": "Amenaza, prensa", "assignee": "Ana",
            "notes": "Llamar el lunes.\n<b>no markup</b>"}
    assert client.post(url, data=form, base_url=BASE).status_code == 400
    token = _csrf(_get(client, f"/case/{folder}").get_data(as_text=True))
    saved = client.post(url, data={**form, "csrf_token": token}, base_url=BASE)
    assert saved.status_code == 303

    again = _client(root, "en", token="another-launch-" + "z" * 30)  # a new launch
    page = _get(again, f"/case/{folder}").get_data(as_text=True)
    assert 'value="in_progress" checked' in page and 'name="urgent" value="1" checked' in page
    assert 'value="amenaza, prensa"' in page and 'value="Ana"' in page
    assert "Llamar el lunes.\n&lt;b&gt;no markup&lt;/b&gt;</textarea>" in page
    listing = _get(again, "/?tag=prensa&status=in_progress").get_data(as_text=True)
    assert "1 case(s) found" in listing and subs[2].id[:8] in listing
    first = re.search(r"<tbody>.*?</tr>", _get(again, "/").get_data(as_text=True), re.S).group(0)
    assert subs[2].id[:8] in first  # sorted by urgency: the urgent case first


def test_attachments_real_types_warnings_and_gps(cases):
    root, subs = cases
    page = _get(_client(root, "en"), f"/case/{_folder(subs, 0)}").get_data(as_text=True)
    assert "Composite:GPSPosition" in page and "12 deg 5&#39; 35.16&#34; S, 77 deg 2&#39; 47.40&#34; W" in page
    assert "CANARY-EXIF-ARTIST-7f3a" in page
    html_part = page.split("<h3 id=\"att-3\">")[1].split("</article>")[0]
    assert "text/html" in html_part and "application/pdf" in html_part
    assert "an HTML page" in html_part and "not what its device declared" in html_part
    svg_part = page.split("<h3 id=\"att-4\">")[1].split("</article>")[0]
    assert "image/svg+xml" in svg_part and "a drawing (SVG) with a script" in svg_part
    assert "<script>" not in page


def test_clean_copy_has_no_gps_and_the_original_is_unchanged(cases):
    root, subs = cases
    folder = _folder(subs, 0)
    original = root / folder / "attachments" / PHOTO
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    client = _client(root, "en")
    token = _csrf(_get(client, f"/case/{folder}").get_data(as_text=True))
    response = client.post(f"/case/{folder}/clean/1", data={"csrf_token": token}, base_url=BASE)
    assert response.status_code == 303
    copy = root / folder / "cleaned" / PHOTO
    shown = subprocess.run(["exiftool", "-json", "-G1", "-a", "--", str(copy)], capture_output=True, text=True).stdout
    assert "GPS" not in shown and "CANARY-EXIF-ARTIST" not in shown and "SampleCam" not in shown
    assert copy.read_bytes()[:2] == b"\xff\xd8"
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before


def test_preview_is_a_fresh_png_never_the_original(cases):
    root, subs = cases
    client = _client(root, "en")
    response = _get(client, f"/case/{_folder(subs, 0)}/preview/1.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG") and b"CANARY" not in response.data and b"Exif" not in response.data
    assert _get(client, f"/case/{_folder(subs, 0)}/preview/3.png").status_code == 404  # HTML: no preview
    assert _get(client, f"/case/{_folder(subs, 0)}/preview/9.png").status_code == 404


def test_reporter_text_is_escaped(tmp_path):
    from review.bundle import Bundle
    from review.cases import import_bundle

    from review_bundles import make_manifest, make_submission, write_bundle

    key = keys.SecretKey.generate()
    sub = make_submission([key.public_key], fields={"description": "<script>alert(1)</script><img src=x>",
                                                    "region": "<b>x</b>"})
    bundle = write_bundle(tmp_path / "b.tar", make_manifest([sub], [key.public_key]), [sub])
    with Bundle(bundle) as opened:
        import_bundle(opened, [key], tmp_path / "cases")
    client = _client(tmp_path / "cases", "en")
    for path in ("/", f"/case/2026-11-29_{sub.id[:8]}"):
        page = _get(client, path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x>" not in page and "<b>x</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_review_clean_makes_copies_without_metadata(tmp_path, capsys):
    from review.cli import main

    key = keys.SecretKey.generate("Ana")
    root, subs = make_cases(tmp_path, key)
    case = root / f"{subs[1].received_on}_{subs[1].id[:8]}"  # the legal-action (criminalización) report: one PDF
    assert main(["clean", str(case)]) == 0
    out = capsys.readouterr().out
    copy = case / "cleaned" / "denuncia-fiscalia.pdf"
    assert f"-> {copy} (" in out and copy.read_bytes().startswith(b"%PDF")
    shown = subprocess.run(["exiftool", "-json", "-G1", "-a", "--", str(copy)], capture_output=True, text=True).stdout
    assert "CANARY-PDF-AUTHOR" not in shown and "SampleWriter" not in shown and "ReportLab" not in shown
    assert b"CANARY-PDF-AUTHOR" not in copy.read_bytes()
    assert b"CANARY-PDF-AUTHOR" in (case / "attachments" / "denuncia-fiscalia.pdf").read_bytes()
    first = root / f"{subs[0].received_on}_{subs[0].id[:8]}"
    assert main(["clean", str(first)]) == 1  # the HTML and the SVG cannot be cleaned: said, not hidden
    err = capsys.readouterr().err
    assert "informe.pdf: not cleaned: only images and PDFs" in err and "acta.pdf: not cleaned" in err


def test_review_clean_takes_a_case_folder_relative_to_where_it_is_run(tmp_path, monkeypatch, capsys):
    """``review clean casos/DAY_ID`` from the folder above the cases cleans the
    PDF as an absolute path does (it said "the file could not be read": the
    image and PDF helpers run inside cleaned/, where the relative path named nothing)."""
    from review.cli import main

    key = keys.SecretKey.generate("Ana")
    root, subs = make_cases(tmp_path, key)
    monkeypatch.chdir(root.parent)
    case = root.relative_to(root.parent) / f"{subs[1].received_on}_{subs[1].id[:8]}"
    assert main(["clean", str(case), "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "not cleaned" not in captured.err
    assert f"-> {case / 'cleaned' / 'denuncia-fiscalia.pdf'} (" in captured.out
    assert (root.parent / case / "cleaned" / "denuncia-fiscalia.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in (root.parent / case / "cleaned").iterdir()) == ["denuncia-fiscalia.pdf"]


def test_the_server_listens_on_loopback_only(cases):
    from review.workspace.server import make_workspace_server

    root, _ = cases
    server, url = make_workspace_server(root, "es")
    try:
        host, port = server.socket.getsockname()[:2]
        assert host == "127.0.0.1"
        assert url.startswith(f"http://127.0.0.1:{port}/?token=") and len(url.split("token=")[1]) >= 43
    finally:
        server.server_close()


def test_language_switch_stays_on_the_workspace(cases):
    root, _ = cases
    client = _client(root, "es")
    response = _get(client, "/language/en?next=/%3Fq%3Dx")
    assert response.status_code == 303 and response.headers["Location"] == "/?q=x"
    assert '<html lang="en">' in _get(client, "/").get_data(as_text=True)
    for target in ("//evil.example/", "http://evil.example/", "/\\evil.example"):
        assert _get(client, f"/language/es?next={target}").headers["Location"] == "/"
    assert _get(client, "/language/fr").status_code == 404


def test_ctrl_c_closes_the_workspace_normally(cases, monkeypatch, capsys):
    from review.cli import main
    from review.workspace import server

    root, _ = cases
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr("werkzeug.serving.BaseWSGIServer.serve_forever", interrupted)
    assert main(["workspace", str(root)]) == 0
    captured = capsys.readouterr()
    url = captured.out.split("workspace: ")[1].strip()
    assert opened == [url] and url.startswith("http://127.0.0.1:")
    assert "review: workspace closed" in captured.err
    assert server.HOST == "127.0.0.1"


def test_the_type_and_region_filters_offer_only_what_some_case_answered(cases):
    from review.labels import choices

    root, subs = cases
    used_types = {code for sub in subs for code in sub.report["fields"].get("incident_types", [])}
    used_regions = {sub.report["fields"].get("region") for sub in subs} - {None, ""}
    unused = sorted(code for code, _name in choices("incident_types", "en") if code not in used_types)
    assert used_types and used_regions and unused  # the samples leave some types unused

    def options(page: str, name: str) -> list[str]:
        select = page.split(f'name="{name}"')[1].split("</select>")[0]
        return re.findall(r'<option value="([^"]*)"', select)

    page = _get(_client(root, "en"), "/").get_data(as_text=True)
    known = [code for code, _name in choices("incident_types", "en")]
    assert options(page, "type") == [""] + [code for code in known if code in used_types]
    assert options(page, "region") == [""] + [code for code, _n in choices("region", "en") if code in used_regions]
    chosen = _get(_client(root, "en"), f"/?type={unused[0]}").get_data(as_text=True)
    assert unused[0] in options(chosen, "type") and "0 case(s) found" in chosen
