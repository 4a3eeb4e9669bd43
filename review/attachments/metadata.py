"""Revealing metadata of an attachment, listed with Debian's ``exiftool``.

``exiftool -json -G1 -a`` reads every metadata block it knows (EXIF, XMP,
IPTC, PDF info, Office properties …); the fields that can identify a person
or place are kept and classed: ``gps`` (position), ``device`` (make, model,
serial numbers, software), ``author`` (artist, author, creator, owner,
company), ``date`` (capture, creation and change dates) and ``text``
(titles, comments, keywords). The file-system facts exiftool adds about our
own copy (``System``, ``File``, ``ExifTool`` groups) are left out.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

EXIFTOOL = "exiftool"
TIMEOUT_SECONDS = 60
MAX_VALUE_CHARS = 300
_SKIP_GROUPS = {"ExifTool", "System", "File", "SourceFile"}
_CLASSES = (
    ("gps", re.compile(r"^GPS|GPSPosition|Location|City|Country|Sub-?location|Province", re.I)),
    ("device", re.compile(r"^(Make|Model|.*Serial.*|Software|HostComputer|Lens(Make|Model)|Producer|"
                          r"CreatorTool|Creator Tool|Application|AppVersion|DeviceSettingDescription)$", re.I)),
    ("author", re.compile(r"^(Artist|Author|Creator|By-?line|Copyright|Rights|XPAuthor|LastModifiedBy|"
                          r"Company|Manager|OwnerName|CameraOwnerName|Credit|Contact.*)$", re.I)),
    ("date", re.compile(r"Date", re.I)),
    ("text", re.compile(r"^(Title|Subject|Keywords|Comment|UserComment|ImageDescription|Description|"
                        r"XPComment|XPTitle|XPSubject|XPKeywords|Caption-?Abstract|Headline)$", re.I)),
)


class MetadataError(Exception):
    """exiftool is missing, failed or timed out; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class MetaItem:
    """One revealing field: its class, ``Group:Tag`` name, and value as text."""

    kind: str
    name: str
    value: str


def available() -> bool:
    """True if the ``exiftool`` command is installed."""
    return shutil.which(EXIFTOOL) is not None


def read_all(path: Path) -> dict:
    """Every metadata field exiftool reports for ``path`` (``Group:Tag`` -> value).

    :raises MetadataError: ``"missing"``, ``"failed"`` or ``"timeout"``.
    """
    if not available():
        raise MetadataError("missing")
    try:
        done = subprocess.run(
            [EXIFTOOL, "-json", "-G1", "-a", "-charset", "filename=utf8", "--", str(path)],
            capture_output=True, timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise MetadataError("timeout") from exc
    try:
        documents = json.loads(done.stdout.decode("utf-8", "replace"))
    except ValueError as exc:
        raise MetadataError("failed") from exc
    if not isinstance(documents, list) or not documents or not isinstance(documents[0], dict):
        raise MetadataError("failed")
    return documents[0]


def classify(fields: dict) -> list[MetaItem]:
    """The revealing fields of exiftool's output, in a stable order (by class, then name)."""
    found = []
    for name, value in fields.items():
        group, _, tag = name.partition(":")
        if not tag or group in _SKIP_GROUPS:
            continue
        for kind, pattern in _CLASSES:
            if pattern.search(tag):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                found.append(MetaItem(kind, name, text[:MAX_VALUE_CHARS]))
                break
    order = {kind: index for index, (kind, _) in enumerate(_CLASSES)}
    return sorted(found, key=lambda item: (order[item.kind], item.name))


def revealing(path: Path) -> list[MetaItem]:
    """The revealing metadata of ``path`` (see :func:`classify`).

    :raises MetadataError: as :func:`read_all`.
    """
    return classify(read_all(path))
