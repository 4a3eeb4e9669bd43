"""Replies and acknowledgements: review reply / ack / return-bundle / keygen --signing.

A case whose report carries a reply key (a fixed X-Wing seed stands for the
reporter's receipt) is imported, answered from a file and from a fake
editor, acknowledged, and sent as a return bundle that a reader written from
docs/FORMAT.md alone (returnbundle_reader.py) accepts, and refuses once
altered. Argon2id costs ~0.5 s a key file, so one signing key is made per module.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
from pathlib import Path

import pytest

import keys
from review.bundle import Bundle
from review.cases import import_bundle
from review.cli import main
from review.replies import document as reply_doc
from review.replies import outbox
from review.replies.bundle import build_manifest
from review.workspace import triage

from review_bundles import make_manifest, make_submission, write_bundle
from returnbundle_reader import Refused, read_return_bundle

PASSPHRASE = "ladder quiet mango ferry olive sprint"
REPORTER_SEED = bytes(range(32))
REPLY_TEXT = "Recibimos su informe.\r\n¿Está en un lugar seguro?  \n"
CLEAN_TEXT = "Recibimos su informe.\n¿Está en un lugar seguro?"


@pytest.fixture(scope="module")
def reporter() -> keys.XWingSecretKey:
    return keys.XWingSecretKey(REPORTER_SEED)


@pytest.fixture(scope="module")
def reviewer() -> keys.SecretKey:
    return keys.SecretKey.generate("Ana")


@pytest.fixture(scope="module")
def signing_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("signing")
    (directory / "pass").write_text(PASSPHRASE + "\n")
    assert main(["keygen", "--signing", "--out", str(directory), "--name", "Org",
                 "--passphrase-file", str(directory / "pass")]) == 0
    return directory


@pytest.fixture(scope="module")
def signing_public(signing_dir) -> keys.SigningPublicKey:
    return keys.read_signing_public_key_file(signing_dir / "Org.signing-public-key")


def reply_to(key) -> dict:
    return {"kind": "xwing", "public_key": base64.b64encode(key.public_key.raw).decode("ascii")}


def make_cases(directory: Path, reviewer, reporter, *, with_key: bool = True) -> tuple[Path, list]:
    """Import one submission (with a reply key unless ``with_key`` is false) into ``directory/cases``."""
    sub = make_submission([reviewer.public_key])
    if with_key:
        sub.report["reply_to"] = reply_to(reporter)
    sub.seal_all([reviewer.public_key])
    bundle = write_bundle(directory / "in.tar", make_manifest([sub], [reviewer.public_key]), [sub])
    with Bundle(bundle) as opened:
        summary = import_bundle(opened, [reviewer], directory / "cases", language="en")
    assert summary.count("imported") == 1
    return summary.results[0].case_dir, [sub]


def send(signing_dir: Path, cases: Path, out: Path) -> int:
    out.mkdir(exist_ok=True)
    return main(["return-bundle", str(cases), "--key", str(signing_dir / "Org.signing-secret-key"),
                 "--out", str(out), "--passphrase-file", str(signing_dir / "pass")])


# -- the reply document and key ----------------------------------------------------


def test_reply_key_is_read_from_the_report(reporter):
    assert reply_doc.reply_key({"reply_to": reply_to(reporter)}) == reporter.public_key


@pytest.mark.parametrize("value", [
    None, "x", {"kind": "x25519", "public_key": "AAAA"}, {"kind": "xwing"},
    {"kind": "xwing", "public_key": "not base64!"},
    {"kind": "xwing", "public_key": base64.b64encode(bytes(1215)).decode()},
    {"kind": "xwing", "public_key": base64.b64encode(bytes(1216)).decode().replace("=", "") + "="},
    {"kind": "xwing", "public_key": base64.b64encode(b"\xff" * 1216).decode()},
])
def test_unusable_reply_keys_are_refused(value):
    report = {} if value is None else {"reply_to": value}
    with pytest.raises(reply_doc.NoReplyKeyError):
        reply_doc.reply_key(report)


def test_reply_document_is_exact():
    document = reply_doc.reply_document("ab" * 16, "es", REPLY_TEXT, "2026-12-01")
    assert reply_doc.encode(document) == (
        '{"format":"resguardo-reply","version":1,"submission_id":"' + "ab" * 16
        + '","language":"es","written_on":"2026-12-01","text":"Recibimos su informe.\\n¿Está en un lugar seguro?"}'
    ).encode("utf-8")


@pytest.mark.parametrize("text,error", [
    (" \r\n\t ", reply_doc.EmptyReplyError), ("x" * 20_001, reply_doc.ReplyTooLongError)])
def test_empty_and_long_replies_are_refused(text, error):
    with pytest.raises(error):
        reply_doc.reply_document("ab" * 16, "es", text)
    assert len(reply_doc.reply_document("ab" * 16, "en", "x" * 20_000)["text"]) == 20_000


@pytest.mark.parametrize("sid,language", [("AB" * 16, "es"), ("ab" * 15, "es"), ("ab" * 16, "fr")])
def test_reply_document_checks_id_and_language(sid, language):
    with pytest.raises(ValueError):
        reply_doc.reply_document(sid, language, "hola")


def test_sealed_reply_opens_with_the_reporter_key_only(reporter, reviewer):
    document = reply_doc.reply_document("ab" * 16, "en", "x" * 20_000, "2026-12-01")
    envelope = reply_doc.seal_reply(document, reporter.public_key)
    assert len(envelope) <= 262_144
    header = keys.read_header(io.BytesIO(envelope))
    assert keys.header_kinds(header) == ("xwing",)
    assert json.loads(keys.open_envelope(envelope, [reporter])) == document
    with pytest.raises(keys.NoMatchingKeyError):
        keys.open_envelope(envelope, [keys.XWingSecretKey(bytes(32))])


def test_largest_reply_fits_the_envelope_limit(reporter):
    worst = reply_doc.reply_document("ab" * 16, "en", "\x01" * 20_000, "2026-12-01")  # \u0001: 6 bytes each
    assert len(reply_doc.encode(worst)) == 120_000 + 143
    assert len(reply_doc.seal_reply(worst, reporter.public_key)) <= reply_doc.MAX_ENVELOPE_BYTES


# -- review reply / ack / return-bundle --------------------------------------------


def test_reply_from_a_file_is_sealed_copied_and_queued(tmp_path, reviewer, reporter, capsys):
    case, (sub,) = make_cases(tmp_path, reviewer, reporter)
    text_file = tmp_path / "reply.txt"
    text_file.write_bytes(REPLY_TEXT.encode("utf-8"))
    assert main(["reply", str(case), "--file", str(text_file), "--lang", "en"]) == 0
    printed = capsys.readouterr()
    out = printed.out
    assert f"case {case.name} is now in progress" in printed.err  # it was new: someone is on it now
    connection = triage.open_triage(case.parent)
    assert triage.get(connection, sub.id).status == "in_progress"
    connection.close()
    queue = outbox.load_queue(case.parent)
    (queued,) = queue.replies
    assert queue.acknowledged == []
    assert out.startswith(f"reply {queued['id'][:8]} queued for case {case.name} (47 characters, in Spanish)")
    assert queued["submission_id"] == sub.id and queued["case"] == case.name
    copy = json.loads((case / "replies" / "01.json").read_text("utf-8"))
    assert copy == {"id": queued["id"], "format": "resguardo-reply", "version": 1, "submission_id": sub.id,
                    "language": "es", "written_on": queued["written_on"], "text": CLEAN_TEXT}
    envelope = outbox.envelope_path(case.parent, queued["id"]).read_bytes()
    opened = json.loads(keys.open_envelope(envelope, [reporter]))
    assert opened == {key: value for key, value in copy.items() if key != "id"}
    assert stat.S_IMODE(os.stat(case.parent / "_outbox").st_mode) == 0o700
    assert outbox.case_replies(case) == [copy]


def test_reply_from_a_fake_editor(tmp_path, reviewer, reporter, monkeypatch):
    case, _subs = make_cases(tmp_path, reviewer, reporter)
    script = tmp_path / "fake editor.sh"
    script.write_text("#!/bin/sh\nprintf 'Hola desde el editor\\n' > \"$1\"\necho \"$1\" > \"$0.seen\"\n")
    script.chmod(0o700)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"'{script}'")
    assert main(["reply", str(case), "--reply-language", "en"]) == 0
    copy = json.loads((case / "replies" / "01.json").read_text("utf-8"))
    assert copy["text"] == "Hola desde el editor" and copy["language"] == "en"
    draft = Path((tmp_path / "fake editor.sh.seen").read_text().strip())
    assert draft.parent == case.parent / "_outbox" and draft.name.startswith(".draft-")
    assert not draft.exists()  # the plaintext draft is gone


def test_editor_left_empty_or_failing_queues_nothing(tmp_path, reviewer, reporter, monkeypatch):
    case, _subs = make_cases(tmp_path, reviewer, reporter)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "true")
    assert main(["reply", str(case)]) == 9
    monkeypatch.setenv("EDITOR", "false")
    assert main(["reply", str(case)]) == 9
    monkeypatch.setenv("EDITOR", "/nonexistent/editor")
    assert main(["reply", str(case)]) == 9
    monkeypatch.setenv("EDITOR", " ")
    assert main(["reply", str(case)]) == 9
    assert outbox.load_queue(case.parent).empty
    assert not (case / "replies").exists()
    assert [name for name in os.listdir(case.parent / "_outbox") if name.startswith(".draft")] == []


def test_no_reply_key_means_no_reply_and_no_editor(tmp_path, reviewer, reporter, monkeypatch, capsys):
    case, _subs = make_cases(tmp_path, reviewer, reporter, with_key=False)
    monkeypatch.setenv("EDITOR", str(tmp_path / "never-run"))
    assert main(["reply", str(case), "--lang", "en"]) == 9
    err = capsys.readouterr().err
    assert "review: error: this report carries no key to reply to" in err
    assert not (case.parent / "_outbox").exists()


def test_reply_to_a_folder_that_is_not_a_case(tmp_path):
    (tmp_path / "empty").mkdir()
    assert main(["reply", str(tmp_path / "empty"), "--file", "/dev/null"]) == 7
    assert main(["ack", str(tmp_path / "empty")]) == 7


def test_reply_file_must_be_utf8(tmp_path, reviewer, reporter):
    case, _subs = make_cases(tmp_path, reviewer, reporter)
    (tmp_path / "latin1.txt").write_bytes("canción".encode("latin-1"))
    assert main(["reply", str(case), "--file", str(tmp_path / "latin1.txt")]) == 2
    (tmp_path / "huge.txt").write_bytes(b"x" * 90_000)
    assert main(["reply", str(case), "--file", str(tmp_path / "huge.txt")]) == 2
    (tmp_path / "long.txt").write_bytes(b"x" * 20_001)
    assert main(["reply", str(case), "--file", str(tmp_path / "long.txt")]) == 9
    assert outbox.load_queue(case.parent).empty


def test_ack_queues_each_submission_once(tmp_path, reviewer, reporter, capsys):
    case, (sub,) = make_cases(tmp_path, reviewer, reporter)
    assert main(["ack", str(case), "--lang", "en"]) == 0
    assert main(["ack", str(case), "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"case {case.name} marked as read: 1 submission(s) queued\n"
    assert f"review: case {case.name} was already marked as read; nothing new to queue" in captured.err
    assert outbox.load_queue(case.parent).acknowledged == [{"submission_id": sub.id, "case": case.name}]
    assert outbox.acknowledged_ids(case) == [sub.id]


def test_return_bundle_verifies_with_a_reader_written_from_the_format(
        tmp_path, reviewer, reporter, signing_dir, signing_public, capsys):
    case, (sub,) = make_cases(tmp_path, reviewer, reporter)
    (tmp_path / "r1.txt").write_text("primera respuesta", "utf-8")
    (tmp_path / "r2.txt").write_text("second reply", "utf-8")
    assert main(["reply", str(case), "--file", str(tmp_path / "r1.txt")]) == 0
    assert main(["reply", str(case), "--file", str(tmp_path / "r2.txt"), "--reply-language", "en"]) == 0
    assert main(["ack", str(case)]) == 0
    queue = outbox.load_queue(case.parent)
    capsys.readouterr()
    assert send(signing_dir, case.parent, tmp_path / "usb") == 0
    out = capsys.readouterr().out
    (path,) = (tmp_path / "usb").iterdir()
    assert out.splitlines() == [f"return bundle: {path}", "replies: 2", "cases marked as read: 1 submission(s)"]
    data = path.read_bytes()
    bundle = read_return_bundle(data, signing_public.raw)
    manifest = bundle.manifest
    assert path.name == f"resguardo-return-{manifest['created_on']}-{manifest['return_id'][:8]}.tar"
    assert manifest["signer"] == signing_public.fingerprint.hex
    assert manifest["acknowledged"] == [sub.id]
    assert [entry["id"] for entry in manifest["replies"]] == [reply["id"] for reply in queue.replies]
    texts = [json.loads(keys.open_envelope(bundle.replies[entry["id"]], [reporter]))["text"]
             for entry in manifest["replies"]]
    assert texts == ["primera respuesta", "second reply"]
    assert all(entry["submission_id"] == sub.id for entry in manifest["replies"])
    with tarfile.open(path) as tar:
        assert all((m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) == (0, 0, 0, "", "", 0o644)
                   for m in tar.getmembers())
    # the queue is sent: emptied, recorded, envelopes gone; a second run writes nothing
    assert outbox.load_queue(case.parent).empty
    record = json.loads((case.parent / "_outbox" / "sent" / f"{manifest['return_id']}.json").read_text())
    assert record["bundle"] == path.name and record["replies"] == queue.replies
    assert os.listdir(case.parent / "_outbox" / "replies") == []
    assert outbox.sent_reply_ids(case.parent) == {reply["id"] for reply in queue.replies}
    assert send(signing_dir, case.parent, tmp_path / "usb") == 0
    assert "review: nothing to send: no reply or acknowledgement is queued" in capsys.readouterr().err
    assert len(list((tmp_path / "usb").iterdir())) == 1
    with pytest.raises(Refused) as refused:
        read_return_bundle(data, signing_public.raw, seen={manifest["return_id"]})
    assert refused.value.outcome == "replayed"


def _rewrite(data: bytes, change) -> bytes:
    """The bundle with ``change(name, bytes) -> bytes`` applied to every member."""
    source = tarfile.open(fileobj=io.BytesIO(data))
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for member in source.getmembers():
            content = change(member.name, source.extractfile(member).read())
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))
    return sink.getvalue()


def _flip(content: bytes, at: int) -> bytes:
    return content[:at] + bytes([content[at] ^ 1]) + content[at + 1:]


@pytest.fixture(scope="module")
def sent_bundle(tmp_path_factory, reviewer, reporter, signing_dir) -> bytes:
    directory = tmp_path_factory.mktemp("sent")
    case, _subs = make_cases(directory, reviewer, reporter)
    (directory / "r.txt").write_text("respuesta", "utf-8")
    assert main(["reply", str(case), "--file", str(directory / "r.txt")]) == 0
    assert main(["ack", str(case)]) == 0
    assert send(signing_dir, case.parent, directory / "usb") == 0
    (path,) = (directory / "usb").iterdir()
    return path.read_bytes()


@pytest.mark.parametrize("change,outcome", [
    (lambda name, c: c.replace(b'"acknowledged":["', b'"acknowledged":["0') if name == "manifest.json" else c,
     "bad signature"),
    (lambda name, c: _flip(c, 0) if name == "manifest.sig" else c, "bad signature"),
    (lambda name, c: _flip(c, 63) if name == "manifest.sig" else c, "bad signature"),
    (lambda name, c: _flip(c, len(c) // 2) if name.startswith("replies/") else c, "reply mismatch"),
    (lambda name, c: c[:-1] if name.startswith("replies/") else c, "reply mismatch"),
    (lambda name, c: c.replace(b'"version":1', b'"version":2') if name == "manifest.json" else c,
     "unsupported version"),
    (lambda name, c: c[:10] if name == "manifest.json" else c, "malformed"),
    (lambda name, c: c + b"\x00" if name == "manifest.sig" else c, "malformed"),
])
def test_tampered_bundles_are_refused(sent_bundle, signing_public, change, outcome):
    read_return_bundle(sent_bundle, signing_public.raw)  # the untouched bundle passes
    with pytest.raises(Refused) as refused:
        read_return_bundle(_rewrite(sent_bundle, change), signing_public.raw)
    assert refused.value.outcome == outcome


def test_foreign_and_forged_bundles_are_refused(sent_bundle, signing_public):
    foreign = keys.SigningSecretKey.generate("Other org")
    with pytest.raises(Refused) as refused:
        read_return_bundle(sent_bundle, foreign.public_key.raw)
    assert refused.value.outcome == "foreign signer"
    # forged: our signer named, but signed with another key
    forged = _rewrite(sent_bundle, lambda name, c: foreign.sign_manifest(
        tarfile.open(fileobj=io.BytesIO(sent_bundle)).extractfile("manifest.json").read())
        if name == "manifest.sig" else c)
    with pytest.raises(Refused) as refused:
        read_return_bundle(forged, signing_public.raw)
    assert refused.value.outcome == "bad signature"


def test_members_out_of_order_are_malformed(sent_bundle, signing_public):
    source = tarfile.open(fileobj=io.BytesIO(sent_bundle))
    members = source.getmembers()
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for member in [members[1], members[0], *members[2:]]:
            tar.addfile(member, io.BytesIO(source.extractfile(member).read()))
    with pytest.raises(Refused) as refused:
        read_return_bundle(sink.getvalue(), signing_public.raw)
    assert refused.value.outcome == "malformed"


def test_manifest_bytes_are_exact():
    queue = outbox.Queue([{"id": "11" * 16, "submission_id": "22" * 16, "case": "c", "written_on": "2026-12-01"}],
                         [{"submission_id": "33" * 16, "case": "c"}, {"submission_id": "33" * 16, "case": "c"}])
    manifest = build_manifest(queue, [b"envelope"], "44" * 16, "55" * 32, "2026-12-01")
    assert manifest == (
        '{"format":"resguardo-return","version":1,"return_id":"' + "44" * 16 + '","created_on":"2026-12-01",'
        '"signer":"' + "55" * 32 + '","replies":[{"id":"' + "11" * 16 + '","submission_id":"' + "22" * 16
        + '","size":8,"sha256":"' + hashlib.sha256(b"envelope").hexdigest() + '"}],"acknowledged":["'
        + "33" * 16 + '"]}').encode("ascii")


def test_signing_keygen_files(signing_dir, signing_public, capsys):
    secret = signing_dir / "Org.signing-secret-key"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(signing_dir / "Org.signing-public-key").st_mode) == 0o644
    assert keys.read_signing_secret_key_file(secret, PASSPHRASE).public_key == signing_public
    assert main(["keygen", "--signing", "--out", str(signing_dir), "--name", "Org",
                 "--passphrase-file", str(signing_dir / "pass")]) == 7  # never overwritten
    with pytest.raises(keys.KeyFileError):
        keys.read_public_key_file(signing_dir / "Org.signing-public-key")


def test_return_bundle_needs_an_existing_usb_folder_and_the_signing_key(tmp_path, reviewer, reporter, signing_dir):
    case, _subs = make_cases(tmp_path, reviewer, reporter)
    assert main(["ack", str(case)]) == 0
    args = ["return-bundle", str(case.parent), "--passphrase-file", str(signing_dir / "pass")]
    assert main([*args, "--key", str(signing_dir / "Org.signing-secret-key"), "--out", str(tmp_path / "no")]) == 7
    assert not (tmp_path / "no").exists()
    (tmp_path / "usb").mkdir()
    assert main([*args, "--key", str(signing_dir / "Org.signing-public-key"), "--out", str(tmp_path / "usb")]) == 4
    (tmp_path / "wrong").write_text("not the passphrase at all\n")
    assert main(["return-bundle", str(case.parent), "--key", str(signing_dir / "Org.signing-secret-key"),
                 "--out", str(tmp_path / "usb"), "--passphrase-file", str(tmp_path / "wrong")]) == 3
    assert os.listdir(tmp_path / "usb") == []
    assert not outbox.load_queue(case.parent).empty


def test_messages_in_spanish_and_english(tmp_path, reviewer, reporter, capsys):
    case, _subs = make_cases(tmp_path, reviewer, reporter, with_key=False)
    assert main(["reply", str(case), "--lang", "es", "--file", "/dev/null"]) == 9
    assert "review: error: este informe no trae ninguna llave para responder" in capsys.readouterr().err
    assert main(["ack", str(case), "--lang", "es"]) == 0
    assert capsys.readouterr().out == f"caso {case.name} marcado como leído: 1 envío(s) en cola\n"
    assert main(["ack", str(case), "--lang", "en"]) == 0
    assert f"review: case {case.name} was already marked as read" in capsys.readouterr().err


def test_queue_through_a_linked_cases_folder(tmp_path, reviewer, reporter):
    case, (sub,) = make_cases(tmp_path, reviewer, reporter)
    (tmp_path / "link").symlink_to(case.parent, target_is_directory=True)
    document = reply_doc.reply_document(sub.id, "es", "hola", "2026-12-01")
    reply_id = outbox.queue_reply(tmp_path / "link", tmp_path / "link" / case.name, document, b"sealed")
    assert outbox.envelope_path(case.parent, reply_id).read_bytes() == b"sealed"
    assert outbox.load_queue(case.parent).replies[0]["id"] == reply_id


def test_a_long_queue_leaves_in_several_bundles(tmp_path, reviewer, reporter, signing_dir, signing_public,
                                                 monkeypatch, capsys):
    from review.replies import bundle as writer

    monkeypatch.setattr(writer, "REPLIES_PER_BUNDLE", 2)
    monkeypatch.setattr(writer, "ACKS_PER_BUNDLE", 1)
    case, (sub,) = make_cases(tmp_path, reviewer, reporter)
    for number in range(3):
        (tmp_path / "r.txt").write_text(f"respuesta {number}", "utf-8")
        assert main(["reply", str(case), "--file", str(tmp_path / "r.txt")]) == 0
    outbox.queue_acknowledgement(case.parent, case, [sub.id, sub.id, "ab" * 16])
    capsys.readouterr()
    assert send(signing_dir, case.parent, tmp_path / "usb1") == 0
    assert ("review: warning: 2 more replies or acknowledgements are still queued (one bundle holds at most "
            "1000 replies); run the same command again for the next bundle") in capsys.readouterr().err
    (first,) = (tmp_path / "usb1").iterdir()
    manifest = read_return_bundle(first.read_bytes(), signing_public.raw).manifest
    assert len(manifest["replies"]) == 2 and manifest["acknowledged"] == [sub.id]
    assert send(signing_dir, case.parent, tmp_path / "usb2") == 0
    (second,) = (tmp_path / "usb2").iterdir()
    manifest = read_return_bundle(second.read_bytes(), signing_public.raw).manifest
    assert len(manifest["replies"]) == 1 and manifest["acknowledged"] == ["ab" * 16]
    assert outbox.load_queue(case.parent).empty


@pytest.mark.parametrize("lang,message,hint", [
    ("en", "review: error: this is a return bundle (review return-bundle writes it for the intake's "
           "'resguardo import-return'), not an export of reports; nothing was decrypted\n",
     "review: hint: import the resguardo-bundle-….tar file the operator exported; this one goes to the operator\n"),
    ("es", "review: error: este es un paquete de respuesta (lo escribe review return-bundle para "
           "«resguardo import-return» en el servidor), no una exportación de denuncias; no se descifró nada\n",
     "review: consejo: importe el archivo resguardo-bundle-….tar que exportó el operador; este se entrega al operador\n"),
])
def test_a_return_bundle_given_to_import_says_what_it_is(tmp_path, sent_bundle, reviewer, lang, message, hint,
                                                         capsys):
    """The reviewer picked the wrong .tar from the USB stick: the tool names it, in words, and decrypts nothing."""
    bundle = tmp_path / "resguardo-return-2026-12-02-0a1b2c3d.tar"
    bundle.write_bytes(sent_bundle)
    key = tmp_path / "ana.secret-key"
    keys.write_secret_key_file(key, reviewer, PASSPHRASE)
    (tmp_path / "pass").write_text(PASSPHRASE + "\n")
    assert main(["import", str(bundle), "--key", str(key), "--out", str(tmp_path / "cases"), "--lang", lang,
                 "--passphrase-file", str(tmp_path / "pass")]) == 5
    assert capsys.readouterr().err == message + hint  # no English reason code in brackets after it
    assert not (tmp_path / "cases").exists() or list((tmp_path / "cases").iterdir()) == []


@pytest.mark.parametrize("breakage", ["not-a-folder", "not-a-database"])
def test_a_reply_queued_is_reported_as_done_even_if_triage_cannot_be_written(
        tmp_path, reviewer, reporter, capsys, breakage):
    """The reply is queued before the triage store is touched: a triage store
    that cannot be written must not turn a queued reply into a failure (the
    reviewer would write it again and the reporter would get it twice)."""
    case, (sub,) = make_cases(tmp_path, reviewer, reporter)
    workspace = case.parent / "_workspace"
    if breakage == "not-a-folder":
        if workspace.exists():
            shutil.rmtree(workspace)
        workspace.write_bytes(b"x")
    else:
        workspace.mkdir(exist_ok=True)
        (workspace / "triage.sqlite3").write_bytes(b"not a database" * 100)
    text_file = tmp_path / "reply.txt"
    text_file.write_bytes(REPLY_TEXT.encode("utf-8"))
    code = main(["reply", str(case), "--file", str(text_file), "--lang", "en"])
    printed = capsys.readouterr()
    assert "queued" in printed.out
    assert len(outbox.load_queue(case.parent).replies) == 1  # it is queued ...
    assert code == 0, printed.err  # ... so the command says so, and does not fail
    assert "triage" in printed.err  # a warning says the status was not changed
