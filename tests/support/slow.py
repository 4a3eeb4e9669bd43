"""An upload that trickles in over a raw socket, and the worker process it lands on.

For fault tests: the multipart body of a real form submission (with the
session cookie and CSRF token of a real GET) is sent piece by piece, so a
test can stop at any byte and kill the gunicorn worker holding the
connection. The worker is found the way ``ss -p`` does it: the TCP
connection's socket inode from /proc/net/tcp, then the process whose
/proc/PID/fd links to that inode.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import requests
from urllib3 import encode_multipart_formdata

from tests.support.submit import csrf_token

CHUNK = 16 * 1024  # bytes per send()


class SlowUpload:
    """One no-JavaScript form submission sent by hand over a socket.

    ``fields`` are form fields (lists for repeated names); ``files`` are
    ``(filename, bytes, content type)`` for the ``attachments`` input.
    :attr:`file_offset` is where the first file's bytes start in the body.
    """

    def __init__(self, base_url: str, port: int, fields: dict[str, object], files: list[tuple[str, bytes, str]]) -> None:
        with requests.Session() as session:  # closed now: its connection is gone before the upload's opens
            page = session.get(base_url + "/", timeout=30)
            page.raise_for_status()
            cookies = "; ".join(f"{key}={value}" for key, value in session.cookies.items())
        parts: list[tuple[str, object]] = [("csrf_token", csrf_token(page.text))]
        for name, value in fields.items():
            for item in value if isinstance(value, list) else [value]:
                parts.append((name, str(item)))
        parts += [("attachments", spec) for spec in files]
        self.body, content_type = encode_multipart_formdata(parts)
        self.file_offset = self.body.index(files[0][1][:64]) if files else len(self.body)
        self.head = (
            f"POST /submit HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookies}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(self.body)}\r\n\r\n"
        ).encode("ascii")
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sent = 0

    @property
    def client_port(self) -> int:
        """The local TCP port of this connection."""
        return self.sock.getsockname()[1]

    def send_until(self, end: int, pause: float = 0.002) -> None:
        """Send the request head (once) and the body up to byte ``end``, slowly."""
        if self.sent == 0:
            self.sock.sendall(self.head)
        while self.sent < end:
            piece = self.body[self.sent : min(end, self.sent + CHUNK)]
            self.sock.sendall(piece)
            self.sent += len(piece)
            time.sleep(pause)

    def finish(self) -> bytes:
        """Send the rest of the body; return the raw response (status line and headers)."""
        self.send_until(len(self.body))
        return self.read_response()

    def read_response(self, timeout: float = 30) -> bytes:
        """Whatever the server sends until it closes or the headers end; b"" if it
        closed without a byte (connection reset counts as closed)."""
        self.sock.settimeout(timeout)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                piece = self.sock.recv(65536)
                if not piece:
                    break
                data += piece
        except ConnectionResetError:
            pass
        return data

    def close(self) -> None:
        """Close the client's socket."""
        self.sock.close()


def _inode(server_port: int, client_port: int) -> str | None:
    wanted_local, wanted_remote = f":{server_port:04X}", f":{client_port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(wanted_local) and fields[2].endswith(wanted_remote):
                return fields[9]
    return None


def worker_holding(pids: list[int], server_port: int, client_port: int, timeout: float = 10) -> int:
    """The pid among ``pids`` that holds the accepted connection from ``client_port``.

    :raises TimeoutError: if no worker has accepted it within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inode = _inode(server_port, client_port)
        if inode is not None and inode != "0":
            target = f"socket:[{inode}]"
            for pid in pids:
                try:
                    fds = os.listdir(f"/proc/{pid}/fd")
                except OSError:
                    continue
                for fd in fds:
                    try:
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                            return pid
                    except OSError:
                        continue
        time.sleep(0.01)
    raise TimeoutError(f"no worker accepted the connection from port {client_port}")
