"""``review import``: from a verified bundle to one case folder per submission.

Submissions are taken in manifest order, in batches (at most
:data:`BATCH_COUNT` submissions or :data:`BATCH_BYTES` of ciphertext). For each
submission of a batch:

1. skip it if its case folder already exists (so a second run adds nothing);
2. check every item's size and SHA-256 against the manifest, then decrypt
   into ``OUTDIR/.incoming-<submission id>/`` (``report.json``,
   ``report.txt``, ``attachments/<safe name>`` when there are attachments),
   checking each attachment's size and hashes against the report
   (:mod:`review.decrypt`).

The submissions of a batch are checked and decrypted by up to
:data:`WORKERS` worker processes, or threads for small bundles
(:mod:`review.importpool`; the bundle is read with ``pread``, each
submission writes only its own temporary folder); results keep the
manifest's order.
Then the whole batch is made durable at once (one ``syncfs``, instead of an
``fsync`` per file and folder), each temporary folder is renamed to
``OUTDIR/<received_on>_<first 8 hex of the id>/`` and the output folder is
``fsync``-ed: a crash leaves either a complete case folder or a temporary
one that the next run deletes, never a partial case. The case index of the
workspace (:mod:`review.workspace.index`) learns the new cases. While one
batch is made durable, renamed and indexed, the workers already decrypt the
next one (at most two batches are in progress).

Before that, the questionnaire documents the bundle carries are filed in
``OUTDIR/_questionnaires/<sha256>.json`` (review.questionnaire.registry),
so every case can be rendered, counted and re-rendered later.

Any failure of one submission deletes its temporary folder (no partial
plaintext remains) and keeps its ciphertext in ``OUTDIR/_failed/`` (see
:mod:`review.failed`); the other submissions still import. A bundle none of
whose submissions names a loaded key is not copied anywhere: every result is
``no matching key`` with the fingerprints needed. File-system errors (a full
disk) stop the run.

What a run reports is :mod:`review.outcomes`; how case folders are named and
read, :mod:`review.casefolder`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Callable, Sequence

from keys import KeysError, NoMatchingKeyError, SecretKey

from . import followups, fsutil, importpool
from .bundle import Bundle, ManifestSubmission, Progress
from .casefolder import case_names, read_case_report
from .decrypt import Opener
from .errors import ItemError
from .errors import BundleError
from .failed import FAILED_DIR, INCOMING, keep_failed
from .questionnaire import Registry, SchemaError
from .questionnaire.registry import save as save_questionnaires
from .outcomes import IMPORTED, NO_KEY, SKIPPED, ImportSummary, SubmissionResult
from .output import explain

BATCH_COUNT = 500
BATCH_BYTES = 64 * 1024 * 1024
WORKERS = 4
"""Worker processes (or threads) that check and decrypt submissions of a
batch at once (at most the number of CPUs; see :mod:`review.importpool`)."""


class _Importer:
    def __init__(self, bundle: Bundle, identities: Sequence[SecretKey], root: Path,
                 language: str, progress: Progress | None, registry: Registry | None = None,
                 index_registry: Registry | None = None) -> None:
        from .workspace.index import new_case_entry

        self.bundle = bundle
        self.registry = registry
        self.index_registry = index_registry if index_registry is not None else Registry()
        self._new_case_entry = new_case_entry
        self.root = root
        self.language = language
        self.identities = list(identities)
        self._progress = progress
        self.root_fd = fsutil.open_dir(root)
        self.names = set(os.listdir(self.root_fd))
        self._by_suffix: dict[str, list[str]] | None = None  # names by the part after their last "_"
        self.followed_up: set[str] = set()  # case folders a follow-up was filed in (not yet re-indexed)
        self.failed_ids = self._listing(FAILED_DIR)
        self.markers = self._listing(followups.MARKERS_DIR)  # follow-ups filed by earlier runs

    def close(self) -> None:
        os.close(self.root_fd)

    def _listing(self, folder: str) -> set[str]:
        """The names in ``root/folder`` (a real folder) that do not start with a dot."""
        path = self.root / folder
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                return {name for name in os.listdir(path) if not name.startswith(".")}
        except FileNotFoundError:
            pass
        return set()

    def _skip(self, nbytes: int) -> None:
        if self._progress and nbytes:
            self._progress(nbytes)

    def existing(self, submission: ManifestSubmission) -> Path | None:
        filed = followups.marker(self.root, submission.id) if submission.id in self.markers else None
        if filed is not None:
            report = read_case_report(filed)
            if report is not None and report.get("submission_id") == submission.id:
                return filed
        for name in case_names(submission):
            if name in self.names:
                report = read_case_report(self.root / name)
                if report is not None and report.get("submission_id") == submission.id:
                    return self.root / name
        return None

    def _target(self, submission: ManifestSubmission) -> str:
        for name in case_names(submission):
            if name not in self.names and not fsutil.lexists_at(self.root_fd, name):
                return name
        raise FileExistsError(errno.EEXIST, "a case folder with this name already exists", str(self.root / name))

    def _budget(self, submission: ManifestSubmission) -> int:
        return sum(2 * item.size for item in submission.items if self.bundle.has_item(item.id))

    def forget_failure(self, submission: ManifestSubmission) -> None:
        """Drop ``_failed/<id>`` once the submission is imported (e.g. by a retry with
        another key), so a case never looks both failed and imported."""
        if submission.id in self.failed_ids:
            failed = self.root / FAILED_DIR
            if failed.is_dir() and not failed.is_symlink():
                fsutil.remove_tree(failed / submission.id)
            self.failed_ids.discard(submission.id)

    def reporting_to(self, progress: Progress | None):
        """:meth:`stage`, reporting the bytes it reads to ``progress`` (in a
        worker process: the shared counter of :mod:`review.importpool`)."""
        self._progress = progress
        return self.stage

    def stage(self, submission: ManifestSubmission) -> tuple[SubmissionResult, str | None, str | None, tuple | None]:
        """Decrypt one submission into its temporary folder (not yet durable).

        Safe to run for different submissions in several threads or worker
        processes at once: it reads the bundle with ``pread`` and writes only
        its own temporary folder; what is shared (the case names, ``_failed``)
        is left to :meth:`settle` and :meth:`commit`, in the importing thread.
        Returns (result, temporary folder name or None, the id of the
        submission a follow-up follows or None, the case's
        :func:`review.workspace.index.new_case_entry` or None): small, as a
        worker process sends it back.
        """
        existing = self.existing(submission)
        if existing is not None:
            self._skip(self._budget(submission))
            return SubmissionResult(submission.id, submission.received_on, SKIPPED, existing), None, None, None
        temp = f"{INCOMING}{submission.id}"
        budget = self._budget(submission)
        counted = [0]
        progress = self._progress

        def count(nbytes: int) -> None:
            counted[0] += nbytes
            if progress:
                progress(nbytes)

        opener = Opener(self.bundle, self.identities, count)
        try:
            dir_fd = fsutil.make_dir_at(self.root_fd, temp)
            try:
                report = opener.decrypt_into(submission, dir_fd, self.language, self.registry)
            finally:
                os.close(dir_fd)
        except (ItemError, KeysError) as exc:
            fsutil.remove_tree(self.root / temp)
            self._skip(max(0, budget - counted[0]))
            item_id = getattr(exc, "item_id", None) or opener.current
            result = SubmissionResult(submission.id, submission.received_on, explain(exc).status,
                                      None, exc, item_id)
            if isinstance(exc, NoMatchingKeyError):
                result.needs = opener.needed_keys(submission)
            return result, None, None, None
        except BaseException:
            fsutil.remove_tree(self.root / temp)
            raise
        self._skip(max(0, budget - counted[0]))
        return (SubmissionResult(submission.id, submission.received_on, IMPORTED), temp,
                followups.original_id(report), self._new_case_entry(report, self.index_registry))

    def settle(self, submission: ManifestSubmission, result: SubmissionResult) -> None:
        """The shared consequences of a staged result (in the calling thread):
        a failure is kept in ``_failed``; a case already there clears its failure."""
        if result.status == SKIPPED:
            self.forget_failure(submission)
        elif result.failed:
            keep_failed(self.bundle, submission, self.root, result)
            self.failed_ids.add(submission.id)

    def _add_name(self, name: str) -> None:
        self.names.add(name)
        if self._by_suffix is not None:
            self._by_suffix.setdefault(name.rpartition("_")[2], []).append(name)

    def _original_case(self, original: str) -> str | None:
        if self._by_suffix is None:  # built once, at the first follow-up (not a scan per follow-up)
            self._by_suffix = {}
            for name in self.names:
                self._by_suffix.setdefault(name.rpartition("_")[2], []).append(name)
        candidates = [name for suffix in {original[:8], original} for name in self._by_suffix.get(suffix, ())
                      if "_" in name]
        for name in sorted(candidates):
            if name.endswith("_" + original[:8]) or name.endswith("_" + original):
                report = read_case_report(self.root / name)
                if report is not None and report.get("submission_id") == original:
                    return name
        return None

    def _file_followup(self, result: SubmissionResult, temp: str, case: str,
                       submission: ManifestSubmission) -> None:
        """Rename a decrypted follow-up into ``case/followups/NN`` (or drop it if already there)."""
        case_dir = self.root / case
        for folder in followups.followup_dirs(case_dir):
            report = read_case_report(folder)
            if report is not None and report.get("submission_id") == submission.id:
                fsutil.remove_tree(self.root / temp)
                result.status, result.case_dir, result.followup = SKIPPED, folder, True
                return
        fsutil.ensure_dir(case_dir / followups.FOLLOWUPS_DIR)
        number = followups.next_number(case_dir)
        folder_fd = fsutil.open_dir(Path(case) / followups.FOLLOWUPS_DIR, self.root_fd)
        try:
            os.rename(temp, number, src_dir_fd=self.root_fd, dst_dir_fd=folder_fd)
            os.fsync(folder_fd)
        finally:
            os.close(folder_fd)
        followups.write_marker(self.root, self.root_fd, submission.id,
                               f"{case}/{followups.FOLLOWUPS_DIR}/{number}")
        result.case_dir, result.followup = case_dir / followups.FOLLOWUPS_DIR / number, True
        self.followed_up.add(case)
        self.forget_failure(submission)

    def commit(self, staged: list[tuple[SubmissionResult, str, str | None, tuple, ManifestSubmission]]
               ) -> list[tuple[str, tuple]]:
        """Make a batch durable, then rename each folder into place; return the
        (folder, index entry) pairs of new cases. Reports first, then follow-ups
        (by day, bundle order within a day) into their original case's folder."""
        if not staged:
            return []
        fsutil.sync_filesystem(self.root)
        done = []
        first = [one for one in staged if one[2] is None]
        later = sorted((one for one in staged if one[2] is not None), key=lambda one: one[4].received_on)
        for result, temp, original, entry, submission in first + later:
            case = self._original_case(original) if original else None
            if case is not None:
                self._file_followup(result, temp, case, submission)
                continue
            target = self._target(submission)
            os.rename(temp, target, src_dir_fd=self.root_fd, dst_dir_fd=self.root_fd)
            self._add_name(target)
            result.case_dir = self.root / target
            self.forget_failure(submission)
            done.append((target, entry))
        os.fsync(self.root_fd)
        return done


def _sweep_incoming(root: Path) -> None:
    """Delete temporary folders a crashed run left (never complete cases)."""
    with os.scandir(root) as entries:
        stale = [entry.name for entry in entries if entry.name.startswith(INCOMING)]
    for name in stale:
        fsutil.remove_tree(root / name)


def _names_a_loaded_key(opener: Opener, bundle: Bundle, ours: set[str]) -> bool:
    """True if any submission's report envelope names one of ``ours`` (or cannot be read:
    then it fails on its own, with its own status)."""
    for submission in bundle.manifest.submissions:
        needs = opener.needed_keys(submission)
        if not needs or ours & set(needs):
            return True
    return False


def record_followups(root: Path, importer: "_Importer") -> None:
    """Re-index the cases that follow-ups were just filed in (their count and
    text), and set those a reviewer had closed back to "new": the reporter
    wrote again (:func:`review.workspace.triage.reopen`)."""
    from .workspace import triage
    from .workspace.index import record_cases

    cases, importer.followed_up = sorted(importer.followed_up), set()
    pairs = [(case, report) for case in cases if (report := read_case_report(root / case)) is not None]
    record_cases(root, pairs)
    triage.reopen(root, [str(report.get("submission_id", "")) for _, report in pairs])


def import_bundle(
    bundle: Bundle,
    identities: Sequence[SecretKey],
    outdir: str | Path,
    *,
    language: str = "es",
    progress: Progress | None = None,
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> ImportSummary:
    """Import every submission of an open ``bundle`` into case folders under ``outdir``.

    ``identities`` are the reviewer's unlocked secret keys (one or several;
    each item is opened with whichever key its envelope names); ``language``
    is ``"es"`` or ``"en"`` for ``report.txt``; ``progress`` is called with
    byte counts (the total is :func:`work_bytes`); ``on_result`` with each
    :class:`SubmissionResult` once its batch is done. Creates ``outdir``
    (mode 0700) if needed. Per-submission failures are results, not
    exceptions. If no submission names any of ``identities``, nothing is
    written and every result is ``no matching key`` (``summary.wrong_key``).

    :raises OSError: for file-system failures (the run stops; the
        submissions in progress leave no plaintext behind).
    """
    root = Path(outdir)
    root.mkdir(mode=fsutil.DIR_MODE, parents=True, exist_ok=True)
    root = root.resolve(strict=True)
    ours = {key.fingerprint.hex for key in identities}
    summary = ImportSummary(
        bundle.manifest.bundle_id,
        bool(ours & set(bundle.manifest.recipients)),
        bundle.unlisted,
    )
    probe = Opener(bundle, identities, None)
    if bundle.manifest.submissions and not _names_a_loaded_key(probe, bundle, ours):
        summary.wrong_key = True
        for submission in bundle.manifest.submissions:
            result = SubmissionResult(submission.id, submission.received_on, NO_KEY,
                                      error=NoMatchingKeyError("no loaded key opens this submission"),
                                      item_id=submission.report.id, needs=probe.needed_keys(submission))
            summary.results.append(result)
            if progress:
                progress(sum(2 * item.size for item in submission.items if bundle.has_item(item.id)))
            if on_result:
                on_result(result)
        return summary
    registry = Registry()
    documents = bundle.questionnaires()
    for sha256, data in documents.items():
        try:
            registry.add(data, sha256)
        except SchemaError as exc:
            raise BundleError("invalid questionnaire", str(exc), member=f"questionnaires/{sha256}.json") from exc
    save_questionnaires(root, documents)
    _sweep_incoming(root)
    from .workspace.index import folder_registry, record_new_cases

    index_registry = folder_registry(root)  # read once, not once per batch
    importer = _Importer(bundle, identities, root, language, progress, registry, index_registry)
    submissions = bundle.manifest.submissions
    unfinished: list[ManifestSubmission] = []  # staged or being staged, not yet renamed into place

    def finish(batch: list[ManifestSubmission], futures: list) -> None:
        staged = [staged for future in futures for staged in pool.result(future)]  # manifest order kept
        durable = []
        for submission, (result, temp, original, entry) in zip(batch, staged):
            importer.settle(submission, result)
            if temp is not None:
                durable.append((result, temp, original, entry, submission))
        record_new_cases(root, importer.commit(durable))
        record_followups(root, importer)  # the cases follow-ups were filed in, again with them
        del unfinished[: len(batch)]
        for result, *_ in staged:
            summary.results.append(result)
            if on_result:
                on_result(result)

    try:
        with importpool.StagePool(importer.reporting_to, submissions, min(WORKERS, importpool.cpus()), progress,
                                  processes=importpool.processes_fit(len(submissions))) as pool:
            in_flight: list = []
            try:
                for start, stop in _batches(submissions):
                    # The workers decrypt this batch while the previous one is made
                    # durable, renamed and indexed here (its syncfs overlaps their work).
                    step = -(-(stop - start) // (4 * pool.workers))  # a few jobs per worker, not one per submission
                    in_flight.append((submissions[start:stop], [pool.submit(first, min(first + step, stop))
                                                                for first in range(start, stop, step)]))
                    unfinished.extend(submissions[start:stop])
                    if len(in_flight) == 2:
                        finish(*in_flight.pop(0))
                while in_flight:
                    finish(*in_flight.pop(0))
            except BaseException:
                for _, futures in in_flight:
                    for future in futures:
                        future.cancel()
                raise
    except BaseException:
        for submission in unfinished:  # no plaintext of an unfinished batch stays behind
            fsutil.remove_tree(root / f"{INCOMING}{submission.id}")
        raise
    finally:
        importer.close()
    return summary


def _batches(submissions: Sequence[ManifestSubmission]):
    """(start, stop) index ranges of consecutive submissions: at most
    :data:`BATCH_COUNT` submissions and (unless one alone is larger)
    :data:`BATCH_BYTES` of ciphertext each; a quarter of the bundle when that
    is fewer, but not under 64 (the last batch is renamed and indexed after
    the workers are done: the smaller, the sooner the import ends)."""
    most = min(BATCH_COUNT, max(64, -(-len(submissions) // 4)))
    start, size = 0, 0
    for index, submission in enumerate(submissions):
        if index > start and (index - start >= most or size + submission.size > BATCH_BYTES):
            yield start, index
            start, size = index, 0
        size += submission.size
    if start < len(submissions):
        yield start, len(submissions)


def work_bytes(bundle: Bundle) -> int:
    """Bytes an import reads (each present item twice: check, then decrypt)."""
    return sum(
        2 * item.size
        for submission in bundle.manifest.submissions
        for item in submission.items
        if bundle.has_item(item.id)
    )
