"""The review tool speaks Spanish and English (issue 11, item 6): every marked
message has a Spanish translation in the committed catalog, the CLI follows
``--lang`` or the locale (Spanish by default), and so does the workspace."""

from __future__ import annotations

import gettext
import subprocess
import sys
from pathlib import Path

from review import i18n, output
from review.cli import main

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from review_translations_es import EN, ES  # noqa: E402


def _extracted(tmp_path: Path) -> set[str]:
    from babel.messages.pofile import read_po

    pot = tmp_path / "review.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel-review.cfg",
                    "-k", "_", "-k", "N_", "--no-location", "--omit-header", "-o", str(pot), "."],
                   check=True, cwd=ROOT, capture_output=True)
    with open(pot, "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_every_message_has_spanish_and_the_catalog_is_compiled(tmp_path):
    needed = _extracted(tmp_path) | set(EN) | set(output.catalog_messages())
    assert sorted(needed - set(ES)) == []
    with open(ROOT / "review/translations/es/LC_MESSAGES/review.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, text in ES.items() if compiled.gettext(msgid) != text]
    assert stale == []  # run tools/update_review_translations.py after changing a message


def test_the_cli_speaks_spanish_by_default_and_english_on_request(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("LC_ALL")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["list", str(tmp_path / "no-such-folder")]) == output.EXIT_FILES
    err = capsys.readouterr().err
    assert err.startswith("review: error: no existe ese archivo o carpeta: ")
    assert "review: consejo: revise el nombre y la ruta" in err
    assert main(["list", str(tmp_path / "no-such-folder"), "--lang", "en"]) == output.EXIT_FILES
    assert "review: hint: check the name and the path" in capsys.readouterr().err
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert main(["--help"]) == 0
    assert "exit codes:" in capsys.readouterr().out
    monkeypatch.setenv("LANG", "es_PE.UTF-8")
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    assert "códigos de salida:" in shown and "verificar y descifrar un paquete" in shown


def test_gettext_falls_back_to_english_for_an_unknown_message():
    i18n.set_language("es")
    try:
        assert i18n._("a message nobody translated") == "a message nobody translated"
        assert i18n._("imported: %(count)s", count=3) == "importados: 3"
    finally:
        i18n.set_language("en")


def test_argparse_speaks_the_tools_language_and_is_put_back(monkeypatch, capsys):
    """``review workspace --help`` and a mistyped command in Spanish use
    Spanish for argparse's own words too (they were English: "usage:",
    "options:", "invalid choice"); English on request; argparse's own lookup is
    restored afterwards."""
    import argparse

    before = argparse._
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "es_PE.UTF-8")
    assert main(["workspace", "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("uso: review workspace [-h]")
    assert "\nargumentos:\n" in shown and "\nopciones:\n" in shown
    assert "  -h, --help      mostrar esta ayuda y salir\n" in shown
    assert main(["list", "--status", "abierto", "casos"]) == output.EXIT_USAGE
    assert "review list: error: argumento --status: opción no válida: 'abierto' (elija entre 'new', " \
        in capsys.readouterr().err
    assert main(["import", "paquete.tar", "--lang", "en"]) == output.EXIT_USAGE
    assert "review import: error: the following arguments are required: --key, --out\n" in capsys.readouterr().err
    assert argparse._ is before
