"""Getting a reply's text: from a file, or from the reviewer's editor.

The editor is ``$VISUAL``, else ``$EDITOR`` (split like a shell word list,
run without a shell) on a draft file in ``CASES/_outbox/`` (mode 0600, on
the same encrypted disk as the cases, never in /tmp); the draft is deleted
afterwards whatever happens.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
from pathlib import Path

from ..errors import NoEditorError, UsageError
from .document import MAX_TEXT_CHARS
from .outbox import outbox_dir

MAX_FILE_BYTES = 4 * MAX_TEXT_CHARS + 4096


def _read_limited(path: Path) -> str:
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise UsageError("the reply file is far too long")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError("the reply file is not UTF-8 text") from exc


def read_reply_file(path: Path) -> str:
    """The text of ``path`` (UTF-8, an optional BOM dropped).

    :raises UsageError: if it is not UTF-8 or far longer than a reply may be.
    :raises OSError: if it cannot be read.
    """
    return _read_limited(Path(path))


def editor_command(environ: dict | None = None) -> list[str]:
    """The editor command: ``$VISUAL`` or ``$EDITOR``, split like a shell would.

    :raises NoEditorError: if neither is set (or both are blank).
    """
    environ = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        words = shlex.split(environ.get(name, "") or "")
        if words:
            return words
    raise NoEditorError("no editor is set")


def edit_reply(root: Path, command: list[str] | None = None) -> str:
    """Open an empty draft in the editor, wait for it to close, return what it holds.

    :raises NoEditorError: if no editor is set, it cannot be started, or it
        exits with a non-zero status.
    """
    command = command or editor_command()
    draft = outbox_dir(root) / f".draft-{secrets.token_hex(8)}.txt"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    os.close(fd)
    try:
        try:
            finished = subprocess.run([*command, str(draft)], check=False)
        except OSError as exc:
            raise NoEditorError(f"the editor could not be started: {command[0]}") from exc
        if finished.returncode != 0:
            raise NoEditorError("the editor ended with an error")
        return _read_limited(draft)
    finally:
        try:
            os.unlink(draft)
        except FileNotFoundError:
            pass
