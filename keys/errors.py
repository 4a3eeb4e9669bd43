"""Typed errors of the crypto core.

Every failure a caller must tell apart has its own class under one root,
:class:`KeysError`, in the manner of PyNaCl's ``nacl.exceptions``. Callers
(and tests) match on the type, never on the message text.
"""


class KeysError(Exception):
    """Root of every error raised by :mod:`keys`."""


class HeaderError(KeysError):
    """An envelope header is malformed: bad magic, bad lengths, short read."""


class UnsupportedVersionError(HeaderError):
    """An envelope or key file declares a format version this code does not read."""


class SizeError(HeaderError):
    """An envelope's length is not its header plus a Padmé-padded number of whole chunks."""


class RecipientMismatchError(HeaderError):
    """An envelope is not sealed to exactly the expected recipient keys."""


class LowOrderKeyError(KeysError):
    """A public key is a low-order X25519 point (the all-zero key, for one).

    Sealing to such a key gives a shared secret that does not depend on the
    sender's secret (libsodium refuses to compute it), so nothing sealed to
    it would be secret. Raised when the key is built, never later.
    """


class NoMatchingKeyError(KeysError):
    """None of the supplied secret keys opens any recipient stanza of an envelope."""


class PayloadError(KeysError):
    """The payload failed authentication or violates the chunk framing (tampered)."""


class TruncatedError(PayloadError):
    """The payload ended before its FINAL chunk: the envelope was cut short."""


class TrailingDataError(PayloadError):
    """Bytes follow the FINAL chunk: something was appended to the envelope."""


class KeyFileError(KeysError):
    """A public or secret key file is malformed, or its fingerprint line lies."""


class WrongPassphraseError(KeysError):
    """The passphrase does not unlock the secret key file."""


class WeakParametersError(KeyFileError):
    """A secret key file asks for Argon2id limits below the accepted minimum."""


class ReturnSignatureError(KeysError):
    """A return bundle's manifest signature does not verify with the reply-signing
    public key (forged, or the manifest was altered after signing)."""


class ReceiptError(KeysError):
    """A receipt is malformed: the wrong number of words, or a word not on the list."""


class UnknownStanzaError(HeaderError):
    """An envelope v2 stanza names a key type this code does not know."""


class StanzaLengthError(HeaderError):
    """An envelope v2 stanza's body is not the length its key type requires
    (e.g. an X-Wing KEM ciphertext of the wrong length)."""


class CommitmentError(HeaderError):
    """The content key a stanza gave does not match the header's key commitment:
    the envelope was made to open differently for different recipients."""


class SignatureError(PayloadError):
    """The payload is not the one the envelope's writer signed: it was
    re-encrypted or altered under the same header."""
