"""Resguardo's crypto core: reviewer keys, fingerprints and the envelope v1.

Imports PyNaCl (libsodium) and the standard library only; no web framework,
database or network code may be imported here. docs/FORMAT.md is the
normative description of every byte this package writes.
"""

from .envelope import (
    EnvelopeReader,
    EnvelopeWriter,
    Header,
    check_structure,
    envelope_size,
    header_size,
    open_envelope,
    payload_chunks,
    read_header,
    seal,
)
from .errors import (
    HeaderError,
    KeyFileError,
    KeysError,
    LowOrderKeyError,
    NoMatchingKeyError,
    PayloadError,
    ReceiptError,
    RecipientMismatchError,
    SizeError,
    TrailingDataError,
    TruncatedError,
    UnsupportedVersionError,
    WeakParametersError,
    WrongPassphraseError,
)
from .fingerprint import Fingerprint
from .keyfile import (
    format_public_key,
    format_secret_key,
    is_private_mode,
    parse_public_key,
    parse_secret_key,
    read_public_key_file,
    read_secret_key_file,
    write_public_key_file,
    write_secret_key_file,
)
from .receipt import Receipt
from .reviewer import PublicKey, SecretKey
from .errors import ReturnSignatureError
from .signing import (
    SigningPublicKey,
    SigningSecretKey,
    read_signing_public_key_file,
    read_signing_secret_key_file,
    write_signing_public_key_file,
    write_signing_secret_key_file,
)

__all__ = [
    "EnvelopeReader",
    "EnvelopeWriter",
    "Fingerprint",
    "Header",
    "HeaderError",
    "KeyFileError",
    "KeysError",
    "LowOrderKeyError",
    "NoMatchingKeyError",
    "PayloadError",
    "PublicKey",
    "Receipt",
    "ReceiptError",
    "RecipientMismatchError",
    "SecretKey",
    "SizeError",
    "TrailingDataError",
    "TruncatedError",
    "UnsupportedVersionError",
    "WeakParametersError",
    "WrongPassphraseError",
    "check_structure",
    "envelope_size",
    "format_public_key",
    "format_secret_key",
    "header_size",
    "is_private_mode",
    "open_envelope",
    "parse_public_key",
    "parse_secret_key",
    "payload_chunks",
    "read_header",
    "read_public_key_file",
    "read_secret_key_file",
    "seal",
    "write_public_key_file",
    "write_secret_key_file",
]
__all__ += [
    "ReturnSignatureError",
    "SigningPublicKey",
    "SigningSecretKey",
    "read_signing_public_key_file",
    "read_signing_secret_key_file",
    "write_signing_public_key_file",
    "write_signing_secret_key_file",
]
