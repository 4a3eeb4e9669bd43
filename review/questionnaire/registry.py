"""Finding the schema document a report was made with.

A report names its questionnaire by id, version and SHA-256
(docs/QUESTIONNAIRE.md, "In a report"); the document comes from the bundle
that carried the report, from the output folder's ``_questionnaires/``
(where ``review import`` files every document a bundle carries), or from
the copies shipped in ``builtin/``. A report with no ``questionnaire``
member was made with version 1 of the default questionnaire.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Iterable, Mapping

from .reader import LEGACY_REF, MAX_BYTES, Schema, SchemaError, parse_schema

BUILTIN = Path(__file__).parent / "builtin"
FOLDER = "_questionnaires"
_NAME = re.compile(r"^([0-9a-f]{64})\.json$")


class Registry:
    """Schema documents by SHA-256; starts with the shipped ones."""

    def __init__(self, documents: Iterable[bytes] = ()) -> None:
        self._by_sha: dict[str, Schema] = {}
        self._legacy: list[Schema | None] = []  # for_report's answer for reports naming none, once found
        for path in sorted(BUILTIN.glob("*.json")):
            self.add(path.read_bytes())
        for data in documents:
            self.add(data)

    def add(self, data: bytes, sha256: str | None = None) -> Schema:
        """Add one document (checked against ``sha256`` if given); returns it.

        :raises SchemaError: if the document is malformed or mismatched.
        """
        schema = parse_schema(data, sha256)
        self._by_sha.setdefault(schema.sha256, schema)
        self._legacy.clear()
        return self._by_sha[schema.sha256]

    def add_folder(self, outdir: str | Path) -> list[str]:
        """Add every ``OUTDIR/_questionnaires/<sha256>.json``; returns the names skipped as invalid."""
        folder = Path(outdir) / FOLDER
        skipped: list[str] = []
        if not folder.is_dir() or folder.is_symlink():
            return skipped
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            match = _NAME.match(entry.name)
            if not match or not entry.is_file(follow_symlinks=False) or entry.stat().st_size > MAX_BYTES:
                continue
            try:
                self.add(Path(entry.path).read_bytes(), match.group(1))
            except (SchemaError, OSError):
                skipped.append(entry.name)
        return skipped

    def schemas(self) -> list[Schema]:
        """Every known schema, by id then version."""
        return sorted(self._by_sha.values(), key=lambda s: (s.id, s.version, s.sha256))

    def get(self, sha256: str) -> Schema | None:
        """The schema with this SHA-256, or None."""
        return self._by_sha.get(sha256)

    def for_report(self, report: Mapping) -> Schema | None:
        """The schema ``report`` was made with, or None if it is not known here."""
        ref = report.get("questionnaire")
        if ref is None:
            if not self._legacy:
                legacy = [s for s in self._by_sha.values()
                          if s.id == LEGACY_REF["id"] and s.version == LEGACY_REF["version"]]
                self._legacy.append(min(legacy, key=lambda s: s.sha256) if legacy else None)
            return self._legacy[0]
        if isinstance(ref, Mapping) and isinstance(ref.get("sha256"), str):
            return self._by_sha.get(ref["sha256"])
        return None


def save(outdir: str | Path, documents: Mapping[str, bytes]) -> None:
    """File each document (SHA-256 -> canonical bytes) as ``OUTDIR/_questionnaires/<sha256>.json``, once."""
    if not documents:
        return
    folder = Path(outdir) / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    for sha256, data in documents.items():
        if hashlib.sha256(data).hexdigest() != sha256:
            raise SchemaError("the questionnaire does not match its SHA-256")
        target = folder / f"{sha256}.json"
        if target.exists():
            continue
        temp = folder / f".{sha256}.json.part"
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
