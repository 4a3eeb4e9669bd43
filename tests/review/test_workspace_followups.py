"""A follow-up's attachments in the workspace: the same real-type check, metadata
list, safe preview and cleaned copy as the case's own attachments (es/en, CSRF on)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess

import pytest

import keys
from review.bundle import Bundle
from review.cases import import_bundle
from review.workspace.app import create_app

from workspace_cases import PHOTO, make_cases, photo_followup_bundle

PORT = 48125
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-" + "f" * 40


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """The sample cases, and a follow-up to the first one carrying the GPS photo
    and an HTML page named like a PDF; (cases root, case folder name)."""
    directory = tmp_path_factory.mktemp("fu")
    key = keys.SecretKey.generate("Ana")
    root, subs = make_cases(directory, key)
    with Bundle(photo_followup_bundle(directory, key, subs[0].id)) as opened:
        import_bundle(opened, [key], root)
    folder = f"{subs[0].received_on}_{subs[0].id[:8]}"
    assert (root / folder / "followups" / "01" / "attachments" / PHOTO).is_file()
    return root, folder


def _client(root, language):
    client = create_app(root, TOKEN, language, PORT).test_client()
    assert client.get(f"/?token={TOKEN}", base_url=BASE).status_code == 303
    return client


def _page(client, folder) -> str:
    response = client.get(f"/case/{folder}", base_url=BASE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_followup_attachment_shows_its_real_type_warnings_and_gps(followed):
    root, folder = followed
    page = _page(_client(root, "en"), folder)
    followup = page.split('<h3 id="fu-01">')[1].split('</article>\n  \n</article>')[0]
    assert "2 attachment(s), in " + folder + "/followups/01" in followup
    photo = followup.split('<h4 id="fu-01-att-1">')[1].split("</article>")[0]
    assert "Composite:GPSPosition" in photo and "12 deg 5&#39; 35.16&#34; S, 77 deg 2&#39; 47.40&#34; W" in photo
    assert f"<code>{folder}/followups/01/attachments/{PHOTO}</code>" in photo
    assert f'src="/case/{folder}/followup/01/preview/1.png"' in photo
    assert f'action="/case/{folder}/followup/01/clean/1"' in photo
    html = followup.split('<h4 id="fu-01-att-2">')[1].split("</article>")[0]
    assert "an HTML page" in html and "not what its device declared" in html
    assert "No preview for this type of file." in html and "/followup/01/clean/2" not in html
    assert "<script>" not in page


def test_a_followup_preview_is_a_fresh_png_cached_apart_from_the_case(followed):
    root, folder = followed
    client = _client(root, "en")
    response = client.get(f"/case/{folder}/followup/01/preview/1.png", base_url=BASE)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG") and b"CANARY" not in response.data and b"Exif" not in response.data
    followup_id = json.loads((root / folder / "followups" / "01" / "report.json").read_text("utf-8"))["submission_id"]
    cached = root / "_workspace" / "previews" / f"{folder}.followup-01.{followup_id}" / "1.png"
    assert cached.read_bytes() == response.data
    assert not (root / "_workspace" / "previews" / folder / "1.png").exists()
    for path in ("01/preview/2.png", "01/preview/3.png", "02/preview/1.png", "1/preview/1.png", "..%2f01/preview/1.png"):
        assert client.get(f"/case/{folder}/followup/{path}", base_url=BASE).status_code == 404, path


def test_a_followup_cleaned_copy_has_no_gps_and_the_original_is_unchanged(followed):
    root, folder = followed
    original = root / folder / "followups" / "01" / "attachments" / PHOTO
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    client = _client(root, "es")
    url = f"/case/{folder}/followup/01/clean/1"
    assert client.post(url, data={}, base_url=BASE).status_code == 400  # no CSRF token
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', _page(client, folder)).group(1)
    assert client.post(f"/case/{folder}/followup/07/clean/1", data={"csrf_token": csrf}, base_url=BASE).status_code == 404
    response = client.post(url, data={"csrf_token": csrf}, base_url=BASE)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/case/{folder}?cleaned={PHOTO}&cleaned_in=01#fu-01"
    copy = root / folder / "followups" / "01" / "cleaned" / PHOTO
    shown = subprocess.run(["exiftool", "-json", "-G1", "-a", "--", str(copy)], capture_output=True, text=True).stdout
    assert "GPS" not in shown and "CANARY-EXIF-ARTIST" not in shown and "SampleCam" not in shown
    assert copy.read_bytes()[:2] == b"\xff\xd8"
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before
    assert not (root / folder / "cleaned" / PHOTO).exists()  # the case's own cleaned folder is untouched
    page = client.get(response.headers["Location"], base_url=BASE).get_data(as_text=True)
    assert (f"Se hizo una copia limpia: followups/01/cleaned/{PHOTO} en la carpeta del caso. "
            "El original no cambió.") in page
    assert f"<code>{folder}/followups/01/cleaned/{PHOTO}</code>" in page
    refused = client.post(f"/case/{folder}/followup/01/clean/2", data={"csrf_token": csrf}, base_url=BASE)
    assert refused.headers["Location"] == f"/case/{folder}?error=unsupported#fu-01"
