"""Resguardo's crypto core: reviewer keys (X25519 and X-Wing), fingerprints, envelopes v1 and v2.

Imports PyNaCl (libsodium), ``cryptography`` (ML-KEM-768 only) and the
standard library only; no web framework,
database or network code may be imported here. docs/FORMAT.md is the
normative description of every byte this package writes.
"""

from .envelope import (
    EnvelopeWriter,
    Header,
    envelope_size,
    header_size,
    payload_chunks,
    seal,
)
from .envelope2 import EnvelopeWriterV2, HeaderV2, seal_v2
from .envelope2 import envelope_size as envelope_size_v2
from .envelope2 import header_size as header_size_v2
from .envelope2 import payload_chunks as payload_chunks_v2
from .envelope2 import payload_layout as payload_layout_v2
from .errors import (
    CommitmentError,
    HeaderError,
    KeyFileError,
    KeysError,
    LowOrderKeyError,
    NoMatchingKeyError,
    PayloadError,
    ReceiptError,
    RecipientMismatchError,
    SignatureError,
    SizeError,
    StanzaLengthError,
    TrailingDataError,
    TruncatedError,
    UnknownStanzaError,
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
    public_key_from_bytes,
    read_public_key_file,
    read_secret_key_file,
    write_public_key_file,
    write_secret_key_file,
)
from .opening import EnvelopeReader, check_structure, header_kinds, open_envelope, read_header
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
from .xwing import XWingPublicKey, XWingSecretKey

__all__ = [
    "CommitmentError",
    "EnvelopeReader",
    "EnvelopeWriter",
    "EnvelopeWriterV2",
    "Fingerprint",
    "Header",
    "HeaderError",
    "HeaderV2",
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
    "SignatureError",
    "SizeError",
    "StanzaLengthError",
    "TrailingDataError",
    "TruncatedError",
    "UnknownStanzaError",
    "UnsupportedVersionError",
    "WeakParametersError",
    "WrongPassphraseError",
    "XWingPublicKey",
    "XWingSecretKey",
    "check_structure",
    "envelope_size",
    "envelope_size_v2",
    "format_public_key",
    "format_secret_key",
    "header_kinds",
    "header_size",
    "header_size_v2",
    "is_private_mode",
    "open_envelope",
    "parse_public_key",
    "parse_secret_key",
    "public_key_from_bytes",
    "payload_chunks",
    "payload_chunks_v2",
    "read_header",
    "read_public_key_file",
    "read_secret_key_file",
    "seal",
    "seal_v2",
    "payload_layout_v2",
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
