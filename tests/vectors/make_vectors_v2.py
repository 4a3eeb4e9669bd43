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
from keys.stream import StreamSealer  # noqa: E402

EXPECT_TYPES = {
    "success": None,
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


def x25519(name: str) -> keys.SecretKey:
    return keys.SecretKey.from_bytes(hashlib.sha256(b"resguardo test identity " + name.encode()).digest(), name)


def xwing(name: str) -> keys.XWingSecretKey:
    return keys.XWingSecretKey.from_bytes(hashlib.sha256(b"resguardo test xwing identity " + name.encode()).digest(), name)


ANA, BEN, CRUZ, DORA = xwing("ana"), xwing("ben"), xwing("cruz"), xwing("dora")  # dora: never a recipient
ALICE = x25519("alice")


def content(size: int) -> bytes:
    return hashlib.shake_256(b"resguardo v2 vector content").digest(size)


def build(recipients, data: bytes, *, file_keys=None, stanza_hook=None, payload=None):
    """A v2 envelope; ``file_keys`` may give each stanza its own file key (the
    commitment is to the first); ``stanza_hook(index, bytes) -> bytes`` edits a
    stanza; ``payload`` replaces the content sealed after the header is fixed."""
    file_keys = file_keys or [sodium.randombytes(32)] * len(recipients)
    signer = nacl.signing.SigningKey.generate()
    sealer = StreamSealer(v2.kdf(file_keys[0], v2.PAYLOAD_LABEL))
    stanzas = [v2._wrap(key, fk) for key, fk in zip(recipients, file_keys)]
    if stanza_hook:
        stanzas = [stanza_hook(i, s) for i, s in enumerate(stanzas)]
    raw = (b"RESGUARD\x02\x10" + struct.pack(">H", len(recipients)) + b"".join(stanzas)
           + v2.kdf(file_keys[0], v2.COMMIT_LABEL) + bytes(signer.verify_key) + sealer.stream_header)
    ad = v2.header_hash(raw)
    sink = io.BytesIO()
    digest = hashlib.blake2b(digest_size=32)
    sealer.start(ad, v2._HashingSink(sink, digest))
    sealer.write(data)
    sealer.finish()
    signature = signer.sign(v2.signed_message(ad, digest.digest())).signature
    envelope = raw + sink.getvalue() + signature
    if payload is not None:  # same header, the insider's payload, the old signature
        state = sodium.crypto_secretstream_xchacha20poly1305_state()
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(
            state, sealer.stream_header, v2.kdf(file_keys[0], v2.PAYLOAD_LABEL))
        framed = struct.pack(">I", len(payload)) + payload + bytes(65532 - len(payload))
        chunk = sodium.crypto_secretstream_xchacha20poly1305_push(state, framed, ad, 3)
        envelope = raw + chunk + signature
    return envelope


def cases():
    one = content(1000)
    yield ("success_one_recipient", "success", ANA, build([ANA.public_key], one), one,
           "one X-Wing recipient, 1000 bytes")
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
    expected = EXPECT_TYPES[expect]
    if expected is None:
        if keys.open_envelope(envelope, [identity]) != data:
            raise AssertionError("success vector does not open to its content")
        return
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
