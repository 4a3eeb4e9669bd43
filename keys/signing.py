"""The organisation's reply-signing key (Ed25519): keys, key files, return-bundle signatures.

Reviewers sign every return bundle (docs/FORMAT.md, "Return bundle") with one
Ed25519 key (RFC 8032, PyNaCl ``nacl.signing``, libsodium
``crypto_sign_ed25519``) made on the air-gapped laptop; the intake server is
configured with its public half and accepts only bundles it signed. The
signature covers a fixed label and the SHA-256 of the manifest bytes::

    signature = Ed25519(sk, "resguardo/v1/return-bundle\\0" || SHA-256(manifest bytes))

Key files use the common syntax of :mod:`keys.keyfile` (docs/FORMAT.md, "Key
files") with their own magic words, ``resguardo-signing-public-key`` and
``resguardo-signing-secret-key``, so a signing key can never be loaded as a
reviewer key (nor a reviewer key as a signing key). The secret file holds the
32-byte Ed25519 seed, Argon2id-protected and written 0600 exactly like a
reviewer's. The fingerprint is ``BLAKE2b-256("resguardo/v1/signing-fingerprint\\0"
|| public key)``, shown in the usual display form.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.signing

from . import keyfile
from .errors import KeyFileError, ReturnSignatureError
from .fingerprint import Fingerprint

SIGN_LABEL = b"resguardo/v1/return-bundle\x00"
FINGERPRINT_LABEL = b"resguardo/v1/signing-fingerprint\x00"
PUBLIC_MAGIC = "resguardo-signing-public-key"
SECRET_MAGIC = "resguardo-signing-secret-key"
SIGNATURE_SIZE = 64


def signed_message(manifest: bytes) -> bytes:
    """The 59 bytes a return-bundle signature covers:
    ``SIGN_LABEL || SHA-256(manifest)`` (27 + 32 bytes)."""
    return SIGN_LABEL + hashlib.sha256(manifest).digest()


class SigningPublicKey:
    """The public half of the reply-signing key (32 bytes), with a label.

    Equality is constant-time on the key bytes; the label is not compared.
    """

    SIZE = 32

    __slots__ = ("_key", "name")

    def __init__(self, key: nacl.signing.VerifyKey, name: str = "") -> None:
        self._key = key
        self.name = name

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "") -> "SigningPublicKey":
        """Build from the raw 32 bytes. :raises ValueError: if ``raw`` is not 32 bytes."""
        if not isinstance(raw, bytes) or len(raw) != cls.SIZE:
            raise ValueError("an Ed25519 public key is exactly 32 bytes")
        return cls(nacl.signing.VerifyKey(raw), name)

    @property
    def raw(self) -> bytes:
        """The 32 key bytes."""
        return bytes(self._key)

    @property
    def fingerprint(self) -> Fingerprint:
        """``BLAKE2b-256(FINGERPRINT_LABEL || raw)`` as a :class:`Fingerprint`."""
        digest = nacl.hash.blake2b(
            FINGERPRINT_LABEL + self.raw, digest_size=Fingerprint.SIZE, encoder=nacl.encoding.RawEncoder
        )
        return Fingerprint(digest)

    def verify_manifest(self, manifest: bytes, signature: bytes) -> None:
        """Check ``signature`` (64 bytes) over ``manifest`` (the exact manifest.json bytes).

        :raises ReturnSignatureError: if the signature is not 64 bytes or does not verify.
        """
        if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
            raise ReturnSignatureError("a return-bundle signature is exactly 64 bytes")
        try:
            self._key.verify(signed_message(manifest), signature)
        except nacl.exceptions.BadSignatureError as exc:
            raise ReturnSignatureError("the return bundle's signature does not verify") from exc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningPublicKey):
            return NotImplemented
        return hmac.compare_digest(self.raw, other.raw)

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"SigningPublicKey({self.fingerprint.display()!r}, name={self.name!r})"


class SigningSecretKey:
    """The reply-signing secret key: a 32-byte Ed25519 seed. Only on the reviewers' laptop."""

    SIZE = 32

    __slots__ = ("_key", "name")

    def __init__(self, key: nacl.signing.SigningKey, name: str = "") -> None:
        self._key = key
        self.name = name

    @classmethod
    def generate(cls, name: str = "") -> "SigningSecretKey":
        """A new key from the OS CSPRNG (libsodium ``randombytes``)."""
        return cls(nacl.signing.SigningKey.generate(), name)

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "") -> "SigningSecretKey":
        """Build from the 32-byte seed. :raises ValueError: if ``raw`` is not 32 bytes."""
        if not isinstance(raw, bytes) or len(raw) != cls.SIZE:
            raise ValueError("an Ed25519 seed is exactly 32 bytes")
        return cls(nacl.signing.SigningKey(raw), name)

    @property
    def raw(self) -> bytes:
        """The 32-byte seed. Handle with care."""
        return bytes(self._key)

    @property
    def public_key(self) -> SigningPublicKey:
        """The matching :class:`SigningPublicKey`, with the same label."""
        return SigningPublicKey(self._key.verify_key, self.name)

    @property
    def fingerprint(self) -> Fingerprint:
        """Fingerprint of the public half."""
        return self.public_key.fingerprint

    def sign_manifest(self, manifest: bytes) -> bytes:
        """The 64-byte signature of a return bundle's ``manifest`` bytes:
        ``Ed25519(sk, SIGN_LABEL || SHA-256(manifest))`` (deterministic, RFC 8032)."""
        return self._key.sign(signed_message(manifest)).signature

    def __repr__(self) -> str:
        return f"SigningSecretKey({self.fingerprint.display()!r}, name={self.name!r})"


# -- key files -----------------------------------------------------------------


def format_signing_public_key(key: SigningPublicKey) -> str:
    """The text of a signing public-key file (ends with a newline).

    :raises ValueError: for a name :mod:`keys.keyfile` refuses.
    """
    return keyfile.format_fields(PUBLIC_MAGIC, key, [("public-key", keyfile.b64(key.raw))])


def parse_signing_public_key(text: str) -> SigningPublicKey:
    """Parse a signing public-key file.

    :raises KeyFileError: if malformed, not a signing key file, or the
        fingerprint line does not match.
    :raises UnsupportedVersionError: for a version other than 1.
    """
    fields = keyfile.parse_fields(text, PUBLIC_MAGIC)
    raw = keyfile.unb64(keyfile.require(fields, "public-key"), SigningPublicKey.SIZE, "the public key")
    key = SigningPublicKey.from_bytes(raw, keyfile.field_name(fields))
    keyfile.check_fingerprint(fields, key.fingerprint)
    return key


def write_signing_public_key_file(path: str | os.PathLike, key: SigningPublicKey) -> None:
    """Write a new signing public-key file (mode 0644). :raises FileExistsError: if it exists."""
    keyfile.write_new(path, format_signing_public_key(key), 0o644)


def read_signing_public_key_file(path: str | os.PathLike) -> SigningPublicKey:
    """Read a signing public-key file. Errors as :func:`parse_signing_public_key`, plus ``OSError``."""
    return parse_signing_public_key(keyfile.read_text(path))


def format_signing_secret_key(key: SigningSecretKey, passphrase: str | bytes, **limits: int) -> str:
    """The text of a signing secret-key file: the seed under ``passphrase``
    (Argon2id + secretbox, as a reviewer's secret-key file; ``limits`` are
    ``opslimit``/``memlimit``).

    :raises ValueError: as :func:`keys.keyfile.format_secret_key`.
    """
    return keyfile.format_protected(SECRET_MAGIC, key, passphrase, "It signs every reply sent to reporters.",
                                    **limits)


def parse_signing_secret_key(text: str, passphrase: str | bytes) -> SigningSecretKey:
    """Decrypt a signing secret-key file.

    :raises WrongPassphraseError, WeakParametersError, KeyFileError,
        UnsupportedVersionError, ValueError: as :func:`keys.keyfile.parse_secret_key`.
    """
    fields = keyfile.parse_fields(text, SECRET_MAGIC)
    raw, name = keyfile.open_protected(fields, passphrase, SigningSecretKey.SIZE)
    key = SigningSecretKey.from_bytes(raw, name)
    keyfile.check_fingerprint(fields, key.fingerprint)
    return key


def write_signing_secret_key_file(path: str | os.PathLike, key: SigningSecretKey,
                                  passphrase: str | bytes, **limits: int) -> None:
    """Write a new signing secret-key file, mode 0600, never overwriting.

    :raises FileExistsError: if ``path`` exists. :raises ValueError: as
        :func:`format_signing_secret_key`.
    """
    keyfile.write_new(path, format_signing_secret_key(key, passphrase, **limits), 0o600)


def read_signing_secret_key_file(path: str | os.PathLike, passphrase: str | bytes) -> SigningSecretKey:
    """Read and decrypt a signing secret-key file. Errors as :func:`parse_signing_secret_key`, plus ``OSError``."""
    return parse_signing_secret_key(keyfile.read_text(path), passphrase)


__all__ = [
    "FINGERPRINT_LABEL",
    "KeyFileError",
    "SIGN_LABEL",
    "SigningPublicKey",
    "SigningSecretKey",
    "format_signing_public_key",
    "format_signing_secret_key",
    "parse_signing_public_key",
    "parse_signing_secret_key",
    "read_signing_public_key_file",
    "read_signing_secret_key_file",
    "signed_message",
    "write_signing_public_key_file",
    "write_signing_secret_key_file",
]
