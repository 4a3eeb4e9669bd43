"""backup.sh / restore.sh round trip on a real data directory made by ``resguardo``."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from deploy import clientauth, onionkey

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def resguardo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("resguardo")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "intake.cli"]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True, check=True)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def installation(tmp_path, reviewer):
    """A data dir with a reviewer and a blob, and an onion state dir with one client."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RESGUARDO_DATA_DIR": str(tmp_path / "data"),
           "RESGUARDO_ONION_STATE": str(tmp_path / "onion-state"), "RESGUARDO_PYTHON": sys.executable,
           "RESGUARDO_USER": "no-such-user-resguardo", "RESGUARDO_ONION_USER": "no-such-user-onion"}
    env.pop("RESGUARDO_DATABASE_URL", None)
    resguardo("init", env=env)
    resguardo("reviewer", "add", str(reviewer.public_file), env=env)
    blob = tmp_path / "data" / "blobs" / "ab" / "ab12"
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"RGENV ciphertext \x00\x01")
    key, _ = onionkey.load_or_create(tmp_path / "onion-state" / "public")
    clientauth.add_client(tmp_path / "onion-state" / "public", "staff1")
    return env, key


def test_backup_then_restore_gives_back_everything(tmp_path, installation):
    env, key = installation
    (tmp_path / "out").mkdir()
    made = subprocess.run(["sh", str(DEPLOY / "backup.sh"), str(tmp_path / "out")], env=env,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip())
    assert archive.parent == tmp_path / "out" and mode(archive) == 0o600
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == [
            "resguardo-backup", "resguardo-backup/SHA256SUMS", "resguardo-backup/data.tar",
            "resguardo-backup/onion.tar", "resguardo-backup/resguardo.db"]
    reviewers_before = resguardo("reviewer", "list", env=env).stdout

    shutil.rmtree(tmp_path / "data")
    shutil.rmtree(tmp_path / "onion-state")
    restored = subprocess.run(["sh", str(DEPLOY / "restore.sh"), str(archive)], env=env,
                              capture_output=True, text=True)
    assert restored.returncode == 0, restored.stderr

    assert resguardo("reviewer", "list", env=env).stdout == reviewers_before
    assert (tmp_path / "data" / "blobs" / "ab" / "ab12").read_bytes() == b"RGENV ciphertext \x00\x01"
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "secret_key") == 0o600
    service = tmp_path / "onion-state" / "public"
    assert onionkey.load(service).service_id == key.service_id
    assert mode(service / "hs_ed25519_secret_key") == 0o600
    assert list(clientauth.list_clients(service)) == ["staff1"]


def test_restore_refuses_to_overwrite_and_detects_damage(tmp_path, installation):
    env, _ = installation
    (tmp_path / "out").mkdir()
    archive = Path(subprocess.run(["sh", str(DEPLOY / "backup.sh"), str(tmp_path / "out")], env=env,
                                  capture_output=True, text=True, check=True).stdout.strip())
    refused = subprocess.run(["sh", str(DEPLOY / "restore.sh"), str(archive)], env=env,
                             capture_output=True, text=True)
    assert refused.returncode == 1
    assert refused.stderr.startswith("restore: error: ")

    work = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="tar")
    (work / "resguardo-backup" / "resguardo.db").write_bytes(b"tampered")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        tar.add(work / "resguardo-backup", arcname="resguardo-backup")
    result = subprocess.run(["sh", str(DEPLOY / "restore.sh"), str(damaged), "--force"], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "SHA256SUMS" in result.stderr
