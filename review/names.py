"""Safe file names for attachments, whatever the reporter's browser sent.

``attachments[].filename`` in a report is untrusted text in any script; it
may contain ``/``, ``..``, control characters, bidirectional overrides or
names that some systems reserve. :func:`safe_name` turns it into one plain
path component; :func:`assign_names` also removes collisions. Callers still
check resolved paths (defence in depth, see :mod:`review.fsutil`).
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 180
"""Cap on a safe name, in UTF-8 bytes (file systems allow 255; room is left
for the de-duplication suffix and for copying into deeper folders)."""
MAX_EXT_BYTES = 16
FALLBACK = "attachment"

_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{n}" for n in "0123456789¹²³"]
    + [f"LPT{n}" for n in "0123456789¹²³"]
)
_REPLACED = set('/\\<>:"|?*')
_SPACES = re.compile(r"\s+")


def _clean_char(ch: str) -> str:
    if ch in _REPLACED:
        return "_"
    category = unicodedata.category(ch)
    if category[0] == "C" or category in ("Zl", "Zp"):
        return "_"  # controls, bidi overrides, surrogates, unassigned, line separators
    if category == "Zs":
        return " "
    return ch


def _split_ext(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    ext = name[dot:]
    if len(ext.encode("utf-8")) > MAX_EXT_BYTES or not ext[1:].isalnum():
        return name, ""
    return name[:dot], ext


def _cap(stem: str, ext: str, limit: int) -> str:
    stem = stem[:limit]  # every character is at least one byte
    while stem and len((stem + ext).encode("utf-8")) > limit:
        stem = stem[:-1]
    stem = unicodedata.normalize("NFC", stem)
    if not stem.strip(" ."):
        return ""
    return (stem + ext).rstrip(" .")


def safe_name(raw: object, fallback: str = FALLBACK) -> str:
    """One safe path component for an untrusted file name.

    NFC-normalised; ``/``, ``\\``, Windows-reserved punctuation, control and
    format characters (including NUL and bidi overrides) become ``_``;
    leading dots and spaces and trailing dots and spaces are removed (so
    ``.`` and ``..`` vanish and nothing is hidden); a Windows device name
    (``CON``, ``nul.txt``, ``COM1`` …) gets a ``_`` prefix; only the last
    extension keeps its dot (``a.pdf.exe`` becomes ``a_pdf.exe``), runs of
    spaces become one and none is left before the extension (no padded
    ``a.pdf      .exe``); a leading ``-`` becomes ``_``; the result is at
    most :data:`MAX_NAME_BYTES` UTF-8 bytes, keeping a short extension.
    Returns ``fallback`` if nothing is left or ``raw`` is not a string.

    >>> safe_name("../../etc/passwd")
    '____etc_passwd'
    """
    if not isinstance(raw, str):
        return fallback
    text = unicodedata.normalize("NFC", raw)
    text = "".join(_clean_char(ch) for ch in text)
    text = text.strip(" ").lstrip(".").strip(" .")
    if not text:
        return fallback
    stem, ext = _split_ext(text)
    base = stem.split(".")[0].rstrip(" ").upper()
    if base in _RESERVED:
        stem = "_" + stem
    # One extension only, right after the name: "informe.pdf.exe" and
    # "informe.pdf      .exe" must not pass for PDFs in a file manager.
    stem = _SPACES.sub(" ", stem.replace(".", "_")).rstrip(" ")
    if stem.startswith("-"):
        stem = "_" + stem[1:]  # not an option to a command it is passed to
    return _cap(stem, ext, MAX_NAME_BYTES) or fallback


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name.casefold())


def assign_names(raw_names: list[object], fallback: str = FALLBACK) -> list[str]:
    """Safe, distinct names for a list of untrusted names, in the same order.

    Names are compared case-insensitively (for the reviewer's USB sticks and
    other case-insensitive file systems); a repeat becomes ``stem (2).ext``,
    ``stem (3).ext`` …, still within :data:`MAX_NAME_BYTES`.
    """
    taken: set[str] = set()
    result: list[str] = []
    for raw in raw_names:
        name = safe_name(raw, fallback)
        if _fold(name) in taken:
            stem, ext = _split_ext(name)
            counter = 2
            while True:
                suffix = f" ({counter}){ext}"
                candidate = _cap(stem, suffix, MAX_NAME_BYTES) or f"{fallback}{suffix}"
                if _fold(candidate) not in taken:
                    name = candidate
                    break
                counter += 1
        taken.add(_fold(name))
        result.append(name)
    return result
