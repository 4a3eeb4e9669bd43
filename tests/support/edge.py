"""HAProxy as the edge in tests: deploy/haproxy.cfg with loopback ports, run in the foreground."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from tests.support.live import ROOT, free_port


def render(servers: list[int], port: int, overrides: dict[str, str] | None = None) -> str:
    """deploy/haproxy.cfg with its frontend on ``127.0.0.1:port``, one ``server``
    line per port in ``servers``, and ``timeout`` lines replaced by ``overrides``
    (``{"http-request": "2s"}``)."""
    text = (ROOT / "deploy" / "haproxy.cfg").read_text()
    text = text.replace("bind 127.0.0.1:8080", f"bind 127.0.0.1:{port}")
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

    Waits until both the frontend answers ``GET /`` with 200. Stops it by its pid.
    """
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    port = free_port()
    config = directory / "haproxy.cfg"
    config.write_text(render(servers, port, overrides))
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


def established_from(server_port: int) -> int:
    """How many established TCP connections have ``server_port`` as their local port."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(f":{server_port:04X}") and fields[3] == "01":
                count += 1
    return count

