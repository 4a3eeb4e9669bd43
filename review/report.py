"""Checking a decrypted report against docs/FORMAT.md ("Report") and the manifest."""

from __future__ import annotations

import hashlib
import json

from .bundle import HEX32, HEX64, ManifestSubmission
from .errors import InvalidReportError, ManifestMismatchError, MissingItemError, ReportVersionError

REPORT_FORMAT = "resguardo-report"
REPORT_VERSION = 1
MAX_REPORT_BYTES = 64 * 1024 * 1024
#: Plaintext hashes an attachment entry may carry (docs/FORMAT.md, "Report"):
#: name -> constructor of a fresh hashlib object.
HASHES = {
    "sha256": hashlib.sha256,
    "blake2b_256": lambda: hashlib.blake2b(digest_size=32),
}


def parse_report(data: bytes, submission: ManifestSubmission) -> dict:
    """Parse decrypted report bytes and check them against the manifest entry.

    Unknown field names are accepted and missing fields tolerated (the
    format says so); ``attachments`` entries must each name a distinct
    32-hex ``item_id`` with an integer ``size`` and at least one plaintext
    hash of 64 hex digits: ``sha256`` (server-sealed) or ``blake2b_256``
    (browser-sealed); every hash present must be well formed.
    Returns the report object exactly as decoded.

    :raises InvalidReportError: if it is not a UTF-8 JSON object without a
        BOM, or the format name, fields or attachment list are malformed.
    :raises ReportVersionError: for a report version other than 1.
    :raises ManifestMismatchError: if ``submission_id`` is not the manifest's.
    """
    item_id = submission.report.id
    if data.startswith(b"\xef\xbb\xbf"):
        raise InvalidReportError("the report starts with a byte-order mark", item_id)
    try:
        report = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidReportError("the report is not UTF-8 JSON", item_id) from exc
    if not isinstance(report, dict) or report.get("format") != REPORT_FORMAT:
        raise InvalidReportError("not a Resguardo report", item_id)
    if report.get("version") != REPORT_VERSION:
        raise ReportVersionError(f"report version {report.get('version')!r}", item_id)
    if report.get("submission_id") != submission.id:
        raise ManifestMismatchError("the report belongs to another submission", item_id)
    if not isinstance(report.get("fields", {}), dict):
        raise InvalidReportError("fields is not an object", item_id)
    attachments = report.get("attachments", [])
    if not isinstance(attachments, list):
        raise InvalidReportError("attachments is not a list", item_id)
    seen: set[str] = set()
    for entry in attachments:
        if not isinstance(entry, dict):
            raise InvalidReportError("an attachment entry is not an object", item_id)
        att_id, size = entry.get("item_id"), entry.get("size")
        if not isinstance(att_id, str) or not HEX32.match(att_id) or att_id in seen:
            raise InvalidReportError("an attachment item_id is invalid or repeated", item_id)
        if type(size) is not int or size < 0:
            raise InvalidReportError(f"attachment {att_id} has no valid size", item_id)
        hashes = [entry[name] for name in HASHES if name in entry]
        if not hashes or not all(isinstance(d, str) and HEX64.match(d) for d in hashes):
            raise InvalidReportError(f"attachment {att_id} has no valid sha256 or blake2b_256", item_id)
        seen.add(att_id)
    return report


def match_attachments(report: dict, submission: ManifestSubmission) -> list[tuple[dict, object]]:
    """Pair each attachment entry of the report with its manifest item, in report order.

    :raises MissingItemError: if the report names an attachment the manifest lacks.
    :raises ManifestMismatchError: if the manifest lists an attachment the
        report does not mention.
    """
    by_id = {item.id: item for item in submission.attachments}
    pairs = []
    for entry in report.get("attachments", []):
        item = by_id.pop(entry["item_id"], None)
        if item is None:
            raise MissingItemError("the report names an attachment the bundle lacks", entry["item_id"])
        pairs.append((entry, item))
    if by_id:
        extra = next(iter(by_id))
        raise ManifestMismatchError("the bundle lists an attachment the report does not", extra)
    return pairs
