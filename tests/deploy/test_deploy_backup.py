"""resguardo-backup: an encrypted backup, a wiped machine, a restore: the same onion
address, and every report still exports and decrypts (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import text

import keys
from deploy import clientauth, onionkey
from deploy.backup import archive, install
from deploy.backup.cli import main as backup_main
from review.cli import main as review_main
from review.i18n import set_language
from tests.support.submit import csrf_token

BIN = Path(sys.executable).parent
PASSPHRASE = "ladder quiet mango ferry olive sprint"
NAME = re.compile(r"^resguardo-backup-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.backup$")


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """The commands speak English here unless a test asks for Spanish (their own default,
    with no --lang and a C locale, is Spanish, as review's is); the in-process language
    is English again afterwards."""
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    yield
    set_language("en")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def day_starts() -> set[int]:
    """Today's UTC midnight, and yesterday's too in the first 10 minutes after midnight
    (the command under test may have run just before the day turned)."""
    now = dt.datetime.now(dt.timezone.utc)
    days = {now.date(), (now - dt.timedelta(minutes=10)).date()}
    return {archive.day_start(day) for day in days}


def run(command: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / command), *args], env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def backup_key(tmp_path_factory):
    """The operator's backup keypair, made by ``resguardo-backup keygen``: (secret, public, passphrase file)."""
    directory = tmp_path_factory.mktemp("backup-key")
    (directory / "pass").write_text(PASSPHRASE + "\n")
    assert backup_main(["keygen", "--out", str(directory / "keys"), "--passphrase-file", str(directory / "pass")]) == 0
    secret, public = directory / "keys" / "backup.secret-key", directory / "keys" / "backup.public-key"
    assert mode(secret) == 0o600
    return secret, public, directory / "pass"


def _submit(app, description: str, files: list[tuple[str, bytes]]) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "description": description,
            "attachments": [(io.BytesIO(content), name) for name, content in files] or [(io.BytesIO(b""), "")]}
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 200


@pytest.fixture
def installation(app, env, backend, data_dir, tmp_path):
    """Two reports stored, an onion key with one authorized client; the environment for the commands."""
    _submit(app, "CANARY-BACKUP-ONE", [("a.jpg", b"A" * 70_000)])
    _submit(app, "CANARY-BACKUP-TWO", [])
    app.extensions["resguardo.engine"].dispose()
    onion = tmp_path / "onion-state"
    key, _ = onionkey.load_or_create(onion / "public")
    clientauth.add_client(onion / "public", "staff1")
    command_env = {**os.environ, **env, "RESGUARDO_ONION_STATE": str(onion),
                   "RESGUARDO_USER": "no-such-user-resguardo", "RESGUARDO_ONION_USER": "no-such-user-onion"}
    return {"env": command_env, "key": key, "data": data_dir, "onion": onion, "backend": backend}


def _wipe(inst) -> None:
    shutil.rmtree(inst["data"])
    shutil.rmtree(inst["onion"])
    if inst["backend"] == "postgresql":
        from intake import db

        engine = db.make_engine(inst["env"]["RESGUARDO_DATABASE_URL"])
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def _create(inst, backup_key, out: Path) -> Path:
    out.mkdir(exist_ok=True)
    extra = ["--pg-dump"] if inst["backend"] == "postgresql" else []
    made = run("resguardo-backup", "create", "--to", str(backup_key[1]), "--out", str(out), *extra, env=inst["env"])
    assert made.returncode == 0, made.stderr
    return Path(made.stdout.strip())


def _restore(inst, backup_key, backup: Path, *extra: str) -> subprocess.CompletedProcess:
    return run("resguardo-backup", "restore", str(backup), "--key", str(backup_key[0]),
               "--passphrase-file", str(backup_key[2]), *extra, env=inst["env"])


def _members(backup: Path, secret_file: Path) -> list[tarfile.TarInfo]:
    identity = keys.read_secret_key_file(secret_file, PASSPHRASE)
    with open(backup, "rb") as source:
        plain = b"".join(keys.EnvelopeReader(source, [identity]))
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
        return tar.getmembers()


def test_backup_wipe_restore_gives_the_same_address_and_every_report(installation, backup_key, reviewer, tmp_path):
    inst = installation
    secret_before = (inst["onion"] / "public" / "hs_ed25519_secret_key").read_bytes()
    app_secret = (inst["data"] / "secret_key").read_text().strip()
    reviewers_before = run("resguardo", "reviewer", "list", env=inst["env"]).stdout

    backup = _create(inst, backup_key, tmp_path / "out")
    assert backup.parent == tmp_path / "out" and NAME.match(backup.name)
    assert os.listdir(tmp_path / "out") == [backup.name]  # no temporary file left
    assert mode(backup) == 0o600
    assert os.stat(backup).st_mtime in day_starts()
    sealed = backup.read_bytes()
    assert sealed.startswith(b"RESGUARD")
    # envelope v2 to the X-Wing key keygen made: post-quantum protected, key-committing
    assert sealed[8] == 2
    assert keys.header_kinds(keys.read_header(io.BytesIO(sealed))) == ("xwing",)
    assert "type: xwing" in backup_key[1].read_text()
    for secret in (secret_before[32:], inst["key"].expanded, app_secret.encode(), b"SQLite format 3"):
        assert secret not in sealed

    members = _members(backup, backup_key[0])
    names = {member.name for member in members}
    assert {"resguardo-backup.json", "data/secret_key", "onion/public/hs_ed25519_secret_key",
            "onion/public/authorized_clients/staff1.auth"} <= names
    assert ("data/resguardo.db" in names) == (inst["backend"] == "sqlite")
    assert ("database/database.pgdump" in names) == (inst["backend"] == "postgresql")
    assert not any(name.endswith(("-wal", "-shm")) for name in names)
    [stamp] = {m.mtime for m in members}
    assert stamp in day_starts()
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(stamp, 0, 0, "", "")}
    assert {m.mode for m in members} == {0o600, 0o700}

    _wipe(inst)
    restored = _restore(inst, backup_key, backup)
    assert restored.returncode == 0, restored.stderr
    assert f"onion address: {inst['key'].hostname}" in restored.stdout.splitlines()

    service = inst["onion"] / "public"
    assert (service / "hs_ed25519_secret_key").read_bytes() == secret_before
    assert onionkey.load(service).hostname == inst["key"].hostname  # what the launcher publishes
    assert list(clientauth.list_clients(service)) == ["staff1"]
    assert mode(inst["onion"]) == mode(service) == mode(inst["data"]) == 0o700
    assert mode(service / "hs_ed25519_secret_key") == mode(inst["data"] / "secret_key") == 0o600
    assert os.stat(inst["data"] / "secret_key").st_mtime in day_starts()
    assert [p.name for p in inst["data"].parent.iterdir() if p.name.startswith(".")] == []  # no staging left

    assert run("resguardo", "reviewer", "list", env=inst["env"]).stdout == reviewers_before
    exported = run("resguardo", "export", "--out", str(tmp_path / "usb"), env=inst["env"])
    assert exported.returncode == 0, exported.stderr
    assert "2 submissions, 3 items" in exported.stdout
    bundle = next(line.split(": ", 1)[1] for line in exported.stdout.splitlines() if line.startswith("bundle: "))
    (tmp_path / "reviewer-pass").write_text(reviewer.passphrase + "\n")
    assert review_main(["import", bundle, "--key", str(reviewer.secret_file), "--out", str(tmp_path / "cases"),
                        "--passphrase-file", str(tmp_path / "reviewer-pass")]) == 0
    reports = [json.loads((case / "report.json").read_text(encoding="utf-8"))
               for case in (tmp_path / "cases").iterdir() if not case.name.startswith(("_", "."))]
    assert sorted(json.dumps(r, ensure_ascii=False).count("CANARY-BACKUP-") for r in reports) == [1, 1]
    assert {"CANARY-BACKUP-ONE", "CANARY-BACKUP-TWO"} == {
        canary for r in reports for canary in ("CANARY-BACKUP-ONE", "CANARY-BACKUP-TWO")
        if canary in json.dumps(r, ensure_ascii=False)}


def test_restore_refuses_a_non_empty_target_unless_forced(installation, backup_key, tmp_path):
    inst = installation
    backup = _create(inst, backup_key, tmp_path / "out")
    refused = _restore(inst, backup_key, backup)
    assert refused.returncode == 8
    assert refused.stderr.startswith("resguardo-backup: error: ") and len(refused.stderr.splitlines()) == 1
    (inst["data"] / "later.txt").write_text("kept aside")
    forced = _restore(inst, backup_key, backup, "--force")
    assert forced.returncode == 0, forced.stderr
    assert not (inst["data"] / "later.txt").exists()
    [kept] = [p for p in inst["data"].parent.iterdir() if p.name.startswith("data.replaced-")]
    assert (kept / "later.txt").read_text() == "kept aside"


@pytest.mark.parametrize("damage", ["flip", "cut", "append"])
def test_a_damaged_backup_restores_nothing(installation, backup_key, tmp_path, damage):
    inst = installation
    backup = _create(inst, backup_key, tmp_path / "out")
    raw = bytearray(backup.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 1
    elif damage == "cut":
        del raw[-70_000:]
    else:
        raw += b"\x00" * 16
    backup.write_bytes(bytes(raw))
    _wipe(inst)
    result = _restore(inst, backup_key, backup)
    assert result.returncode == 5, result.stderr
    assert result.stderr.startswith("resguardo-backup: error: ") and len(result.stderr.splitlines()) == 1
    assert not inst["data"].exists() and not inst["onion"].exists()
    assert [p.name for p in inst["data"].parent.iterdir() if p.name.startswith(".")] == []


def test_wrong_key_or_passphrase_restores_nothing(installation, backup_key, tmp_path):
    inst = installation
    backup = _create(inst, backup_key, tmp_path / "out")
    _wipe(inst)
    other = tmp_path / "other"
    (tmp_path / "pass").write_text("quartz meadow lantern fiddle orbit cactus\n")
    assert backup_main(["keygen", "--out", str(other), "--passphrase-file", str(tmp_path / "pass")]) == 0
    wrong_key = run("resguardo-backup", "restore", str(backup), "--key", str(other / "backup.secret-key"),
                    "--passphrase-file", str(tmp_path / "pass"), env=inst["env"])
    assert wrong_key.returncode == 5, wrong_key.stderr
    wrong_passphrase = run("resguardo-backup", "restore", str(backup), "--key", str(backup_key[0]),
                           "--passphrase-file", str(tmp_path / "pass"), env=inst["env"])
    assert wrong_passphrase.returncode == 4, wrong_passphrase.stderr
    assert not inst["data"].exists() and not inst["onion"].exists()


def test_keygen_refuses_a_weak_passphrase(tmp_path, capsys):
    (tmp_path / "pass").write_text("password12345678\n")
    assert backup_main(["keygen", "--out", str(tmp_path / "k"), "--passphrase-file", str(tmp_path / "pass")]) == 4
    assert not (tmp_path / "k").exists()
    assert "too easy to guess" in capsys.readouterr().err


WEAK = {
    "en": "resguardo-backup: error: this passphrase is too easy to guess (this is similar to a commonly used password); "
          "use six or more random words chosen with dice\n",
    "es": "resguardo-backup: error: esta frase de contraseña es demasiado fácil de adivinar (se parece a una contraseña "
          "de uso común); use seis o más palabras al azar elegidas con dados\n",
}


def test_keygen_speaks_spanish_or_english_as_review_chooses(tmp_path, monkeypatch):
    """--lang, else LC_ALL / LC_MESSAGES / LANG, else Spanish; zxcvbn's warning translated too."""
    (tmp_path / "pass").write_text("password12345678\n")
    keygen = ["keygen", "--out", str(tmp_path / "k"), "--passphrase-file", str(tmp_path / "pass")]
    environments = [("en", {"LC_ALL": "en_US.UTF-8"}, []), ("es", {"LC_ALL": "en_US.UTF-8"}, ["--lang", "es"]),
                    ("es", {"LANG": "es_PE.UTF-8"}, []), ("en", {"LANG": "es_PE.UTF-8"}, ["--lang", "en"]),
                    ("es", {"LANG": "C.UTF-8"}, []), ("es", {}, [])]
    base = {name: value for name, value in os.environ.items() if not name.startswith(("LC_", "LANG"))}
    for language, variables, flag in environments:
        result = subprocess.run([str(BIN / "resguardo-backup"), *keygen, *flag], env={**base, **variables},
                                capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
        assert (result.returncode, result.stderr) == (4, WEAK[language]), (variables, flag)
    assert not (tmp_path / "k").exists()


def test_setup_problems_exit_8_and_a_wrong_command_line_2(tmp_path, backup_key):
    """A machine to fix first (8) is told apart from a command typed wrongly (argparse's 2)."""
    (tmp_path / "out").mkdir()
    env = {**os.environ, "LANG": "es_PE.UTF-8"}
    env.pop("LC_ALL")
    missing = run("resguardo-backup", "create", "--to", str(backup_key[1]), "--out", str(tmp_path / "out"),
                  "--data-dir", str(tmp_path / "no-data"), env=env)
    assert (missing.returncode, missing.stderr) == (
        8, f"resguardo-backup: error: no hay directorio de datos en {tmp_path / 'no-data'} (defina RESGUARDO_DATA_DIR)\n")
    english = run("resguardo-backup", "create", "--to", str(backup_key[1]), "--out", str(tmp_path / "out"),
                  "--data-dir", str(tmp_path / "no-data"), "--lang", "en", env=env)
    assert (english.returncode, english.stderr) == (
        8, f"resguardo-backup: error: no data directory at {tmp_path / 'no-data'} (set RESGUARDO_DATA_DIR)\n")
    typo = run("resguardo-backup", "create", "--too", "x", env=env)
    assert typo.returncode == 2 and typo.stderr.splitlines()[-1].startswith("resguardo-backup create: error: ")
    usage = run("resguardo-backup", "--help", env=env)
    assert usage.returncode == 0
    assert "8 algo que arreglar antes" in usage.stdout and "2 el comando se escribió mal" in usage.stdout


def test_create_needs_a_usable_backup_public_key(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "out").mkdir()
    assert backup_main(["create", "--to", str(tmp_path / "missing.public-key"), "--out", str(tmp_path / "out"),
                        "--data-dir", str(data)]) == 3
    zero = tmp_path / "zero.public-key"
    zero.write_text("resguardo-public-key: 1\npublic-key: " + "A" * 43 + "=\n")
    assert backup_main(["create", "--to", str(zero), "--out", str(tmp_path / "out"), "--data-dir", str(data)]) == 3
    assert "low-order" in capsys.readouterr().err
    assert os.listdir(tmp_path / "out") == []


def test_postgresql_needs_an_explicit_choice(tmp_path, backup_key, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "out").mkdir()
    monkeypatch.setenv("RESGUARDO_DATABASE_URL", "postgresql+psycopg://resguardo@/resguardo")
    assert backup_main(["create", "--to", str(backup_key[1]), "--out", str(tmp_path / "out"),
                        "--data-dir", str(tmp_path / "data"), "--onion-state", str(tmp_path / "none")]) == 8
    assert backup_main(["create", "--to", str(backup_key[1]), "--out", str(tmp_path / "out"), "--no-database",
                        "--data-dir", str(tmp_path / "data"), "--onion-state", str(tmp_path / "none")]) == 0
    [made] = os.listdir(tmp_path / "out")
    assert "resguardo-backup.json" in {m.name for m in _members(tmp_path / "out" / made, backup_key[0])}


def test_memory_stays_flat_whatever_the_size(tmp_path):
    """48 MiB of blobs through create and restore: Python's peak allocation stays under 4 MiB."""
    data = tmp_path / "data"
    (data / "blobs").mkdir(parents=True)
    sqlite3.connect(data / "resguardo.db").close()
    with open(data / "blobs" / "big", "wb") as handle:
        for _ in range(48):
            handle.write(os.urandom(1024 * 1024))
    inst = install.Installation(data, tmp_path / "no-onion", f"sqlite:///{data / 'resguardo.db'}",
                                "no-such-user-resguardo", "no-such-user-onion")
    identity = keys.SecretKey.generate()
    (tmp_path / "out").mkdir()
    tracemalloc.start()
    try:
        backup = install.create(inst, [identity.public_key], tmp_path / "out")
        _, create_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        target = install.Installation(tmp_path / "restored", tmp_path / "restored-onion", inst.database_url,
                                      inst.app_user, inst.onion_user)
        install.restore(target, backup, [identity])
        _, restore_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "restored" / "blobs" / "big").stat().st_size == 48 * 1024 * 1024
    assert create_peak < 4 * 1024 * 1024 and restore_peak < 4 * 1024 * 1024, (create_peak, restore_peak)


def test_an_x25519_backup_key_and_a_v1_backup_made_before_the_upgrade_still_restore(tmp_path):
    """An operator's older X25519 backup key still seals (a v2 envelope with an X25519
    stanza), and a backup file written before envelope v2 (v1) still restores."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text("app-secret-CANARY\n")
    sqlite3.connect(data / "resguardo.db").close()
    inst = install.Installation(data, tmp_path / "no-onion", f"sqlite:///{data / 'resguardo.db'}",
                                "no-such-user-resguardo", "no-such-user-onion")
    old_key = keys.SecretKey.generate("old backup key")
    (tmp_path / "new").mkdir()
    made = install.create(inst, [old_key.public_key], tmp_path / "new")
    sealed = made.read_bytes()
    assert sealed[8] == 2 and keys.header_kinds(keys.read_header(io.BytesIO(sealed))) == ("x25519",)

    # a v1 backup: the same sealed tar layout, in a v1 envelope (what 'create' wrote before)
    v1 = tmp_path / "v1.resguardo-backup"
    with open(v1, "wb") as sink:
        envelope = keys.EnvelopeWriter([old_key.public_key], sink)
        with tarfile.open(fileobj=envelope, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            manifest = archive.Manifest(dt.date(2026, 11, 30), "sqlite").to_bytes()
            info = tarfile.TarInfo(archive.MANIFEST)
            info.size = len(manifest)
            tar.addfile(info, io.BytesIO(manifest))
            secret = b"app-secret-CANARY\n"
            info = tarfile.TarInfo("data/secret_key")
            info.size = len(secret)
            tar.addfile(info, io.BytesIO(secret))
        envelope.close()
    assert v1.read_bytes()[8] == 1
    for backup, target in ((made, "restored-v2"), (v1, "restored-v1")):
        restored = install.Installation(tmp_path / target, tmp_path / (target + "-onion"), inst.database_url,
                                        inst.app_user, inst.onion_user)
        install.restore(restored, backup, [old_key])
        assert (tmp_path / target / "secret_key").read_text() == "app-secret-CANARY\n"
