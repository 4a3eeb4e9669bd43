"""Test helper: a cases folder made from the shared sample reports, plus hostile attachments.

The samples (../shared/samples, read by tests/support/samples.py) become
submissions the way tests/review/review_bundles.py builds them, sealed to a
test key, bundled and imported with the real import. Two more attachments
pretend to be PDFs: an HTML page and an SVG with a script.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

import keys
from review.bundle import Bundle
from review.cases import import_bundle

from review_bundles import make_manifest, make_submission, write_bundle
from tests.support.samples import SAMPLES, all_reports

HTML_AS_PDF = b"<!doctype html><html><body><script>fetch('http://evil.example/')</script>Hola</body></html>\n"
SVG_AS_PDF = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              b'<script>alert(1)</script><rect width="10" height="10"/></svg>\n')
PHOTO = "foto-vehiculo-danado.jpg"
REPORTER_SEED = bytes(range(32))
"""The receipt seed of the second sample's reporter (its report has a reply key)."""


def sample_submissions(key: keys.SecretKey) -> list:
    """One submission per sample report (received on distinct days), the first
    with two extra hostile attachments named ``informe.pdf`` and ``acta.pdf``,
    the second with a reply key (``reply_to``, from :data:`REPORTER_SEED`)."""
    subs = []
    for index, sample in enumerate(all_reports()):
        files = [(path.name, path.read_bytes()) for path in sample.attachments]
        if index == 0:
            files += [("informe.pdf", HTML_AS_PDF), ("acta.pdf", SVG_AS_PDF)]
        sub = make_submission([key.public_key], attachments=files, fields=dict(sample.fields),
                              received_on=f"2026-11-{20 + index:02d}")
        for entry in sub.report["attachments"]:
            entry["content_type"] = mimetypes.guess_type(entry["filename"])[0] or "application/octet-stream"
        if index == 1:  # sent with a receipt: the reviewers can reply
            sub.report["reply_to"] = {"kind": "xwing", "public_key": base64.b64encode(
                keys.XWingSecretKey(REPORTER_SEED).public_key.raw).decode("ascii")}
        sub.seal_all([key.public_key])
        subs.append(sub)
    return subs


def make_bundle(directory: Path, key: keys.SecretKey) -> tuple[Path, list]:
    """A bundle of the sample submissions; (path, submissions)."""
    subs = sample_submissions(key)
    return write_bundle(directory / "samples-bundle.tar", make_manifest(subs, [key.public_key]), subs), subs


def make_cases(directory: Path, key: keys.SecretKey) -> tuple[Path, list]:
    """Import the sample bundle into ``directory/cases``; (cases folder, submissions)."""
    bundle, subs = make_bundle(directory, key)
    with Bundle(bundle) as opened:
        summary = import_bundle(opened, [key], directory / "cases")
    assert summary.count("imported") == len(subs), [r.status for r in summary.results]
    return directory / "cases", subs


def photo_followup_bundle(directory: Path, key: keys.SecretKey, original_id: str) -> Path:
    """A bundle holding one follow-up to ``original_id``: the sample's GPS photo
    (:data:`PHOTO`) and an HTML page named ``acta.pdf``; its path."""
    followup = make_submission([key.public_key], received_on="2026-11-28", fields={"description": "Otra foto"},
                               attachments=[(PHOTO, (SAMPLES / PHOTO).read_bytes()), ("acta.pdf", HTML_AS_PDF)])
    followup.report["follow_up_to"] = original_id
    for entry, kind in zip(followup.report["attachments"], ("image/jpeg", "application/pdf")):
        entry["content_type"] = kind
    followup.seal_all([key.public_key])
    return write_bundle(directory / "followup.tar", make_manifest([followup], [key.public_key]), [followup])


__all__ = ["HTML_AS_PDF", "PHOTO", "REPORTER_SEED", "SAMPLES", "SVG_AS_PDF", "make_bundle", "make_cases", "photo_followup_bundle", "sample_submissions"]
