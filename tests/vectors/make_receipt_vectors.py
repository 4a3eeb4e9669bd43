"""Generate the receipt test vectors in this directory (docs/FORMAT.md, "Receipts").

Run from the project root::

    .venv/bin/python tests/vectors/make_receipt_vectors.py           # rewrite tests/vectors/receipt_*
    .venv/bin/python tests/vectors/make_receipt_vectors.py OUT_DIR   # write them somewhere else

The derived values are computed here by a second, independent composition
built from :mod:`hashlib` only (``hashlib.blake2b`` with ``key``, ``salt`` and
``person``, which is how libsodium's ``crypto_kdf_derive_from_key`` is
defined), and every vector is then read back with :mod:`keys` and must give
exactly the same canonical form and keys (or the same failure). The
``reporter-public-key`` (base64 of the 1216-byte X-Wing public key of the
reporter seed) comes from ``keys.Receipt.reporter_key()``; node checks it
against libsodium.js ``crypto_kem_xwing_seed_keypair`` (tests/js/receipt.test.js).
The vectors are deterministic: running this again writes the same bytes.

Each file: ``key: value`` ASCII lines (``expect``, ``canonical``,
``lookup-key``, ``reporter-seed``, ``reporter-public-key``, ``comment``), one
blank line, then the receipt exactly as a person typed it (UTF-8, to the end
of the file).
"""

from __future__ import annotations

import base64
import hashlib
import struct
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import keys  # noqa: E402

LABEL = b"resguardo/v1/receipt\x00"
CONTEXT = b"rsgrcpt1"

CASES = [
    # name, typed text, expect, comment
    ("success_plain", "abaco accion acido acne aereo aficion agil agonia",
     "success", "the canonical form typed as printed"),
    ("success_accents_case", "ÁBACO  Acción-ÁCIDO acné\tAÉREO afición, ágil agonía\n",
     "success", "case, accents, hyphens, commas, tabs and a trailing newline are forgiven"),
    ("success_prefixes", "abac acci acid acne aere afic agil agon",
     "success", "every word cut to its first four letters"),
    ("success_short_words", "asa ave boa cal dar don dos eco",
     "success", "three-letter words are whole words, not prefixes"),
    ("success_random", "zurdo lujo hueso engaño bruja fábrica sirena vulgar",
     "success", "an ordinary receipt"),
    ("failure_seven_words", "abaco accion acido acne aereo aficion agil",
     "receipt failure", "seven words"),
    ("failure_nine_words", "abaco accion acido acne aereo aficion agil agonia asa",
     "receipt failure", "nine words"),
    ("failure_unknown_word", "abaco accion acido acne aereo aficion agil resguardo",
     "receipt failure", "a word that is not on the list"),
    ("failure_short_prefix", "aba accion acido acne aereo aficion agil agonia",
     "receipt failure", "three letters that are no word are too short a prefix"),
    ("failure_overlong_word", "abacos accion acido acne aereo aficion agil agonia",
     "receipt failure", "a list word with a letter added"),
    ("failure_empty", "", "receipt failure", "nothing typed"),
]


def _strip(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _kdf(subkey_id: int, master: bytes) -> bytes:
    salt = struct.pack("<Q", subkey_id) + bytes(8)
    return hashlib.blake2b(b"", digest_size=32, key=master, salt=salt, person=CONTEXT + bytes(8)).digest()


def derive(canonical: str) -> tuple[bytes, bytes]:
    """(lookup key, reporter seed) of a canonical receipt, independently of keys/."""
    master = hashlib.blake2b(LABEL + canonical.encode("ascii"), digest_size=32).digest()
    return _kdf(1, master), _kdf(2, master)


def canonical_of(typed: str) -> str:
    """The canonical form, independently of keys/ (no failure handling)."""
    words = [_strip(word) for word in (ROOT / "keys" / "wordlist_es.txt").read_text("utf-8").split()]
    tokens = "".join(ch if "a" <= ch <= "z" else " " for ch in _strip(typed).casefold()).split()
    out = []
    for token in tokens:
        matches = [word for word in words if word == token or (len(token) >= 4 and word.startswith(token))]
        out.append(matches[0])
    return " ".join(out)


def make(out_dir: Path) -> None:
    for name, typed, expect, comment in CASES:
        lines = [f"expect: {expect}"]
        if expect == "success":
            canonical = canonical_of(typed)
            lookup, seed = derive(canonical)
            receipt = keys.Receipt.parse(typed)
            if str(receipt) != canonical or receipt.lookup_key() != lookup or receipt.reporter_seed() != seed:
                raise SystemExit(f"{name}: keys/ disagrees with the independent derivation")
            public = base64.b64encode(receipt.reporter_key().public_key.raw).decode("ascii")
            lines += [f"canonical: {canonical}", f"lookup-key: {lookup.hex()}", f"reporter-seed: {seed.hex()}",
                      f"reporter-public-key: {public}"]
        else:
            try:
                keys.Receipt.parse(typed)
            except keys.ReceiptError:
                pass
            else:
                raise SystemExit(f"{name}: keys/ accepted a receipt it must refuse")
        lines.append(f"comment: {comment}")
        data = ("\n".join(lines) + "\n\n").encode("ascii") + typed.encode("utf-8")
        (out_dir / f"receipt_{name}").write_bytes(data)


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
