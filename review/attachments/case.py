"""One case folder's attachments: what each really is, its metadata, its preview, its cleaned copy.

Attachments are found under the names the import gave them (the same
:func:`review.names.assign_names` rules, or, for cases imported by an older
version, the names listed in ``report.txt``). Previews are cached in
``CASES/_workspace/previews/<case folder>/``; cleaned copies are written to
``<case folder>/cleaned/`` beside the untouched originals.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .. import fsutil
from ..names import assign_names
from ..render import readable
from . import derive, detect, metadata

CLEANED_DIR = "cleaned"
PREVIEWS_DIR = "previews"
REVEALING_KINDS = ("gps", "device", "author")
"""Kinds of metadata a cleaned copy must not keep."""


class PreviewError(Exception):
    """No preview can be made for this attachment (no such number, or not an image or PDF)."""


class CleanError(Exception):
    """No cleaned copy could be made; ``code`` is ``"missing"``, ``"unsupported"``,
    ``"failed"`` or ``"residue"`` (metadata survived, so the copy was deleted)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _real_dir(path: Path) -> bool:
    """True if ``path`` is a folder and not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _real_file(path: Path) -> bool:
    """True if ``path`` is a regular file in a real ``attachments``/``cleaned``
    folder: neither the file nor its folder is a link (a case or follow-up
    folder may hold links to files outside the cases folder)."""
    return _real_dir(path.parent) and not path.is_symlink() and path.is_file()


def _entries(report: dict) -> list[dict]:
    entries = report.get("attachments")
    return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []


def saved_names(case_dir: Path, report: dict) -> list[str]:
    """The file name under ``attachments/`` of each attachment entry, in report order."""
    entries = _entries(report)
    names = assign_names([entry.get("filename") for entry in entries])
    folder = case_dir / "attachments"
    if all((folder / name).is_file() for name in names):
        return names
    try:
        text = (case_dir / "report.txt").read_text("utf-8")
    except OSError:
        return names
    listed = re.findall(r"^- attachments/(.+)$", text, re.M)
    return listed if len(listed) == len(entries) else names


def _file(case_dir: Path, report: dict, number: int) -> tuple[Path, str, dict]:
    entries = _entries(report)
    if not 1 <= number <= len(entries):
        raise PreviewError("no such attachment")
    name = saved_names(case_dir, report)[number - 1]
    path = case_dir / "attachments" / name
    if not _real_file(path):
        raise PreviewError("no such file")
    return path, name, entries[number - 1]


def describe_case_attachments(case_dir: Path, report: dict) -> list[dict]:
    """For each attachment of the case: ``saved_as``, ``original_name``,
    ``declared``, ``detected``, ``detected_description``, ``by_extension``,
    ``size``, ``warnings`` (codes of :mod:`.detect`), ``revealing``
    (:class:`~.metadata.MetaItem` list) or ``metadata_error`` (a code),
    ``preview`` and ``cleanable`` (bools), ``cleaned_copy`` (a name or "")."""
    described = []
    names = saved_names(case_dir, report)
    for entry, name in zip(_entries(report), names):
        path = case_dir / "attachments" / name
        info = {"saved_as": name, "original_name": readable(entry.get("filename")),
                "declared": readable(entry.get("content_type")), "size": entry.get("size"),
                "detected": "", "detected_description": "", "by_extension": "", "warnings": [],
                "revealing": [], "metadata_error": "", "preview": False, "cleanable": False,
                "cleaned_copy": ""}
        if not _real_file(path):
            info["metadata_error"] = "missing"
            described.append(info)
            continue
        types = detect.inspect(path, entry.get("content_type"), name)
        info.update(detected=types.detected, detected_description=types.description,
                    by_extension=types.by_extension or "—", warnings=types.warnings)
        try:
            info["revealing"] = metadata.revealing(path)
        except metadata.MetadataError as exc:
            info["metadata_error"] = exc.code
        kind = derive.kind_of(types.detected)
        info["preview"] = kind is not None
        info["cleanable"] = kind is not None
        copy = case_dir / CLEANED_DIR / cleaned_name(name, kind)
        if kind is not None and _real_file(copy):
            info["cleaned_copy"] = copy.name
        described.append(info)
    return described


def cleaned_name(name: str, kind: str | None) -> str:
    """The cleaned copy's name: the original's, with ``.pdf`` for PDFs, ``.png``
    for images re-encoded as PNG."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if kind == "pdf":
        return f"{stem}.pdf"
    if ext.lower() in ("jpg", "jpeg", "webp"):
        return name
    return f"{stem}.png"


def preview_path(root: Path, case_dir: Path, number: int, cache_name: str | None = None) -> Path:
    """A PNG preview of attachment ``number`` (1-based), made once and cached
    in ``root/_workspace/previews/<cache_name>/`` (``cache_name`` defaults to the
    case folder's name; a follow-up folder ``CASE/followups/NN`` passes
    ``CASE.followup-NN.<its submission id>`` so its previews never mix with
    the case's, nor with those of an earlier follow-up once filed as ``NN``).

    :raises PreviewError: if there is no such attachment or it is not an
        image or PDF, or the preview cannot be made.
    """
    from ..casefolder import read_case_report

    report = read_case_report(case_dir)
    if report is None:
        raise PreviewError("no report")
    path, _, entry = _file(case_dir, report, number)
    kind = derive.kind_of(detect.inspect(path, entry.get("content_type"), path.name).detected)
    if kind is None:
        raise PreviewError("no preview for this type")
    try:
        folder = fsutil.ensure_dir(fsutil.ensure_dir(root / "_workspace" / PREVIEWS_DIR) / (cache_name or case_dir.name))
    except OSError as exc:  # a link or a file where the cache folder should be
        raise PreviewError("no preview cache folder") from exc
    dest = folder / f"{number}.png"
    if dest.is_file() and not dest.is_symlink():
        return dest
    try:
        return derive.make(f"{kind}-preview", path, dest)
    except derive.DeriveError as exc:
        raise PreviewError(str(exc)) from exc


def clean_attachment(case_dir: Path, number: int) -> Path:
    """Make (or find) the cleaned copy of attachment ``number`` (1-based) in
    ``case_dir/cleaned/``; the original is not changed. The copy is checked
    with exiftool: if any GPS, device or author field survived it is deleted.

    :raises CleanError: see its codes.
    """
    from ..casefolder import read_case_report

    report = read_case_report(case_dir)
    if report is None:
        raise CleanError("missing")
    try:
        path, name, entry = _file(case_dir, report, number)
    except PreviewError as exc:
        raise CleanError("missing") from exc
    kind = derive.kind_of(detect.inspect(path, entry.get("content_type"), name).detected)
    if kind is None:
        raise CleanError("unsupported")
    try:
        folder = fsutil.ensure_dir(case_dir / CLEANED_DIR)
    except OSError as exc:  # a link or a file named "cleaned": nothing is written through it
        raise CleanError("failed") from exc
    dest = folder / cleaned_name(name, kind)
    if dest.is_file() and not dest.is_symlink():
        return dest
    try:
        derive.make(f"{kind}-clean", path, dest)
    except derive.DeriveError as exc:
        raise CleanError("failed") from exc
    try:
        left = [item for item in metadata.revealing(dest) if item.kind in REVEALING_KINDS]
    except metadata.MetadataError:
        left = []
    if left:
        os.unlink(dest)
        raise CleanError("residue")
    return dest
