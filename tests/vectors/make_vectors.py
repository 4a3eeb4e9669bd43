"""Generate the envelope v1 test vectors in this directory (docs/FORMAT.md, "Test vectors").

Run from the project root::

    .venv/bin/python tests/vectors/make_vectors.py            # rewrite tests/vectors/envelope_*
    .venv/bin/python tests/vectors/make_vectors.py OUT_DIR    # write them somewhere else

Success vectors are written by the reference writer (:func:`keys.seal`). Every
other vector is made by :func:`craft`, a second, deliberately independent
writer built from ``nacl.bindings`` and :mod:`hashlib` only, so that it can
produce envelopes the reference writer never would (bad tags, bad framing,
wrong counts, a header edited after the fact). Before writing, every vector is
opened with :mod:`keys` and must give exactly the expected outcome.

Identities are fixed (derived from their names), so the ``identity:`` lines are
stable; the envelope bytes change on every run because sealed boxes, content
keys and secretstream headers are random. The committed files are the vectors.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nacl.bindings as sodium

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import keys  # noqa: E402  (after the path fix, so the script runs from anywhere)
from tests.support.vectors import EXPECT_TYPES  # noqa: E402  (each failing ``expect:`` value's exception type)

MAGIC = b"RESGUARD"
FINGERPRINT_LABEL = b"resguardo/v1/fingerprint\x00"
HEADER_LABEL = b"resguardo/v1/header\x00"
CHUNK_SIZE = 65536
DATA_PER_CHUNK = CHUNK_SIZE - 4
TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE  # 0
TAG_PUSH = sodium.crypto_secretstream_xchacha20poly1305_TAG_PUSH  # 1
TAG_REKEY = sodium.crypto_secretstream_xchacha20poly1305_TAG_REKEY  # 2
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL  # 3



# -- test identities -----------------------------------------------------------


def identity(name: str) -> bytes:
    """A fixed 32-byte X25519 secret key for a test identity: SHA-256 of its name."""
    return hashlib.sha256(b"resguardo test identity " + name.encode()).digest()


def public(secret: bytes) -> bytes:
    """The X25519 public key of ``secret`` (libsodium crypto_scalarmult_base)."""
    return sodium.crypto_scalarmult_base(secret)


ALICE, BOB, CAROL = identity("alice"), identity("bob"), identity("carol")


def fingerprint(public_key: bytes) -> bytes:
    """BLAKE2b-256(FINGERPRINT_LABEL || public_key), 32 bytes."""
    return hashlib.blake2b(FINGERPRINT_LABEL + public_key, digest_size=32).digest()


def content(size: int) -> bytes:
    """``size`` deterministic plaintext bytes (SHAKE-256 of a fixed string)."""
    return hashlib.shake_256(b"resguardo vector content").digest(size)


# -- the independent writer ----------------------------------------------------


def frame(data: bytes, *, used: int | None = None, fill: bytes | None = None) -> bytes:
    """One 65536-byte chunk plaintext: ``used u32be || data || fill``.

    ``used`` defaults to ``len(data)``, ``fill`` to the zero bytes that complete
    the chunk; overriding either makes a chunk the reader must reject.
    """
    if fill is None:
        fill = bytes(DATA_PER_CHUNK - len(data))
    framed = struct.pack(">I", len(data) if used is None else used) + data + fill
    if len(framed) != CHUNK_SIZE:
        raise ValueError("a chunk plaintext is 65536 bytes")
    return framed


@dataclass
class Crafted:
    """An envelope made by :func:`craft`: its header, its stanzas and all its bytes."""

    header: bytes
    stanzas: list[bytes]
    chunks: list[bytes] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        return self.header + b"".join(self.chunks)


def craft(
    recipients: list[bytes],
    chunks: list[tuple[bytes, int]],
    *,
    magic: bytes = MAGIC,
    version: int = 1,
    chunk_log2: int = 16,
    count: int | None = None,
    stanzas: list[bytes] | None = None,
    ad: bytes | None = None,
    label: bytes = HEADER_LABEL,
) -> Crafted:
    """Write an envelope from parts, following docs/FORMAT.md unless told not to.

    ``recipients`` are public keys; ``chunks`` are (chunk plaintext, tag) pairs
    pushed in order. ``stanzas`` replaces the stanzas, ``count`` the stanza
    count field, ``ad`` the associated data (default: the header hash with
    ``label``).
    """
    key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    if stanzas is None:
        stanzas = [fingerprint(pk) + sodium.crypto_box_seal(key, pk) for pk in recipients]
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    fixed = struct.pack(">8sBBH", magic, version, chunk_log2, len(stanzas) if count is None else count)
    header = fixed + b"".join(stanzas) + stream_header
    if ad is None:
        ad = hashlib.blake2b(label + header, digest_size=32).digest()
    sealed = [
        sodium.crypto_secretstream_xchacha20poly1305_push(state, framed, ad, tag)
        for framed, tag in chunks
    ]
    return Crafted(header, list(stanzas), sealed)


def with_stanzas(crafted: Crafted, stanzas: list[bytes]) -> bytes:
    """``crafted``'s bytes with its stanzas replaced (same count), payload untouched."""
    fixed = crafted.header[:12]
    stream_header = crafted.header[-24:]
    return fixed + b"".join(stanzas) + stream_header + b"".join(crafted.chunks)


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    """``data`` with the bits in ``mask`` flipped at ``offset``."""
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)


# -- the cases -----------------------------------------------------------------


@dataclass
class Vector:
    """One vector file: its case name, the expected outcome and the bytes."""

    case: str
    expect: str
    identity: bytes
    data: bytes
    comment: str
    payload: bytes | None = None

    def render(self) -> bytes:
        lines = [
            f"expect: {self.expect}",
            f"identity: {base64.b64encode(self.identity).decode()}",
        ]
        if self.payload is not None:
            lines.append(f"payload-size: {len(self.payload)}")
            lines.append(f"payload-sha256: {hashlib.sha256(self.payload).hexdigest()}")
        lines.append(f"comment: {self.comment}")
        return ("\n".join(lines) + "\n\n").encode("ascii") + self.data


def seal_with_keys(payload: bytes, *secrets: bytes) -> bytes:
    """The reference writer: :func:`keys.seal` to the public halves of ``secrets``."""
    recipients = [keys.SecretKey.from_bytes(s).public_key for s in secrets]
    return keys.seal(payload, recipients)


def one_chunk(data: bytes = b"", tag: int = TAG_FINAL) -> list[tuple[bytes, int]]:
    return [(frame(data), tag)]


def build() -> list[Vector]:
    """Every vector, in file-name order of importance (successes first)."""
    v: list[Vector] = []
    A, B, C = public(ALICE), public(BOB), public(CAROL)

    def success(case: str, size: int, comment: str, *secrets: bytes) -> bytes:
        payload = content(size)
        data = seal_with_keys(payload, *secrets)
        v.append(Vector(case, "success", secrets[0], data, comment, payload))
        return data

    success("success_empty", 0, "0 bytes: one FINAL chunk with used = 0", ALICE)
    success("success_one_byte", 1, "1 byte: one FINAL chunk with used = 1", ALICE)
    success("success_full_chunk", DATA_PER_CHUNK,
            "65532 bytes: exactly one full FINAL chunk, no empty chunk after it", ALICE)
    success("success_two_chunks", DATA_PER_CHUNK + 1,
            "65533 bytes: a full MESSAGE chunk, then a FINAL chunk with used = 1", ALICE)
    success("success_padded", 8 * DATA_PER_CHUNK + 1,
            "8*65532+1 bytes: 9 data chunks, Padme(9) = 10, so one empty FINAL padding chunk",
            ALICE)
    payload = content(1000)
    both = seal_with_keys(payload, ALICE, BOB)
    v.append(Vector("success_two_recipients_first", "success", ALICE, both,
                    "sealed to alice then bob; opened by alice (first stanza)", payload))
    v.append(Vector("success_two_recipients_second", "success", BOB, both,
                    "the same bytes as success_two_recipients_first; opened by bob (second stanza)",
                    payload))

    v.append(Vector("no_match", "no match", CAROL, seal_with_keys(content(10), ALICE, BOB),
                    "sealed to alice and bob; carol's fingerprint is in no stanza"))

    # -- header failures --
    # These carry the header only: a reader MUST reject them before it reads
    # any chunk, and one that did not would report "truncated" instead.
    base = craft([A], one_chunk())
    v.append(Vector("header_bad_magic", "header failure", ALICE,
                    b"RESGUARF" + base.header[8:], "magic 'RESGUARF' instead of 'RESGUARD'"))
    v.append(Vector("header_unsupported_version", "unsupported version", ALICE,
                    craft([A], one_chunk(), version=3).header,
                    "version byte 3: rejected before anything else after the magic"))
    v.append(Vector("header_version_zero", "unsupported version", ALICE,
                    craft([A], one_chunk(), version=0).header, "version byte 0"))
    v.append(Vector("header_bad_chunk_log2", "header failure", ALICE,
                    craft([A], one_chunk(), chunk_log2=15).header,
                    "chunk_log2 = 15 (32 KiB); version 1 allows 16 only"))
    v.append(Vector("header_zero_stanzas", "header failure", ALICE,
                    craft([], one_chunk()).header,
                    "stanza count 0: 12 fixed bytes, no stanza, a stream header"))
    many = craft([A], one_chunk())
    v.append(Vector("header_too_many_stanzas", "header failure", ALICE,
                    many.header[:10] + struct.pack(">H", 65) + many.header[12:],
                    "stanza count field 65 (maximum is 64); rejected before reading stanzas"))
    v.append(Vector("header_duplicate_recipient", "header failure", ALICE,
                    craft([A, B, A], one_chunk()).header,
                    "alice, bob, alice: a fingerprint appears twice"))
    v.append(Vector("header_truncated", "header failure", ALICE, base.header[:12 + 50],
                    "cut 50 bytes into the first stanza"))
    v.append(Vector("header_truncated_fixed", "header failure", ALICE, base.header[:9],
                    "only 9 bytes: the 12-byte fixed part is incomplete"))
    v.append(Vector("header_empty", "header failure", ALICE, b"", "an empty file"))
    corrupt = craft([A], one_chunk())
    v.append(Vector("header_corrupt_stanza", "header failure", ALICE,
                    flip(corrupt.data, 12 + 32 + 40),
                    "one bit flipped inside the sealed content key of alice's stanza"))

    # -- payload failures --
    first = craft([A, B], one_chunk(b"first"))
    other = craft([A, B], one_chunk(b"other"))
    v.append(Vector("payload_swapped_stanza", "payload failure", ALICE,
                    with_stanzas(first, [first.stanzas[0], other.stanzas[1]]),
                    "bob's stanza replaced by bob's stanza of another envelope; alice's stanza "
                    "still opens, but the header hash (AD) changed, so chunk 0 fails"))
    v.append(Vector("payload_swapped_stanza_own", "payload failure", BOB,
                    with_stanzas(first, [first.stanzas[0], other.stanzas[1]]),
                    "as payload_swapped_stanza, opened by bob: the other envelope's content key "
                    "does not open this stream"))
    v.append(Vector("payload_flipped_bit", "payload failure", ALICE,
                    flip(seal_with_keys(content(100), ALICE), 148 + 1000),
                    "one bit flipped in the ciphertext of chunk 0"))
    v.append(Vector("payload_no_ad", "payload failure", ALICE,
                    craft([A], one_chunk(b"x"), ad=b"").data,
                    "chunk sealed with empty associated data instead of the header hash"))
    v.append(Vector("payload_ad_label_without_nul", "payload failure", ALICE,
                    craft([A], one_chunk(b"x"), label=b"resguardo/v1/header").data,
                    "AD computed with the label missing its final 0x00 byte"))
    two = seal_with_keys(content(DATA_PER_CHUNK + 1), ALICE)
    v.append(Vector("truncated_mid_chunk", "truncated", ALICE, two[: 148 + 65553 + 1000],
                    "65533-byte envelope cut 1000 bytes into chunk 1"))
    v.append(Vector("truncated_missing_final", "truncated", ALICE, two[: 148 + 65553],
                    "65533-byte envelope cut at the chunk boundary: the FINAL chunk is missing"))
    v.append(Vector("truncated_no_chunks", "truncated", ALICE, two[:148],
                    "a complete header and no chunk at all"))
    v.append(Vector("trailing_byte", "trailing data", ALICE,
                    seal_with_keys(content(1), ALICE) + b"\x00", "one 0x00 byte after the FINAL chunk"))
    extra = craft([A], [(frame(b"y"), TAG_FINAL), (frame(b""), TAG_FINAL)])
    v.append(Vector("trailing_chunk", "trailing data", ALICE, extra.data,
                    "a second, validly sealed chunk after the FINAL chunk"))
    reordered = craft([A], [(frame(content(DATA_PER_CHUNK)), TAG_MESSAGE), (frame(b"z"), TAG_FINAL)])
    v.append(Vector("payload_reordered_chunks", "payload failure", ALICE,
                    reordered.header + reordered.chunks[1] + reordered.chunks[0],
                    "a 65533-byte envelope's two chunks in swapped order"))
    v.append(Vector("payload_nonzero_padding", "payload failure", ALICE,
                    craft([A], [(frame(b"abc", fill=b"\x01" + bytes(DATA_PER_CHUNK - 4)), TAG_FINAL)]).data,
                    "used = 3 and the first fill byte is 0x01"))
    v.append(Vector("payload_used_too_large", "payload failure", ALICE,
                    craft([A], [(frame(b"", used=DATA_PER_CHUNK + 1, fill=bytes(DATA_PER_CHUNK)), TAG_FINAL)]).data,
                    "used = 65533, one more than a chunk can hold"))
    v.append(Vector("payload_used_huge", "payload failure", ALICE,
                    craft([A], [(frame(b"", used=0xFFFFFFFF, fill=bytes(DATA_PER_CHUNK)), TAG_FINAL)]).data,
                    "used = 0xFFFFFFFF"))
    v.append(Vector("payload_data_after_short_chunk", "payload failure", ALICE,
                    craft([A], [(frame(b"short"), TAG_MESSAGE), (frame(b"more"), TAG_FINAL)]).data,
                    "chunk 0 has used = 5 (MESSAGE), chunk 1 has used = 4 (FINAL)"))
    v.append(Vector("payload_extra_padding_chunk", "payload failure", ALICE,
                    craft([A], [(frame(b"q"), TAG_MESSAGE), (frame(b""), TAG_FINAL)]).data,
                    "1 byte of content in 2 chunks; Padme(1) = 1 chunk"))
    v.append(Vector("payload_push_tag", "payload failure", ALICE,
                    craft([A], [(frame(b"p"), TAG_PUSH)]).data,
                    "the only chunk is tagged PUSH (0x01)"))
    v.append(Vector("payload_rekey_tag", "payload failure", ALICE,
                    craft([A], [(frame(b"r"), TAG_REKEY)]).data,
                    "chunk 0 is tagged REKEY (0x02)"))
    v.append(Vector("payload_final_missing_tag", "truncated", ALICE,
                    craft([A], one_chunk(b"m", TAG_MESSAGE)).data,
                    "the only chunk is tagged MESSAGE: the stream ends without a FINAL chunk"))
    return v


def outcome(vector: Vector) -> str:
    """Open ``vector`` with :mod:`keys`; return the ``expect`` value it produces."""
    identity_key = keys.SecretKey.from_bytes(vector.identity)
    try:
        plaintext = keys.open_envelope(vector.data, [identity_key])
    except keys.KeysError as exc:
        for name, kind in EXPECT_TYPES.items():
            if type(exc) is kind:
                return name
        raise
    if plaintext != vector.payload:
        raise AssertionError(f"{vector.case}: opened to the wrong plaintext")
    return "success"


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    vectors = build()
    for vector in vectors:
        got = outcome(vector)
        if got != vector.expect:
            raise SystemExit(f"{vector.case}: expected {vector.expect}, keys gave {got}")
    for old in out.glob("envelope_*"):
        old.unlink()
    for vector in vectors:
        (out / f"envelope_{vector.case}").write_bytes(vector.render())
    total = sum(len(vector.render()) for vector in vectors)
    print(f"wrote {len(vectors)} vectors ({total} bytes) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
