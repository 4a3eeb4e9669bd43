"""Build the review tool's catalogs: extract, fill Spanish (and English keyed texts), compile.

Usage: ``python tools/update_review_translations.py``. English is the source
language; Spanish comes from tools/review_translations_es.py (``ES``, which
takes in the return path's texts from tools/review_translations_es_replies.py
and resguardo-backup's, deploy/backup, from tools/review_translations_es_backup.py),
and messages whose msgid is a key (``status:new``, ``warning:html`` …) get their
English words from ``EN`` there. Writes
``review/translations/{es,en}/LC_MESSAGES/review.po`` and ``.mo``. Exits 1
and lists the msgids that lack a Spanish translation.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).parent))
from review_translations_es import EN, ES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "review" / "translations"
POT = ROOT / "build" / "review.pot"


def extracted() -> list[str]:
    """Every msgid marked in review/ (``_``, ``N_``) and the workspace templates."""
    POT.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel-review.cfg",
                    "-k", "_", "-k", "N_", "--no-location", "--omit-header", "-o", str(POT), "."],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(POT, "rb") as handle:
        return [message.id for message in read_po(handle) if message.id and isinstance(message.id, str)]


def from_tables() -> list[str]:
    """Texts shown translated that are not literal ``_()`` calls: review.output's
    error explanations and exit codes, the status words of review.workspace.triage."""
    sys.path.insert(0, str(ROOT))
    from review.output import catalog_messages

    return catalog_messages()


def main() -> int:
    needed = set(extracted()) | set(EN) | set(from_tables())
    missing = sorted(msgid for msgid in needed if msgid not in ES)
    ids = sorted(needed | set(ES))  # ES also holds texts used inside f-strings, which Babel cannot see
    for language, table in (("es", ES), ("en", EN)):
        catalog = Catalog(locale=language, domain="review", project="resguardo-review")
        for msgid in ids:
            catalog.add(msgid, table.get(msgid, ""))
        folder = TRANSLATIONS / language / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "review.po", "wb") as handle:
            write_po(handle, catalog, width=100, omit_header=True)
        with open(folder / "review.mo", "wb") as handle:
            write_mo(handle, catalog)
    for msgid in missing:
        print(f"missing Spanish: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
