"""Careful file-system writes for plaintext on the reviewer's laptop.

Everything the import writes is created fresh (``O_EXCL``), never through a
symbolic link (``O_NOFOLLOW``, ``lstat``), with owner-only modes, inside a
directory whose resolved path is checked to lie under the output folder,
and is ``fsync``-ed before it is renamed into place.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def is_inside(root: Path, path: Path) -> bool:
    """True if ``path``, fully resolved, is ``root`` or lies under it.

    ``root`` must already be resolved.
    """
    try:
        path.resolve(strict=False).relative_to(root)
    except ValueError:
        return False
    return True


def check_component(name: str) -> None:
    """Refuse anything that is not one plain path component.

    :raises ValueError: for ``""``, ``.``, ``..``, or a name with ``/``, ``\\`` or NUL.
    """
    if name in ("", ".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"not a single path component: {name!r}")


def make_dir(parent: Path, name: str, root: Path) -> Path:
    """Create ``parent/name`` (mode 0700) and return it; it must not exist.

    :raises ValueError: if ``name`` is not one component or the result is
        outside ``root``.
    :raises FileExistsError: if it exists (also as a link).
    """
    check_component(name)
    path = parent / name
    if not is_inside(root, path):
        raise ValueError(f"refusing to write outside the output folder: {path}")
    os.mkdir(path, DIR_MODE)
    return path


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if missing; refuse a symbolic link or a non-folder.

    :raises NotADirectoryError: if ``path`` is a link or not a folder.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        os.mkdir(path, DIR_MODE)
        return path
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a folder (or a link to one)", str(path))
    return path


def create_file(directory: Path, name: str, root: Path) -> BinaryIO:
    """Open a new file ``directory/name`` for binary writing (mode 0600).

    Never follows a link and never overwrites.

    :raises ValueError: if ``name`` is not one component or the path escapes ``root``.
    :raises FileExistsError: if the name is taken.
    """
    check_component(name)
    path = directory / name
    if not is_inside(root, path) or path.resolve().parent != directory.resolve():
        raise ValueError(f"refusing to write outside the output folder: {path}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE)
    return os.fdopen(fd, "wb")


def finish_file(handle: BinaryIO) -> None:
    """Flush, ``fsync`` and close a file from :func:`create_file`."""
    try:
        handle.flush()
        os.fsync(handle.fileno())
    finally:
        handle.close()


def write_file(directory: Path, name: str, root: Path, data: bytes) -> None:
    """Create ``directory/name`` holding ``data``, fsync-ed (see :func:`create_file`)."""
    handle = create_file(directory, name, root)
    try:
        handle.write(data)
    finally:
        finish_file(handle)


def fsync_dir(path: Path) -> None:
    """``fsync`` a folder so that renames and new entries in it are durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_tree(path: Path) -> None:
    """Delete ``path`` if it exists: a folder recursively (links inside are
    removed, never followed), a file or link by unlinking it."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def open_dir(name: str | Path, dir_fd: int | None = None) -> int:
    """An ``O_DIRECTORY | O_NOFOLLOW`` descriptor of folder ``name`` (relative to
    ``dir_fd`` if given); the caller closes it.

    :raises NotADirectoryError: if it is not a folder; ``OSError`` (ELOOP) if it is a link.
    """
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
    return os.open(name, flags, dir_fd=dir_fd)


def lexists_at(dir_fd: int, name: str) -> bool:
    """True if ``name`` exists in the folder ``dir_fd`` (a link too, never followed).

    :raises OSError: for an error other than "no such file".
    """
    try:
        os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    return True


def make_dir_at(dir_fd: int, name: str) -> int:
    """Create folder ``name`` (0700) inside the folder ``dir_fd`` and return its
    descriptor. ``name`` must be one component; an existing name (a link too) fails.

    :raises ValueError: for a name that is not one component.
    :raises FileExistsError: if taken.
    """
    check_component(name)
    os.mkdir(name, DIR_MODE, dir_fd=dir_fd)
    return open_dir(name, dir_fd)


def create_at(dir_fd: int, name: str) -> BinaryIO:
    """A new file ``name`` (0600) in the folder ``dir_fd``, opened for binary writing.

    Never follows a link, never overwrites (``O_EXCL``); not ``fsync``-ed
    (the importer makes a whole batch durable with :func:`sync_filesystem`).

    :raises ValueError: for a name that is not one component.
    :raises FileExistsError: if taken.
    """
    check_component(name)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE, dir_fd=dir_fd)
    return os.fdopen(fd, "wb")


def write_at(dir_fd: int, name: str, data: bytes) -> None:
    """Create ``name`` in the folder ``dir_fd`` holding ``data`` (as :func:`create_at`,
    written straight to the descriptor)."""
    check_component(name)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE, dir_fd=dir_fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def sync_filesystem(path: Path) -> None:
    """Make everything written on ``path``'s file system durable: Linux
    ``syncfs(2)`` on a descriptor of ``path``, else ``sync()``.

    One call replaces an ``fsync`` per file and folder of a whole batch of
    new case folders (written under temporary names, renamed only after this).
    """
    fd = open_dir(path)
    try:
        syncfs = _libc_syncfs()
        if syncfs is None or syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


_SYNCFS: list = []


def _libc_syncfs():
    if not _SYNCFS:
        try:
            import ctypes

            function = ctypes.CDLL(None, use_errno=True).syncfs
            function.argtypes = [ctypes.c_int]
            _SYNCFS.append(function)
        except (OSError, AttributeError):
            _SYNCFS.append(None)
    return _SYNCFS[0]
