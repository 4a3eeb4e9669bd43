"""The reply document and the reporter's reply key, read from a decrypted report.

docs/FORMAT.md, "Reply key and reply envelope": the key is taken from the
report's ``reply_to`` field only (never from the server); the document is
``{"format": "resguardo-reply", "version": 1, "submission_id", "language",
"written_on", "text"}`` in UTF-8 JSON, sealed as an envelope v2 with one
X-Wing stanza.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re

import keys

from ..errors import EmptyReplyError, NoReplyKeyError, ReplyTooLongError

REPLY_FORMAT = "resguardo-reply"
REPLY_VERSION = 1
MAX_TEXT_CHARS = 20_000
MAX_ENVELOPE_BYTES = 262_144
LANGUAGES = ("es", "en")
_HEX32 = re.compile(r"[0-9a-f]{32}\Z")


def reply_key(report: dict):
    """The reporter's X-Wing public key (a ``keys.XWingPublicKey``) from a
    decrypted report's ``reply_to``.

    :raises NoReplyKeyError: if ``reply_to`` is absent, its kind is not
        ``"xwing"``, or its key is not canonical base64 of a valid 1216-byte
        X-Wing public key.
    """
    reply_to = report.get("reply_to")
    if not isinstance(reply_to, dict) or reply_to.get("kind") != "xwing":
        raise NoReplyKeyError("the report carries no reply key")
    text = reply_to.get("public_key")
    if not isinstance(text, str):
        raise NoReplyKeyError("the reply key is missing")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoReplyKeyError("the reply key is not base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoReplyKeyError("the reply key is not canonical base64")
    try:
        return keys.XWingPublicKey.from_bytes(raw, "reporter")
    except ValueError as exc:
        raise NoReplyKeyError("the reply key is not a valid X-Wing public key") from exc


def clean_text(text: str) -> str:
    """``text`` with CR LF and CR turned into LF and white space trimmed at both ends.

    :raises EmptyReplyError: if nothing is left.
    :raises ReplyTooLongError: if more than 20 000 code points are left.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise EmptyReplyError("the reply is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ReplyTooLongError(f"the reply has {len(text)} characters; at most {MAX_TEXT_CHARS}")
    return text


def today() -> str:
    """The UTC day on this laptop, ``YYYY-MM-DD``."""
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def reply_document(submission_id: str, language: str, text: str, written_on: str | None = None) -> dict:
    """The reply document (a dict in the field order of docs/FORMAT.md).

    :raises ValueError: for a submission id that is not 32 lower-case hex or
        a language other than ``"es"``/``"en"``.
    :raises EmptyReplyError, ReplyTooLongError: as :func:`clean_text`.
    """
    if not isinstance(submission_id, str) or not _HEX32.match(submission_id):
        raise ValueError("a submission id is 32 lower-case hex digits")
    if language not in LANGUAGES:
        raise ValueError("a reply's language is es or en")
    return {"format": REPLY_FORMAT, "version": REPLY_VERSION, "submission_id": submission_id,
            "language": language, "written_on": written_on or today(), "text": clean_text(text)}


def encode(document: dict) -> bytes:
    """The document's bytes: compact UTF-8 JSON, non-ASCII written as is."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seal_reply(document: dict, key) -> bytes:
    """Seal ``encode(document)`` as an envelope v2 to the one X-Wing ``key``.

    :raises ValueError: if the envelope would exceed 262 144 bytes (it
        cannot, for a document from :func:`reply_document`).
    """
    envelope = keys.seal_v2(encode(document), [key])
    if len(envelope) > MAX_ENVELOPE_BYTES:
        raise ValueError("a reply envelope is at most 262144 bytes")
    return envelope
