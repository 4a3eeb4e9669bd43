"""The onion key file: tor's format, exact modes, refusal of loose permissions."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from deploy import onionkey
from deploy.errors import KeyFileError, KeyPermissionError
from deploy.onionkey import OnionKey

# A key tor 0.4.9.11 generated (ADD_ONION NEW:ED25519-V3) and the ServiceID it answered.
TOR_KEY = "+IR1l3NWBO2nbsb7Za/s0Hvg/8p1XUj5i1gaPHtWQU/j9pQqlIUiIrTdzrE2Ydv4+zPe3mBiFoRH1qCFahnOXQ=="
TOR_ID = "khzkx5dpnkm5r43524mxzisysby5p4d6cibc2psfs447bywqhxy5pwyd"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_address_matches_the_one_tor_computed():
    key = OnionKey.from_expanded(base64.b64decode(TOR_KEY))
    assert key.service_id == TOR_ID
    assert key.hostname == TOR_ID + ".onion"
    assert key.add_onion_blob() == "ED25519-V3:" + TOR_KEY


def test_repr_never_shows_the_secret():
    key = OnionKey.from_expanded(base64.b64decode(TOR_KEY))
    assert repr(key) == f"OnionKey({TOR_ID}.onion)"


def test_generated_key_is_clamped_expanded_ed25519():
    key = OnionKey.generate()
    assert len(key.expanded) == 64
    assert key.expanded[0] & 7 == 0
    assert key.expanded[31] & 0xC0 == 0x40
    assert len(key.service_id) == 56 and key.service_id.endswith("d")


def test_save_writes_tor_format_with_exact_modes(tmp_path):
    service = tmp_path / "svc"
    key = OnionKey.generate()
    onionkey.save(service, key)
    secret = service / "hs_ed25519_secret_key"
    assert mode(service) == 0o700
    assert mode(secret) == 0o600
    assert mode(service / "hs_ed25519_public_key") == 0o600
    assert secret.read_bytes() == b"== ed25519v1-secret: type0 ==\x00\x00\x00" + key.expanded
    assert (service / "hs_ed25519_public_key").read_bytes() == (
        b"== ed25519v1-public: type0 ==\x00\x00\x00" + key.public_key
    )
    assert (service / "hostname").read_text() == key.hostname + "\n"
    assert sorted(p.name for p in service.iterdir()) == [
        "hostname", "hs_ed25519_public_key", "hs_ed25519_secret_key"]


def test_load_or_create_reuses_the_same_key(tmp_path):
    first, created = onionkey.load_or_create(tmp_path / "svc")
    again, created_again = onionkey.load_or_create(tmp_path / "svc")
    assert (created, created_again) == (True, False)
    assert again.service_id == first.service_id
    assert again.expanded == first.expanded


def test_save_never_overwrites_a_key(tmp_path):
    onionkey.save(tmp_path / "svc", OnionKey.generate())
    with pytest.raises(FileExistsError):
        onionkey.save(tmp_path / "svc", OnionKey.generate())


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o660, 0o644])
def test_loose_key_file_is_refused(tmp_path, loose):
    onionkey.save(tmp_path / "svc", OnionKey.generate())
    os.chmod(tmp_path / "svc" / "hs_ed25519_secret_key", loose)
    with pytest.raises(KeyPermissionError):
        onionkey.load(tmp_path / "svc")


def test_loose_service_directory_is_refused(tmp_path):
    onionkey.save(tmp_path / "svc", OnionKey.generate())
    os.chmod(tmp_path / "svc", 0o755)
    with pytest.raises(KeyPermissionError):
        onionkey.load(tmp_path / "svc")


def test_missing_or_malformed_key_is_a_key_file_error(tmp_path):
    with pytest.raises(KeyFileError):
        onionkey.load(tmp_path / "absent")
    onionkey.save(tmp_path / "svc", OnionKey.generate())
    secret = tmp_path / "svc" / "hs_ed25519_secret_key"
    secret.write_bytes(b"== ed25519v1-secret: type0 ==\x00\x00\x00" + b"\x00" * 10)
    with pytest.raises(KeyFileError):
        onionkey.load(tmp_path / "svc")


def test_wrong_key_length_is_refused():
    with pytest.raises(KeyFileError):
        OnionKey.from_expanded(b"\x01" * 32)
