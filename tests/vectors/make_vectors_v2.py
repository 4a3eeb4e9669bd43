"""Make the envelope v2 test vectors (tests/vectors/envelope2_*), one case per file.

Usage: ``python tests/vectors/make_vectors_v2.py [DIR]`` (default: this folder).
Each file: ``key: value`` lines, a blank line, the raw envelope (as the v1
vectors, plus ``identity-kind``). Cases are built with keys/envelope2.py's
own stanza and chunk functions, then altered byte by byte where a case needs
it; every file is checked against keys/ before it is written. X-Wing
encapsulation in ``cryptography`` is randomised, so a rerun gives other bytes
with the same cases and outcomes. The test identities are fixed:
X25519 ``SHA-256("resguardo test identity " || name)`` as in v1, X-Wing seeds
``SHA-256("resguardo test xwing identity " || name)``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import sys
from pathlib import Path

import nacl.bindings as sodium
import nacl.signing

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keys  # noqa: E402
from keys import envelope2 as v2  # noqa: E402
from keys.stream import StreamSealer, v2_chunk_log2  # noqa: E402
from tests.support.vectors import EXPECT_TYPES  # noqa: E402



def x25519(name: str) -> keys.SecretKey:
    return keys.SecretKey.from_bytes(hashlib.sha256(b"resguardo test identity " + name.encode()).digest(), name)


def xwing(name: str) -> keys.XWingSecretKey:
    return keys.XWingSecretKey.from_bytes(hashlib.sha256(b"resguardo test xwing identity " + name.encode()).digest(), name)


ANA, BEN, CRUZ, DORA = xwing("ana"), xwing("ben"), xwing("cruz"), xwing("dora")  # dora: never a recipient
ALICE = x25519("alice")


def content(size: int) -> bytes:
    return hashlib.shake_256(b"resguardo v2 vector content").digest(size)


def build(recipients, data: bytes, *, file_keys=None, stanza_hook=None, payload=None, chunk_log2=None, chunks=None):
    """A v2 envelope; ``file_keys`` may give each stanza its own file key (the
    commitment is to the first); ``stanza_hook(index, bytes) -> bytes`` edits a
    stanza; ``payload`` replaces the content sealed after the header is fixed.
    ``chunk_log2`` defaults to the writer's choice (14 up to 16380 bytes, else 16);
    ``chunks``, a list of ``(framed plaintext, tag)``, replaces the sealed chunks."""
    file_keys = file_keys or [sodium.randombytes(32)] * len(recipients)
    chunk_log2 = v2_chunk_log2(len(data)) if chunk_log2 is None else chunk_log2
    signer = nacl.signing.SigningKey.generate()
    sealer = StreamSealer(v2.kdf(file_keys[0], v2.PAYLOAD_LABEL))
    stanzas = [v2._wrap(key, fk) for key, fk in zip(recipients, file_keys)]
    if stanza_hook:
        stanzas = [stanza_hook(i, s) for i, s in enumerate(stanzas)]
    raw = (b"RESGUARD\x02" + bytes([chunk_log2]) + struct.pack(">H", len(recipients)) + b"".join(stanzas)
           + v2.kdf(file_keys[0], v2.COMMIT_LABEL) + bytes(signer.verify_key) + sealer.stream_header)
    ad = v2.header_hash(raw)

    def pull_state():  # equals the push state init_push made for this stream header
        state = sodium.crypto_secretstream_xchacha20poly1305_state()
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(
            state, sealer.stream_header, v2.kdf(file_keys[0], v2.PAYLOAD_LABEL))
        return state

    if chunks is not None:
        state = pull_state()
        sealed = b"".join(sodium.crypto_secretstream_xchacha20poly1305_push(state, framed, ad, tag) for framed, tag in chunks)
    else:
        sink = io.BytesIO()
        sealer.start(ad, sink, chunk_log2)
        sealer.write(data)
        sealer.finish()
        sealed = sink.getvalue()
    digest = hashlib.blake2b(sealed, digest_size=32)
    signature = signer.sign(v2.signed_message(ad, digest.digest())).signature
    envelope = raw + sealed + signature
    if payload is not None:  # same header, the insider's payload, the old signature
        chunk = sodium.crypto_secretstream_xchacha20poly1305_push(pull_state(), frame(payload, chunk_log2), ad, 3)
        envelope = raw + chunk + signature
    return envelope


def frame(data: bytes, chunk_log2: int) -> bytes:
    """``used || data || zero fill`` to ``2^chunk_log2`` bytes (``used`` may lie if data is too long)."""
    return struct.pack(">I", len(data)) + data + bytes(max(0, (1 << chunk_log2) - 4 - len(data)))


def cases():
    one = content(1000)
    yield ("success_one_recipient", "success", ANA, build([ANA.public_key], one), one,
           "one X-Wing recipient, 1000 bytes: a small envelope, one 16 KiB chunk (chunk_log2 14)")
    full = content(16380)
    yield ("success_small_full", "success", ANA, build([ANA.public_key], full), full,
           "16380 bytes, the most a small envelope holds: one full 16 KiB chunk")
    over = content(16381)
    yield ("success_past_small", "success", ANA, build([ANA.public_key], over), over,
           "16381 bytes: one 64 KiB chunk (chunk_log2 16)")
    yield ("success_legacy_big_chunk", "success", ANA, build([ANA.public_key], one, chunk_log2=16), one,
           "1000 bytes in one 64 KiB chunk: how v2 was written before small envelopes; readers still accept it")
    three = content(70000)
    env3 = build([ANA.public_key, BEN.public_key, CRUZ.public_key], three)
    yield ("success_three_recipients", "success", CRUZ, env3, three,
           "three X-Wing recipients, 70000 bytes (two chunks), opened by the third")
    mixed = build([ANA.public_key, ALICE.public_key], one)
    yield ("success_mixed_xwing", "success", ANA, mixed, one, "X-Wing and X25519 stanzas, opened by the X-Wing key")
    yield ("success_mixed_x25519", "success", ALICE, mixed, one,
           "the same bytes, opened by the X25519 key (this report is not post-quantum protected)")
    yield ("no_match", "no match", DORA, env3, None, "sealed to ana, ben, cruz; opened by dora")

    def kem_length(index, stanza):
        return stanza[:1] + struct.pack(">H", 1167) + stanza[3:-1]
    yield ("header_kem_ciphertext_length", "stanza length", ANA, build([ANA.public_key], one, stanza_hook=kem_length)[:12 + 1202],
           "X-Wing stanza with body length 1167 (KEM ciphertext one byte short); header only")

    def unknown(index, stanza):
        return b"\x03" + stanza[1:]
    yield ("header_unknown_stanza", "unknown stanza", ANA, build([ANA.public_key], one, stanza_hook=unknown)[:12 + 1203 + 88],
           "stanza type 3 (no such key type); header only")
    good = build([ANA.public_key], one)
    yield ("header_truncated", "header failure", ANA, good[:12 + 600], "cut inside the X-Wing stanza")
    yield ("header_unsupported_version", "unsupported version", ANA, good[:8] + b"\x03" + good[9:12 + 1203 + 88],
           "version byte 3")
    yield ("header_bad_chunk_log2", "header failure", ANA, good[:9] + b"\x0f" + good[10:12 + 1203 + 88],
           "chunk_log2 15; v2 allows 14 and 16 only; header only")
    yield ("payload_small_two_chunks", "payload failure", ANA,
           build([ANA.public_key], b"", chunk_log2=14, chunks=[(frame(b"ab", 14), 0), (frame(b"", 14), 3)]),
           "chunk_log2 14 with two chunks (MESSAGE, then FINAL): a small envelope has exactly one")
    yield ("payload_small_used_too_large", "payload failure", ANA,
           build([ANA.public_key], b"", chunk_log2=14, chunks=[(struct.pack(">I", 16381) + bytes(16380), 3)]),
           "chunk_log2 14, used = 16381 (more than a 16 KiB chunk holds)")
    forged = build([ANA.public_key, BEN.public_key], one, file_keys=[sodium.randombytes(32), sodium.randombytes(32)])
    yield ("header_commitment_mismatch", "commitment mismatch", BEN, forged,
           "ben's stanza carries another file key than the commitment's (ana's opens): finding (a) against v1")
    yield ("payload_reencrypted", "signature failure", BEN,
           build([ANA.public_key, BEN.public_key], one, payload=b"forged by a recipient"),
           "same header bytes, a payload re-encrypted under the file key, the old signature: finding (b) against v1")
    yield ("payload_flipped_bit", "payload failure", ANA, good[:12 + 1203 + 88 + 5] + bytes([good[12 + 1203 + 88 + 5] ^ 1]) + good[12 + 1203 + 88 + 6:],
           "a bit flipped in chunk 0")
    yield ("truncated_signature", "truncated", ANA, good[:-1], "the last signature byte is missing")
    yield ("trailing_byte", "trailing data", ANA, good + b"\x00", "one byte after the signature")


def _fields(name, expect, identity, envelope, data, comment):
    fields = [f"expect: {expect}", f"identity: {base64.b64encode(identity.raw).decode()}",
              f"identity-kind: {identity.kind}"]
    if data is not None and expect == "success":
        fields += [f"payload-size: {len(data)}", f"payload-sha256: {hashlib.sha256(data).hexdigest()}"]
    fields.append(f"comment: {comment}")
    return "\n".join(fields).encode("ascii") + b"\n\n" + envelope


def check(expect, identity, envelope, data) -> None:
    """Open with keys/ and require the stated outcome. :raises AssertionError: otherwise."""
    if expect == "success":
        if keys.open_envelope(envelope, [identity]) != data:
            raise AssertionError("success vector does not open to its content")
        return
    expected = EXPECT_TYPES[expect]
    try:
        keys.open_envelope(envelope, [identity])
    except keys.KeysError as error:
        if type(error) is not expected:
            raise AssertionError(f"{expect}: got {type(error).__name__}") from error
        return
    raise AssertionError(f"{expect}: opened")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    for name, expect, identity, envelope, *rest in cases():
        data, comment = (rest[0], rest[1]) if len(rest) == 2 else (None, rest[0])
        check(expect, identity, envelope, data)
        (out / f"envelope2_{name}").write_bytes(_fields(name, expect, identity, envelope, data, comment))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
