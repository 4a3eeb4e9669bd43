"""Hostile follow-up folders in the workspace: links, odd report.json, odd URLs."""

from __future__ import annotations

import json
import re
import shutil

import pytest

import keys
from review.bundle import Bundle
from review.cases import import_bundle
from review.workspace.app import create_app
from tests.support.samples import all_reports

from workspace_cases import PHOTO, SAMPLES, make_cases, photo_followup_bundle

PORT = 48126
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-" + "a" * 40


@pytest.fixture()
def followed(tmp_path):
    key = keys.SecretKey.generate("Ana")
    root, subs = make_cases(tmp_path, key)
    with Bundle(photo_followup_bundle(tmp_path, key, subs[0].id)) as opened:
        import_bundle(opened, [key], root)
    folder = f"{subs[0].received_on}_{subs[0].id[:8]}"
    return root, folder, (SAMPLES / PHOTO).read_bytes()


def _client(root, language="en"):
    client = create_app(root, TOKEN, language, PORT).test_client()
    assert client.get(f"/?token={TOKEN}", base_url=BASE).status_code == 303
    return client


def _csrf(client, folder):
    page = client.get(f"/case/{folder}", base_url=BASE).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_a_followup_attachments_folder_that_is_a_link_is_not_followed(followed, tmp_path):
    root, folder, photo = followed
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / PHOTO).write_bytes(photo)  # a file outside the cases folder
    attachments = root / folder / "followups" / "01" / "attachments"
    shutil.rmtree(attachments)
    attachments.symlink_to(outside)
    client = _client(root)
    assert client.get(f"/case/{folder}/followup/01/preview/1.png", base_url=BASE).status_code == 404
    page = client.get(f"/case/{folder}", base_url=BASE).get_data(as_text=True)
    assert "/followup/01/preview/1.png" not in page
    response = client.post(f"/case/{folder}/followup/01/clean/1", data={"csrf_token": _csrf(client, folder)},
                           base_url=BASE)
    assert response.headers["Location"].endswith("error=missing#fu-01")
    assert not (root / folder / "followups" / "01" / "cleaned").exists()


@pytest.mark.parametrize("attachments", [{"a": 1}, 7, "abc", None, [1, "x", None]])
def test_a_followup_with_odd_attachments_shows_the_page_and_404s(followed, attachments):
    root, folder, _ = followed
    path = root / folder / "followups" / "01" / "report.json"
    report = json.loads(path.read_text("utf-8"))
    report["attachments"] = attachments
    path.write_text(json.dumps(report), "utf-8")
    client = _client(root)
    page = client.get(f"/case/{folder}", base_url=BASE)
    assert page.status_code == 200
    assert "0 attachment(s)" in page.get_data(as_text=True)
    assert client.get(f"/case/{folder}/followup/01/preview/1.png", base_url=BASE).status_code == 404
    response = client.post(f"/case/{folder}/followup/01/clean/1", data={"csrf_token": _csrf(client, folder)},
                           base_url=BASE)
    assert response.status_code == 303 and "error=missing" in response.headers["Location"]


def test_a_followup_without_its_attachments_folder(followed):
    root, folder, _ = followed
    shutil.rmtree(root / folder / "followups" / "01" / "attachments")
    client = _client(root)
    assert client.get(f"/case/{folder}", base_url=BASE).status_code == 200
    assert client.get(f"/case/{folder}/followup/01/preview/1.png", base_url=BASE).status_code == 404


@pytest.mark.parametrize("number", ["0", "9" * 30, "9" * 5000])
def test_huge_or_zero_numbers_are_404(followed, number):
    root, folder, _ = followed
    client = _client(root)
    for url in (f"/case/{folder}/followup/01/preview/{number}.png", f"/case/{folder}/preview/{number}.png"):
        assert client.get(url, base_url=BASE).status_code == 404, url[:80]


def test_a_linked_cleaned_folder_is_refused_cleanly(followed, tmp_path):
    root, folder, _ = followed
    outside = tmp_path / "out"
    outside.mkdir()
    (root / folder / "followups" / "01" / "cleaned").symlink_to(outside)
    client = _client(root)
    response = client.post(f"/case/{folder}/followup/01/clean/1", data={"csrf_token": _csrf(client, folder)},
                           base_url=BASE)
    assert list(outside.iterdir()) == []
    assert response.status_code in (303, 404), response.status_code


def test_a_linked_preview_cache_is_refused_cleanly(followed, tmp_path):
    root, folder, _ = followed
    outside = tmp_path / "out"
    outside.mkdir()
    previews = root / "_workspace" / "previews"
    previews.mkdir(parents=True, exist_ok=True)
    followup_id = json.loads((root / folder / "followups" / "01" / "report.json").read_text("utf-8"))["submission_id"]
    (previews / f"{folder}.followup-01.{followup_id}").symlink_to(outside)
    response = _client(root).get(f"/case/{folder}/followup/01/preview/1.png", base_url=BASE)
    assert list(outside.iterdir()) == []
    assert response.status_code == 404, response.status_code


def test_reflected_parameters_are_escaped(followed):
    root, folder, _ = followed
    client = _client(root)
    page = client.get(f"/case/{folder}?cleaned=%3Cscript%3Ex%3C/script%3E&cleaned_in=01"
                      "&error=%3Cb%3E&replied=%3Ci%3E", base_url=BASE).get_data(as_text=True)
    # not even escaped: the page names only a cleaned copy that exists and a known error code
    assert "script&gt;x" not in page and "<script>x" not in page and "<b>" not in page and "&lt;b&gt;" not in page
    assert "clean-error:" not in page and "A cleaned copy was made" not in page
    page = client.get(f"/case/{folder}?cleaned=x&cleaned_in=%3Cb%3E01", base_url=BASE).get_data(as_text=True)
    assert "followups/&lt;b" not in page and "<b>01" not in page and "A cleaned copy was made" not in page
    for forged in ("../attachments/" + "x", "report.json", ".hidden"):
        page = client.get(f"/case/{folder}?cleaned={forged}", base_url=BASE).get_data(as_text=True)
        assert "A cleaned copy was made" not in page, forged
    page = client.get(f"/case/{folder}?error=residue", base_url=BASE).get_data(as_text=True)
    assert "Metadata survived the cleaning, so the copy was deleted." in page


def test_the_case_attachments_folder_that_is_a_link_is_not_followed(followed, tmp_path):
    root, folder, photo = followed
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    attachments = root / folder / "attachments"
    for path in attachments.iterdir():
        shutil.copyfile(path, outside / path.name)
    shutil.rmtree(attachments)
    attachments.symlink_to(outside)
    client = _client(root)
    assert client.get(f"/case/{folder}/preview/1.png", base_url=BASE).status_code == 404
    page = client.get(f"/case/{folder}", base_url=BASE).get_data(as_text=True)
    assert f"/case/{folder}/preview/" not in page and f"/case/{folder}/clean/" not in page


def test_a_new_followup_filed_as_01_again_does_not_get_the_old_ones_preview(followed, tmp_path):
    """Follow-up folders are numbered, not named by submission: if a reviewer
    removes followups/01 (a mistaken or abusive follow-up), the next follow-up
    imported is 01 again, and must not be shown the removed one's preview."""
    root, folder, photo = followed
    client = _client(root)
    old = client.get(f"/case/{folder}/followup/01/preview/1.png", base_url=BASE)
    assert old.status_code == 200
    report = json.loads((root / folder / "report.json").read_text("utf-8"))
    removed = json.loads((root / folder / "followups" / "01" / "report.json").read_text("utf-8"))
    shutil.rmtree(root / folder / "followups" / "01")
    (root / "_followups" / removed["submission_id"]).unlink()
    # file another follow-up by hand as import would: folder 01 again (the next free number), its own id
    other = next(path for path in all_reports()[0].attachments if path.suffix == ".png")
    new = root / folder / "followups" / "01"
    (new / "attachments").mkdir(parents=True)
    (new / "attachments" / other.name).write_bytes(other.read_bytes())
    (new / "report.json").write_text(json.dumps({
        "submission_id": "f" * 32, "follow_up_to": report["submission_id"], "fields": {},
        "attachments": [{"filename": other.name, "content_type": "image/png", "size": other.stat().st_size}]}),
        "utf-8")
    fresh = client.get(f"/case/{folder}/followup/01/preview/1.png", base_url=BASE)
    assert fresh.status_code == 200
    assert fresh.data != old.data
