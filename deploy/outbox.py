"""The outbox: a read-only download page for export bundles, for a VPS with no USB port.

A separate WSGI app (``gunicorn deploy.outbox:app`` on its own loopback port,
``deploy/systemd/resguardo-outbox.service``), published as its own onion
service with client authorization only (``resguardo-onion publish
--require-client-auth``, ``deploy/systemd/resguardo-onion-outbox.service``):
nothing of it is reachable from the public submission site, and only the
reviewers' transfer machines holding a client key can even find its address.

It serves the bundle files that ``resguardo export --out OUTBOX`` wrote into
``RESGUARDO_OUTBOX_DIR`` (default ``/var/lib/resguardo-outbox``) and nothing
else (and encrypted backups an operator copies there): ``GET /`` lists them,
``GET /resguardo-bundle-….tar`` streams one.
Names that are not export bundle names, links and anything but a regular
file are 404; methods other than GET and HEAD are 405. Bundles are
ciphertext sealed to the reviewers; the onion circuit encrypts the transfer.
docs/OPERATIONS.md ("Move bundles off a server without a USB port").
"""

from __future__ import annotations

import html
import os
import re
import stat
from pathlib import Path

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

DEFAULT_DIR = "/var/lib/resguardo-outbox"
BUNDLE_NAME = re.compile(r"resguardo-bundle-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{8}\.tar"
                         r"|resguardo-backup-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{8}\.backup")
"""Export bundles (``resguardo export``) and encrypted backups (``resguardo-backup create``)."""
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def bundles(directory: Path) -> list[tuple[str, int]]:
    """``(name, size in bytes)`` of every bundle file in ``directory``, by name."""
    found = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if BUNDLE_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                found.append((entry.name, entry.stat(follow_symlinks=False).st_size))
    return sorted(found)


def _listing(directory: Path) -> Response:
    rows = "".join(
        f'<li><a href="/{html.escape(name)}" download>{html.escape(name)}</a> ({size} bytes)</li>'
        for name, size in bundles(directory)
    ) or "<li>ninguno / none</li>"
    page = ('<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Resguardo: paquetes / bundles'
            '</title></head><body><h1>Paquetes para revisión / Bundles for review</h1>'
            "<p>Descargue cada archivo y llévelo a la computadora sin red. "
            "Download each file and carry it to the offline laptop.</p>"
            f"<ul>{rows}</ul></body></html>")
    return Response(page, content_type="text/html; charset=utf-8")


def _download(environ: dict, directory: Path, name: str) -> Response:
    if not BUNDLE_NAME.fullmatch(name):
        raise NotFound()
    try:
        fd = os.open(directory / name, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        raise NotFound() from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise NotFound()
    handle = os.fdopen(fd, "rb")
    kind = "application/x-tar" if name.endswith(".tar") else "application/octet-stream"
    return Response(wrap_file(environ, handle, buffer_size=64 * 1024), content_type=kind,
                    direct_passthrough=True,
                    headers={"Content-Length": str(info.st_size),
                             "Content-Disposition": f'attachment; filename="{name}"'})


def make_app(directory: str | os.PathLike | None = None):
    """The WSGI app serving ``directory`` (default ``$RESGUARDO_OUTBOX_DIR`` or :data:`DEFAULT_DIR`)."""
    root = Path(directory or os.environ.get("RESGUARDO_OUTBOX_DIR") or DEFAULT_DIR)

    @Request.application
    def application(request: Request) -> Response:
        try:
            if request.method not in ("GET", "HEAD"):
                raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
            path = request.path
            response = _listing(root) if path == "/" else _download(request.environ, root, path[1:])
        except HTTPException as exc:
            response = Response(f"{exc.code}\n", status=exc.code, content_type="text/plain; charset=utf-8")
            if isinstance(exc, MethodNotAllowed):
                response.headers["Allow"] = "GET, HEAD"
        response.headers.update(HEADERS)
        return response

    return application


app = make_app()
