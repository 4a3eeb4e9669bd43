"""Run every envelope v2 vector (tests/vectors/envelope2_*) against the reference reader.

Same file format as the v1 vectors plus ``identity-kind`` (``xwing`` or
``x25519``). Each ``expect`` value maps to one exact exception type.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import sys
from pathlib import Path

import pytest

import keys
from tests.support.vectors import EXPECT_TYPES, parse_vector

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
VECTOR_FILES = sorted(VECTORS.glob("envelope2_*"))
FIELDS = {"expect", "identity", "identity-kind", "payload-size", "payload-sha256", "comment"}


def test_every_case_of_the_issue_is_there():
    names = {path.name.removeprefix("envelope2_") for path in VECTOR_FILES}
    assert {"success_one_recipient", "success_three_recipients", "success_mixed_xwing",
            "success_mixed_x25519", "header_kem_ciphertext_length", "header_commitment_mismatch",
            "header_unknown_stanza", "header_truncated", "payload_reencrypted",
            "success_small_full", "success_past_small", "success_legacy_big_chunk",
            "header_bad_chunk_log2", "payload_small_two_chunks", "payload_small_used_too_large"} <= names


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_vector(path):
    fields, envelope = parse_vector(path.read_bytes(), FIELDS)
    cls = keys.XWingSecretKey if fields["identity-kind"] == "xwing" else keys.SecretKey
    identity = cls.from_bytes(base64.b64decode(fields["identity"], validate=True))
    if fields["expect"] == "success":
        plaintext = keys.open_envelope(envelope, [identity])
        assert len(plaintext) == int(fields["payload-size"])
        assert hashlib.sha256(plaintext).hexdigest() == fields["payload-sha256"]
        header = keys.read_header(io.BytesIO(envelope))
        assert header.version == 2
        assert keys.payload_layout_v2(len(envelope), header.kinds)[0] == header.chunk_log2
        if "legacy" not in path.name:  # what today's writers write
            assert len(envelope) == keys.envelope_size_v2(len(plaintext), header.kinds)
        assert keys.check_structure(io.BytesIO(envelope), len(envelope)).raw == header.raw
    else:
        with pytest.raises(keys.KeysError) as caught:
            keys.open_envelope(envelope, [identity])
        assert type(caught.value) is EXPECT_TYPES[fields["expect"]]


def test_generator_still_agrees_with_the_reader(tmp_path):
    spec = importlib.util.spec_from_file_location("make_vectors_v2", VECTORS / "make_vectors_v2.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_vectors_v2"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["make_vectors_v2"]
    assert module.main(["make_vectors_v2.py", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in VECTOR_FILES]
