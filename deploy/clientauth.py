"""v3 onion client authorization (x25519) for services that are not the public site.

Only clients holding an authorized x25519 secret key can decrypt the service's
descriptor, so the address alone reveals nothing (rend-spec-v3 §2.5.1.2 and
tor's manual, "CLIENT AUTHORIZATION"). The public submission site never uses
it; a staff-only service (e.g. a staging copy) should.

Files, inside the service directory (same layout tor uses for a
``HiddenServiceDir``)::

    authorized_clients/<name>.auth      descriptor:x25519:<BASE32 PUBLIC KEY>

The secret half is generated here, printed once as the line a reviewer pastes
into Tor Browser (``<service id>:descriptor:x25519:<BASE32 SECRET KEY>``, the
format of tor's ``ClientOnionAuthDir`` ``*.auth_private`` files) and never stored.
Keys are 32 bytes, written as RFC 4648 base32 without padding (52 characters).
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey

from deploy.errors import ConfigError, KeyFileError

CLIENTS_DIR = "authorized_clients"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LINE_RE = re.compile(r"^descriptor:x25519:([A-Z2-7]{52})$")


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class ClientCredential:
    """A freshly generated client keypair, as base32 strings (52 chars each)."""

    name: str
    public_b32: str
    secret_b32: str

    def tor_browser_line(self, service_id: str) -> str:
        """``<service id>:descriptor:x25519:<secret>`` for Tor Browser or ClientOnionAuthDir."""
        return f"{service_id}:descriptor:x25519:{self.secret_b32}"


def _check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise ConfigError(
            f"client name {name!r} is not allowed: use 1-64 letters, digits, '-' or '_'"
        )


def add_client(service_dir: Path, name: str) -> ClientCredential:
    """Generate an x25519 keypair, register its public half as ``<name>.auth``.

    Returns the credential (the caller prints the secret once). Raises
    ConfigError for a bad or already used name.
    """
    _check_name(name)
    clients = service_dir / CLIENTS_DIR
    clients.mkdir(mode=0o700, exist_ok=True)
    path = clients / f"{name}.auth"
    secret = PrivateKey.generate()
    cred = ClientCredential(name, _b32(bytes(secret.public_key)), _b32(bytes(secret)))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"a client named {name!r} already exists ({path})") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"descriptor:x25519:{cred.public_b32}\n")
    return cred


def remove_client(service_dir: Path, name: str) -> None:
    """Delete ``<name>.auth``; raises ConfigError if there is no such client."""
    _check_name(name)
    path = service_dir / CLIENTS_DIR / f"{name}.auth"
    if not path.exists():
        raise ConfigError(f"no client named {name!r} in {path.parent}")
    path.unlink()


def list_clients(service_dir: Path) -> dict[str, str]:
    """``{name: base32 public key}`` of every registered client, sorted by name.

    Raises KeyFileError if a ``.auth`` file is not one ``descriptor:x25519:`` line.
    """
    clients = service_dir / CLIENTS_DIR
    if not clients.is_dir():
        return {}
    result: dict[str, str] = {}
    for path in sorted(clients.glob("*.auth")):
        match = LINE_RE.match(path.read_text(encoding="ascii").strip())
        if not match:
            raise KeyFileError(f"{path} is not a 'descriptor:x25519:<key>' line")
        result[path.stem] = match.group(1)
    return result
