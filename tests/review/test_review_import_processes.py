"""review.importpool: an import staged by worker processes gives what threads give.

Worker processes start for bundles of at least ``PROCESS_MIN`` submissions;
these tests lower it so that small bundles take that path, and compare with
the thread path (``PROCESS_MIN`` above the bundle's size).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from pathlib import Path

import pytest

from review import cases, decrypt, importpool
from review.bundle import Bundle
from review.cases import import_bundle, work_bytes

from review_bundles import canary_bundle, corrupt_bundle, honest_bundle, make_submission

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are Linux-only")


@pytest.fixture(autouse=True)
def two_cpus(monkeypatch):
    """Worker processes need two CPUs; a one-CPU machine runs these tests with two all the same."""
    monkeypatch.setattr(importpool, "cpus", lambda: 2)


def run(path: Path, identities, out: Path, **options):
    with Bundle(path) as bundle:
        return import_bundle(bundle, identities, out, **options)


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (the workspace index aside) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "_workspace" not in p.parts}


def outcome(summary) -> list[tuple]:
    return [(r.submission_id, r.status, r.item_id, r.needs, type(r.error).__name__,
             r.case_dir.name if r.case_dir else None) for r in summary.results]


def test_processes_and_threads_give_the_same_cases_statuses_and_errors(tmp_path, key, other_key, monkeypatch):
    path, subs = corrupt_bundle(tmp_path, key, other_key)
    monkeypatch.setattr(importpool, "PROCESS_MIN", 10_000)
    threads = run(path, [key], tmp_path / "threads")

    stagers = tmp_path / "stagers"
    real = decrypt.render_report

    def render(*args, **kwargs):  # records which process rendered each report.txt
        with open(stagers, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(decrypt, "render_report", render)
    monkeypatch.setattr(importpool, "PROCESS_MIN", 1)
    processes = run(path, [key], tmp_path / "processes")

    assert outcome(processes) == outcome(threads)
    assert [r.status for r in processes.results].count("imported") == 2
    assert len({r.status for r in processes.results}) == len(subs) - 1  # each failure kept its own status
    assert files(tmp_path / "processes") == files(tmp_path / "threads")
    pids = set(stagers.read_text().split())
    assert len(pids) >= 1 and str(os.getpid()) not in pids  # staged in other processes
    assert multiprocessing.active_children() == []


def test_progress_counts_every_byte_once_and_only_in_the_calling_thread(tmp_path, key, monkeypatch):
    monkeypatch.setattr(importpool, "PROCESS_MIN", 1)
    monkeypatch.setattr(cases, "BATCH_COUNT", 4)
    subs = [make_submission([key.public_key], attachments=[("a.bin", os.urandom(100_000 * (i % 3)))])
            for i in range(10)]
    path = honest_bundle(tmp_path / "b.tar", subs, [key.public_key])
    seen: list[tuple[int, int]] = []
    with Bundle(path) as bundle:
        total = work_bytes(bundle)
        summary = import_bundle(bundle, [key], tmp_path / "out",
                                progress=lambda n: seen.append((n, threading.get_ident())))
    assert summary.count("imported") == 10
    assert sum(n for n, _ in seen) == total
    assert {ident for _, ident in seen} == {threading.get_ident()}


def test_ctrl_c_between_batches_stops_the_workers_and_leaves_no_temporary_plaintext(tmp_path, key, monkeypatch):
    monkeypatch.setattr(importpool, "PROCESS_MIN", 1)
    monkeypatch.setattr(cases, "BATCH_COUNT", 3)
    path, subs = canary_bundle(tmp_path, key, 10)
    out = tmp_path / "out"
    done = []

    def interrupt(result):
        done.append(result.submission_id)
        if len(done) == 3:  # the first batch is in place; the workers are on the second
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(path, [key], out, on_result=interrupt)
    assert multiprocessing.active_children() == []
    assert [name for name in os.listdir(out) if name.startswith(".incoming-")] == []
    found = b"\n".join(files(out).values())
    assert [f"CANARY-{i:02d}-END".encode() in found for i in range(10)] == [True] * 3 + [False] * 7
    summary = run(path, [key], out)
    assert [r.status for r in summary.results] == ["already imported"] * 3 + ["imported"] * 7


def test_a_worker_that_dies_stops_the_import_with_exit_130_and_no_temporary_plaintext(tmp_path, key, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from review.output import EXIT_INTERRUPTED, explain

    monkeypatch.setattr(importpool, "PROCESS_MIN", 1)
    monkeypatch.setattr(cases, "BATCH_COUNT", 3)
    path, subs = canary_bundle(tmp_path, key, 10)
    real = decrypt.render_report

    def render(report, *args, **kwargs):  # the worker rendering the 8th report is killed (as by the OOM killer)
        if "CANARY-07" in report["fields"]["description"]:
            os._exit(137)
        return real(report, *args, **kwargs)

    monkeypatch.setattr(decrypt, "render_report", render)
    out = tmp_path / "out"
    with pytest.raises(BrokenProcessPool) as raised:
        run(path, [key], out)
    assert explain(raised.value).exit_code == EXIT_INTERRUPTED
    assert multiprocessing.active_children() == []
    assert [name for name in os.listdir(out) if name.startswith(".incoming-")] == []
    found = b"\n".join(files(out).values())
    assert b"CANARY-07" not in found
    assert all(f"CANARY-{i:02d}-END".encode() in found for i in range(3))  # the first batch was done before the third began
