"""Hypothesis properties: round trips, and no mutation ever opens to other content."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings, strategies as st

import keys
from keys.stream import DATA_PER_CHUNK

SECRETS = [keys.SecretKey.from_bytes(bytes([n]) * 32) for n in (1, 2, 3)]
PUBLICS = [secret.public_key for secret in SECRETS]
FAST = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    data=st.binary(max_size=2 * DATA_PER_CHUNK + 10) | st.builds(bytes, st.integers(0, 3 * DATA_PER_CHUNK)),
    cuts=st.lists(st.integers(0, 3 * DATA_PER_CHUNK), max_size=6),
    recipients=st.integers(1, 3),
)
def test_streamed_round_trip(data, cuts, recipients):
    sink = io.BytesIO()
    with keys.EnvelopeWriter(PUBLICS[:recipients], sink) as writer:
        start = 0
        for cut in sorted(c for c in cuts if c <= len(data)):
            writer.write(data[start:cut])
            start = cut
        writer.write(data[start:])
    sealed = sink.getvalue()
    assert len(sealed) == keys.envelope_size(len(data), recipients)
    for secret in SECRETS[:recipients]:
        assert keys.open_envelope(sealed, [secret]) == data


BASE_CONTENT = b"a short report " * 10
BASE = keys.seal(BASE_CONTENT, PUBLICS[:2])


def _mutations():
    flips = st.tuples(st.just("flip"), st.integers(0, len(BASE) - 1), st.integers(1, 255))
    cuts = st.tuples(st.just("cut"), st.integers(0, len(BASE) - 1), st.just(0))
    inserts = st.tuples(st.just("insert"), st.integers(0, len(BASE)), st.integers(0, 255))
    deletes = st.tuples(st.just("delete"), st.integers(0, len(BASE) - 1), st.just(0))
    return st.lists(flips | cuts | inserts | deletes, min_size=1, max_size=3)


def _apply(data: bytes, mutations) -> bytes:
    out = bytearray(data)
    for kind, offset, value in mutations:
        offset = min(offset, len(out))
        if kind == "flip" and offset < len(out):
            out[offset] ^= value
        elif kind == "cut":
            del out[offset:]
        elif kind == "insert":
            out.insert(offset, value)
        elif kind == "delete" and offset < len(out):
            del out[offset]
    return bytes(out)


@settings(deadline=None, max_examples=300)
@given(mutations=_mutations(), who=st.integers(0, 2))
def test_mutations_never_open_to_wrong_content(mutations, who):
    mutated = _apply(BASE, mutations)
    pieces = []
    try:
        reader = keys.EnvelopeReader(io.BytesIO(mutated), [SECRETS[who]])
        for piece in reader:
            pieces.append(piece)
    except keys.KeysError:
        # whatever was released before the error is a true prefix of the content
        assert BASE_CONTENT.startswith(b"".join(pieces))
        return
    assert mutated == BASE and who < 2
    assert b"".join(pieces) == BASE_CONTENT
