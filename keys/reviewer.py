"""Reviewer keypairs: X25519 public keys (recipients) and secret keys (identities).

Thin nouns over PyNaCl's ``nacl.public`` (libsodium ``crypto_box``): a
:class:`PublicKey` is what the intake seals to; a :class:`SecretKey` lives only
on a reviewer's air-gapped machine, inside a passphrase-protected key file
(:mod:`keys.keyfile`).
"""

from __future__ import annotations

import hmac

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.utils

from .errors import LowOrderKeyError
from .fingerprint import Fingerprint


def _require_contributory(raw: bytes) -> None:
    """Refuse a low-order X25519 point, by libsodium's own test.

    libsodium's ``crypto_scalarmult`` (X25519, RFC 7748) fails on the
    points it blocklists as low order and whenever the shared secret comes
    out all zeros, which for a clamped scalar happens exactly for points of
    small order (RFC 7748 section 6.1). The same failure would make every
    ``crypto_box_seal`` to the key fail, so the probe scalar (random, thrown
    away) tells the two cases apart before the key is ever used.

    :raises LowOrderKeyError: if ``raw`` is such a point.
    """
    try:
        nacl.bindings.crypto_scalarmult(nacl.utils.random(nacl.bindings.crypto_scalarmult_SCALARBYTES), raw)
    except nacl.exceptions.RuntimeError as exc:
        raise LowOrderKeyError(
            "this X25519 public key is a low-order point: nothing sealed to it would be secret"
        ) from exc


class PublicKey:
    """A reviewer's X25519 public key, with an optional human label.

    Equality is constant-time on the key bytes; the label is not compared.
    """

    SIZE = 32
    kind = "x25519"
    post_quantum = False

    __slots__ = ("_key", "name")

    def __init__(self, key: nacl.public.PublicKey, name: str = "") -> None:
        self._key = key
        self.name = name

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "") -> "PublicKey":
        """Build from the raw 32 bytes.

        :raises ValueError: if ``raw`` is not 32 bytes.
        :raises LowOrderKeyError: if ``raw`` is a low-order point (all zeros,
            or any other point libsodium refuses to compute a shared secret with).
        """
        if not isinstance(raw, bytes) or len(raw) != cls.SIZE:
            raise ValueError("an X25519 public key is exactly 32 bytes")
        _require_contributory(raw)
        return cls(nacl.public.PublicKey(raw), name)

    @property
    def raw(self) -> bytes:
        """The 32 key bytes."""
        return bytes(self._key)

    @property
    def fingerprint(self) -> Fingerprint:
        """The key's :class:`~keys.fingerprint.Fingerprint`."""
        return Fingerprint.of(self.raw)

    @property
    def nacl(self) -> nacl.public.PublicKey:
        """The underlying PyNaCl object (for :mod:`keys.envelope`)."""
        return self._key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return hmac.compare_digest(self.raw, other.raw)

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"PublicKey({self.fingerprint.display()!r}, name={self.name!r})"


class SecretKey:
    """A reviewer's X25519 secret key. Never stored on the intake server.

    ``repr`` shows only the fingerprint, so a secret never lands in a log or
    traceback by accident.
    """

    SIZE = 32
    kind = "x25519"

    __slots__ = ("_key", "_fingerprint", "name")

    def __init__(self, key: nacl.public.PrivateKey, name: str = "") -> None:
        self._key = key
        self._fingerprint = Fingerprint.of(bytes(key.public_key))
        self.name = name

    @classmethod
    def generate(cls, name: str = "") -> "SecretKey":
        """A new random keypair from the OS CSPRNG (libsodium ``crypto_box_keypair``)."""
        return cls(nacl.public.PrivateKey.generate(), name)

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "") -> "SecretKey":
        """Build from the raw 32 secret bytes.

        :raises ValueError: if ``raw`` is not 32 bytes.
        """
        if not isinstance(raw, bytes) or len(raw) != cls.SIZE:
            raise ValueError("an X25519 secret key is exactly 32 bytes")
        return cls(nacl.public.PrivateKey(raw), name)

    @property
    def raw(self) -> bytes:
        """The 32 secret bytes. Handle with care."""
        return bytes(self._key)

    @property
    def public_key(self) -> PublicKey:
        """The matching :class:`PublicKey`, carrying the same label."""
        return PublicKey(self._key.public_key, self.name)

    @property
    def fingerprint(self) -> Fingerprint:
        """Fingerprint of the public half (computed once)."""
        return self._fingerprint

    @property
    def nacl(self) -> nacl.public.PrivateKey:
        """The underlying PyNaCl object (for :mod:`keys.envelope`)."""
        return self._key

    def __repr__(self) -> str:
        return f"SecretKey({self.fingerprint.display()!r}, name={self.name!r})"
