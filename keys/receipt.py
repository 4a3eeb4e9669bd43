"""Receipts: the passphrase a reporter keeps, and the keys derived from it.

A receipt is :data:`WORD_COUNT` words drawn uniformly by the OS CSPRNG
(``secrets``) from the BIP-39 Spanish word list (2048 words, so 11 bits a
word and 88 bits in all; the list's own properties make it easy to type:
its words stay distinct with accents removed, and the first four letters
name one word). The list ships as ``keys/wordlist_es.txt``, byte for byte
the file ``bip-0039/spanish.txt`` of the bitcoin/bips repository (SHA-256
:data:`WORDLIST_SHA256`, checked when it is loaded).

Reading a receipt forgives what people get wrong when they copy one by
hand (:func:`Receipt.parse`): case, accents, extra spaces, hyphens and other
punctuation between words, and a word cut down to its first four or more
letters. The canonical form is the words without accents, lower case,
joined by single spaces (ASCII).

Derivation (docs/FORMAT.md, "Receipts"); every step is a libsodium
primitive composed, never a new one::

    master      = BLAKE2b-256(RECEIPT_LABEL || canonical)        (crypto_generichash)
    lookup_key  = crypto_kdf_derive_from_key(32, 1, "rsgrcpt1", master)
    reporter    = crypto_kdf_derive_from_key(32, 2, "rsgrcpt1", master)

``crypto_kdf_derive_from_key`` is libsodium's BLAKE2b KDF ("Key
derivation", libsodium documentation): BLAKE2b-256 of the empty message,
keyed with ``master``, salt = subkey id (u64 little-endian) || 8 zero bytes,
personal = context (8 bytes) || 8 zero bytes. PyNaCl exposes no binding for
it, so :func:`_kdf` calls ``crypto_generichash_blake2b_salt_personal`` with
exactly those parameters; the JavaScript twin (intake/static/js/receipt.js)
calls ``sodium.crypto_kdf_derive_from_key`` and both pass the same vectors.

At 88 bits of entropy a fast derivation is enough: an attacker who copies the
server can test about 2^30 guesses a second on one machine, so a receipt
outlasts 2^57 seconds; a memory-hard KDF would buy nothing worth its cost in
Tor Browser without JIT.

The ``lookup_key`` names the reporter's case on the server (which stores only
a keyed hash of it); the ``reporter`` seed makes the reporter's key pair
whose public half travels inside the sealed report, so reviewers reply to a
key they read themselves and never to one the server hands them:
:meth:`Receipt.reporter_key` is the X-Wing key pair of that seed.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
import unicodedata
from functools import lru_cache
from pathlib import Path

import nacl.bindings
import nacl.hash
import nacl.encoding

from .errors import ReceiptError
from .xwing import XWingSecretKey

WORD_COUNT = 8
WORDLIST_SIZE = 2048
ENTROPY_BITS = 88  # WORD_COUNT * log2(WORDLIST_SIZE)
WORDLIST_SHA256 = "46846a5a0139d1e3cb77293e521c2865f7bcdb82c44e8d0a06a2cd0ecba48c0b"
PREFIX_LETTERS = 4

RECEIPT_LABEL = b"resguardo/v1/receipt\x00"
KDF_CONTEXT = b"rsgrcpt1"
LOOKUP_SUBKEY_ID = 1
REPORTER_SUBKEY_ID = 2
KEY_BYTES = 32

_WORDLIST_PATH = Path(__file__).with_name("wordlist_es.txt")


def strip_accents(text: str) -> str:
    """``text`` with combining marks removed after NFKD ("ábaco" -> "abaco", "ñ" -> "n")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def wordlist() -> tuple[str, ...]:
    """The 2048 words as printed on receipts: lower case ASCII, accents removed.

    :raises ReceiptError: if ``wordlist_es.txt`` is not the BIP-39 Spanish list
        (its SHA-256 differs), so a damaged install can never hand out
        receipts from a different list.
    """
    raw = _WORDLIST_PATH.read_bytes()
    if hashlib.sha256(raw).hexdigest() != WORDLIST_SHA256:
        raise ReceiptError("the receipt word list is damaged")
    words = tuple(strip_accents(word) for word in raw.decode("utf-8").split())
    if len(words) != WORDLIST_SIZE or len(set(words)) != WORDLIST_SIZE:
        raise ReceiptError("the receipt word list is damaged")
    return words


@lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    table = {}
    for word in wordlist():
        table[word[:PREFIX_LETTERS]] = word
    if len(table) != WORDLIST_SIZE:
        raise ReceiptError("the receipt word list is damaged")
    return table


def _word_for(token: str) -> str:
    """The list word ``token`` names (the word, or a prefix of >= 4 letters of it).

    The table is keyed by each word's first four letters (the whole word when
    it is shorter), so a token under four letters is found only when it is a
    whole three-letter word.
    """
    word = _prefixes().get(token[:PREFIX_LETTERS])
    if word is None or not word.startswith(token):
        raise ReceiptError("a word of the receipt is not on the list")
    return word


def _tokens(text: str) -> list[str]:
    folded = strip_accents(text).casefold()
    cleaned = "".join(ch if "a" <= ch <= "z" else " " for ch in folded)
    return cleaned.split()


def _kdf(subkey_id: int, context: bytes, master: bytes) -> bytes:
    """libsodium ``crypto_kdf_derive_from_key(32, subkey_id, context, master)``.

    :raises ValueError: if ``context`` is not 8 bytes or ``master`` not 32.
    """
    if len(context) != 8 or len(master) != KEY_BYTES:
        raise ValueError("crypto_kdf needs an 8-byte context and a 32-byte key")
    salt = struct.pack("<Q", subkey_id) + bytes(8)
    personal = context + bytes(8)
    return nacl.bindings.crypto_generichash_blake2b_salt_personal(
        b"", digest_size=KEY_BYTES, key=master, salt=salt, person=personal
    )


class Receipt:
    """A reporter's receipt: :data:`WORD_COUNT` words of the BIP-39 Spanish list.

    Construct with :meth:`generate` (new, from the OS CSPRNG) or :meth:`parse`
    (typed by a person). ``str(receipt)`` is the canonical form; the words are
    also :attr:`words`. Equality is constant-time on the canonical form.
    """

    __slots__ = ("_words",)

    def __init__(self, words: tuple[str, ...]) -> None:
        self._words = words

    @classmethod
    def generate(cls) -> "Receipt":
        """A fresh receipt: each word ``secrets.randbelow(2048)``, 88 bits in all."""
        words = wordlist()
        return cls(tuple(words[secrets.randbelow(WORDLIST_SIZE)] for _ in range(WORD_COUNT)))

    @classmethod
    def parse(cls, text: str) -> "Receipt":
        """Read a receipt as a person typed it.

        Forgives case, accents, any run of non-letters between words (spaces,
        hyphens, commas, line breaks) and words cut to their first four or
        more letters.

        :raises ReceiptError: if there are not exactly :data:`WORD_COUNT`
            words, or a word is not on the list.
        """
        if not isinstance(text, str) or len(text) > 1024:
            raise ReceiptError("a receipt is a short text")
        tokens = _tokens(text)
        if len(tokens) != WORD_COUNT:
            raise ReceiptError("a receipt has exactly %d words" % WORD_COUNT)
        return cls(tuple(_word_for(token) for token in tokens))

    @property
    def words(self) -> tuple[str, ...]:
        """The words, lower-case ASCII."""
        return self._words

    def __str__(self) -> str:
        return " ".join(self._words)

    def __repr__(self) -> str:
        return "Receipt(<hidden>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Receipt):
            return NotImplemented
        return secrets.compare_digest(str(self).encode("ascii"), str(other).encode("ascii"))

    def __hash__(self) -> int:
        return hash(self._words)

    def master_key(self) -> bytes:
        """``BLAKE2b-256(RECEIPT_LABEL || canonical)``: 32 bytes."""
        return nacl.hash.blake2b(
            RECEIPT_LABEL + str(self).encode("ascii"),
            digest_size=KEY_BYTES,
            encoder=nacl.encoding.RawEncoder,
        )

    def lookup_key(self) -> bytes:
        """The 32-byte key that names this reporter's case (subkey 1)."""
        return _kdf(LOOKUP_SUBKEY_ID, KDF_CONTEXT, self.master_key())

    def reporter_seed(self) -> bytes:
        """The 32-byte seed of the reporter's key pair (subkey 2)."""
        return _kdf(REPORTER_SUBKEY_ID, KDF_CONTEXT, self.master_key())

    def reporter_key(self) -> XWingSecretKey:
        """The reporter's X-Wing key pair, whose secret is :meth:`reporter_seed`
        (libsodium ``crypto_kem_xwing_seed_keypair(reporter_seed)``): replies are
        sealed to its public half (docs/FORMAT.md, "Reply key and reply envelope")."""
        return XWingSecretKey(self.reporter_seed(), "reporter")
