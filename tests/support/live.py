"""Starting the real intake under gunicorn, as an operator would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

from tests.support.ports import free_port  # noqa: F401  (re-exported: the suite imports it from here)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def resguardo(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    """Run the operator CLI as a separate process; check=True."""
    return subprocess.run([str(BIN / "resguardo"), *args], env=env, check=True, capture_output=True, text=True, **kwargs)


@dataclass
class LiveServer:
    """A running gunicorn: its base URL, port and arbiter (master) pid."""

    url: str
    port: int
    pid: int

    def workers(self) -> list[int]:
        """Pids of the arbiter's live worker processes (from /proc; zombies left out)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
            state, ppid = stat.rpartition(")")[2].split()[:2]
            if int(ppid) == self.pid and state != "Z":
                found.append(int(entry.name))
        return sorted(found)


@contextmanager
def serve(
    env: dict[str, str], log_dir: Path, *, workers: int = 2, extra: list[str] = (), app: str = "wsgi:app"
) -> Iterator[LiveServer]:
    """Run ``gunicorn APP`` on a free loopback port; yield a :class:`LiveServer`.

    Uses deploy/gunicorn.conf.py when it exists (the production settings),
    with the bind address and worker count overridden. stdout and stderr go
    to files in ``log_dir`` so tests can scan them. Waits up to 30 s for
    ``GET /`` to answer 200; stops the whole process group afterwards.
    """
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [str(BIN / "gunicorn")]
    conf = ROOT / "deploy" / "gunicorn.conf.py"
    if conf.exists():
        command += ["-c", str(conf)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), *extra, app]
    stdout = open(log_dir / "gunicorn.stdout", "ab")
    stderr = open(log_dir / "gunicorn.stderr", "ab")
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
        yield LiveServer(base, port, process.pid)
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


@contextmanager
def gunicorn(env: dict[str, str], log_dir: Path, *, workers: int = 2, extra: list[str] = ()) -> Iterator[str]:
    """Run ``gunicorn wsgi:app`` on a free loopback port; yield its base URL (see :func:`serve`)."""
    with serve(env, log_dir, workers=workers, extra=extra) as server:
        yield server.url
