"""review.names: untrusted attachment names become one safe path component."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.names import MAX_NAME_BYTES, assign_names, safe_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("foto.jpg", "foto.jpg"),
        ("Фото.jpg", "Фото.jpg"),
        ("照片.png", "照片.png"),
        ("صورة.jpg", "صورة.jpg"),
        ("e\u0301.txt", "\u00e9.txt"),
        ("..", "attachment"),
        (".", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        ("../../etc/passwd", "____etc_passwd"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("nul\x00byte", "nul_byte"),
        ("line\nbreak.txt", "line_break.txt"),
        ("\x1b[31mred.txt", "_[31mred.txt"),
        ("foto\u202egpj.exe", "foto_gpj.exe"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1.tar.gz", "_LPT1_tar.gz"),
        ("informe.pdf.exe", "informe_pdf.exe"),
        ("informe.pdf          .exe", "informe_pdf.exe"),
        ("informe.pdf\u3000\u3000.desktop", "informe_pdf.desktop"),
        ("-rf.txt", "_rf.txt"),
        ("--help", "_-help"),
        ("a   b.txt", "a b.txt"),
        (".bashrc", "bashrc"),
        ("trailing. . ", "trailing"),
        ('what?<>:"|*.txt', "what_______.txt"),
    ],
)
def test_safe_name_exact(raw, expected):
    assert safe_name(raw) == expected


def test_long_names_are_capped_in_bytes_keeping_the_extension():
    assert safe_name("x" * 300 + ".pdf") == "x" * (MAX_NAME_BYTES - 4) + ".pdf"
    cyrillic = safe_name("Ж" * 300 + ".jpg")
    assert cyrillic == "Ж" * ((MAX_NAME_BYTES - 4) // 2) + ".jpg"


def test_collisions_are_numbered_case_insensitively():
    assert assign_names(["a.txt", "A.TXT", "a.txt", "..", None]) == [
        "a.txt", "A (2).TXT", "a (3).txt", "attachment", "attachment (2)"]
    long = assign_names(["y" * 300, "y" * 300])
    assert long[1] == "y" * (MAX_NAME_BYTES - 4) + " (2)"


@given(st.lists(st.text(max_size=400), max_size=6))
def test_any_names_are_single_safe_distinct_components(raws):
    names = assign_names(raws)
    assert len({n.casefold() for n in names}) == len(raws)
    for name in names:
        assert name not in ("", ".", "..")
        assert "/" not in name and "\\" not in name
        assert not name.startswith(".") and not name.startswith("-")
        assert name.count(".") <= 1  # one extension at most: no "a.pdf.exe"
        assert "  " not in name and " ." not in name  # no padded extension
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
        assert unicodedata.normalize("NFC", name) == name
        assert not any(unicodedata.category(ch)[0] == "C" for ch in name)
