"""The ``review`` command: exit codes, files, output rules. Key files cost ~0.5 s each
(Argon2id), so one is made per module."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

import pytest

import keys
from review import errors, output
from review.cli import main
from review.listing import list_cases
from review.output import explain
from review.passphrase import TEST_SWITCH
from review.render import LABELS

from review_bundles import make_manifest, make_submission, regular, write_bundle

PASSPHRASE = "ladder quiet mango ferry olive sprint"


@pytest.fixture(scope="module")
def keydir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    (directory / "pass").write_text(PASSPHRASE + "\n")
    (directory / "wrong").write_text("not the passphrase at all\n")
    assert main(["keygen", "--out", str(directory), "--name", "Ana Quispe",
                 "--passphrase-file", str(directory / "pass")]) == 0
    return directory


@pytest.fixture(scope="module")
def public_key(keydir) -> keys.PublicKey:
    return keys.read_public_key_file(keydir / "Ana Quispe.public-key")


def _import(bundle: Path, keydir: Path, out: Path, passfile: str = "pass", *extra: str) -> int:
    return main(["import", str(bundle), "--key", str(keydir / "Ana Quispe.secret-key"),
                 "--out", str(out), "--passphrase-file", str(keydir / passfile), *extra])


def test_keygen_writes_both_files_and_prints_the_fingerprint(keydir, public_key, capsys):
    secret = keydir / "Ana Quispe.secret-key"
    assert keys.is_private_mode(secret)
    assert public_key.name == "Ana Quispe"
    directory = keydir / "again"
    assert main(["keygen", "--out", str(directory), "--passphrase-file", str(keydir / "pass")]) == 0
    captured = capsys.readouterr()
    made = keys.read_public_key_file(directory / "reviewer.public-key")
    assert f"fingerprint: {made.fingerprint.display()}" in captured.out.splitlines()
    assert sorted(os.listdir(directory)) == ["reviewer.public-key", "reviewer.secret-key"]
    assert all(line.startswith("review: ") for line in captured.err.splitlines())
    assert isinstance(made, keys.XWingPublicKey)  # X-Wing by default


def test_keygen_x25519_option_and_both_kinds_import(keydir, tmp_path, capsys):
    """--x25519 makes an older key; a v1 bundle sealed before the upgrade, and a
    v2 bundle sealed to a mixed set, both import."""
    directory = tmp_path / "old"
    assert main(["keygen", "--out", str(directory), "--x25519",
                 "--passphrase-file", str(keydir / "pass")]) == 0
    assert "key type:    X25519" in capsys.readouterr().out
    old = keys.read_public_key_file(directory / "reviewer.public-key")
    assert isinstance(old, keys.PublicKey)
    from review_bundles import make_manifest, make_submission, write_bundle  # noqa: F811

    new = keys.read_public_key_file(keydir / "Ana Quispe.public-key")
    before = make_submission([old], attachments=[("a.txt", b"before the upgrade")])
    assert next(iter(before.envelopes.values()))[8] == 1  # a v1 envelope
    v1_bundle = write_bundle(tmp_path / "v1.tar", make_manifest([before], [old]), [before])
    assert main(["import", str(v1_bundle), "--key", str(directory / "reviewer.secret-key"),
                 "--out", str(tmp_path / "cases-v1"), "--passphrase-file", str(keydir / "pass")]) == 0
    assert [p.read_bytes() for p in (tmp_path / "cases-v1").rglob("a.txt")] == [b"before the upgrade"]
    mixed = make_submission([new, old], attachments=[("b.txt", b"mixed set")])
    assert next(iter(mixed.envelopes.values()))[8] == 2
    v2_bundle = write_bundle(tmp_path / "v2.tar", make_manifest([mixed], [new, old]), [mixed])
    for secret_file, out in ((keydir / "Ana Quispe.secret-key", "cases-a"), (directory / "reviewer.secret-key", "cases-b")):
        assert main(["import", str(v2_bundle), "--key", str(secret_file), "--out", str(tmp_path / out),
                     "--passphrase-file", str(keydir / "pass")]) == 0
        assert [p.read_bytes() for p in (tmp_path / out).rglob("b.txt")] == [b"mixed set"]


def test_keygen_refuses_short_passphrase(tmp_path, monkeypatch):
    monkeypatch.setenv("RESGUARDO_PASSPHRASE", "short")
    monkeypatch.setenv(TEST_SWITCH, "1")
    assert main(["keygen", "--out", str(tmp_path / "k")]) == output.EXIT_PASSPHRASE_REJECTED
    assert not (tmp_path / "k").exists()


def test_keygen_refuses_mismatched_passphrases(tmp_path, monkeypatch):
    monkeypatch.delenv("RESGUARDO_PASSPHRASE", raising=False)
    answers = iter([PASSPHRASE, PASSPHRASE + "x"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert main(["keygen", "--out", str(tmp_path / "k")]) == output.EXIT_PASSPHRASE_REJECTED
    assert not (tmp_path / "k").exists()


def test_keygen_never_overwrites(keydir):
    assert main(["keygen", "--out", str(keydir), "--name", "Ana Quispe",
                 "--passphrase-file", str(keydir / "pass")]) == output.EXIT_FILES


def test_import_then_reimport(tmp_path, keydir, public_key, capsys):
    sub = make_submission([public_key], attachments=[("foto.jpg", b"\xff\xd8 jpeg")])
    bundle = write_bundle(tmp_path / "b.tar", make_manifest([sub], [public_key]), [sub])
    assert _import(bundle, keydir, tmp_path / "out", "pass", "--lang", "en") == output.EXIT_OK
    first = capsys.readouterr().out.splitlines()
    assert first[:3] == ["imported: 1", "already imported: 0", "failed: 0"]
    case = tmp_path / "out" / f"2026-11-29_{sub.id[:8]}"
    assert (case / "report.txt").read_text("utf-8").splitlines()[0] == LABELS["en"]["title"]
    assert (case / "attachments" / "foto.jpg").read_bytes() == b"\xff\xd8 jpeg"

    assert _import(bundle, keydir, tmp_path / "out") == output.EXIT_OK
    assert capsys.readouterr().out.splitlines()[:3] == ["imported: 0", "already imported: 1", "failed: 0"]

    assert main(["list", str(tmp_path / "out")]) == 0
    assert sub.id[:8] in capsys.readouterr().out
    assert main(["list", str(tmp_path / "out"), "--search", "zzz-nada-coincide", "--lang", "es"]) == 0
    assert capsys.readouterr() == ("", "review: ningún caso coincide\n")  # no column header over nothing
    (tmp_path / "empty").mkdir()
    assert main(["list", str(tmp_path / "empty"), "--lang", "en"]) == 0
    assert capsys.readouterr() == ("", "review: no cases yet\n")
    cases, broken, failed = list_cases(tmp_path / "out")
    assert [(c.folder, c.date, c.submission_id, c.incident_types, c.region, c.attachments)
            for c in cases] == [(case.name, "2026-11-29", sub.id,
                                 ("physical_attack", "online_harassment"), "lima_metropolitana", 1)]
    assert (broken, failed) == ([], 0)


def test_wrong_passphrase(tmp_path, keydir, public_key, capsys):
    sub = make_submission([public_key])
    bundle = write_bundle(tmp_path / "b.tar", make_manifest([sub], [public_key]), [sub])
    assert _import(bundle, keydir, tmp_path / "out", "wrong") == output.EXIT_WRONG_PASSPHRASE
    assert not (tmp_path / "out").exists()
    assert capsys.readouterr().err.startswith("review: error: ")


def test_failed_items_exit_1_and_each_is_reported(tmp_path, keydir, public_key, capsys):
    good = make_submission([public_key])
    tampered = make_submission([public_key])
    envelope = bytearray(tampered.envelopes[tampered.report_item])
    envelope[-100] ^= 1  # inside the last chunk (v2 ends with a 64-byte signature)
    tampered.envelopes[tampered.report_item] = bytes(envelope)
    other = keys.SecretKey.generate()
    bad = make_submission([other.public_key])
    subs = [good, tampered, bad]
    bundle = write_bundle(tmp_path / "b.tar", make_manifest(subs, [public_key]), subs)
    assert _import(bundle, keydir, tmp_path / "out") == output.EXIT_ITEMS_FAILED
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:3] == ["imported: 1", "already imported: 0", "failed: 2"]
    errors_shown = [line for line in captured.err.splitlines() if line.startswith("review: error: ")]
    assert len(errors_shown) == 1 and f"_{tampered.id[:8]}: tampered:" in errors_shown[0]
    needs = [line for line in captured.err.splitlines() if "needs key" in line]
    assert needs == [f"review: warning: needs key {other.fingerprint.display()}: 1 submission(s): "
                     f"2026-11-29_{bad.id[:8]}"]
    assert sum("review import" in line for line in captured.err.splitlines()) == 1


def test_hostile_bundle_is_refused_before_the_key_is_touched(tmp_path, public_key):
    sub = make_submission([public_key])
    link = regular("items/" + "a" * 32, b"")[0]
    link.type, link.linkname = b"2", "/etc/passwd"
    bundle = write_bundle(tmp_path / "b.tar", make_manifest([sub], [public_key]), [sub],
                          extra=[(link, b"")])
    code = main(["import", str(bundle), "--key", str(tmp_path / "no-such-key"), "--out", str(tmp_path / "o")])
    assert code == output.EXIT_BUNDLE
    assert not (tmp_path / "o").exists()


def test_newer_bundle_version(tmp_path, public_key):
    sub = make_submission([public_key])
    manifest = make_manifest([sub], [public_key])
    manifest["version"] = 2
    bundle = write_bundle(tmp_path / "b.tar", manifest, [sub])
    code = main(["import", str(bundle), "--key", str(tmp_path / "k"), "--out", str(tmp_path / "o")])
    assert code == output.EXIT_BUNDLE_VERSION


def test_damaged_key_file(tmp_path, public_key, keydir):
    sub = make_submission([public_key])
    bundle = write_bundle(tmp_path / "b.tar", make_manifest([sub], [public_key]), [sub])
    (tmp_path / "bad.secret-key").write_text("resguardo-secret-key: 1\nkdf: scrypt\n")
    code = main(["import", str(bundle), "--key", str(tmp_path / "bad.secret-key"), "--out",
                 str(tmp_path / "o"), "--passphrase-file", str(keydir / "pass")])
    assert code == output.EXIT_KEY_FILE


def test_missing_bundle_file(tmp_path, capsys):
    code = main(["import", str(tmp_path / "nope.tar"), "--key", "k", "--out", str(tmp_path / "o")])
    assert code == output.EXIT_FILES
    assert "nope.tar" in capsys.readouterr().err


def test_usage_error_and_help(capsys):
    assert main(["import"]) == output.EXIT_USAGE
    assert main(["--help"]) == 0
    help_text = capsys.readouterr().out
    assert all(f"{code:>3}  {meaning}" in help_text for code, meaning in output.EXIT_CODES)


def test_console_script_shows_no_traceback(tmp_path, keydir, public_key):
    sub = make_submission([public_key])
    bundle = write_bundle(tmp_path / "b.tar", make_manifest([sub], [public_key]), [sub])
    env = dict(os.environ, RESGUARDO_PASSPHRASE="not the passphrase at all", **{TEST_SWITCH: "1"})
    proc = subprocess.run(
        [sys.executable, "-m", "review", "import", str(bundle), "--key",
         str(keydir / "Ana Quispe.secret-key"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == output.EXIT_WRONG_PASSPHRASE
    assert "Traceback" not in proc.stderr
    assert [line.split(":")[1] for line in proc.stderr.splitlines()] == [" error", " hint"]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (keys.WrongPassphraseError(), "wrong passphrase", 3),
        (keys.WeakParametersError(), "key file altered", 4),
        (keys.KeyFileError(), "bad key file", 4),
        (keys.NoMatchingKeyError(), "no matching key", 1),
        (keys.TruncatedError(), "truncated", 1),
        (keys.TrailingDataError(), "trailing data", 1),
        (keys.PayloadError(), "tampered", 1),
        (keys.UnsupportedVersionError(), "unsupported version", 1),
        (keys.HeaderError(), "bad header", 1),
        (errors.ManifestMismatchError(), "manifest mismatch", 1),
        (errors.MissingItemError(), "missing item", 1),
        (errors.AttachmentMismatchError(), "attachment hash mismatch", 1),
        (errors.InvalidReportError(), "invalid report", 1),
        (errors.ReportVersionError(), "unsupported version", 1),
        (errors.BundleError("link member"), "bad bundle", 5),
        (errors.BundleVersionError(), "unsupported bundle version", 6),
        (FileNotFoundError(2, "x", "f"), "file error", 7),
        (OSError(28, "No space left on device"), "file error", 7),
        (errors.PassphraseMismatchError(), "passphrase mismatch", 8),
        (errors.WeakPassphraseError(), "weak passphrase", 8),
        (RuntimeError("bug"), "internal error", 70),
        (KeyboardInterrupt(), "interrupted", 130),
    ],
)
def test_explain_maps_every_error(error, status, code):
    explanation = explain(error)
    assert (explanation.status, explanation.exit_code) == (status, code)
    for text in (explanation.message, explanation.hint):
        assert text[:1] == text[:1].lower()
        assert not text.endswith(".")


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaaaaaa", "1234567890123456", "passwordpassword", "abcabcabcabcabcabc",
                                  "password12345678", "Password1234567890!", "qwertyuiopasdfghjkl"])
def test_keygen_refuses_trivial_long_passphrases(tmp_path, monkeypatch, weak):
    monkeypatch.setenv("RESGUARDO_PASSPHRASE", weak)
    monkeypatch.setenv(TEST_SWITCH, "1")
    assert main(["keygen", "--out", str(tmp_path / "k")]) == output.EXIT_PASSPHRASE_REJECTED
    assert not (tmp_path / "k" / "reviewer.secret-key").exists()


def test_keygen_with_input_ended_at_the_prompt_is_not_an_internal_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("RESGUARDO_PASSPHRASE", raising=False)

    def ended(_prompt=""):
        raise EOFError

    monkeypatch.setattr(getpass, "getpass", ended)
    assert main(["keygen", "--out", str(tmp_path / "k")]) == output.EXIT_INTERRUPTED
    assert "no passphrase was typed" in capsys.readouterr().err


def _one_bundle(tmp_path, public_key) -> Path:
    sub = make_submission([public_key])
    return write_bundle(tmp_path / "b.tar", make_manifest([sub], [public_key]), [sub])


def test_import_refuses_an_output_folder_whose_parent_is_missing(tmp_path, keydir, public_key, capsys):
    bundle = _one_bundle(tmp_path, public_key)
    target = tmp_path / "media" / "usb-not-mounted" / "casos"
    assert _import(bundle, keydir, target) == output.EXIT_FILES
    assert not (tmp_path / "media").exists()
    assert "there is no such file or folder" in capsys.readouterr().err


def test_import_warns_when_the_secret_key_is_readable_by_others(tmp_path, keydir, public_key, capsys):
    bundle = _one_bundle(tmp_path, public_key)
    secret = keydir / "Ana Quispe.secret-key"
    secret.chmod(0o644)
    try:
        assert _import(bundle, keydir, tmp_path / "cases") == output.EXIT_OK
    finally:
        secret.chmod(0o600)
    assert "can be read by other users of this laptop; make it private with: chmod 600" in capsys.readouterr().err


def test_import_with_a_folder_as_key_says_so(tmp_path, keydir, public_key, capsys):
    bundle = _one_bundle(tmp_path, public_key)
    code = main(["import", str(bundle), "--key", str(tmp_path), "--out", str(tmp_path / "c"),
                 "--passphrase-file", str(keydir / "pass")])
    assert code == output.EXIT_FILES
    assert "this is a folder, not a file" in capsys.readouterr().err


@pytest.mark.parametrize(("language", "words"), [("en", "the folder that holds the case folders"),
                                                  ("es", "la carpeta que contiene las carpetas de casos")])
def test_every_command_names_the_cases_folder_alike(capsys, language, words):
    for command in ("import", "list", "workspace", "return-bundle", "dataset", "stats"):
        assert main([command, "--help", "--lang", language]) == 0
        text = " ".join(capsys.readouterr().out.split())
        named = "--out OUTDIR" if command == "import" else "OUTDIR"
        assert f" {named} {words} " in text + " ", command


def test_keygen_counts_the_key_name_as_known_to_an_attacker(tmp_path):
    (tmp_path / "pass").write_text("quispeana19901990\n")
    assert main(["keygen", "--out", str(tmp_path / "k"), "--name", "Ana Quispe",
                 "--passphrase-file", str(tmp_path / "pass")]) == output.EXIT_PASSPHRASE_REJECTED


def test_a_weak_passphrase_is_explained_in_plain_words(tmp_path, capsys):
    (tmp_path / "pass").write_text("password12345678\n")
    assert main(["keygen", "--out", str(tmp_path / "k"), "--passphrase-file", str(tmp_path / "pass")]) == 8
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "review: error: this passphrase is too easy to guess to protect a secret key "
        "(this is similar to a commonly used password)",
        "review: hint: use a diceware passphrase: six or more random words from a word list, "
        "chosen with dice, e.g. 'ladder quiet mango ferry olive sprint'",
    ]


def test_a_weak_passphrase_is_explained_in_spanish_under_a_spanish_locale(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LC_ALL", "es_PE.UTF-8")
    (tmp_path / "pass").write_text("password12345678\n")
    assert main(["keygen", "--out", str(tmp_path / "k"), "--passphrase-file", str(tmp_path / "pass")]) == 8
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "review: error: esta frase de contraseña es demasiado fácil de adivinar para proteger una llave secreta "
        "(se parece a una contraseña de uso común)",
        "review: consejo: use una frase diceware: seis o más palabras al azar de una lista, "
        "elegidas con dados, p. ej. 'escalera quieto mango balsa olivo carrera'",
    ]
    assert not (tmp_path / "k").exists()


def test_every_zxcvbn_feedback_sentence_has_spanish_and_an_unknown_one_stays_english():
    import ast

    import zxcvbn.feedback

    from review import i18n
    from review.passphrase import ZXCVBN_FEEDBACK, feedback_text

    tree = ast.parse(Path(zxcvbn.feedback.__file__).read_text(encoding="utf-8"))
    said = {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"}
    assert said == set(ZXCVBN_FEEDBACK)  # the installed zxcvbn says nothing we have not translated
    i18n.set_language("es")
    try:
        assert feedback_text("This is a top-10 common password.") == "Es una de las 10 contraseñas más comunes."
        spanish = {feedback_text(message) for message in ZXCVBN_FEEDBACK}
        assert len(spanish) == len(ZXCVBN_FEEDBACK) and not spanish & set(ZXCVBN_FEEDBACK)
        assert feedback_text("A sentence a newer zxcvbn may say.") == "A sentence a newer zxcvbn may say."
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("command", ["keygen", "import"])
def test_the_passphrase_variable_alone_is_ignored_by_the_real_command(tmp_path, keydir, public_key, command):
    """Without the test-only switch the variable is not a passphrase: the command
    prompts (here: no terminal, input ended), warns, and makes or opens nothing."""
    env = {k: v for k, v in os.environ.items() if k != TEST_SWITCH}
    env["RESGUARDO_PASSPHRASE"] = PASSPHRASE
    if command == "keygen":
        args = ["keygen", "--out", str(tmp_path / "k")]
    else:
        args = ["import", str(_one_bundle(tmp_path, public_key)), "--key", str(keydir / "Ana Quispe.secret-key"),
                "--out", str(tmp_path / "out")]
    proc = subprocess.run([sys.executable, "-m", "review", *args], stdin=subprocess.DEVNULL, start_new_session=True,
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert proc.returncode == output.EXIT_INTERRUPTED, proc.stderr
    assert ("review: warning: RESGUARDO_PASSPHRASE is set but ignored (it is only for automated tests); "
            "type the passphrase instead") in proc.stderr.splitlines()
    assert "no passphrase was typed" in proc.stderr
    assert not (tmp_path / "k").exists() and not (tmp_path / "out").exists()


def test_help_says_nothing_of_the_passphrase_variable(capsys):
    for args in (["--help"], ["keygen", "--help"], ["import", "--help"]):
        assert main(args) == 0
    assert "RESGUARDO_PASSPHRASE" not in capsys.readouterr().out


def test_the_switch_lets_tests_pass_the_passphrase(tmp_path, monkeypatch):
    monkeypatch.setenv("RESGUARDO_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv(TEST_SWITCH, "1")
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": pytest.fail("prompted"))
    assert main(["keygen", "--out", str(tmp_path / "k")]) == output.EXIT_OK
