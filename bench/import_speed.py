"""Benchmark: ``review import`` of many small reports against a raw open loop.

For each count N (default 1,000 and 10,000) makes N small reports sealed as
the intake seals them today (envelope v2 to an X-Wing reviewer key; ``--key
x25519`` for the v1 envelopes of an older installation), writes one bundle
(as tests/review/review_bundles.py does), then prints:

- ``raw``: seconds to open every envelope of the bundle with
  :func:`keys.open_envelope` (PyNaCl and ``cryptography``: X-Wing
  decapsulation, key commitment, secretstream, v2 signature; nothing
  written), in one thread, with the same unlocked key object the import gets;
  first with the envelopes already in memory, then (in brackets) read from
  the tar as they are opened. Best of ``--repeat`` runs;
- ``import``: seconds of :func:`review.cases.import_bundle` into a fresh
  cases folder, starting from the bundle file (member checks, manifest, the
  size and SHA-256 of every item against the manifest, decryption with every
  check of the raw loop, report checks, report.json/report.txt, the batch's
  ``syncfs``, renames, the case index with its full-text search), the key
  already unlocked (Argon2id is paid once per key per run and is printed
  apart), with the import's worker processes (printed; ``--threads`` for
  worker threads instead, ``--workers 1`` for one, as the raw loop); its
  CPU figure adds the worker processes' CPU time;
- the ratio import / raw (target <= 2x), against both raw figures;
- the ``review import`` command itself, in a new process, from the key file
  and a passphrase file (interpreter start and one Argon2id unlock included);
- for the largest N, the time of ``review list`` (rows to /dev/null; in this
  process, then as commands in new processes: all cases, a filter, a
  search) and of the workspace's listing, full-text search and filter
  queries (target < 1 s each), and whole workspace pages.

Everything happens in a temporary folder in the current folder, or in
``--dir DIR`` (e.g. ``/dev/shm`` to leave the disk's file-creation and
flush costs out and see the tool's own). Nothing here touches a network.

Deleting: the cases folders of every run are kept until the end and deleted
with the temporary folder. On ext4 without a journal (some virtual machines'
disks; a laptop's ext4 has one), creating a file or folder steps over every
inode of its group freed in the last 60 to 360 seconds (``recently_deleted``
in the kernel's ``fs/ext4/ialloc.c``), so deleting one run's 3,000+ files
right before the next run would charge it ~0.5 ms per new file. The script
says when the folder is on such a file system.

    .venv/bin/python bench/import_speed.py [--dir DIR] [--key xwing|x25519]
        [--workers N] [--threads] [--repeat R] [--profile FILE] [--no-command] [N ...]
        (default: 1000 10000)
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import io
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "review"))

import keys  # noqa: E402
import review.cases as cases_module  # noqa: E402
from review import importpool  # noqa: E402
from review.bundle import Bundle  # noqa: E402
from review.cases import import_bundle  # noqa: E402

from review_bundles import make_manifest, make_submission, write_bundle  # noqa: E402

TYPES = ["threats", "physical_attack", "online_harassment", "surveillance", "criminalisation"]
REGIONS = ["lima_metropolitana", "cusco", "puno", "loreto", "withheld"]
WORDS = ["amenaza", "comunidad", "dirigente", "minería", "río", "policía", "fiscalía", "defensora"]


def _fields(index: int) -> dict:
    return {
        "description": f"Reporte {index}: {WORDS[index % 8]} {WORDS[(index * 7) % 8]} en la zona; "
                       f"marca{index:06d}.",
        "incident_types": [TYPES[index % 5], TYPES[(index + 2) % 5]],
        "date": "2026-10-01", "region": REGIONS[index % 5],
        "affected": "comunidad", "perpetrators": "desconocidos", "online_platforms": "",
        "consent_aggregate_statistics": "yes", "contact": "",
    }


def make_bundle(directory: Path, count: int, key) -> Path:
    """A bundle of ``count`` small reports sealed to ``key`` (v2 for an X-Wing key, v1 for X25519)."""
    subs = [
        make_submission([key.public_key], fields=_fields(i),
                        received_on=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}")
        for i in range(count)
    ]
    return write_bundle(directory / f"bundle-{count}.tar", make_manifest(subs, [key.public_key]), subs)


def envelope_versions(bundle: Path) -> set[int]:
    """The version bytes of the bundle's envelopes (to print what was measured)."""
    with tarfile.open(bundle, "r:") as tar:
        return {keys.read_header(tar.extractfile(info)).version
                for info in tar.getmembers() if info.name.startswith("items/")}


def ext4_without_journal(path: str) -> bool:
    """True if ``path`` is on a Linux ext4 file system mounted without a journal
    (``/sys/fs/ext4/<device>/journal_task`` reads ``<none>``)."""
    device = os.stat(path).st_dev
    name = os.path.basename(os.path.realpath(f"/sys/dev/block/{os.major(device)}:{os.minor(device)}"))
    try:
        with open(f"/sys/fs/ext4/{name}/journal_task") as handle:
            return handle.read().strip() == "<none>"
    except OSError:
        return False


def _cpu() -> float:
    """CPU seconds used so far by this process (all threads) and its ended, waited-for
    children (the import's worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(function) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process and of its worker processes) of ``function()``."""
    start, cpu = time.perf_counter(), _cpu()
    function()
    return time.perf_counter() - start, _cpu() - cpu


def raw_open(bundle: Path, key) -> tuple[tuple[float, float], tuple[float, float]]:
    """:func:`timed` figures of opening every envelope of ``bundle`` with
    :func:`keys.open_envelope` (nothing written, one thread): (envelopes
    already in memory, envelopes read from the tar as they are opened)."""
    with tarfile.open(bundle, "r:") as tar:
        envelopes = [tar.extractfile(info).read() for info in tar.getmembers() if info.name.startswith("items/")]

    def in_memory() -> None:
        for envelope in envelopes:
            keys.open_envelope(envelope, [key])

    def from_tar() -> None:
        with tarfile.open(bundle, "r:") as tar:
            for info in tar.getmembers():
                if info.name.startswith("items/"):
                    keys.open_envelope(tar.extractfile(info).read(), [key])

    first = timed(in_memory)
    envelopes.clear()
    return first, timed(from_tar)


class _InThread:
    """An executor that runs each job at once in the calling thread (for --profile:
    cProfile sees only the thread it runs in)."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __enter__(self) -> "_InThread":
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass

    def submit(self, function, *args):
        future = concurrent.futures.Future()
        try:
            future.set_result(function(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, as a pool does
            future.set_exception(exc)
        return future


PASSPHRASE = "bench passphrase ferry olive"


def command_import(bundle: Path, keyfile: Path, passphrase_file: Path, cases: Path) -> float:
    """Wall-clock seconds of the ``review import`` command in a new process
    (interpreter start, one Argon2id unlock, progress and summary included)."""
    command = [sys.executable, "-m", "review", "import", str(bundle), "--key", str(keyfile),
               "--out", str(cases), "--passphrase-file", str(passphrase_file), "--lang", "es"]
    return timed(lambda: subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL))[0]


def import_once(bundle: Path, key, cases: Path, count: int, profile: str | None) -> tuple[float, float]:
    """:func:`timed` figures of one :func:`import_bundle` of ``bundle`` into ``cases``."""

    def run() -> None:
        with Bundle(bundle) as opened:
            summary = import_bundle(opened, [key], cases)
        assert summary.count("imported") == count, summary.count("imported")

    if not profile:
        return timed(run)
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    figures = timed(lambda: profiler.runcall(run))
    profiler.dump_stats(f"{profile}-{count}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return figures


def main(arguments: argparse.Namespace) -> int:
    kind = keys.XWingSecretKey if arguments.key == "xwing" else keys.SecretKey
    key = kind.generate("bench")
    if arguments.workers:
        cases_module.WORKERS = arguments.workers
    if arguments.profile or arguments.threads:
        importpool.PROCESS_MIN = sys.maxsize
    if arguments.profile:
        importpool.ThreadPoolExecutor = _InThread
    workers = 0 if arguments.profile else max(1, min(cases_module.WORKERS, importpool.cpus()))
    kind = "thread" if arguments.threads or not importpool.processes_fit(min(arguments.counts)) else "process"
    threads = f"{workers} worker {kind}{'es' if kind == 'process' and workers > 1 else 's' if workers > 1 else ''}" \
        if workers else "no worker thread (profiled)"
    print(f"temporary folder in: {os.path.abspath(arguments.dir)}")
    if ext4_without_journal(arguments.dir):
        print("  (ext4 without a journal: each new file steps over the inodes freed in the last minutes, "
              "by anything on this disk; see the script's text)")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory(dir=arguments.dir, prefix=".bench-import-") as temp:
        base = Path(temp)
        keyfile = base / "bench.secret-key"
        passphrase_file = base / "passphrase.txt"
        passphrase_file.write_text(PASSPHRASE + "\n")
        argon = timed(lambda: keys.write_secret_key_file(keyfile, key, PASSPHRASE))[0]
        unlock = timed(lambda: keys.read_secret_key_file(keyfile, PASSPHRASE))[0]
        print(f"argon2id unlock of one key file: {unlock:.2f} s (paid once per key and run; writing it: {argon:.2f} s)")
        print("wall: elapsed seconds; cpu: CPU seconds of all threads of this process and of the import's "
              "worker processes (the work done; less sensitive to other load on the machine)")
        last_cases = None
        for count in arguments.counts:
            bundle = make_bundle(base, count, key)
            versions = "+".join(f"v{v}" for v in sorted(envelope_versions(bundle)))
            raws, imports = [], []
            for attempt in range(arguments.repeat):  # raw and import take turns (a busy machine hits both)
                raws.append(raw_open(bundle, key))
                cases = base / f"cases-{count}-{attempt}"
                imports.append(import_once(bundle, key, cases, count, arguments.profile))
                last_cases = cases  # kept until the end (see "Deleting" above)
            print(f"N={count} (envelope {versions}, {arguments.key} key; import with {threads}, raw with 1; "
                  f"best of {arguments.repeat}):")
            for what, index in (("wall", 0), ("cpu", 1)):
                raw = min(r[0][index] for r in raws)
                raw_tar = min(r[1][index] for r in raws)
                took = min(i[index] for i in imports)
                print(f"  {what:4}: raw open {raw:6.2f} s (from the tar: {raw_tar:6.2f} s)   import {took:6.2f} s   "
                      f"ratio {took / raw:5.2f}x ({took / raw_tar:5.2f}x)   ({count / took:,.0f} reports/s)")
            if arguments.command:
                raw = min(r[0][0] for r in raws)
                raw_tar = min(r[1][0] for r in raws)
                seconds = command_import(bundle, keyfile, passphrase_file, base / f"cases-{count}-command")
                print(f"  the review import command (new process, one Argon2id unlock included): "
                      f"wall {seconds:6.2f} s   ratio {seconds / raw:5.2f}x ({seconds / raw_tar:5.2f}x)")
            bundle.unlink()
        if last_cases is not None:
            list_figures(last_cases)
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


def list_figures(cases: Path) -> None:
    """Time ``review list`` and the workspace queries over ``cases``."""
    from review.cli import main as review_main

    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
        seconds = timed(lambda: review_main(["list", str(cases)]))[0]
    print(f"review list ({cases.name}, in this process): {seconds:.2f} s")
    for extra in ([], ["--type", "online_harassment", "--region", "puno"], ["--search", "mineria"]):
        command = [sys.executable, "-m", "review", "list", str(cases), "--lang", "es", *extra]
        seconds = timed(lambda: subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL))[0]
        print(f"review list {' '.join(extra) or '(all cases)'} (command, new process): {seconds:.2f} s")
    try:
        from review.workspace.query import bench_queries
    except ImportError:
        return
    for name, seconds in bench_queries(cases):
        print(f"workspace {name}: {seconds:.3f} s")
    page_figures(cases)


def page_figures(cases: Path) -> None:
    """Time whole workspace pages (Flask test client, no network): the first
    page of the list, a search and a filter, each rendered to HTML."""
    from review.workspace.app import create_app

    token = "bench-token-" + "x" * 32
    client = create_app(cases, token, "es", 1).test_client()
    base = "http://127.0.0.1:1"
    client.get(f"/?token={token}", base_url=base)
    for name, path in (("list page", "/"), ("search page", "/?q=mineria"),
                       ("filter page", "/?type=online_harassment&region=puno&status=new")):
        start = time.perf_counter()
        response = client.get(path, base_url=base)
        seconds = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        print(f"workspace {name} (HTML): {seconds:.3f} s")


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("counts", metavar="N", type=int, nargs="*", default=[1000, 10000],
                        help="numbers of reports to import (default: 1000 10000)")
    parser.add_argument("--dir", default=".", help="where the temporary folder goes (default: .)")
    parser.add_argument("--key", choices=("xwing", "x25519"), default="xwing",
                        help="reviewer key type: xwing seals envelope v2 (default), x25519 envelope v1")
    parser.add_argument("--workers", type=int, default=0,
                        help="import workers (default: the import's own, at most the CPUs)")
    parser.add_argument("--threads", action="store_true",
                        help="stage submissions in worker threads, not processes (as before)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the best is printed")
    parser.add_argument("--profile", metavar="FILE",
                        help="profile the import (cProfile, all work in the calling thread); "
                             "stats to FILE-<N> and the top 40 printed")
    parser.add_argument("--no-command", dest="command", action="store_false",
                        help="skip timing the review import command in a new process")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(parse_arguments(sys.argv[1:])))
