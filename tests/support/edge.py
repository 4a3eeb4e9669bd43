"""HAProxy as the edge in tests: deploy/haproxy.cfg with loopback ports, run in the foreground."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from tests.support.live import ROOT, free_port


def render(servers: list[int], port: int, overrides: dict[str, str] | None = None,
           stats_port: int | None = None) -> str:
    """deploy/haproxy.cfg with its frontend on ``127.0.0.1:port``, one ``server``
    line per port in ``servers``, and ``timeout`` lines replaced by ``overrides``
    (``{"http-request": "2s"}``); with ``stats_port``, HAProxy's stats socket
    (its CLI, read-only level) on ``127.0.0.1:stats_port`` as well (for :func:`sessions`)."""
    text = (ROOT / "deploy" / "haproxy.cfg").read_text()
    text = text.replace("bind 127.0.0.1:8080", f"bind 127.0.0.1:{port}")
    if stats_port is not None:
        text, count = re.subn(r"(?m)^global$", f"global\n    stats socket ipv4@127.0.0.1:{stats_port} level user", text)
        assert count == 1
    text = re.sub(r"(?m)^    server .*\n", "", text)
    text += "".join(f"    server app{index} 127.0.0.1:{server}\n" for index, server in enumerate(servers, 1))
    for name, value in (overrides or {}).items():
        text, count = re.subn(rf"(?m)^    timeout {re.escape(name)} .*$", f"    timeout {name} {value}", text)
        assert count == 1, name
    return text


def vm_hwm_kib(pid: int) -> int:
    """Peak resident memory (VmHWM) of ``pid`` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise LookupError("no VmHWM")


@contextmanager
def haproxy(servers: list[int], directory: Path, overrides: dict[str, str] | None = None) -> Iterator[tuple[str, int, subprocess.Popen]]:
    """Run HAProxy in front of ``servers`` (loopback ports); yield ``(base url, port, process)``.

    Its configuration is ``directory / "haproxy.cfg"``, with a stats socket that
    :func:`sessions` reads. Waits until the frontend answers ``GET /`` with 200.
    Stops it by its pid.
    """
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    port = free_port()
    config = directory / "haproxy.cfg"
    config.write_text(render(servers, port, overrides, stats_port=free_port()))
    with open(directory / "haproxy.log", "ab") as log:
        process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"haproxy exited: {(directory / 'haproxy.log').read_text()[-2000:]}")
            try:
                if requests.get(base + "/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("haproxy did not answer within 30 s")
            time.sleep(0.2)
        yield base, port, process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sessions(directory: Path) -> dict[int, int]:
    """``{app server port: sessions HAProxy has on it now}`` for the HAProxy that
    :func:`haproxy` runs from ``directory``: the ``scur`` column of ``show stat`` on
    its stats socket (HAProxy management guide, "show stat"). Health checks are
    not sessions, so they never count, as they do in the kernel's connection table.
    """
    config = (directory / "haproxy.cfg").read_text()
    stats_port = int(re.search(r"(?m)^    stats socket ipv4@127\.0\.0\.1:(\d+) ", config).group(1))
    ports = {name: int(port) for name, port in re.findall(r"(?m)^    server (\S+) 127\.0\.0\.1:(\d+)$", config)}
    with socket.create_connection(("127.0.0.1", stats_port), timeout=10) as stats:
        stats.sendall(b"show stat\n")
        answer = b""
        while chunk := stats.recv(65536):  # the CLI closes after one command
            answer += chunk
    header, *rows = answer.decode("ascii").splitlines()
    columns = header.removeprefix("# ").split(",")
    current = {}
    for row in rows:
        values = dict(zip(columns, row.split(",")))
        if values.get("svname") in ports:
            current[ports[values["svname"]]] = int(values["scur"])
    if sorted(current) != sorted(ports.values()):
        raise LookupError(f"HAProxy's stats name other servers: {answer[:500]!r}")
    return current
