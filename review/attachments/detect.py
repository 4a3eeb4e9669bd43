"""An attachment's real type, read from its content, and what about it deserves a warning.

The type comes from libmagic (Debian's ``libmagic1``, via ``python-magic``),
never from the name or the type the reporter's device declared; both are
shown beside it. Warnings are short codes (the workspace and ``review``
put them in words):

- ``type_mismatch``: the content is not what the device declared;
- ``extension_mismatch``: the content is not what the file name suggests;
- ``html``, ``svg_script``: a page or drawing that can run script in a browser;
- ``executable``, ``script``: a program (ELF, PE/MZ, Mach-O) or a ``#!`` script;
- ``desktop_entry``, ``windows_shortcut``: a launcher (``.desktop``, ``.lnk``);
- ``office_macros``: an Office document with a VBA project;
- ``pdf_javascript``: a PDF with JavaScript or a launch action (looked for
  in the raw bytes, as pdfid does: a name hidden in a compressed object
  stream is not seen).
"""

from __future__ import annotations

import mimetypes
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import magic

HEAD_BYTES = 64 * 1024
SCAN_BYTES = 64 * 1024 * 1024
EXECUTABLE_TYPES = frozenset({
    "application/x-executable", "application/x-pie-executable", "application/x-sharedlib",
    "application/x-dosexec", "application/x-mach-binary", "application/vnd.microsoft.portable-executable",
    "application/x-msdownload", "application/x-elf", "application/x-msi",
})
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf",
            "text/xml": "application/xml", "image/x-png": "image/png"}
_SVG_SCRIPT = re.compile(rb"<script|\bon[a-z]+\s*=|javascript:|<foreignobject|<iframe|<embed|<object", re.I)
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|RichMedia|XFA)\b")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LNK = b"L\x00\x00\x00\x01\x14\x02\x00"


@dataclass
class TypeReport:
    """``detected`` MIME type (from the content), ``description`` libmagic's
    words, ``declared`` and ``by_extension`` types (``""`` if none),
    ``warnings`` codes in a fixed order."""

    detected: str
    description: str
    declared: str
    by_extension: str
    warnings: list[str] = field(default_factory=list)


def _normal(mime: str) -> str:
    mime = mime.split(";")[0].strip().lower()
    return _ALIASES.get(mime, mime)


def _same(a: str, b: str) -> bool:
    a, b = _normal(a), _normal(b)
    if not a or not b or "application/octet-stream" in (a, b):
        return True  # nothing declared or suggested: nothing to contradict
    if a == b:
        return True
    texts = a.startswith("text/") and b.startswith("text/")
    return texts and "text/html" not in (a, b)


def _scan(path: Path, pattern: re.Pattern) -> bool:
    tail = b""
    with open(path, "rb") as handle:
        read = 0
        while read < SCAN_BYTES and (piece := handle.read(1 << 20)):
            read += len(piece)
            if pattern.search(tail + piece):
                return True
            tail = piece[-64:]
    return False


def _office_macros(path: Path, head: bytes) -> bool:
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                return any(name.lower().endswith("vbaproject.bin") for name in archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
    if head.startswith(_OLE):
        return _scan(path, re.compile(rb"_VBA_PROJECT|M\x00a\x00c\x00r\x00o\x00s\x00|V\x00B\x00A\x00"))
    return False


def inspect(path: Path, declared: object, name: str) -> TypeReport:
    """The :class:`TypeReport` of the file at ``path``.

    ``declared`` is the report's ``content_type`` (any value; non-text is
    ignored), ``name`` the name the file is saved under (for the extension).

    :raises OSError: if the file cannot be read.
    """
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    detected = _normal(magic.from_buffer(head, mime=True) or "application/octet-stream")
    description = magic.from_buffer(head) or ""
    declared_text = _normal(declared) if isinstance(declared, str) else ""
    by_extension = _normal(mimetypes.guess_type(name, strict=False)[0] or "")
    warnings = []
    if not _same(detected, declared_text):
        warnings.append("type_mismatch")
    if not _same(detected, by_extension):
        warnings.append("extension_mismatch")
    lowered = head.lower().lstrip()
    if detected in ("text/html", "application/xhtml+xml") or lowered.startswith((b"<!doctype html", b"<html")) \
            or b"<script" in lowered[:4096]:
        if detected != "image/svg+xml" and b"<svg" not in lowered[:4096]:
            warnings.append("html")
    if (detected == "image/svg+xml" or b"<svg" in lowered[:4096]) and _scan(path, _SVG_SCRIPT):
        warnings.append("svg_script")
    if detected in EXECUTABLE_TYPES or head.startswith((b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")):
        warnings.append("executable")
    elif head.startswith(b"#!"):
        warnings.append("script")
    if b"[desktop entry]" in lowered[:4096] or name.lower().endswith(".desktop"):
        warnings.append("desktop_entry")
    if head.startswith(_LNK) or name.lower().endswith(".lnk"):
        warnings.append("windows_shortcut")
    if _office_macros(path, head) or "macroenabled" in detected:
        warnings.append("office_macros")
    if (detected == "application/pdf" or head.startswith(b"%PDF")) and _scan(path, _PDF_ACTIVE):
        warnings.append("pdf_javascript")
    return TypeReport(detected, description, declared_text, by_extension, warnings)
