"""The test-vector files of tests/vectors/: their parser and what each ``expect`` value means.

A vector file (tests/vectors/README.md) is ASCII ``key: value`` lines, one
empty line, then the raw bytes of the case to the end of the file. Used by
the Python tests of envelopes (v1, v2) and receipts and by the vector
generators, so the format and the meaning of ``expect`` live in one place.
"""

from __future__ import annotations

import keys

EXPECT_TYPES: dict[str, type[keys.KeysError]] = {
    "header failure": keys.HeaderError,
    "unsupported version": keys.UnsupportedVersionError,
    "unknown stanza": keys.UnknownStanzaError,
    "stanza length": keys.StanzaLengthError,
    "commitment mismatch": keys.CommitmentError,
    "no match": keys.NoMatchingKeyError,
    "payload failure": keys.PayloadError,
    "signature failure": keys.SignatureError,
    "truncated": keys.TruncatedError,
    "trailing data": keys.TrailingDataError,
}
"""Each failing ``expect:`` value and the exact exception type :mod:`keys` raises
for it (tests compare with ``type(exc) is X``: a subclass does not count)."""


def parse_vector(raw: bytes, allowed: set[str]) -> tuple[dict[str, str], bytes]:
    """Split a vector file into its header fields and the bytes after the empty line.

    :param allowed: the field names this kind of vector may carry.
    :raises AssertionError: with no empty line, a line that is not
        ``key: value``, a field not in ``allowed`` or a field given twice.
    """
    head, sep, body = raw.partition(b"\n\n")
    assert sep == b"\n\n"
    fields: dict[str, str] = {}
    for line in head.decode("ascii").split("\n"):
        name, colon, value = line.partition(": ")
        assert colon and name in allowed and name not in fields
        fields[name] = value
    return fields, body
