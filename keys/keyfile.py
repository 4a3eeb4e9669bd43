"""Public-key files and passphrase-protected secret-key files.

Both are UTF-8 text of ``name: value`` lines; lines starting with ``#`` are
comments. docs/FORMAT.md ("Key files") is normative.

A **public-key file** is safe to publish and to copy to the intake server::

    resguardo-public-key: 1
    name: Ana Quispe
    fingerprint: 3F2A 9C1B 0D4E 77A1 5B20 C8E3 1F0A 6D92 4B7C E015
    public-key: <base64 of the 32 key bytes>

An X-Wing key (:mod:`keys.xwing`) has a ``type: xwing`` line and a 1216-byte
public key; its secret is the 32-byte X-Wing seed, protected the same way.
A file without ``type`` holds an X25519 key.

A **secret-key file** never leaves the reviewer's air-gapped machine. The
32-byte secret key is encrypted with ``crypto_secretbox`` (XSalsa20-Poly1305)
under a key derived from the passphrase with Argon2id (libsodium
``crypto_pwhash``, RFC 9106) at no less than libsodium's MODERATE limits
(3 passes, 256 MiB). It is written with mode 0600 and never overwritten.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import unicodedata
from pathlib import Path
from typing import Sequence

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from .errors import KeyFileError, UnsupportedVersionError, WeakParametersError, WrongPassphraseError
from .fingerprint import Fingerprint
from .reviewer import PublicKey, SecretKey
from .xwing import XWingError, XWingPublicKey, XWingSecretKey

PUBLIC_MAGIC = "resguardo-public-key"
SECRET_MAGIC = "resguardo-secret-key"
FORMAT_VERSION = "1"

OPSLIMIT_MIN = nacl.pwhash.argon2id.OPSLIMIT_MODERATE  # 3
MEMLIMIT_MIN = nacl.pwhash.argon2id.MEMLIMIT_MODERATE  # 256 MiB
OPSLIMIT_MAX = 16
MEMLIMIT_MAX = 4 * 1024**3  # 4 GiB: anything above is a denial of service, not a key file
MAX_FILE_BYTES = 16 * 1024
MAX_NAME_CHARS = 200
_BLANKS = " \t"
"""What is trimmed from both ends of a line, a field name and a value."""
_FIELD_NAME = re.compile(r"[A-Za-z0-9-]+")
_DIGITS = re.compile(r"[0-9]{1,20}")
PUBLIC_CLASSES = {"x25519": PublicKey, "xwing": XWingPublicKey}
SECRET_CLASSES = {"x25519": SecretKey, "xwing": XWingSecretKey}
"""The ``type`` field's values and the key classes they name; absent means x25519."""


def public_key_from_bytes(kind: str, raw: bytes, name: str = ""):
    """A :class:`PublicKey` (``kind == "x25519"``) or :class:`XWingPublicKey` (``"xwing"``).

    :raises ValueError: for an unknown kind or a malformed key.
    """
    if kind not in PUBLIC_CLASSES:
        raise ValueError(f"unknown key type {kind!r}")
    return PUBLIC_CLASSES[kind].from_bytes(raw, name)


def _kind(fields: dict[str, str]) -> str:
    kind = fields.get("type", "x25519")
    if kind not in PUBLIC_CLASSES:
        raise KeyFileError(f"unknown key type {kind!r}")
    return kind


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, size: int, what: str) -> bytes:
    """Decode canonical padded base64 (RFC 4648 section 4) of exactly ``size`` bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFileError(f"{what} is not valid base64") from exc
    if len(raw) != size:
        raise KeyFileError(f"{what} must be {size} bytes")
    if _b64(raw) != text:
        # Non-zero unused bits: another spelling of the same bytes. Readers in
        # other languages differ on these, so none of them accepts it.
        raise KeyFileError(f"{what} is not canonical base64")
    return raw


def _uint(text: str, what: str) -> int:
    """Parse a decimal whole number written with ASCII digits only (no sign, no '_')."""
    if not _DIGITS.fullmatch(text):
        raise KeyFileError(f"{what} must be a whole number in ASCII digits")
    return int(text)


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").strip(_BLANKS)
    # Categories C* (controls, format, unassigned...), Zl and Zp: no name may
    # break a line, or it could smuggle a field into the file (U+2028 etc.).
    if any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp") for ch in name):
        raise ValueError("a key name may not contain control characters or line breaks")
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"a key name has at most {MAX_NAME_CHARS} characters")
    return name


def _parse_fields(text: str, magic: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    # Lines end at LF only (an optional CR before it is trimmed): not at the
    # other separators str.splitlines() knows, which other readers ignore.
    lines = [line.strip(_BLANKS + "\r") for line in text.split("\n")]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        raise KeyFileError("the key file is empty")
    for line in lines:
        name, sep, value = line.partition(":")
        name = name.strip(_BLANKS)
        if not sep or not _FIELD_NAME.fullmatch(name):
            raise KeyFileError("a key file line is not 'field-name: value'")
        name = name.lower()
        if name in fields:
            raise KeyFileError(f"the field {name!r} appears twice")
        fields[name] = value.strip(_BLANKS)
    first = lines[0].partition(":")[0].strip(_BLANKS).lower()
    if first != magic:
        raise KeyFileError(f"not a {magic} file")
    if fields[magic] != FORMAT_VERSION:
        raise UnsupportedVersionError(f"{magic} version {fields[magic]!r} is not supported")
    return fields


def _require(fields: dict[str, str], name: str) -> str:
    if name not in fields:
        raise KeyFileError(f"the key file has no {name!r} line")
    return fields[name]


def _read_text(path: str | os.PathLike) -> str:
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise KeyFileError("the file is far too large to be a key file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeyFileError("the key file is not UTF-8 text") from exc


def _write_new(path: str | os.PathLike, text: str, mode: int) -> None:
    """Create ``path`` exclusively with ``mode``, write, fsync. Never overwrites.

    If writing fails (disk full), the partial file is removed so a retry can
    create it again.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        if fd != -1:
            os.close(fd)
        os.unlink(path)
        raise


# -- public keys ---------------------------------------------------------------


def _type_fields(key) -> list[tuple[str, str]]:
    """``type: xwing`` for X-Wing keys; nothing for X25519 (files stay as v1 wrote them)."""
    return [] if key.kind == "x25519" else [("type", key.kind)]


def _type_line(key) -> list[str]:
    return [f"{name}: {value}" for name, value in _type_fields(key)]


def format_public_key(key: PublicKey) -> str:
    """The text of a public-key file for ``key`` (ends with a newline).

    :raises ValueError: if the key's name has a control character or a line
        or paragraph separator, or more than 200 characters after NFC.
    """
    lines = [
        f"{PUBLIC_MAGIC}: {FORMAT_VERSION}",
        *_type_line(key),
        f"name: {_clean_name(key.name)}",
        f"fingerprint: {key.fingerprint.display()}",
        f"public-key: {_b64(key.raw)}",
    ]
    return "\n".join(lines) + "\n"


def parse_public_key(text: str) -> PublicKey:
    """Parse public-key file text.

    The ``fingerprint`` line, if present, MUST match the key: a mismatch means
    the file was mistyped or altered.

    :raises KeyFileError: if malformed (see docs/FORMAT.md, "Key files") or the
        fingerprint line does not match.
    :raises LowOrderKeyError: if the key is (or, for X-Wing, holds) a low-order
        X25519 point (e.g. all zeros), which no genuine key file holds.
    :raises UnsupportedVersionError: for a version other than 1.
    """
    fields = _parse_fields(text, PUBLIC_MAGIC)
    cls = PUBLIC_CLASSES[_kind(fields)]
    raw = _unb64(_require(fields, "public-key"), cls.SIZE, "the public key")
    try:
        name = _clean_name(fields.get("name", ""))
    except ValueError as exc:
        raise KeyFileError(str(exc)) from exc
    try:
        key = cls.from_bytes(raw, name)
    except XWingError as exc:
        raise KeyFileError("the X-Wing public key is not a valid key") from exc
    stated = fields.get("fingerprint")
    if stated is not None and not key.fingerprint.matches_display(stated):
        raise KeyFileError("the fingerprint line does not match the key")
    return key


def write_public_key_file(path: str | os.PathLike, key: PublicKey) -> None:
    """Write a new public-key file (mode 0644).

    :raises FileExistsError: if ``path`` exists.
    """
    _write_new(path, format_public_key(key), 0o644)


def read_public_key_file(path: str | os.PathLike) -> PublicKey:
    """Read a public-key file. Errors as :func:`parse_public_key`, plus ``OSError``."""
    return parse_public_key(_read_text(path))


# -- secret keys ---------------------------------------------------------------


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        passphrase = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    if not passphrase:
        raise ValueError("the passphrase is empty")
    return passphrase


def _derive(passphrase: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE, passphrase, salt, opslimit=opslimit, memlimit=memlimit
    )


def format_secret_key(
    key: SecretKey,
    passphrase: str | bytes,
    *,
    opslimit: int = OPSLIMIT_MIN,
    memlimit: int = MEMLIMIT_MIN,
) -> str:
    """The text of a secret-key file: ``key`` encrypted under ``passphrase``.

    A ``str`` passphrase is NFC-normalised and UTF-8 encoded first. Takes
    about a second (Argon2id, 256 MiB).

    :raises ValueError: if the passphrase is empty, the limits are below
        MODERATE or above the accepted maximum, or the name is refused (as
        :func:`format_public_key`).
    """
    return format_protected(SECRET_MAGIC, key, passphrase, "It opens every report sealed to this key.",
                            head=_type_fields(key),
                            opslimit=opslimit, memlimit=memlimit)


def parse_secret_key(text: str, passphrase: str | bytes) -> SecretKey:
    """Decrypt secret-key file text with ``passphrase``.

    :raises WrongPassphraseError: if the passphrase does not open the key.
    :raises WeakParametersError: if the Argon2id limits are below MODERATE or
        absurdly high (checked before any work is done).
    :raises KeyFileError: if malformed, or the key does not match the
        fingerprint line.
    :raises UnsupportedVersionError: for a version other than 1.
    :raises ValueError: if the passphrase is empty.
    """
    fields = _parse_fields(text, SECRET_MAGIC)
    cls = SECRET_CLASSES[_kind(fields)]
    raw, name = open_protected(fields, passphrase, cls.SIZE)
    key = cls.from_bytes(raw, name)
    check_fingerprint(fields, key.fingerprint)
    return key


def write_secret_key_file(
    path: str | os.PathLike,
    key: SecretKey,
    passphrase: str | bytes,
    *,
    opslimit: int = OPSLIMIT_MIN,
    memlimit: int = MEMLIMIT_MIN,
) -> None:
    """Write a new secret-key file with mode 0600 (see :func:`format_secret_key`).

    :raises FileExistsError: if ``path`` exists (a key is never overwritten).
    :raises ValueError: as :func:`format_secret_key`.
    """
    text = format_secret_key(key, passphrase, opslimit=opslimit, memlimit=memlimit)
    _write_new(path, text, 0o600)


def read_secret_key_file(path: str | os.PathLike, passphrase: str | bytes) -> SecretKey:
    """Read and decrypt a secret-key file. Errors as :func:`parse_secret_key`, plus ``OSError``."""
    return parse_secret_key(_read_text(path), passphrase)


def is_private_mode(path: str | os.PathLike) -> bool:
    """True if ``path`` is readable by its owner only (no group or other bits)."""
    return (Path(path).stat().st_mode & 0o077) == 0


# -- the common syntax, for other key files (keys.signing) -----------------------

b64 = _b64
unb64 = _unb64
parse_fields = _parse_fields
require = _require
read_text = _read_text
write_new = _write_new


def field_name(fields: dict[str, str]) -> str:
    """The checked ``name`` field of parsed ``fields`` ("" if absent).

    :raises KeyFileError: for a name the writer would refuse.
    """
    try:
        return _clean_name(fields.get("name", ""))
    except ValueError as exc:
        raise KeyFileError(str(exc)) from exc


def check_fingerprint(fields: dict[str, str], fingerprint: Fingerprint) -> None:
    """Compare the optional ``fingerprint`` line with the key's.

    :raises KeyFileError: if the line is present and does not match.
    """
    stated = fields.get("fingerprint")
    if stated is not None and not fingerprint.matches_display(stated):
        raise KeyFileError("the fingerprint line does not match the key")


def format_fields(magic: str, key, values: list[tuple[str, str]], comment: str = "",
                  head: Sequence[tuple[str, str]] = ()) -> str:
    """Key-file text: the magic line, an optional ``# comment``, the ``head``
    fields, ``name``, ``fingerprint`` (of ``key``), then ``values`` in order.

    :raises ValueError: for a name :func:`format_public_key` refuses.
    """
    lines = [f"{magic}: {FORMAT_VERSION}", *([f"# {comment}"] if comment else []),
             *(f"{name}: {value}" for name, value in head),
             f"name: {_clean_name(key.name)}", f"fingerprint: {key.fingerprint.display()}"]
    lines += [f"{name}: {value}" for name, value in values]
    return "\n".join(lines) + "\n"


def format_protected(magic: str, key, passphrase: str | bytes, purpose: str, *,
                     head: Sequence[tuple[str, str]] = (),
                     opslimit: int = OPSLIMIT_MIN, memlimit: int = MEMLIMIT_MIN) -> str:
    """Text of a passphrase-protected secret-key file with ``magic`` holding
    ``key.raw``, exactly as docs/FORMAT.md "Secret-key file" describes
    (Argon2id + secretbox); the comment line says ``KEEP THIS FILE SECRET.``
    and ``purpose``.

    :raises ValueError: if the passphrase is empty, the limits are out of
        range, or the name is refused.
    """
    if not (OPSLIMIT_MIN <= opslimit <= OPSLIMIT_MAX and MEMLIMIT_MIN <= memlimit <= MEMLIMIT_MAX):
        raise ValueError("Argon2id limits must be between MODERATE and the maximum")
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(_passphrase_bytes(passphrase), salt, opslimit, memlimit))
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    sealed = box.encrypt(key.raw, nonce).ciphertext
    values = [("kdf", "argon2id"), ("opslimit", str(opslimit)), ("memlimit", str(memlimit)),
              ("salt", _b64(salt)), ("nonce", _b64(nonce)), ("secret-key", _b64(sealed))]
    return format_fields(magic, key, values, f"KEEP THIS FILE SECRET. {purpose}", head)


def open_protected(fields: dict[str, str], passphrase: str | bytes, size: int) -> tuple[bytes, str]:
    """Decrypt the ``size``-byte secret of parsed protected-file ``fields``;
    return ``(secret, name)``. Checks in the order docs/FORMAT.md gives.

    :raises WrongPassphraseError, WeakParametersError, KeyFileError, ValueError:
        as :func:`parse_secret_key`.
    """
    if _require(fields, "kdf") != "argon2id":
        raise KeyFileError("unknown key derivation (only argon2id is read)")
    opslimit = _uint(_require(fields, "opslimit"), "opslimit")
    memlimit = _uint(_require(fields, "memlimit"), "memlimit")
    if not (OPSLIMIT_MIN <= opslimit <= OPSLIMIT_MAX and MEMLIMIT_MIN <= memlimit <= MEMLIMIT_MAX):
        raise WeakParametersError("the key file's Argon2id limits are out of the accepted range")
    salt = _unb64(_require(fields, "salt"), nacl.pwhash.argon2id.SALTBYTES, "the salt")
    nonce = _unb64(_require(fields, "nonce"), nacl.secret.SecretBox.NONCE_SIZE, "the nonce")
    sealed = _unb64(_require(fields, "secret-key"), size + nacl.secret.SecretBox.MACBYTES,
                    "the encrypted secret key")
    name = field_name(fields)
    box = nacl.secret.SecretBox(_derive(_passphrase_bytes(passphrase), salt, opslimit, memlimit))
    try:
        return box.decrypt(sealed, nonce), name
    except nacl.exceptions.CryptoError as exc:
        raise WrongPassphraseError("the passphrase does not open this key") from exc
