"""Scanning what the server wrote for bytes that must never be there."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable


def scan(
    roots: Iterable[Path],
    needles: Iterable[bytes],
    skip: Iterable[Path] = (),
    newer_than: float | None = None,
) -> list[tuple[str, bytes]]:
    """Every (file, needle) where a needle occurs in a file under ``roots``.

    Each needle is also searched in UTF-16-LE and as its hex form, so a
    plaintext leaked in another encoding is caught too. Files are read
    whole; symlinks are not followed. With ``newer_than`` (a Unix time),
    only files modified since then are read (for shared directories such as
    /tmp, where only what appeared during a run can be the server's).
    """
    skip = [Path(path).resolve() for path in skip]
    forms = []
    for needle in needles:
        forms.append((needle, needle))
        forms.append((needle, needle.decode("utf-8", "replace").encode("utf-16-le")))
        forms.append((needle, needle.hex().encode("ascii")))
    hits = []
    for root in roots:
        root = Path(root)
        if not root.exists():
            continue
        for dirpath, _dirs, files in os.walk(root, followlinks=False):
            here = Path(dirpath).resolve()
            if any(here == s or s in here.parents for s in skip):
                continue
            for name in files:
                path = Path(dirpath) / name
                if path.is_symlink() or not path.is_file():
                    continue
                try:
                    if newer_than is not None and path.stat().st_mtime < newer_than:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                for needle, form in forms:
                    if form in data:
                        hits.append((str(path), needle))
    return hits
