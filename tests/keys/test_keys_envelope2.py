"""Envelope v2 (keys/envelope2.py, keys/opening.py): X-Wing and X25519 stanzas,
key commitment, the payload signature, and the typed error of every failure."""

from __future__ import annotations

import hashlib
import io
import struct

import nacl.bindings as sodium
import nacl.signing
import pytest

import keys
from keys import envelope2 as v2
from keys.stream import SEALED_CHUNK_SIZE, StreamSealer


@pytest.fixture(scope="module")
def ana():
    return keys.XWingSecretKey.generate("Ana")


@pytest.fixture(scope="module")
def ben():
    return keys.XWingSecretKey.generate("Ben")


def _kinds(*recipients):
    return [key.kind for key in recipients]


@pytest.mark.parametrize("size", [0, 1, 16380, 16381, 65532, 65533, 8 * 65532 + 1])
def test_round_trip_sizes(ana, alice, size):
    content = hashlib.shake_256(b"c").digest(size)
    envelope = keys.seal_v2(content, [ana.public_key, alice.public_key])
    assert len(envelope) == keys.envelope_size_v2(size, ["xwing", "x25519"])
    assert keys.open_envelope(envelope, [ana]) == content
    assert keys.open_envelope(envelope, [alice]) == content


def test_sizes():
    assert v2.stanza_size("x25519") == 115 and v2.stanza_size("xwing") == 1203
    assert keys.header_size_v2(["xwing"]) == 12 + 1203 + 88 == 1303
    assert keys.envelope_size_v2(0, ["xwing"]) == 1303 + 16401 + 64 == 17768
    assert keys.envelope_size_v2(16380, ["xwing"]) == 17768
    assert keys.envelope_size_v2(16381, ["xwing"]) == 1303 + 65553 + 64
    assert keys.envelope_size_v2(65533, ["xwing"]) == 1303 + 2 * 65553 + 64
    assert keys.payload_layout_v2(17768, ["xwing"]) == (14, 1)
    assert keys.payload_layout_v2(1303 + 65553 + 64, ["xwing"]) == (16, 1)
    assert keys.payload_layout_v2(1303 + 10 * 65553 + 64, ["xwing"]) == (16, 10)
    for bad in (17767, 17769, 1303 + 2 * 16401 + 64, 1303 + 9 * 65553 + 64):
        with pytest.raises(keys.SizeError):
            keys.payload_layout_v2(bad, ["xwing"])
    with pytest.raises(ValueError):
        v2.stanza_size("rsa")


def test_header_fields(ana, alice):
    envelope = keys.seal_v2(b"x", [ana.public_key, alice.public_key, ana.public_key])
    header = keys.read_header(io.BytesIO(envelope))
    assert isinstance(header, keys.HeaderV2) and header.version == 2
    assert header.kinds == ("xwing", "x25519") == keys.header_kinds(header)
    assert header.recipients == (ana.fingerprint, alice.fingerprint)
    assert not header.post_quantum
    assert envelope[:12] == b"RESGUARD\x02\x0e\x00\x02"  # small: chunk_log2 14
    assert header.chunk_log2 == 14
    big = keys.seal_v2(b"x" * 16381, [ana.public_key])
    assert big[9] == 16 and keys.read_header(io.BytesIO(big)).chunk_log2 == 16
    assert envelope[12:15] == b"\x02" + struct.pack(">H", 1168)
    only_pq = keys.read_header(io.BytesIO(keys.seal_v2(b"", [ana.public_key])))
    assert only_pq.post_quantum
    v1 = keys.read_header(io.BytesIO(keys.seal(b"", [alice.public_key])))
    assert keys.header_kinds(v1) == ("x25519",)


def test_writer_stream_and_properties(ana):
    sink = io.BytesIO()
    writer = keys.EnvelopeWriterV2([ana.public_key], sink)
    assert writer.post_quantum and writer.kinds == ("xwing",)
    assert writer.header_size == keys.header_size_v2(["xwing"])
    for _ in range(3):
        writer.write(b"a" * 50000)
    assert writer.content_size == 150000
    assert writer.close() == len(sink.getvalue())
    with pytest.raises(ValueError):
        writer.write(b"x")
    with pytest.raises(ValueError):
        writer.close()
    assert keys.open_envelope(sink.getvalue(), [ana]) == b"a" * 150000


def test_writer_exception_leaves_envelope_open(ana):
    sink = io.BytesIO()
    with pytest.raises(RuntimeError):
        with keys.EnvelopeWriterV2([ana.public_key], sink) as writer:
            writer.write(b"x")
            raise RuntimeError
    assert sink.getvalue() == b""  # the chunk size (and so the header) was not known yet
    sink = io.BytesIO()
    with pytest.raises(RuntimeError):
        with keys.EnvelopeWriterV2([ana.public_key], sink) as writer:
            writer.write(b"x" * 16381)
            raise RuntimeError
    assert len(sink.getvalue()) == keys.header_size_v2(["xwing"])


@pytest.mark.parametrize("size, chunk_log2, sealed", [(0, 14, 16401), (16380, 14, 16401), (16381, 16, 65553), (65532, 16, 65553)])
def test_small_content_is_one_16k_chunk(ana, size, chunk_log2, sealed):
    """docs/FORMAT.md "V2 padding": up to 16380 bytes in one 16 KiB chunk, then 64 KiB chunks."""
    content = b"r" * size
    for pieces in ([content], [content[:7], content[7:]], [bytes([b]) for b in content[:40]] + [content[40:]]):
        sink = io.BytesIO()
        with keys.EnvelopeWriterV2([ana.public_key], sink) as writer:
            for piece in pieces:
                writer.write(piece)
        envelope = sink.getvalue()
        assert envelope[9] == chunk_log2
        assert len(envelope) == keys.header_size_v2(["xwing"]) + sealed + 64 == keys.envelope_size_v2(size, ["xwing"])
        assert keys.open_envelope(envelope, [ana]) == content
        assert keys.check_structure(io.BytesIO(envelope), len(envelope)).chunk_log2 == chunk_log2


def test_small_envelope_rules(ana):
    """A reader refuses a 16 KiB-chunk envelope with more than one chunk, and a
    length that does not fit the chunk size the header names."""
    two = _small_with_chunks(ana, [(b"a", 0), (b"b", 3)])
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(two, [ana])
    assert type(caught.value) is keys.PayloadError
    one = keys.seal_v2(b"abc", [ana.public_key])
    relabelled = one[:9] + b"\x10" + one[10:]  # says 64 KiB chunks, holds a 16 KiB one
    with pytest.raises(keys.SizeError):
        keys.check_structure(io.BytesIO(relabelled), len(relabelled))
    with pytest.raises(keys.HeaderError):
        keys.read_header(io.BytesIO(one[:9] + b"\x0f" + one[10:]))
    v1_small = keys.seal(b"abc", [keys.SecretKey.generate().public_key])
    with pytest.raises(keys.HeaderError):
        keys.read_header(io.BytesIO(v1_small[:9] + b"\x0e" + v1_small[10:]))  # v1 knows 64 KiB only


def _small_with_chunks(ana, chunks):
    """A signed v2 envelope with chunk_log2 14 and the given (data, tag) chunks."""
    file_key = bytes(range(32))
    signer = nacl.signing.SigningKey.generate()
    sealer = StreamSealer(v2.kdf(file_key, v2.PAYLOAD_LABEL))
    raw = (b"RESGUARD\x02\x0e\x00\x01" + v2._wrap(ana.public_key, file_key)
           + v2.kdf(file_key, v2.COMMIT_LABEL) + bytes(signer.verify_key) + sealer.stream_header)
    ad = v2.header_hash(raw)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, sealer.stream_header, v2.kdf(file_key, v2.PAYLOAD_LABEL))
    sealed = b"".join(
        sodium.crypto_secretstream_xchacha20poly1305_push(state, struct.pack(">I", len(data)) + data + bytes(16380 - len(data)), ad, tag)
        for data, tag in chunks)
    signature = signer.sign(v2.signed_message(ad, hashlib.blake2b(sealed, digest_size=32).digest())).signature
    return raw + sealed + signature


def test_writer_refusals(ana):
    with pytest.raises(ValueError):
        keys.EnvelopeWriterV2([], io.BytesIO())
    with pytest.raises(TypeError):
        keys.EnvelopeWriterV2([ana], io.BytesIO())
    many = [keys.SecretKey.generate().public_key for _ in range(65)]
    with pytest.raises(ValueError):
        keys.EnvelopeWriterV2(many, io.BytesIO())


def test_no_match_and_mixed_identities(ana, ben, alice, bob):
    envelope = keys.seal_v2(b"hi", [ana.public_key])
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(envelope, [ben, alice])
    assert type(caught.value) is keys.NoMatchingKeyError
    assert keys.open_envelope(envelope, [alice, ana]) == b"hi"
    v1 = keys.seal(b"old", [bob.public_key])
    assert keys.open_envelope(v1, [ana, bob]) == b"old"


def _header_end(envelope: bytes) -> int:
    return len(keys.read_header(io.BytesIO(envelope)).raw)


def _rebuild(ana, *, file_keys, content=b"same"):
    """An envelope whose stanzas may carry different file keys (what v1 allowed)."""
    signer = nacl.signing.SigningKey.generate()
    sealer = StreamSealer(v2.kdf(file_keys[0], v2.PAYLOAD_LABEL))
    stanzas = [v2._wrap(key, file_key) for key, file_key in zip(ana, file_keys)]
    raw = (b"RESGUARD\x02\x10" + struct.pack(">H", len(ana)) + b"".join(stanzas)
           + v2.kdf(file_keys[0], v2.COMMIT_LABEL) + bytes(signer.verify_key) + sealer.stream_header)
    ad = v2.header_hash(raw)
    sink = io.BytesIO()
    digest = hashlib.blake2b(digest_size=32)
    sealer.start(ad, v2._HashingSink(sink, digest))
    sealer.write(content)
    sealer.finish()
    return raw + sink.getvalue() + signer.sign(v2.signed_message(ad, digest.digest())).signature


def test_commitment_catches_different_keys_per_recipient(ana, ben):
    envelope = _rebuild([ana.public_key, ben.public_key], file_keys=[bytes(32), b"\x01" * 32])
    assert keys.open_envelope(envelope, [ana]) == b"same"
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(envelope, [ben])
    assert type(caught.value) is keys.CommitmentError


def test_reencrypted_payload_under_same_header_fails_signature(ana, ben):
    """Finding (b) against v1: a recipient who knows the file key re-encrypts."""
    envelope = keys.seal_v2(b"original report", [ana.public_key, ben.public_key])
    header = keys.read_header(io.BytesIO(envelope))
    file_key = v2.unwrap(header, [ana])
    forged = _forge_payload(header, file_key, b"forged report!!", envelope[-64:])
    reader = keys.EnvelopeReader(io.BytesIO(forged), [ben])
    pieces = iter(reader)
    assert next(pieces) == b"forged report!!"  # decrypts and authenticates chunk by chunk...
    with pytest.raises(keys.KeysError) as caught:
        next(pieces)  # ...but the end is not what the writer signed
    assert type(caught.value) is keys.SignatureError
    with pytest.raises(keys.SignatureError):
        keys.check_structure(io.BytesIO(forged), len(forged))


def _forge_payload(header, file_key, content, signature):
    """Same header bytes, a new payload under the same key and stream header,
    old signature kept: what an insider who opened the envelope can do."""
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    # A pull state initialised from the stream header equals the push state
    # init_push made for it (same key, same nonce): push with it.
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(
        state, header.stream_header, v2.kdf(file_key, v2.PAYLOAD_LABEL))
    framed = struct.pack(">I", len(content)) + content + bytes((1 << header.chunk_log2) - 4 - len(content))
    chunk = sodium.crypto_secretstream_xchacha20poly1305_push(state, framed, header.ad, 3)
    return header.raw + chunk + signature


def test_header_rejections(ana, alice):
    good = keys.seal_v2(b"x", [ana.public_key])
    cases = [
        (good[:12] + b"\x07" + good[13:], keys.UnknownStanzaError),
        (good[:13] + struct.pack(">H", 1167) + good[15:], keys.StanzaLengthError),
        (good[:14], keys.HeaderError),
        (good[:15 + 32 + 1000], keys.HeaderError),
        (good[:_header_end(good) - 1], keys.HeaderError),
        (good[:8] + b"\x03" + good[9:], keys.UnsupportedVersionError),
    ]
    twice = keys.seal_v2(b"x", [alice.public_key])
    end = _header_end(twice)
    stanza = twice[12:12 + 115]
    cases.append((twice[:10] + b"\x00\x02" + stanza + stanza + twice[12 + 115:end], keys.HeaderError))
    for raw, error in cases:
        with pytest.raises(keys.KeysError) as caught:
            keys.read_header(io.BytesIO(raw))
        assert type(caught.value) is error


def test_corrupt_stanzas(ana, alice):
    envelope = keys.seal_v2(b"x", [ana.public_key, alice.public_key])
    wrapped_at = 12 + 3 + 32 + 1120  # the X-Wing stanza's wrapped key
    bad_wrap = envelope[:wrapped_at] + bytes([envelope[wrapped_at] ^ 1]) + envelope[wrapped_at + 1:]
    low_order = envelope[:12 + 35 + 1088] + bytes(32) + envelope[12 + 35 + 1120:]
    sealed_at = 12 + 1203 + 35
    bad_seal = envelope[:sealed_at] + bytes([envelope[sealed_at] ^ 1]) + envelope[sealed_at + 1:]
    for raw, who in ((bad_wrap, ana), (low_order, ana), (bad_seal, alice)):
        with pytest.raises(keys.KeysError) as caught:
            keys.open_envelope(raw, [who])
        assert type(caught.value) is keys.HeaderError


def test_stanza_type_must_match_the_identity(ana):
    envelope = keys.seal_v2(b"x", [ana.public_key])
    header = keys.read_header(io.BytesIO(envelope))
    stanza = v2.StanzaV2("x25519", ana.fingerprint, bytes(80))
    forged = v2.HeaderV2(2, (stanza,), header.commitment, header.verify_key, header.stream_header, header.raw)
    with pytest.raises(keys.KeysError) as caught:
        v2.unwrap(forged, [ana])
    assert type(caught.value) is keys.HeaderError


@pytest.mark.parametrize("cut, error", [
    (lambda e: e[:-1], keys.TruncatedError),
    (lambda e: e[:-64], keys.TruncatedError),
    (lambda e: e + b"\x00", keys.TrailingDataError),
    (lambda e: e[:-1] + bytes([e[-1] ^ 1]), keys.SignatureError),
    (lambda e: e[:-70] + bytes([e[-70] ^ 1]) + e[-69:], keys.PayloadError),
])
def test_payload_failures(ana, cut, error):
    envelope = keys.seal_v2(b"payload", [ana.public_key])
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(cut(envelope), [ana])
    assert type(caught.value) is error


def test_check_structure(ana, alice):
    envelope = keys.seal_v2(b"x" * 70000, [ana.public_key, alice.public_key])
    header = keys.check_structure(io.BytesIO(envelope), len(envelope),
                                  [ana.fingerprint, alice.fingerprint])
    assert header.kinds == ("xwing", "x25519")
    with pytest.raises(keys.RecipientMismatchError):
        keys.check_structure(io.BytesIO(envelope), len(envelope), [alice.fingerprint, ana.fingerprint])
    with pytest.raises(keys.SizeError):
        keys.check_structure(io.BytesIO(envelope), len(envelope) - 64)
    with pytest.raises(keys.SizeError):
        keys.payload_chunks_v2(keys.header_size_v2(["xwing"]) + 64, ["xwing"])
    with pytest.raises(keys.SizeError):
        keys.payload_chunks_v2(keys.header_size_v2(["xwing"]) + 9 * SEALED_CHUNK_SIZE + 64, ["xwing"])
    assert keys.payload_chunks_v2(keys.envelope_size_v2(0, ["xwing"]), ["xwing"]) == 1
    with pytest.raises(ValueError):
        keys.payload_chunks_v2(100, [])
    v1 = keys.seal(b"x", [alice.public_key])
    assert keys.check_structure(io.BytesIO(v1), len(v1)).version == 1


def test_error_hierarchy_v2():
    for error in (keys.UnknownStanzaError, keys.StanzaLengthError, keys.CommitmentError):
        assert issubclass(error, keys.HeaderError)
    assert issubclass(keys.SignatureError, keys.PayloadError)


def test_v1_reader_skips_xwing_identities(ana, alice):
    from keys import envelope as v1

    envelope = keys.seal(b"x", [alice.public_key])
    header = keys.read_header(io.BytesIO(envelope))
    forged = v1.Header(1, (v1.Stanza(ana.fingerprint, header.stanzas[0].sealed_key),), header.stream_header, header.raw)
    with pytest.raises(keys.NoMatchingKeyError):
        v1.unwrap_v1(forged, [ana])
