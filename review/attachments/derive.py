"""Safe derivatives of an attachment, made in a limited child process (:mod:`.sandbox`).

Previews and cleaned copies are written under a temporary name in their
destination folder and renamed into place once complete; a failure leaves
nothing behind. The child runs with a minimal environment, ``python -I``
(no user site, no environment variables of Python), no standard input and a
time limit.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

SANDBOX = Path(__file__).resolve().with_name("sandbox.py")
TIMEOUT_SECONDS = 150
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff", "image/bmp"})
PDF_TYPES = frozenset({"application/pdf"})


class DeriveError(Exception):
    """The child could not make the derivative (unreadable file, timeout, unsupported type)."""


def kind_of(mime: str) -> str | None:
    """``"image"``, ``"pdf"`` or None for a detected MIME type."""
    if mime in IMAGE_TYPES:
        return "image"
    if mime in PDF_TYPES:
        return "pdf"
    return None


def make(mode: str, source: Path, dest: Path) -> Path:
    """Run the sandbox in ``mode`` on ``source``; the result lands at ``dest``.

    Both paths are made absolute first (without following links): the child
    runs in ``dest``'s folder, where a path relative to the reviewer's folder
    (``review clean casos/2026-11-29_9f0c4e1a``) would name nothing.

    :raises DeriveError: if the child fails or times out.
    """
    source, dest = Path(os.path.abspath(source)), Path(os.path.abspath(dest))
    temp = dest.with_name(f".{secrets.token_hex(8)}.part{dest.suffix}")
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(dest.parent),
           "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(dest.parent)}
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-B", str(SANDBOX), mode, str(source), str(temp)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=TIMEOUT_SECONDS, cwd=str(dest.parent),
        )
    except subprocess.TimeoutExpired as exc:
        _remove(temp)
        raise DeriveError("timeout") from exc
    if done.returncode != 0 or not temp.is_file():
        _remove(temp)
        raise DeriveError("failed")
    os.replace(temp, dest)
    return dest


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
