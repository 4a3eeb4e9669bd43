"""The case index: one SQLite file (with an FTS5 full-text table) per cases folder.

``CASES/_workspace/index.sqlite3`` holds, per case folder, what the list and
the filters need (day received, incident-type codes, region, affected
people, number of attachments, the start of the description, the number of
follow-ups filed in the case) and the decrypted
text of the report and its follow-ups for full-text search (SQLite FTS5, ``unicode61`` tokenizer
with diacritics removed, so ``mineria`` finds ``minería``). It is a cache:
:func:`sync` brings it in line with the case folders (adds new ones, drops
vanished ones) in one directory scan, and deleting the file only costs a
rebuild. It lives on the same encrypted disk as the cases, holds nothing the
case folders do not, and is never exported. SQLite keeps its temporary data
in memory (``temp_store``), so nothing is written outside the folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

from ..casefolder import read_case_report
from ..failed import FAILED_DIR
from ..followups import followup_dirs
from ..labels import CODED_FIELDS, coded_answer
from ..questionnaire import Registry, is_urgent

WORKSPACE_DIR = "_workspace"
INDEX_FILE = "index.sqlite3"
SCHEMA_VERSION = "6"
SUMMARY_CHARS = 200
_JSON = json.JSONEncoder(ensure_ascii=False)
"""``json.dumps(..., ensure_ascii=False)``'s encoder, made once, not per case."""
CASE_FOLDER = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})_([0-9a-f]{8}|[0-9a-f]{32})\Z")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY,
    folder TEXT NOT NULL UNIQUE,
    submission_id TEXT NOT NULL,
    received_on TEXT NOT NULL,
    incident_types TEXT NOT NULL,
    region TEXT NOT NULL,
    affected TEXT NOT NULL,
    attachments INTEGER NOT NULL,
    language TEXT NOT NULL,
    summary TEXT NOT NULL,
    danger INTEGER NOT NULL DEFAULT 0 CHECK (danger IN (0, 1)),
    followups INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS cases_received ON cases (received_on);
CREATE INDEX IF NOT EXISTS cases_submission ON cases (submission_id);
CREATE VIRTUAL TABLE IF NOT EXISTS cases_text USING fts5 (
    body, tokenize = 'unicode61 remove_diacritics 2'
);
"""


def workspace_dir(root: Path) -> Path:
    """``root/_workspace`` (created, mode 0700, if missing; a link is refused).

    :raises NotADirectoryError: if it exists and is not a real folder.
    """
    from .. import fsutil

    return fsutil.ensure_dir(Path(root) / WORKSPACE_DIR)


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the SQLite file ``path`` (created 0600), temporary data in memory."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600))
    connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _remove_index(path: Path) -> None:
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).unlink()


def _open(root: Path, attempt: int = 0) -> sqlite3.Connection:
    path = workspace_dir(root) / INDEX_FILE
    connection = connect(path)
    try:
        # A cache: write-ahead log without an fsync per commit (a crash may lose
        # the last rows, which the next sync() adds again from the case folders).
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.executescript(_SCHEMA)
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            connection.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise sqlite3.DatabaseError("index of another schema version")
    except sqlite3.DatabaseError:
        connection.close()
        if attempt:
            raise
        _remove_index(path)  # a damaged or outdated cache: rebuilt from the case folders
        return _open(root, attempt + 1)
    return connection


@contextlib.contextmanager
def opened(root: Path) -> Iterator[sqlite3.Connection]:
    """The index of the cases folder ``root`` (created if missing), closed after use."""
    connection = _open(Path(root))
    try:
        yield connection
    finally:
        connection.close()


def _strings(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v if isinstance(v, str) else str(v) for v in values if v not in (None, "")]


def _text_of(report: dict) -> str:
    """Everything searchable in a report: every answer (coded ones by their
    names in both languages, and the codes), attachment names."""
    fields = report.get("fields") if isinstance(report.get("fields"), dict) else {}
    parts: list[str] = []
    for name, value in fields.items():
        parts += _strings(value)
        if name in CODED_FIELDS:
            for language in ("es", "en"):
                parts += coded_answer(name, value, language)
    for entry in report.get("attachments") or []:
        if isinstance(entry, dict) and isinstance(entry.get("filename"), str):
            parts.append(entry["filename"])
    return "\n".join(parts)


def case_followups(case_dir: Path) -> list[dict]:
    """The decrypted follow-up reports filed in ``case_dir`` (``followups/01`` …), in
    order; unreadable ones are skipped (the case page names them)."""
    found = []
    for folder in followup_dirs(Path(case_dir)):
        report = read_case_report(folder)
        if report is not None:
            found.append(report)
    return found


def _details(report: dict, registry: Registry, followups: list[dict] = ()) -> tuple:
    """The columns of a case's row after its folder and day (see ``_COLUMNS``)."""
    fields = report.get("fields") if isinstance(report.get("fields"), dict) else {}
    # The reporter's own answer to the questionnaire's urgency question (the
    # default asks first whether anyone is in immediate danger now).
    danger = is_urgent(registry.for_report(report), fields)
    attachments = report.get("attachments")
    description = " ".join(" ".join(_strings(fields.get("description"))).split())
    return (
        str(report.get("submission_id", "")),
        _JSON.encode(_strings(fields.get("incident_types"))),
        " ".join(_strings(fields.get("region"))),
        " ".join(_strings(fields.get("affected"))),
        len(attachments) if isinstance(attachments, list) else 0,
        str(report.get("language", "")),
        description if len(description) <= SUMMARY_CHARS else description[: SUMMARY_CHARS - 1].rstrip() + "…",
        int(danger),
        len(followups),
    )


def _received(folder: str) -> str:
    match = CASE_FOLDER.match(folder)
    return match.group(1) if match else ""


_COLUMNS = ("folder, received_on, submission_id, incident_types, region, affected, attachments, language,"
            " summary, danger, followups")


def new_case_entry(report: dict, registry: Registry) -> tuple:
    """What the index keeps of a case just imported (no follow-ups yet) apart
    from its folder's name: (the rest of its row, its searchable text).

    Made where the report was decrypted (an import's worker process) and
    handed to :func:`record_cases` with the folder the case was renamed to;
    ``registry`` as for :func:`record_cases`.
    """
    return _details(report, registry), _text_of(report)


def _delete(connection: sqlite3.Connection, folders: Iterable[str]) -> None:
    for folder in folders:
        row = connection.execute("SELECT id FROM cases WHERE folder = ?", (folder,)).fetchone()
        if row is not None:
            connection.execute("DELETE FROM cases_text WHERE rowid = ?", row)
            connection.execute("DELETE FROM cases WHERE id = ?", row)


def folder_registry(root: Path) -> Registry:
    """The shipped questionnaires and those filed under ``root`` (``_questionnaires/``)."""
    registry = Registry()
    registry.add_folder(root)
    return registry


def _insert(connection: sqlite3.Connection, pairs: Iterable[tuple[str, dict]], root: Path,
            registry: Registry | None = None, *, new: bool = False) -> None:
    """Add or replace the rows of ``pairs`` (folder name, report) in one
    transaction. The questionnaires of ``registry`` (default:
    :func:`folder_registry` of ``root``) tell which answer means immediate
    danger. Each case's follow-ups are read from its folder: counted, and
    their text searchable (unless ``new``: folders just created, which hold
    none yet)."""
    pairs = list(pairs)
    followups = {folder: [] if new else case_followups(root / folder) for folder, _ in pairs}
    if registry is None:
        registry = folder_registry(root)
    _write(connection, [(folder, _details(report, registry, followups[folder]),
                         "\n".join([_text_of(report), *(_text_of(f) for f in followups[folder])]))
                        for folder, report in pairs])


def _write(connection: sqlite3.Connection, cases: list[tuple[str, tuple, str]]) -> None:
    """Add or replace ``cases`` (folder name, :func:`_details`, searchable text)
    in one transaction (ids assigned here, so both tables are filled with one
    ``executemany`` each)."""
    connection.execute("BEGIN")
    try:
        folders = [folder for folder, _, _ in cases]
        existing = [row[0] for chunk in range(0, len(folders), 500) for row in connection.execute(
            f"SELECT folder FROM cases WHERE folder IN ({','.join('?' * len(folders[chunk:chunk + 500]))})",
            folders[chunk:chunk + 500])]
        _delete(connection, existing)
        start = connection.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()[0] + 1
        connection.executemany(
            f"INSERT INTO cases (id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(start + n, folder, _received(folder), *details) for n, (folder, details, _) in enumerate(cases)])
        connection.executemany("INSERT INTO cases_text (rowid, body) VALUES (?, ?)",
                               [(start + n, text) for n, (_, _, text) in enumerate(cases)])
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _record(root: Path, write) -> None:
    try:
        with opened(root) as connection:
            write(connection)
    except sqlite3.Error:
        # A cache: a damaged file is deleted, sync() rebuilds it later; the import goes on.
        with contextlib.suppress(OSError):
            (Path(root) / WORKSPACE_DIR / INDEX_FILE).unlink()


def record_cases(root: Path, pairs: list[tuple[str, dict]], registry: Registry | None = None, *,
                 new: bool = False) -> None:
    """Add freshly imported cases (folder name, decrypted report) to the index.

    ``registry``: :func:`folder_registry` of ``root``, if the caller already
    has it (an import records a batch at a time and reads the folder once).
    ``new``: the folders were just renamed into place and hold no follow-ups
    yet (their ``followups/`` is not looked for; a follow-up filed later
    records its case again).
    The index is a cache: if it cannot be written (damaged file), it is
    deleted and :func:`sync` rebuilds it later; the import goes on.
    """
    if pairs:
        _record(root, lambda connection: _insert(connection, pairs, Path(root), registry, new=new))


def record_new_cases(root: Path, entries: list[tuple[str, tuple]]) -> None:
    """Add cases just renamed into place, given as (folder name, its
    :func:`new_case_entry`), to the index (as :func:`record_cases` with ``new``)."""
    if entries:
        _record(root, lambda connection: _write(
            connection, [(folder, details, text) for folder, (details, text) in entries]))


def sync(connection: sqlite3.Connection, root: Path) -> tuple[list[str], int]:
    """Bring the index in line with the case folders under ``root``.

    One scan of ``root``: folders named like cases and absent from the index
    are read (``report.json``) and added; index rows whose folder is gone are
    dropped. Links are never followed. Returns (names of case-like folders
    whose report.json is unreadable, number of submissions in ``_failed``).

    :raises OSError: if ``root`` cannot be read.
    """
    root = Path(root)
    present: set[str] = set()
    failed = 0
    with os.scandir(root) as entries:
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if entry.name == FAILED_DIR:
                with os.scandir(entry.path) as kept:
                    failed = sum(1 for k in kept if k.is_dir(follow_symlinks=False)
                                 and not k.name.startswith("."))
            elif CASE_FOLDER.match(entry.name):
                present.add(entry.name)
    known = {row[0] for row in connection.execute("SELECT folder FROM cases")}
    broken: list[str] = []
    new: list[tuple[str, dict]] = []
    for name in sorted(present - known):
        report = read_case_report(root / name)
        if report is None:
            broken.append(name)
        else:
            new.append((name, report))
    gone = known - present
    if gone:
        connection.execute("BEGIN")
        _delete(connection, gone)
        connection.execute("COMMIT")
    if new:
        _insert(connection, new, root)
    return broken, failed


def fts_query(text: str) -> str | None:
    """An FTS5 query matching every word of ``text`` (as a prefix), or None if
    it has no word. Only word characters are kept and each word is quoted,
    so no FTS5 syntax of the input is interpreted: ``minería OR "x`` becomes
    ``"minería"* "OR"* "x"*``."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words[:16])
