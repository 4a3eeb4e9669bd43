"""X-Wing hybrid post-quantum reviewer keys (ML-KEM-768 + X25519).

X-Wing is the KEM of draft-connolly-cfrg-xwing-kem (Connolly, Schwabe,
Westerbaan; the algorithm is unchanged from draft -06, October 2024, through
-10), as libsodium >= 1.0.21 implements it as ``crypto_kem_xwing`` (the
vendored libsodium.js 0.8.4 = libsodium 1.0.22 exposes it, and passes the
draft's test vectors: tests/keys/test_keys_xwing.py). It is composed here from
well-kept libraries only, no lattice or curve arithmetic of our own:

- ML-KEM-768 (FIPS 203) from ``cryptography`` (``MLKEM768PrivateKey``,
  seeded with the 64-byte ``d || z`` FIPS 203 seed);
- X25519 from PyNaCl (libsodium ``crypto_scalarmult``);
- SHAKE-256 and SHA3-256 from :mod:`hashlib`.

The scheme, in the draft's notation::

    expand(sk[32]):   x = SHAKE-256(sk, 96 bytes)
                      (pk_M, sk_M) = ML-KEM-768.KeyGen(d = x[0:32], z = x[32:64])
                      sk_X = x[64:96];  pk_X = X25519(sk_X, 9)
    public key        pk = pk_M[1184] || pk_X[32]                        (1216 bytes)
    Encaps(pk):       (ss_M, ct_M) = ML-KEM-768.Encaps(pk_M)
                      ek_X random 32 bytes; ct_X = X25519(ek_X, 9); ss_X = X25519(ek_X, pk_X)
                      ct = ct_M[1088] || ct_X[32]                         (1120 bytes)
    Decaps(sk, ct):   ss_M = ML-KEM-768.Decaps(sk_M, ct_M); ss_X = X25519(sk_X, ct_X)
    shared secret     ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\\./" "/^\\")

As in libsodium, an X25519 result of all zeros (a low-order point) is an
error rather than a zero shared secret. The secret key is the 32-byte seed.
"""

from __future__ import annotations

import hashlib
import hmac

import nacl.bindings as sodium
import nacl.exceptions
import nacl.utils
from cryptography.hazmat.primitives.asymmetric import mlkem

from .errors import LowOrderKeyError
from .fingerprint import Fingerprint

SEED_SIZE = 32
PUBLIC_KEY_SIZE = 1216
CIPHERTEXT_SIZE = 1120
SHARED_SECRET_SIZE = 32
MLKEM_PUBLIC_KEY_SIZE = 1184
MLKEM_CIPHERTEXT_SIZE = 1088
LABEL = b"\\.//^\\"
"""The draft's XWingLabel, 5c 2e 2f 2f 5e 5c."""


class XWingError(ValueError):
    """An X-Wing key or ciphertext is malformed, or X25519 gave a low-order result."""


def _x25519(scalar: bytes, point: bytes) -> bytes:
    try:
        return sodium.crypto_scalarmult(scalar, point)
    except nacl.exceptions.CryptoError as exc:
        raise XWingError("X25519 gave a low-order result") from exc


def _expand(seed: bytes) -> tuple[mlkem.MLKEM768PrivateKey, bytes, bytes]:
    if not isinstance(seed, bytes) or len(seed) != SEED_SIZE:
        raise XWingError("an X-Wing secret key is exactly 32 bytes")
    expanded = hashlib.shake_256(seed).digest(96)
    secret_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
    secret_x = expanded[64:]
    return secret_m, secret_x, sodium.crypto_scalarmult_base(secret_x)


def _combine(ss_m: bytes, ss_x: bytes, ct_x: bytes, pk_x: bytes) -> bytes:
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + LABEL).digest()


def public_key_from_seed(seed: bytes) -> bytes:
    """The 1216-byte X-Wing public key of the 32-byte secret ``seed``.

    :raises XWingError: if ``seed`` is not 32 bytes.
    """
    secret_m, _, public_x = _expand(seed)
    return secret_m.public_key().public_bytes_raw() + public_x


def check_public_key(public_key: bytes) -> None:
    """Check a 1216-byte X-Wing public key as an encapsulating writer would.

    The ML-KEM part must pass FIPS 203's encapsulation-key check (every
    coefficient below q) and the X25519 part must not be a low-order point.

    :raises XWingError: if the length or the ML-KEM part is wrong.
    :raises LowOrderKeyError: if the X25519 part is a low-order point (as
        :class:`keys.PublicKey` refuses such X25519 keys).
    """
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        raise XWingError("an X-Wing public key is exactly 1216 bytes")
    try:
        mlkem.MLKEM768PublicKey.from_public_bytes(public_key[:MLKEM_PUBLIC_KEY_SIZE])
    except ValueError as exc:
        raise XWingError("the ML-KEM-768 part of the key is invalid") from exc
    try:
        _x25519(nacl.utils.random(32), public_key[MLKEM_PUBLIC_KEY_SIZE:])
    except XWingError as exc:
        raise LowOrderKeyError(
            "the X25519 part of this X-Wing key is a low-order point: it would add no secrecy"
        ) from exc


def encapsulate(public_key: bytes) -> tuple[bytes, bytes]:
    """X-Wing Encaps: return ``(shared_secret[32], ciphertext[1120])``.

    Randomness comes from the OS CSPRNG (``cryptography`` for ML-KEM,
    libsodium ``randombytes`` for the ephemeral X25519 key).

    :raises XWingError: if the public key is malformed.
    :raises LowOrderKeyError: if its X25519 part is low-order.
    """
    check_public_key(public_key)
    public_m = mlkem.MLKEM768PublicKey.from_public_bytes(public_key[:MLKEM_PUBLIC_KEY_SIZE])
    public_x = public_key[MLKEM_PUBLIC_KEY_SIZE:]
    ss_m, ct_m = public_m.encapsulate()
    ephemeral = nacl.utils.random(32)
    ct_x = sodium.crypto_scalarmult_base(ephemeral)
    ss_x = _x25519(ephemeral, public_x)
    return _combine(ss_m, ss_x, ct_x, public_x), ct_m + ct_x


def decapsulate(seed: bytes, ciphertext: bytes) -> bytes:
    """X-Wing Decaps with the 32-byte secret ``seed``: the 32-byte shared secret.

    ML-KEM rejects implicitly: a damaged ciphertext gives a different, random
    looking secret, not an error.

    :raises XWingError: if ``ciphertext`` is not 1120 bytes or its X25519 part
        is a low-order point.
    """
    return _decapsulate(*_expand(seed), ciphertext)


def _decapsulate(secret_m: mlkem.MLKEM768PrivateKey, secret_x: bytes, public_x: bytes, ciphertext: bytes) -> bytes:
    """Decaps with an already expanded secret key (see :func:`decapsulate`)."""
    if not isinstance(ciphertext, bytes) or len(ciphertext) != CIPHERTEXT_SIZE:
        raise XWingError("an X-Wing ciphertext is exactly 1120 bytes")
    ct_x = ciphertext[MLKEM_CIPHERTEXT_SIZE:]
    ss_m = secret_m.decapsulate(ciphertext[:MLKEM_CIPHERTEXT_SIZE])
    ss_x = _x25519(secret_x, ct_x)
    return _combine(ss_m, ss_x, ct_x, public_x)


class XWingPublicKey:
    """A reviewer's X-Wing public key (1216 bytes), with an optional label.

    Same interface as :class:`keys.reviewer.PublicKey`; ``kind`` is ``"xwing"``.
    Equality is constant-time on the key bytes; the label is not compared.
    """

    SIZE = PUBLIC_KEY_SIZE
    kind = "xwing"
    post_quantum = True

    __slots__ = ("_raw", "name")

    def __init__(self, raw: bytes, name: str = "") -> None:
        self._raw = raw
        self.name = name

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "") -> "XWingPublicKey":
        """Build from the raw 1216 bytes, checked with :func:`check_public_key`.

        :raises ValueError: (an :class:`XWingError`) if the key is malformed.
        :raises LowOrderKeyError: if its X25519 part is a low-order point.
        """
        check_public_key(raw)
        return cls(raw, name)

    @property
    def raw(self) -> bytes:
        """The 1216 key bytes (ML-KEM-768 key, then X25519 key)."""
        return self._raw

    @property
    def fingerprint(self) -> Fingerprint:
        """The key's fingerprint over all 1216 bytes (:meth:`Fingerprint.of_xwing`)."""
        return Fingerprint.of_xwing(self._raw)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XWingPublicKey):
            return NotImplemented
        return hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"XWingPublicKey({self.fingerprint.display()!r}, name={self.name!r})"


class XWingSecretKey:
    """A reviewer's X-Wing secret key: the 32-byte seed. Never on the intake server.

    Same interface as :class:`keys.reviewer.SecretKey`; ``repr`` shows only
    the fingerprint. The seed is expanded (SHAKE-256, ML-KEM-768 key
    generation, X25519 base-point multiplication) once, when the object is
    made, not at every decapsulation: a reviewer's import opens thousands of
    envelopes with one unlocked key.
    """

    SIZE = SEED_SIZE
    kind = "xwing"

    __slots__ = ("_seed", "_expanded", "_public", "_fingerprint", "name")

    def __init__(self, seed: bytes, name: str = "") -> None:
        self._seed = seed
        self._expanded = _expand(seed)
        secret_m, _, public_x = self._expanded
        self._public = secret_m.public_key().public_bytes_raw() + public_x
        self._fingerprint = Fingerprint.of_xwing(self._public)
        self.name = name

    @classmethod
    def generate(cls, name: str = "") -> "XWingSecretKey":
        """A new key from 32 bytes of the OS CSPRNG (libsodium ``randombytes``)."""
        return cls(nacl.utils.random(SEED_SIZE), name)

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "") -> "XWingSecretKey":
        """Build from the 32-byte seed.

        :raises ValueError: if ``raw`` is not 32 bytes.
        """
        if not isinstance(raw, bytes) or len(raw) != SEED_SIZE:
            raise ValueError("an X-Wing secret key is exactly 32 bytes")
        return cls(raw, name)

    @property
    def raw(self) -> bytes:
        """The 32-byte seed. Handle with care."""
        return self._seed

    @property
    def public_key(self) -> XWingPublicKey:
        """The matching :class:`XWingPublicKey`, carrying the same label."""
        return XWingPublicKey(self._public, self.name)

    @property
    def fingerprint(self) -> Fingerprint:
        """Fingerprint of the public half (computed once)."""
        return self._fingerprint

    def decapsulate(self, ciphertext: bytes) -> bytes:
        """:func:`decapsulate` with this key (its seed expanded once, at construction)."""
        return _decapsulate(*self._expanded, ciphertext)

    def __repr__(self) -> str:
        return f"XWingSecretKey({self.fingerprint.display()!r}, name={self.name!r})"
