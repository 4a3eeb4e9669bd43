"""The persistent v3 onion service key, stored the way tor itself stores it.

A service directory (e.g. ``/var/lib/resguardo-onion/public``, mode 0700,
owned by the launcher's user, never by the web app's user) holds:

``hs_ed25519_secret_key``
    tor's own format: the 32-byte header ``== ed25519v1-secret: type0 ==``
    padded with NULs, then the 64-byte *expanded* Ed25519 secret key
    (clamped scalar ``a`` || ``prefix``, as in RFC 8032 section 5.1.5). Mode
    0600. The same file works as a ``HiddenServiceDir`` key or an Onionbalance
    frontend key, so the address can move between setups.
``hs_ed25519_public_key``
    header ``== ed25519v1-public: type0 ==`` then the 32-byte public key.
``hostname``
    ``<56 base32 chars>.onion`` and a newline.

The address is derived here (rend-spec-v3 section 6 "Encoding onion
addresses": ``base32(PUBKEY || CHECKSUM || VERSION)``, ``CHECKSUM =
SHA3-256(".onion checksum" || PUBKEY || VERSION)[:2]``, ``VERSION = 0x03``),
so the launcher knows its address before tor answers and can check tor's.
Keys are generated locally and written 0600 before tor ever sees them.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from nacl.bindings import crypto_scalarmult_ed25519_base_noclamp

from deploy.errors import KeyFileError, KeyPermissionError

SECRET_KEY_FILE = "hs_ed25519_secret_key"
PUBLIC_KEY_FILE = "hs_ed25519_public_key"
HOSTNAME_FILE = "hostname"
SECRET_HEADER = b"== ed25519v1-secret: type0 ==\x00\x00\x00"
PUBLIC_HEADER = b"== ed25519v1-public: type0 ==\x00\x00\x00"
EXPANDED_KEY_SIZE = 64
KEY_FILE_MODE = 0o600
DIR_MODE = 0o700


def onion_address(public_key: bytes) -> str:
    """The v3 service id (56 lower-case base32 chars, no ``.onion``) of a 32-byte key.

    Raises ValueError if ``public_key`` is not 32 bytes. Source: rend-spec-v3 §6.
    """
    if len(public_key) != 32:
        raise ValueError("an ed25519 public key is 32 bytes")
    version = b"\x03"
    checksum = hashlib.sha3_256(b".onion checksum" + public_key + version).digest()[:2]
    return base64.b32encode(public_key + checksum + version).decode("ascii").lower()


def _expand_seed(seed: bytes) -> bytes:
    """RFC 8032 §5.1.5: SHA-512 of the 32-byte seed, first half clamped (64 bytes)."""
    digest = bytearray(hashlib.sha512(seed).digest())
    digest[0] &= 248
    digest[31] &= 127
    digest[31] |= 64
    return bytes(digest)


@dataclass(frozen=True)
class OnionKey:
    """An expanded Ed25519 secret key (64 bytes) and the onion address it serves.

    Build with :meth:`generate` or :meth:`from_expanded`; persist with
    :func:`load_or_create` / :func:`load`. ``repr`` never shows the secret.
    """

    expanded: bytes

    def __post_init__(self) -> None:
        if len(self.expanded) != EXPANDED_KEY_SIZE:
            raise KeyFileError("an onion secret key is 64 bytes (expanded ed25519)")

    def __repr__(self) -> str:
        return f"OnionKey({self.service_id}.onion)"

    @classmethod
    def generate(cls) -> "OnionKey":
        """A fresh key from 32 bytes of ``os.urandom``."""
        return cls(_expand_seed(os.urandom(32)))

    @classmethod
    def from_expanded(cls, expanded: bytes) -> "OnionKey":
        """Wrap a 64-byte expanded key (e.g. the base64 tor's ADD_ONION returns)."""
        return cls(bytes(expanded))

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key ``a·B`` (libsodium, scalar not re-clamped)."""
        return crypto_scalarmult_ed25519_base_noclamp(self.expanded[:32])

    @property
    def service_id(self) -> str:
        """56-char v3 service id, without ``.onion``."""
        return onion_address(self.public_key)

    @property
    def hostname(self) -> str:
        """``<service_id>.onion``."""
        return self.service_id + ".onion"

    def add_onion_blob(self) -> str:
        """The key argument of tor's ADD_ONION: ``ED25519-V3:<base64 of 64 bytes>``."""
        return "ED25519-V3:" + base64.b64encode(self.expanded).decode("ascii")


def check_private(path: Path, expected_mode: int) -> None:
    """Refuse ``path`` unless we own it and nobody else can read or write it.

    ``expected_mode`` is the mode bits the launcher creates (0o600 for files,
    0o700 for the directory); any group/other bit is refused, as tor refuses a
    loose HiddenServiceDir. Raises KeyPermissionError naming the path and mode.
    """
    st = path.stat()
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid != os.geteuid():
        raise KeyPermissionError(
            f"{path} belongs to uid {st.st_uid}, not to this user (uid {os.geteuid()}); "
            "run the launcher as the user that owns the onion key"
        )
    if mode & 0o077:
        raise KeyPermissionError(
            f"{path} has mode {mode:04o}: others could read the onion key; "
            f"run: chmod {expected_mode:04o} {path}"
        )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` atomically; never overwrite an existing file."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails with FileExistsError rather than clobbering a key
    finally:
        tmp.unlink(missing_ok=True)


def _create_dir(service_dir: Path) -> None:
    """Create ``service_dir`` 0700 if absent; an existing one keeps its mode (checked later)."""
    if not service_dir.exists():
        service_dir.mkdir(mode=DIR_MODE, parents=True)
        os.chmod(service_dir, DIR_MODE)  # mkdir's mode is filtered by the umask


def save(service_dir: Path, key: OnionKey) -> None:
    """Write a new key into ``service_dir`` (created 0700): secret 0600, public, hostname.

    Raises FileExistsError if a secret key is already there (keys are never replaced).
    """
    _create_dir(service_dir)
    check_private(service_dir, DIR_MODE)
    _write_new(service_dir / SECRET_KEY_FILE, SECRET_HEADER + key.expanded, KEY_FILE_MODE)
    _write_new(service_dir / PUBLIC_KEY_FILE, PUBLIC_HEADER + key.public_key, KEY_FILE_MODE)
    _write_new(service_dir / HOSTNAME_FILE, (key.hostname + "\n").encode("ascii"), 0o644)


def load(service_dir: Path) -> OnionKey:
    """Read the key of ``service_dir`` after checking ownership and permissions.

    Raises KeyFileError if it is absent or malformed, KeyPermissionError if the
    directory or the key file is open to group/others or owned by someone else.
    """
    path = service_dir / SECRET_KEY_FILE
    if not path.is_file():
        raise KeyFileError(f"no onion key at {path}; run 'resguardo-onion init' first")
    check_private(service_dir, DIR_MODE)
    check_private(path, KEY_FILE_MODE)
    try:
        raw = path.read_bytes()
    except PermissionError as exc:
        raise KeyPermissionError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) != len(SECRET_HEADER) + EXPANDED_KEY_SIZE or not raw.startswith(SECRET_HEADER):
        raise KeyFileError(f"{path} is not a tor v3 onion secret key (hs_ed25519_secret_key)")
    return OnionKey.from_expanded(raw[len(SECRET_HEADER):])


def load_or_create(service_dir: Path) -> tuple[OnionKey, bool]:
    """The key of ``service_dir``, generating and saving one if there is none.

    Returns ``(key, created)``. Errors as :func:`load` and :func:`save`.
    """
    if (service_dir / SECRET_KEY_FILE).exists():
        return load(service_dir), False
    key = OnionKey.generate()
    save(service_dir, key)
    return key, True
