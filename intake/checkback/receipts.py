"""Receipts made by the server (no-JavaScript path) and the ``reply_to`` they put in a report.

The server makes the receipt while it handles the POST, derives the
reporter's X-Wing key (``XWingSecretKey(receipt.reporter_seed())``, docs/FORMAT.md
"Reply key and reply envelope"), puts the public half in the report before
sealing it, keeps only the keyed hash of the lookup key, shows the receipt
once in the answer and forgets it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import keys

from .cases import lookup_hash

REPLY_KIND = "xwing"


def reporter_key(receipt: keys.Receipt) -> keys.XWingSecretKey:
    """The reporter's X-Wing key pair of ``receipt`` (seed = its reporter seed)."""
    return keys.XWingSecretKey(receipt.reporter_seed(), "reporter")


def reply_to(public_key: bytes) -> dict:
    """The report's ``reply_to`` field for a 1216-byte X-Wing public key."""
    return {"kind": REPLY_KIND, "public_key": base64.b64encode(public_key).decode("ascii")}


@dataclass
class Issued:
    """A receipt just made: its text (shown once), the case's stored lookup, the report's ``reply_to``."""

    text: str
    lookup: str
    reply_to: dict


def issue() -> Issued:
    """Make a new receipt (OS CSPRNG) and what the server keeps and seals of it."""
    receipt = keys.Receipt.generate()
    public = reporter_key(receipt).public_key.raw
    return Issued(text=str(receipt), lookup=lookup_hash(receipt.lookup_key()), reply_to=reply_to(public))
