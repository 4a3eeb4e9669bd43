"""Starting the real intake under gunicorn, as an operator would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def resguardo(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    """Run the operator CLI as a separate process; check=True."""
    return subprocess.run([str(BIN / "resguardo"), *args], env=env, check=True, capture_output=True, text=True, **kwargs)


@contextmanager
def gunicorn(env: dict[str, str], log_dir: Path, *, workers: int = 2, extra: list[str] = ()) -> Iterator[str]:
    """Run ``gunicorn wsgi:app`` on a free loopback port; yield its base URL.

    Uses deploy/gunicorn.conf.py when it exists (the production settings),
    with the bind address overridden. stdout and stderr go to files in
    ``log_dir`` so tests can scan them.
    """
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "gunicorn")]
    conf = ROOT / "deploy" / "gunicorn.conf.py"
    if conf.exists():
        command += ["-c", str(conf)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), *extra, "wsgi:app"]
    stdout = open(log_dir / "gunicorn.stdout", "wb")
    stderr = open(log_dir / "gunicorn.stderr", "wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(log_dir / 'gunicorn.stderr').read_text()[-2000:]}")
            try:
                if requests.get(base + "/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 30 s")
            time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        stdout.close()
        stderr.close()
