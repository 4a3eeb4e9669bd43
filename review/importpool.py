"""Where an import's submissions are checked and decrypted: worker processes or threads.

:mod:`review.cases` hands this pool jobs (runs of consecutive submissions of
the manifest) and collects their staged results in manifest order; what a
job does is the importer's ``stage`` (decrypt one submission into its own
temporary folder, nothing shared written).

On Linux with two CPUs or more, a bundle of at least :data:`PROCESS_MIN`
submissions is staged by worker **processes** (one per CPU, at most
``review.cases.WORKERS``), so that the Python work of each report (parsing,
checking, rendering ``report.txt``, its index entry) runs on every core, not
one thread at a time. They are started with ``fork`` at the start of the
import: they inherit the unlocked keys, the open bundle and the importer as
they are in memory (nothing is serialized, sent or written anywhere); jobs
go to them as submission indexes and come back as the staged results
(status, temporary folder name, index entry; never the report's text beyond
that entry). They ignore Ctrl-C: the importing process stops handing out
jobs, waits for the running ones and deletes their temporary folders, as
with threads. A worker that dies (killed, out of memory) stops the import
the same way. Elsewhere, and for smaller bundles (where starting processes
costs more than it saves), threads do the same jobs.

Progress: a process adds the ciphertext bytes it has read to a counter in
shared memory, which the importing process reads while it waits and passes
on to the progress bar.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Callable, Sequence

from .bundle import ManifestSubmission, Progress

PROCESS_MIN = 64
"""Fewest submissions for which worker processes are started (else threads)."""
POLL_SECONDS = 0.1
"""How often the progress bar learns the workers' progress while waiting."""

Stage = Callable[[ManifestSubmission], tuple]

# Set in each worker process when it starts (inherited through fork, never pickled).
_WORKER: dict = {}


def cpus() -> int:
    """CPUs this process may run on (its affinity mask where known), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def processes_fit(count: int) -> bool:
    """True if ``count`` submissions are worth worker processes here (Linux,
    ``fork``, at least two CPUs, enough work)."""
    return (count >= PROCESS_MIN and cpus() > 1 and sys.platform.startswith("linux")
            and "fork" in multiprocessing.get_all_start_methods())


def _start_worker(stage_of: Callable[[Progress | None], Stage], submissions: Sequence[ManifestSubmission],
                  counter) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the importing process handles Ctrl-C

    def advance(nbytes: int) -> None:
        with counter.get_lock():
            counter.value += nbytes

    _WORKER["stage"] = stage_of(advance)
    _WORKER["submissions"] = submissions


def _run_job(start: int, stop: int) -> list:
    stage, submissions = _WORKER["stage"], _WORKER["submissions"]
    return [stage(submissions[index]) for index in range(start, stop)]


class StagePool:
    """Runs staging jobs on worker processes (see the module text) or threads.

    ``stage_of(progress)`` returns the function that stages one submission
    and reports the bytes it reads to ``progress``; ``submissions`` is the
    manifest's tuple (jobs name index ranges of it); ``progress`` is the
    caller's progress callback (called in the calling thread when processes
    are used). Use as a context manager: leaving it waits for running jobs.
    """

    def __init__(self, stage_of: Callable[[Progress | None], Stage], submissions: Sequence[ManifestSubmission],
                 workers: int, progress: Progress | None, *, processes: bool) -> None:
        self.workers = max(1, workers)
        self._progress = progress
        self._submissions = submissions
        self._reported = 0
        self.processes = processes
        if processes:
            context = multiprocessing.get_context("fork")
            self._counter = context.Value("q", 0)
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_start_worker,
                initargs=(stage_of, submissions, self._counter))
        else:
            self._stage = stage_of(progress)
            self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="review-import")

    def __enter__(self) -> "StagePool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._pass_progress()

    def submit(self, start: int, stop: int) -> Future:
        """Stage submissions ``start`` to ``stop - 1`` (manifest indexes) as one job;
        the future's result is their staged results, in order."""
        if self.processes:
            return self._executor.submit(_run_job, start, stop)
        stage, submissions = self._stage, self._submissions
        return self._executor.submit(lambda: [stage(submissions[index]) for index in range(start, stop)])

    def result(self, future: Future) -> list:
        """The result of a job from :meth:`submit` (waits; passes progress on meanwhile).

        :raises BaseException: whatever the job raised (an ``OSError`` of a full disk…).
        """
        if self.processes:
            while not wait([future], timeout=POLL_SECONDS).done:
                self._pass_progress()
            self._pass_progress()
        return future.result()

    def _pass_progress(self) -> None:
        if self.processes and self._progress is not None:
            total = self._counter.value
            if total > self._reported:
                self._progress(total - self._reported)
                self._reported = total
