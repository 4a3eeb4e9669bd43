"""Extract marked strings, merge into each catalog, fill Spanish, compile.

Usage: ``python tools/update_translations.py``. English is the source
language (msgids); Spanish comes from tools/translations_es.py. Exits 1 and
lists the msgids that still lack a Spanish translation.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).parent))
from translations_es import ES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "intake" / "translations"
POT = ROOT / "build" / "messages.pot"


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


def main() -> int:
    POT.parent.mkdir(exist_ok=True)
    run("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--omit-header", "-o", str(POT), ".")
    for lang in ("es", "en"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            run("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang, "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            run("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)
    po = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as handle:
        catalog = read_po(handle, locale="es")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        translation = ES.get(message.id)
        if translation is None:
            missing.append(message.id)
            continue
        if isinstance(translation, tuple):
            # CLDR gives Spanish three plural forms (one, many, other); the "many"
            # form reads like "other" for these messages, so the last form fills the rest.
            translation = translation + (translation[-1],) * (catalog.num_plurals - len(translation))
        message.string = translation
        message.flags.discard("fuzzy")
    with open(po, "wb") as handle:
        write_po(handle, catalog, omit_header=False, width=100)
    run("compile", "-d", str(TRANSLATIONS))
    for msgid in missing:
        print(f"missing Spanish: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
