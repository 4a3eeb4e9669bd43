"""Public-key and passphrase-protected secret-key files.

Argon2id at MODERATE costs ~0.4 s per derivation, so the secret-key file is
written once per module and only five tests derive a key at all.
"""

from __future__ import annotations

import base64
import os
import stat
import unicodedata

import pytest

import keys
from keys import keyfile

PASSPHRASE = "contraseña de prueba"  # NFC: "ñ" is one code point
DECOMPOSED = unicodedata.normalize("NFD", PASSPHRASE)


@pytest.fixture(scope="module")
def secret() -> keys.SecretKey:
    return keys.SecretKey.generate("Ana Quispe")


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory, secret):
    path = tmp_path_factory.mktemp("keys") / "ana.secret"
    keys.write_secret_key_file(path, secret, PASSPHRASE)  # one derivation
    return path


@pytest.fixture(scope="module")
def secret_text(secret_file) -> str:
    return secret_file.read_text("utf-8")


def replace_line(text: str, field: str, value: str) -> str:
    lines = [f"{field}: {value}" if line.startswith(f"{field}:") else line for line in text.split("\n")]
    return "\n".join(lines)


def raises_exactly(error, func, *args):
    with pytest.raises(Exception) as caught:
        func(*args)
    assert type(caught.value) is error


# -- secret-key files ---------------------------------------------------------


def test_secret_file_is_0600_and_has_every_field(secret_file, secret, secret_text):
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    assert keys.is_private_mode(secret_file)
    names = [line.partition(":")[0] for line in secret_text.splitlines() if not line.startswith("#")]
    assert names == ["resguardo-secret-key", "name", "fingerprint", "kdf", "opslimit",
                     "memlimit", "salt", "nonce", "secret-key"]
    assert f"fingerprint: {secret.fingerprint.display()}\n" in secret_text
    assert "opslimit: 3\n" in secret_text and f"memlimit: {256 * 1024 * 1024}\n" in secret_text
    assert secret_text.endswith("\n")


def test_decomposed_passphrase_opens_the_nfc_file(secret_file, secret):
    assert DECOMPOSED != PASSPHRASE
    opened = keys.read_secret_key_file(secret_file, DECOMPOSED)  # derivation 2
    assert opened.raw == secret.raw and opened.name == "Ana Quispe"


def test_wrong_passphrase(secret_file):
    raises_exactly(keys.WrongPassphraseError, keys.read_secret_key_file, secret_file, "contrasena de prueba")


def test_bytes_passphrase_is_used_as_given(secret_text, secret):
    opened = keys.parse_secret_key(secret_text, PASSPHRASE.encode("utf-8"))  # derivation 4
    assert opened.raw == secret.raw


def test_secret_fingerprint_line_mismatch(secret_text):
    wrong = replace_line(secret_text, "fingerprint", keys.SecretKey.generate().fingerprint.display())
    raises_exactly(keys.KeyFileError, keys.parse_secret_key, wrong, PASSPHRASE)  # derivation 5


def test_refuses_to_overwrite(secret_file, secret):
    before = secret_file.read_bytes()
    raises_exactly(FileExistsError, keys.write_secret_key_file, secret_file, secret, "other")
    assert secret_file.read_bytes() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("opslimit", "2"), ("opslimit", "17"), ("memlimit", str(256 * 1024 * 1024 - 1)),
     ("memlimit", str(4 * 1024**3 + 1)), ("memlimit", "99999999999999999999")],
)
def test_weak_or_absurd_limits_are_refused_before_any_work(secret_text, field, value):
    raises_exactly(keys.WeakParametersError, keys.parse_secret_key,
                   replace_line(secret_text, field, value), PASSPHRASE)


@pytest.mark.parametrize(
    ("field", "value"),
    [("kdf", "scrypt"), ("opslimit", "+3"), ("opslimit", "٣"), ("opslimit", "3_0"), ("opslimit", ""),
     ("memlimit", "0x10000000"), ("salt", "not base64!"), ("salt", "AAAA"),
     ("nonce", "A" * 30 + "=="), ("secret-key", "AAAA"), ("name", "Ana\x07")],
)
def test_malformed_secret_fields(secret_text, field, value):
    raises_exactly(keys.KeyFileError, keys.parse_secret_key, replace_line(secret_text, field, value), PASSPHRASE)


def test_non_canonical_base64_is_refused(secret_text):
    salt = next(line for line in secret_text.split("\n") if line.startswith("salt:")).split(": ")[1]
    assert salt.endswith("==")  # 16 bytes: the last digit carries 2 unused bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet[alphabet.index(salt[-3]) ^ 1]
    raises_exactly(keys.KeyFileError, keys.parse_secret_key,
                   replace_line(secret_text, "salt", salt[:-3] + last + "=="), PASSPHRASE)


@pytest.mark.parametrize("field", ["kdf", "opslimit", "memlimit", "salt", "nonce", "secret-key"])
def test_missing_secret_field(secret_text, field):
    text = "\n".join(line for line in secret_text.split("\n") if not line.startswith(f"{field}:"))
    raises_exactly(keys.KeyFileError, keys.parse_secret_key, text, PASSPHRASE)


def test_unsupported_secret_version(secret_text):
    raises_exactly(keys.UnsupportedVersionError, keys.parse_secret_key,
                   replace_line(secret_text, "resguardo-secret-key", "2"), PASSPHRASE)


def test_public_file_is_not_a_secret_file(secret):
    raises_exactly(keys.KeyFileError, keys.parse_secret_key, keys.format_public_key(secret.public_key), "x")


@pytest.mark.parametrize("passphrase", ["", b""])
def test_empty_passphrase_is_refused(secret_text, secret, passphrase):
    raises_exactly(ValueError, keys.parse_secret_key, secret_text, passphrase)
    raises_exactly(ValueError, keys.format_secret_key, secret, passphrase)


@pytest.mark.parametrize(("opslimit", "memlimit"), [(2, 256 * 1024**2), (17, 256 * 1024**2),
                                                   (3, 128 * 1024**2), (3, 4 * 1024**3 + 1)])
def test_writer_refuses_limits_out_of_range(secret, opslimit, memlimit):
    with pytest.raises(ValueError):
        keys.format_secret_key(secret, PASSPHRASE, opslimit=opslimit, memlimit=memlimit)


# -- public-key files ---------------------------------------------------------


def test_public_file_round_trip_and_mode(tmp_path, secret):
    path = tmp_path / "ana.public"
    keys.write_public_key_file(path, secret.public_key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert not keys.is_private_mode(path)
    text = path.read_text("utf-8")
    assert text == (
        "resguardo-public-key: 1\nname: Ana Quispe\n"
        f"fingerprint: {secret.fingerprint.display()}\n"
        f"public-key: {keyfile._b64(secret.public_key.raw)}\n"
    )
    loaded = keys.read_public_key_file(path)
    assert loaded == secret.public_key and loaded.name == "Ana Quispe"
    raises_exactly(FileExistsError, keys.write_public_key_file, path, secret.public_key)


def test_public_file_tolerates_crlf_comments_case_and_blanks(secret):
    text = keys.format_public_key(secret.public_key)
    text = "# published 2026\r\n\r\n" + text.replace("\n", "  \r\n").replace("public-key:", "Public-Key:")
    assert keys.parse_public_key(text) == secret.public_key


def test_public_file_without_name_or_fingerprint(secret):
    text = f"resguardo-public-key: 1\npublic-key: {keyfile._b64(secret.public_key.raw)}\n"
    loaded = keys.parse_public_key(text)
    assert loaded == secret.public_key and loaded.name == ""


def test_public_fingerprint_line_mismatch(secret):
    text = replace_line(keys.format_public_key(secret.public_key), "fingerprint",
                        keys.SecretKey.generate().fingerprint.display())
    raises_exactly(keys.KeyFileError, keys.parse_public_key, text)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: "",
        lambda t: "# only a comment\n",
        lambda t: t.replace("resguardo-public-key: 1\n", ""),
        lambda t: "name: first\n" + t,
        lambda t: t + "name: twice\n",
        lambda t: t + "NAME: twice\n",
        lambda t: t + "no colon here\n",
        lambda t: t + ": empty field name\n",
        lambda t: t + "field name: with a space\n",
        lambda t: t + "\u212adf: kelvin sign\n",
        lambda t: replace_line(t, "public-key", "AAAA"),
        lambda t: replace_line(t, "name", "x" * 201),
        lambda t: "\n".join(line for line in t.split("\n") if not line.startswith("public-key")),
    ],
)
def test_malformed_public_files(secret, mutate):
    raises_exactly(keys.KeyFileError, keys.parse_public_key, mutate(keys.format_public_key(secret.public_key)))


def test_unsupported_public_version(secret):
    text = replace_line(keys.format_public_key(secret.public_key), "resguardo-public-key", "2")
    raises_exactly(keys.UnsupportedVersionError, keys.parse_public_key, text)


def test_only_lf_ends_a_line(secret):
    """U+2028 is not a line break in a key file: it cannot smuggle in a field."""
    text = keys.format_public_key(secret.public_key).replace("name: Ana Quispe", "name: Ana\u2028kdf: x")
    raises_exactly(keys.KeyFileError, keys.parse_public_key, text)


@pytest.mark.parametrize("name", ["Ana\nkdf: x", "Ana\u2028Quispe", "Ana\u2029", "Ana\x85", "Ana\u200b", "x" * 201])
def test_names_that_would_break_the_file_are_refused_when_writing(name):
    with pytest.raises(ValueError):
        keys.format_public_key(keys.SecretKey.generate(name).public_key)


def test_names_are_nfc_trimmed_and_may_be_any_script():
    key = keys.SecretKey.generate("  Jose\u0301 Quispe Mamani  ")
    text = keys.format_public_key(key.public_key)
    assert "name: José Quispe Mamani\n" in text
    assert keys.parse_public_key(text).name == "José Quispe Mamani"
    key = keys.SecretKey.generate("Юлия 玛丽亚")
    assert keys.parse_public_key(keys.format_public_key(key.public_key)).name == "Юлия 玛丽亚"


def test_files_that_are_not_key_files(tmp_path):
    big = tmp_path / "big"
    big.write_bytes(b"#" * (16 * 1024 + 1))
    raises_exactly(keys.KeyFileError, keys.read_public_key_file, big)
    latin1 = tmp_path / "latin1"
    latin1.write_bytes("resguardo-public-key: 1\nname: Ñusta\n".encode("latin-1"))
    raises_exactly(keys.KeyFileError, keys.read_public_key_file, latin1)
    raises_exactly(FileNotFoundError, keys.read_public_key_file, tmp_path / "missing")


def test_write_does_not_follow_a_symlink(tmp_path, secret):
    target = tmp_path / "target"
    link = tmp_path / "link"
    link.symlink_to(target)
    raises_exactly(FileExistsError, keys.write_public_key_file, link, secret.public_key)
    assert not target.exists()


def test_a_failed_chmod_closes_the_new_file(tmp_path, secret, monkeypatch):
    closed = []
    real_close = os.close

    def refuse(fd, mode):
        raise PermissionError("no chmod here")

    monkeypatch.setattr(keyfile.os, "fchmod", refuse)
    monkeypatch.setattr(keyfile.os, "close", lambda fd: closed.append(fd) or real_close(fd))
    raises_exactly(PermissionError, keys.write_public_key_file, tmp_path / "k", secret.public_key)
    assert len(closed) == 1


def test_failed_write_leaves_no_partial_key_file(tmp_path, monkeypatch):
    import os as _os

    from keys import keyfile

    def no_space(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_os, "fsync", no_space)
    target = tmp_path / "k.public-key"
    with pytest.raises(OSError):
        keyfile.write_public_key_file(target, keys.SecretKey.generate("x").public_key)
    assert not target.exists()


@pytest.mark.parametrize("raw", [bytes(32), bytes([1]) + bytes(31)])
def test_public_file_with_a_low_order_key_is_refused(tmp_path, raw):
    """An all-zero (or other low-order) key, with or without a matching fingerprint line."""
    text = (f"resguardo-public-key: 1\nname: zero\nfingerprint: {keys.Fingerprint.of(raw).display()}\n"
            f"public-key: {base64.b64encode(raw).decode()}\n")
    raises_exactly(keys.LowOrderKeyError, keys.parse_public_key, text)
    without_fingerprint = "\n".join(line for line in text.split("\n") if not line.startswith("fingerprint"))
    raises_exactly(keys.LowOrderKeyError, keys.parse_public_key, without_fingerprint)
    (tmp_path / "zero.public-key").write_text(text)
    raises_exactly(keys.LowOrderKeyError, keys.read_public_key_file, tmp_path / "zero.public-key")
