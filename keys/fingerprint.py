"""Key fingerprints that two people can compare aloud.

A fingerprint is ``BLAKE2b-256(LABEL || public_key)`` (X25519 keys) or
``BLAKE2b-256(XWING_LABEL || public_key)`` over the whole 1216-byte X-Wing key (RFC 7693, libsodium
``crypto_generichash`` with no key), where ``LABEL`` is the fixed
domain-separation string below. It names a recipient inside envelope stanzas
(all 32 bytes) and is shown to people as the first 20 bytes in ten groups of
four upper-case hex digits, e.g. ``3F2A 9C1B 0D4E 77A1 5B20 C8E3 1F0A 6D92 4B7C E015``.
"""

from __future__ import annotations

import hmac

import nacl.hash
import nacl.encoding

LABEL = b"resguardo/v1/fingerprint\x00"
XWING_LABEL = b"resguardo/v2/xwing-fingerprint\x00"
"""Label of X-Wing key fingerprints: a separate label, so no X25519 key and
X-Wing key can ever share a fingerprint."""


class Fingerprint:
    """The 32-byte fingerprint of an X25519 public key.

    Equality is constant-time. Construct with :meth:`of` (from a public key)
    or :meth:`from_bytes` / :meth:`from_text` (from a stored fingerprint).
    """

    SIZE = 32
    DISPLAY_BYTES = 20

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes) or len(raw) != self.SIZE:
            raise ValueError("a fingerprint is exactly 32 bytes")
        self._raw = raw

    @classmethod
    def of(cls, public_key: bytes) -> "Fingerprint":
        """Fingerprint of a raw 32-byte X25519 public key.

        :raises ValueError: if ``public_key`` is not 32 bytes.
        """
        if not isinstance(public_key, bytes) or len(public_key) != 32:
            raise ValueError("a public key is exactly 32 bytes")
        digest = nacl.hash.blake2b(
            LABEL + public_key, digest_size=cls.SIZE, encoder=nacl.encoding.RawEncoder
        )
        return cls(digest)

    @classmethod
    def of_xwing(cls, public_key: bytes) -> "Fingerprint":
        """Fingerprint of a raw 1216-byte X-Wing public key, all of it:
        ``BLAKE2b-256(XWING_LABEL || public_key)``.

        :raises ValueError: if ``public_key`` is not 1216 bytes.
        """
        if not isinstance(public_key, bytes) or len(public_key) != 1216:
            raise ValueError("an X-Wing public key is exactly 1216 bytes")
        digest = nacl.hash.blake2b(
            XWING_LABEL + public_key, digest_size=cls.SIZE, encoder=nacl.encoding.RawEncoder
        )
        return cls(digest)

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Fingerprint":
        """Wrap 32 stored bytes. :raises ValueError: on any other length."""
        return cls(raw)

    @classmethod
    def from_hex(cls, text: str) -> "Fingerprint":
        """Parse the full 64-hex-digit form (spaces and case ignored).

        :raises ValueError: if it is not 64 hex digits.
        """
        compact = "".join(text.split())
        if len(compact) != 2 * cls.SIZE:
            raise ValueError("a full fingerprint is 64 hex digits")
        return cls(bytes.fromhex(compact))

    @property
    def raw(self) -> bytes:
        """The 32 bytes."""
        return self._raw

    @property
    def hex(self) -> str:
        """All 64 lower-case hex digits, no spaces (for storage and stanzas)."""
        return self._raw.hex()

    def display(self) -> str:
        """The human form: first 20 bytes as ten space-separated groups of 4 hex digits."""
        digits = self._raw[: self.DISPLAY_BYTES].hex().upper()
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))

    def matches_display(self, text: str) -> bool:
        """True if ``text`` is this fingerprint's human form (spaces and case ignored),
        compared in constant time."""
        compact = "".join(text.split()).lower().encode("ascii", "replace")
        mine = self._raw[: self.DISPLAY_BYTES].hex().encode("ascii")
        return hmac.compare_digest(compact, mine)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"Fingerprint({self.display()!r})"

    def __str__(self) -> str:
        return self.display()
