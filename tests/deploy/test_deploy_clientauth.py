"""Client authorization credentials: file format, modes, key halves that match."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from nacl.public import PrivateKey

from deploy import clientauth
from deploy.errors import ConfigError, KeyFileError

SERVICE_ID = "khzkx5dpnkm5r43524mxzisysby5p4d6cibc2psfs447bywqhxy5pwyd"


def b32decode(text: str) -> bytes:
    return base64.b32decode(text + "====")


def test_add_registers_public_half_and_returns_matching_secret(tmp_path):
    cred = clientauth.add_client(tmp_path, "ana-lawyer")
    path = tmp_path / "authorized_clients" / "ana-lawyer.auth"
    assert path.read_text() == f"descriptor:x25519:{cred.public_b32}\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(cred.public_b32) == 52 and len(cred.secret_b32) == 52
    derived = PrivateKey(b32decode(cred.secret_b32)).public_key
    assert bytes(derived) == b32decode(cred.public_b32)


def test_tor_browser_line_format(tmp_path):
    cred = clientauth.add_client(tmp_path, "ana")
    assert cred.tor_browser_line(SERVICE_ID) == f"{SERVICE_ID}:descriptor:x25519:{cred.secret_b32}"


def test_list_and_remove(tmp_path):
    first = clientauth.add_client(tmp_path, "b")
    second = clientauth.add_client(tmp_path, "a")
    assert clientauth.list_clients(tmp_path) == {"a": second.public_b32, "b": first.public_b32}
    clientauth.remove_client(tmp_path, "a")
    assert clientauth.list_clients(tmp_path) == {"b": first.public_b32}
    with pytest.raises(ConfigError):
        clientauth.remove_client(tmp_path, "a")


def test_duplicate_and_bad_names_are_refused(tmp_path):
    clientauth.add_client(tmp_path, "ana")
    with pytest.raises(ConfigError):
        clientauth.add_client(tmp_path, "ana")
    for bad in ["../x", "", "a b", "x" * 65]:
        with pytest.raises(ConfigError):
            clientauth.add_client(tmp_path, bad)


def test_garbled_auth_file_is_a_key_file_error(tmp_path):
    (tmp_path / "authorized_clients").mkdir()
    (tmp_path / "authorized_clients" / "x.auth").write_text("descriptor:x25519:short\n")
    with pytest.raises(KeyFileError):
        clientauth.list_clients(tmp_path)
