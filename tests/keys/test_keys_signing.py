"""The reply-signing key: Ed25519 signatures of return-bundle manifests and its key files.

Values are checked against independent implementations, with the RFC 8032
section 7.1 TEST 1 key: the expected signature was computed once with
``cryptography``'s Ed25519 (``Ed25519PrivateKey.from_private_bytes(seed).sign(
b"resguardo/v1/return-bundle\\0" + sha256(MANIFEST))``), the fingerprint
with :mod:`hashlib`.
"""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

import keys
from keys import keyfile, signing

RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
MANIFEST = b'{"format":"resguardo-return","version":1}'
SIGNATURE = bytes.fromhex(
    "bad3cc4002c7cfb58a9bbac2433539445be0d16ac12675470a0cc31c93c3ad9b"
    "c566c7dcbe54c640b40925be2feca0c7b38c35a945699592d01bfa883ac49603")
FINGERPRINT_HEX = "2037aed025b6ad1e0a897d894936c5a9886075b618d7a1dbd73f44821f8fcd85"
PASSPHRASE = "frase de prueba larga para la clave de firma"


@pytest.fixture(scope="module")
def rfc_key() -> keys.SigningSecretKey:
    return keys.SigningSecretKey.from_bytes(RFC8032_SEED, "Org")


@pytest.fixture(scope="module")
def secret_text(rfc_key) -> str:
    return signing.format_signing_secret_key(rfc_key, PASSPHRASE)  # one Argon2id derivation


def test_labels_and_signed_message_are_exact():
    assert signing.SIGN_LABEL == b"resguardo/v1/return-bundle\x00"
    assert signing.FINGERPRINT_LABEL == b"resguardo/v1/signing-fingerprint\x00"
    message = signing.signed_message(MANIFEST)
    assert len(message) == 27 + 32
    assert message == b"resguardo/v1/return-bundle\x00" + hashlib.sha256(MANIFEST).digest()


def test_public_key_is_rfc8032(rfc_key):
    assert rfc_key.public_key.raw == RFC8032_PUBLIC
    assert rfc_key.raw == RFC8032_SEED
    assert rfc_key.public_key.name == "Org"


def test_signature_matches_an_independent_ed25519(rfc_key):
    assert rfc_key.sign_manifest(MANIFEST) == SIGNATURE
    rfc_key.public_key.verify_manifest(MANIFEST, SIGNATURE)


def test_fingerprint_is_labelled_blake2b(rfc_key):
    expected = hashlib.blake2b(b"resguardo/v1/signing-fingerprint\x00" + RFC8032_PUBLIC, digest_size=32).digest()
    assert rfc_key.fingerprint.raw == expected
    assert rfc_key.fingerprint.hex == FINGERPRINT_HEX
    assert rfc_key.public_key.fingerprint == rfc_key.fingerprint
    # never the reviewer-key fingerprint of the same 32 bytes
    assert rfc_key.fingerprint != keys.Fingerprint.of(RFC8032_PUBLIC)


@pytest.mark.parametrize("change", ["manifest", "signature", "short", "long", "not bytes"])
def test_altered_manifest_or_signature_is_refused(rfc_key, change):
    signature = rfc_key.sign_manifest(MANIFEST)
    manifest = MANIFEST
    if change == "manifest":
        manifest = MANIFEST.replace(b"1", b"2")
    elif change == "signature":
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    elif change == "short":
        signature = signature[:63]
    elif change == "long":
        signature += b"\x00"
    else:
        signature = bytearray(signature)
    with pytest.raises(keys.ReturnSignatureError):
        rfc_key.public_key.verify_manifest(manifest, signature)


def test_another_key_does_not_verify(rfc_key):
    other = keys.SigningSecretKey.generate()
    with pytest.raises(keys.ReturnSignatureError):
        rfc_key.public_key.verify_manifest(MANIFEST, other.sign_manifest(MANIFEST))
    assert other.public_key != rfc_key.public_key
    assert other.fingerprint != rfc_key.fingerprint


def test_equality_hash_and_repr(rfc_key):
    same = keys.SigningPublicKey.from_bytes(RFC8032_PUBLIC, "another label")
    assert same == rfc_key.public_key and hash(same) == hash(rfc_key.public_key)
    assert same.__eq__(object()) is NotImplemented
    assert repr(same) == f"SigningPublicKey({rfc_key.fingerprint.display()!r}, name='another label')"
    assert repr(rfc_key) == f"SigningSecretKey({rfc_key.fingerprint.display()!r}, name='Org')"
    assert RFC8032_SEED.hex() not in repr(rfc_key)


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33), "0" * 32])
def test_wrong_sizes_are_refused(raw):
    with pytest.raises(ValueError):
        keys.SigningPublicKey.from_bytes(raw)
    with pytest.raises(ValueError):
        keys.SigningSecretKey.from_bytes(raw)


def test_public_key_file_text_and_round_trip(rfc_key, tmp_path):
    text = signing.format_signing_public_key(rfc_key.public_key)
    assert text == (
        "resguardo-signing-public-key: 1\n"
        "name: Org\n"
        f"fingerprint: {rfc_key.fingerprint.display()}\n"
        "public-key: 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    )
    path = tmp_path / "org.signing-public-key"
    keys.write_signing_public_key_file(path, rfc_key.public_key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert keys.read_signing_public_key_file(path) == rfc_key.public_key
    assert keys.read_signing_public_key_file(path).name == "Org"
    with pytest.raises(FileExistsError):
        keys.write_signing_public_key_file(path, rfc_key.public_key)


def test_reviewer_and_signing_key_files_are_never_confused(rfc_key, secret_text):
    public_text = signing.format_signing_public_key(rfc_key.public_key)
    with pytest.raises(keys.KeyFileError):
        keys.parse_public_key(public_text)
    with pytest.raises(keys.KeyFileError):
        keys.parse_secret_key(secret_text, PASSPHRASE)
    reviewer = keys.format_public_key(keys.SecretKey.generate("R").public_key)
    with pytest.raises(keys.KeyFileError):
        signing.parse_signing_public_key(reviewer)


def test_public_key_file_with_wrong_fingerprint_or_name_is_refused(rfc_key):
    text = signing.format_signing_public_key(rfc_key.public_key)
    wrong = text.replace(rfc_key.fingerprint.display()[:4], "0000" if rfc_key.fingerprint.display()[:4] != "0000" else "1111")
    with pytest.raises(keys.KeyFileError):
        signing.parse_signing_public_key(wrong)
    with pytest.raises(keys.KeyFileError):
        signing.parse_signing_public_key(text.replace("name: Org", "name: O\u2028rg"))
    assert signing.parse_signing_public_key(text.replace("name: Org\n", "")).name == ""


def test_secret_key_file_text_round_trip_and_mode(rfc_key, secret_text, tmp_path):
    lines = secret_text.split("\n")
    assert lines[0] == "resguardo-signing-secret-key: 1"
    assert lines[1] == "# KEEP THIS FILE SECRET. It signs every reply sent to reporters."
    assert lines[2:6] == ["name: Org", f"fingerprint: {rfc_key.fingerprint.display()}", "kdf: argon2id",
                          "opslimit: 3"]
    assert lines[6] == "memlimit: 268435456"
    assert [line.split(":")[0] for line in lines[7:10]] == ["salt", "nonce", "secret-key"]
    assert RFC8032_SEED.hex() not in secret_text
    opened = signing.parse_signing_secret_key(secret_text, PASSPHRASE)
    assert opened.raw == RFC8032_SEED and opened.name == "Org"
    path = tmp_path / "org.signing-secret-key"
    path.write_text(secret_text, "utf-8")
    assert keys.read_signing_secret_key_file(path, PASSPHRASE).raw == RFC8032_SEED


def test_write_secret_key_file_is_0600_and_never_overwrites(tmp_path):
    key = keys.SigningSecretKey.generate("Org")
    path = tmp_path / "org.signing-secret-key"
    keys.write_signing_secret_key_file(path, key, PASSPHRASE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(FileExistsError):
        keys.write_signing_secret_key_file(path, key, PASSPHRASE)


def test_wrong_passphrase(secret_text):
    with pytest.raises(keys.WrongPassphraseError):
        signing.parse_signing_secret_key(secret_text, "otra frase")


@pytest.mark.parametrize("field,value,error", [
    ("kdf", "scrypt", keys.KeyFileError),
    ("opslimit", "2", keys.WeakParametersError),
    ("memlimit", str(2**33), keys.WeakParametersError),
    ("opslimit", "tres", keys.KeyFileError),
    ("salt", "AAAA", keys.KeyFileError),
    ("secret-key", "AAAA", keys.KeyFileError),
    ("name", "a\x07b", keys.KeyFileError),
])
def test_damaged_secret_key_file_is_refused_before_derivation(secret_text, field, value, error):
    text = "\n".join(f"{field}: {value}" if line.startswith(f"{field}:") else line
                     for line in secret_text.split("\n"))
    with pytest.raises(error):
        signing.parse_signing_secret_key(text, PASSPHRASE)


def test_secret_key_file_with_a_foreign_fingerprint_is_refused(secret_text):
    other = keys.SigningSecretKey.generate()
    text = "\n".join(f"fingerprint: {other.fingerprint.display()}" if line.startswith("fingerprint:") else line
                     for line in secret_text.split("\n"))
    with pytest.raises(keys.KeyFileError):
        signing.parse_signing_secret_key(text, PASSPHRASE)


def test_format_protected_refuses_bad_limits(rfc_key):
    with pytest.raises(ValueError):
        signing.format_signing_secret_key(rfc_key, PASSPHRASE, opslimit=2)
    with pytest.raises(ValueError):
        keyfile.format_protected("x", rfc_key, PASSPHRASE, "p", memlimit=keyfile.MEMLIMIT_MAX + 1)
