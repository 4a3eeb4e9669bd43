"""Receipts (keys/receipt.py): the word list, parsing, derivation and the vectors."""

from __future__ import annotations

import base64
import collections
import hashlib
import math
from pathlib import Path

import pytest

import keys
from keys import receipt as receipt_module
from keys.receipt import Receipt
from tests.support import vectors

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
VECTOR_FILES = sorted(VECTORS.glob("receipt_*"))
FIELDS = {"expect", "canonical", "lookup-key", "reporter-seed", "reporter-public-key", "comment"}


def parse_vector(raw: bytes) -> tuple[dict[str, str], str]:
    fields, body = vectors.parse_vector(raw, FIELDS)
    return fields, body.decode("utf-8")


def test_vector_set_has_successes_and_failures():
    names = {path.name for path in VECTOR_FILES}
    assert len(names) == 11
    assert sum(name.startswith("receipt_success_") for name in names) == 5
    assert sum(name.startswith("receipt_failure_") for name in names) == 6


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda path: path.name)
def test_vector(path):
    fields, typed = parse_vector(path.read_bytes())
    if fields["expect"] == "success":
        receipt = Receipt.parse(typed)
        assert str(receipt) == fields["canonical"]
        assert receipt.lookup_key().hex() == fields["lookup-key"]
        assert receipt.reporter_seed().hex() == fields["reporter-seed"]
        reporter = receipt.reporter_key()
        assert base64.b64encode(reporter.public_key.raw).decode("ascii") == fields["reporter-public-key"]
        assert reporter.raw == receipt.reporter_seed()
        assert isinstance(reporter, keys.XWingSecretKey) and reporter.name == "reporter"
    else:
        assert "reporter-public-key" not in fields
        assert fields["expect"] == "receipt failure"
        with pytest.raises(keys.ReceiptError) as caught:
            Receipt.parse(typed)
        assert type(caught.value) is keys.ReceiptError


def test_wordlist_is_bip39_spanish_without_accents():
    raw = (Path(receipt_module.__file__).with_name("wordlist_es.txt")).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == receipt_module.WORDLIST_SHA256
    words = receipt_module.wordlist()
    assert len(words) == 2048 and len(set(words)) == 2048
    assert words[0] == "abaco" and words[-1] == "zurdo"
    assert all(word.isascii() and word.isalpha() and word.islower() for word in words)
    assert len({word[:4] for word in words}) == 2048
    assert receipt_module.ENTROPY_BITS == receipt_module.WORD_COUNT * math.log2(len(words)) == 88


def test_damaged_wordlist_is_refused(tmp_path, monkeypatch):
    damaged = tmp_path / "wordlist_es.txt"
    damaged.write_bytes(Path(receipt_module.__file__).with_name("wordlist_es.txt").read_bytes() + b"extra\n")
    monkeypatch.setattr(receipt_module, "_WORDLIST_PATH", damaged)
    receipt_module.wordlist.cache_clear()
    try:
        with pytest.raises(keys.ReceiptError):
            receipt_module.wordlist()
    finally:
        receipt_module.wordlist.cache_clear()


def test_a_list_with_the_right_hash_but_wrong_shape_is_refused(tmp_path, monkeypatch):
    for body in (b"uno\ndos\n", b"uno\nuno\n" * 1024):
        fake = tmp_path / "list.txt"
        fake.write_bytes(body)
        monkeypatch.setattr(receipt_module, "_WORDLIST_PATH", fake)
        monkeypatch.setattr(receipt_module, "WORDLIST_SHA256", hashlib.sha256(body).hexdigest())
        receipt_module.wordlist.cache_clear()
        try:
            with pytest.raises(keys.ReceiptError):
                receipt_module.wordlist()
        finally:
            receipt_module.wordlist.cache_clear()


def test_prefix_collisions_are_refused(monkeypatch):
    colliding = ("abaco", "abacus") + tuple(f"w{i:04d}" for i in range(2046))
    monkeypatch.setattr(receipt_module, "wordlist", lambda: colliding)
    receipt_module._prefixes.cache_clear()
    try:
        with pytest.raises(keys.ReceiptError):
            receipt_module._prefixes()
    finally:
        receipt_module._prefixes.cache_clear()


def test_generate_uses_eight_list_words_and_round_trips():
    seen = collections.Counter()
    for _ in range(300):
        receipt = Receipt.generate()
        assert len(receipt.words) == 8
        assert all(word in receipt_module.wordlist() for word in receipt.words)
        assert Receipt.parse(str(receipt).upper().replace(" ", " - ")) == receipt
        seen.update(receipt.words)
    # 2,400 draws from 2,048 words: a fixed or tiny source would repeat far more.
    assert len(seen) > 1200
    assert max(seen.values()) < 12


def test_generate_is_not_repeatable():
    assert len({str(Receipt.generate()) for _ in range(50)}) == 50


@pytest.mark.parametrize("bad", [None, 12345678, b"abaco " * 8, "abaco " * 200])
def test_parse_refuses_non_text_and_huge_text(bad):
    with pytest.raises(keys.ReceiptError):
        Receipt.parse(bad)


def test_equality_hash_and_repr_hide_nothing_wrong():
    one = Receipt.parse("abaco accion acido acne aereo aficion agil agonia")
    same = Receipt.parse("ABAC ACCI ACID ACNE AERE AFIC AGIL AGON")
    other = Receipt.parse("abaco accion acido acne aereo aficion agil asa")
    assert one == same and hash(one) == hash(same)
    assert one != other
    assert one.__eq__("abaco accion acido acne aereo aficion agil agonia") is NotImplemented
    assert "abaco" not in repr(one)
    assert one.lookup_key() != one.reporter_seed() != one.master_key()
    assert one.lookup_key() != other.lookup_key()


def test_kdf_is_libsodium_crypto_kdf_and_checks_sizes():
    master = bytes(range(32))
    # crypto_kdf_derive_from_key as libsodium defines it (key, salt, personal of BLAKE2b):
    expected = hashlib.blake2b(
        b"", digest_size=32, key=master, salt=(7).to_bytes(8, "little") + bytes(8), person=b"rsgrcpt1" + bytes(8)
    ).digest()
    assert receipt_module._kdf(7, b"rsgrcpt1", master) == expected
    with pytest.raises(ValueError):
        receipt_module._kdf(1, b"short", master)
    with pytest.raises(ValueError):
        receipt_module._kdf(1, b"rsgrcpt1", master[:31])
