"""Many reporters at once: the load driver shared by tests/faults and bench/load.py.

Each simulated reporter is a thread with its own ``requests.Session``: it
GETs the form (session cookie, CSRF token), waits at a barrier so that all
POSTs start together, then POSTs a report whose description and attachment
carry a canary unique to it. Loopback only; every thread has a timeout.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.submit import csrf_token

CANARY = re.compile(rb"CANARY-LOAD-[0-9a-f]+-\d+-END")  # the random bytes around it may be digits


@dataclass
class Sent:
    """One reporter's submission: its canary, attachment digest and the answer."""

    canary: str
    attachment_sha256: str
    status: int | None = None  # None: no HTTP answer (the error is in ``error``)
    error: str = ""


@dataclass
class LoadFigures:
    """The outcome of :func:`run_load`; ``seconds`` is wall time of the POST phase."""

    sent: list[Sent]
    seconds: float
    prefix: str  # every canary of this run starts with it: one needle for canary scans
    exports: list[subprocess.CompletedProcess] = field(default_factory=list)

    @property
    def statuses(self) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for item in self.sent:
            counts[item.status] = counts.get(item.status, 0) + 1
        return counts

    @property
    def server_errors(self) -> int:
        """Answers 500-599."""
        return sum(1 for item in self.sent if item.status is not None and item.status >= 500)

    def summary(self, label: str) -> str:
        """One line of figures: requests, 5xx, no answer, seconds, requests per second."""
        posts = len(self.sent)
        failed = sum(1 for item in self.sent if item.status is None)
        return (f"load [{label}]: {posts} concurrent submissions (+{posts} form GETs), "
                f"{self.server_errors} 5xx, {failed} without answer, statuses {self.statuses}, "
                f"{self.seconds:.1f} s, {posts / self.seconds:.1f} submissions/s, "
                f"{len(self.exports)} exports during the load")


def _reporter(url: str, post_url: str, sent: Sent, attachment: bytes, barrier: threading.Barrier,
              timeout: float) -> None:
    session = requests.Session()
    try:
        page = session.get(url + "/", timeout=timeout)
        token = csrf_token(page.text)
        barrier.wait(timeout=timeout)
        data = [("csrf_token", token), ("description", f"Amenaza recibida. {sent.canary}"),
                ("incident_types", "threats"), ("region", "withheld")]
        files = [("attachments", (f"{sent.canary}.bin", attachment, "application/octet-stream"))]
        response = session.post(post_url + "/submit", data=data, files=files, allow_redirects=False, timeout=timeout)
        sent.status = response.status_code
    except Exception as exc:  # noqa: BLE001 - recorded and asserted on by the caller
        sent.error = f"{type(exc).__name__}: {exc}"
        barrier.abort()  # nobody waits for a reporter that will never arrive
    finally:
        session.close()


def run_load(url: str | list[str], count: int, *, attachment_bytes: int = 32 * 1024, timeout: float = 120,
             export=None) -> LoadFigures:
    """``count`` reporters submit at once to ``url``; ``export()`` runs in a loop meanwhile.

    :param url: a base URL, or several (app servers of one deployment):
        reporter ``i`` fetches the form from ``url[i % n]`` and posts it to
        ``url[(i + 1) % n]``, so with two servers every form crosses over.

    :param export: a callable run repeatedly in another thread while the
        POSTs are in flight (e.g. ``resguardo export``); its return values
        are collected in ``LoadFigures.exports``.
    :param timeout: seconds for each HTTP request and for the whole run's joins.
    :returns: :class:`LoadFigures`.
    :raises TimeoutError: if a reporter thread is still running after ``timeout``.
    """
    urls = [url] if isinstance(url, str) else list(url)
    run = secrets.token_hex(4)
    barrier = threading.Barrier(count + 1)
    sent, threads = [], []
    for index in range(count):
        canary = f"CANARY-LOAD-{run}-{index}-END"
        attachment = canary.encode() + secrets.token_bytes(attachment_bytes) + canary.encode()
        sent.append(Sent(canary, hashlib.sha256(attachment).hexdigest()))
        threads.append(threading.Thread(target=_reporter, args=(urls[index % len(urls)], urls[(index + 1) % len(urls)], sent[-1], attachment, barrier, timeout), daemon=True))
    for thread in threads:
        thread.start()
    barrier.wait(timeout=timeout)  # every form fetched: the POSTs start now
    started = time.monotonic()

    exports: list = []
    done = threading.Event()

    def export_loop() -> None:
        while not done.is_set():
            exports.append(export())

    exporter = threading.Thread(target=export_loop, daemon=True) if export else None
    if exporter:
        exporter.start()
    deadline = started + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            raise TimeoutError("a reporter thread did not finish in time")
    seconds = time.monotonic() - started
    done.set()
    if exporter:
        exporter.join(timeout)
    return LoadFigures(sent, seconds, f"CANARY-LOAD-{run}-", exports)


def canary_of(data: bytes) -> str:
    """The load canary in decrypted bytes. :raises AssertionError: if none."""
    match = CANARY.search(data)
    assert match, "no load canary in the decrypted bytes"
    return match.group(0).decode()


def bundles_in(directory: Path) -> list[Path]:
    """The finished bundle files in ``directory``."""
    return sorted(directory.glob("resguardo-bundle-*.tar"))
