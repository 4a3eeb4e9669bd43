"""Run every file in tests/vectors/ against the reference reader.

File format (tests/vectors/README.md): ``key: value`` lines, a blank line,
then the raw envelope. Each ``expect`` value maps to one exact exception type.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import re
import sys
from pathlib import Path

import pytest

import keys
from tests.support.vectors import EXPECT_TYPES, parse_vector

VECTORS = Path(__file__).resolve().parents[1] / "vectors"

ALLOWED_FIELDS = {"expect", "identity", "payload-size", "payload-sha256", "comment"}
VECTOR_FILES = sorted(VECTORS.glob("envelope_*"))


def test_vector_set_is_complete_and_modest():
    cases = {path.name.removeprefix("envelope_") for path in VECTOR_FILES}
    expected_minimum = {
        "success_empty", "success_one_byte", "success_full_chunk", "success_two_chunks",
        "success_padded", "success_two_recipients_first", "success_two_recipients_second",
        "no_match", "header_bad_magic", "header_unsupported_version", "header_bad_chunk_log2",
        "header_zero_stanzas", "header_duplicate_recipient", "header_truncated",
        "header_corrupt_stanza", "payload_swapped_stanza", "payload_flipped_bit",
        "truncated_mid_chunk", "truncated_missing_final", "trailing_byte",
        "payload_reordered_chunks", "payload_nonzero_padding", "payload_used_too_large",
        "payload_data_after_short_chunk", "payload_extra_padding_chunk", "payload_push_tag",
    }
    assert expected_minimum <= cases
    assert sum(path.stat().st_size for path in VECTOR_FILES) < 3 * 1024 * 1024


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.name)
def test_vector(path):
    fields, envelope = parse_vector(path.read_bytes(), ALLOWED_FIELDS)
    identity = keys.SecretKey.from_bytes(base64.b64decode(fields["identity"], validate=True))
    if fields["expect"] == "success":
        plaintext = keys.open_envelope(envelope, [identity])
        assert len(plaintext) == int(fields["payload-size"])
        assert hashlib.sha256(plaintext).hexdigest() == fields["payload-sha256"]
        assert len(envelope) == keys.envelope_size(len(plaintext), len(keys.read_header(io.BytesIO(envelope)).stanzas))
    else:
        assert "payload-sha256" not in fields
        expected = EXPECT_TYPES[fields["expect"]]
        with pytest.raises(keys.KeysError) as caught:
            keys.open_envelope(envelope, [identity])
        assert type(caught.value) is expected


def test_success_vectors_have_canonical_names():
    for path in VECTOR_FILES:
        fields, _ = parse_vector(path.read_bytes(), ALLOWED_FIELDS)
        assert re.fullmatch(r"[a-z0-9_]+", path.name.removeprefix("envelope_"))
        assert (fields["expect"] == "success") == path.name.startswith("envelope_success_")


def test_generator_still_agrees_with_the_reader(tmp_path):
    """make_vectors.py regenerates the same cases and checks each with keys/."""
    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_vectors"] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["make_vectors"]
    assert module.main(["make_vectors.py", str(tmp_path)]) == 0
    regenerated = sorted(path.name for path in tmp_path.iterdir())
    assert regenerated == [path.name for path in VECTOR_FILES]
    for name in regenerated:
        new_fields, _ = parse_vector((tmp_path / name).read_bytes(), ALLOWED_FIELDS)
        old_fields, _ = parse_vector((VECTORS / name).read_bytes(), ALLOWED_FIELDS)
        assert new_fields == old_fields


def test_format_md_example_header_is_the_vector():
    """The hex dump in docs/FORMAT.md ("Header" example) is envelope_success_empty's header."""
    doc = (VECTORS.parents[1] / "docs" / "FORMAT.md").read_text("utf-8")
    rows = re.findall(r"^    (00[0-9a-f]{2})  ((?:[0-9a-f]{2} ){0,15}[0-9a-f]{2})", doc, re.M)
    dumped = b"".join(bytes.fromhex(row[1]) for row in rows)
    assert [int(row[0], 16) for row in rows] == list(range(0, 148, 16))
    _, envelope = parse_vector((VECTORS / "envelope_success_empty").read_bytes(), ALLOWED_FIELDS)
    assert dumped == envelope[:148]
