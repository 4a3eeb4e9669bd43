"""Several keys at ``review import`` (issue 11, item 5): each item opens with
whichever loaded key it names; what no loaded key opens is listed once with
the fingerprint it needs; a bundle for someone else gives one short summary
and one retry command, and nothing is copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import keys
from review import output
from review.cli import main

from review_bundles import make_manifest, make_submission, write_bundle

PASSPHRASE = "ladder quiet mango ferry olive sprint"


@pytest.fixture(scope="module")
def keyring(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("keyring")
    (directory / "pass").write_text(PASSPHRASE + "\n")
    ring = {}
    for name in ("ana", "beto"):
        secret = keys.SecretKey.generate(name)
        keys.write_secret_key_file(directory / f"{name}.secret-key", secret, PASSPHRASE)
        ring[name] = secret
    ring["dir"] = directory
    return ring


def _import(bundle: Path, ring: dict, out: Path, *names: str) -> int:
    args = ["import", str(bundle), "--out", str(out), "--passphrase-file", str(ring["dir"] / "pass")]
    for name in names:
        args += ["--key", str(ring["dir"] / f"{name}.secret-key")]
    return main(args)


def _cases(out: Path) -> list[str]:
    return sorted(name for name in os.listdir(out) if name[:1].isdigit())


def test_each_item_opens_with_whichever_loaded_key_fits(tmp_path, keyring, capsys, monkeypatch):
    ana, beto = keyring["ana"], keyring["beto"]
    carla = keys.SecretKey.generate("carla")
    subs = [make_submission([ana.public_key]), make_submission([beto.public_key]),
            make_submission([carla.public_key]), make_submission([carla.public_key])]
    bundle = write_bundle(tmp_path / "b.tar", make_manifest(subs, [ana.public_key, beto.public_key]), subs)
    unlocked = []
    real = keys.read_secret_key_file
    monkeypatch.setattr(keys, "read_secret_key_file", lambda *a: unlocked.append(a[0]) or real(*a))

    code = _import(bundle, keyring, tmp_path / "out", "ana", "beto")

    assert code == output.EXIT_ITEMS_FAILED
    assert len(unlocked) == 2  # Argon2id once per key, not per item
    assert _cases(tmp_path / "out") == sorted(f"2026-11-29_{s.id[:8]}" for s in subs[:2])
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if "needs key" in line] == [
        f"review: warning: needs key {carla.fingerprint.display()}: 2 submission(s): "
        f"2026-11-29_{subs[2].id[:8]}, 2026-11-29_{subs[3].id[:8]}"]
    assert not any(line.startswith("review: error:") for line in err)
    assert sum("review import" in line for line in err) == 1


def test_a_bundle_for_another_key_gives_one_summary_and_one_command(tmp_path, keyring, capsys):
    carla = keys.SecretKey.generate("carla")
    subs = [make_submission([carla.public_key]) for _ in range(40)]
    bundle = write_bundle(tmp_path / "b.tar", make_manifest(subs, [carla.public_key]), subs)

    code = _import(bundle, keyring, tmp_path / "out", "ana")

    assert code == output.EXIT_ITEMS_FAILED
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) <= 4, err
    assert err[0].startswith("review: warning: this bundle is not for the key you loaded")
    assert f"needs key {carla.fingerprint.display()}: 40 submission(s)" in err[1]
    assert err[1].endswith("and 30 more")
    assert err[2].startswith(f"review: hint: whoever holds that key imports them with: review import {bundle}")
    assert captured.out.splitlines()[:3] == ["imported: 0", "already imported: 0", "failed: 40"]
    out = tmp_path / "out"
    assert not (out / "_failed").exists()  # no copy of the bundle, per item or at all
    assert _cases(out) == []


def test_the_retry_command_with_both_keys_finishes_the_job(tmp_path, keyring, capsys):
    ana, beto = keyring["ana"], keyring["beto"]
    subs = [make_submission([ana.public_key]), make_submission([beto.public_key])]
    bundle = write_bundle(tmp_path / "b.tar", make_manifest(subs, [ana.public_key, beto.public_key]), subs)
    assert _import(bundle, keyring, tmp_path / "out", "ana") == output.EXIT_ITEMS_FAILED
    assert _import(bundle, keyring, tmp_path / "out", "ana", "beto") == output.EXIT_OK
    assert capsys.readouterr().out.splitlines()[-4:-1] == ["imported: 1", "already imported: 1", "failed: 0"]
    assert os.listdir(tmp_path / "out" / "_failed") == []
