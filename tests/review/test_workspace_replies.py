"""The workspace's reply and acknowledge forms (JavaScript off: plain forms, CSRF on, es/en)."""

from __future__ import annotations

import base64
import json
import re

import pytest

import keys
from review.bundle import Bundle
from review.cases import import_bundle
from review.replies import outbox
from review.workspace import triage
from review.workspace.app import create_app

from review_bundles import make_manifest, make_submission, write_bundle

PORT = 48124
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-" + "r" * 40


@pytest.fixture()
def case(tmp_path):
    reviewer = keys.SecretKey.generate("Ana")
    reporter = keys.XWingSecretKey(bytes(range(32)))
    answered = make_submission([reviewer.public_key], received_on="2026-11-20")
    answered.report["reply_to"] = {"kind": "xwing",
                                   "public_key": base64.b64encode(reporter.public_key.raw).decode("ascii")}
    answered.seal_all([reviewer.public_key])
    keyless = make_submission([reviewer.public_key], received_on="2026-11-21")
    followup = make_submission([reviewer.public_key], received_on="2026-11-22",
                               fields={"description": "Olvidé decir <b>esto</b>"})
    followup.report["follow_up_to"] = answered.id
    followup.seal_all([reviewer.public_key])
    subs = [answered, keyless, followup]
    path = write_bundle(tmp_path / "b.tar", make_manifest(subs, [reviewer.public_key]), subs)
    with Bundle(path) as opened:
        import_bundle(opened, [reviewer], tmp_path / "cases")
    return tmp_path / "cases", answered, keyless, followup, reporter


def _client(root, language):
    client = create_app(root, TOKEN, language, PORT).test_client()
    assert client.get(f"/?token={TOKEN}", base_url=BASE).status_code == 303
    return client


def _page(client, folder):
    response = client.get(f"/case/{folder}", base_url=BASE)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_reply_and_acknowledge_from_the_case_page(case):
    root, answered, _keyless, followup, reporter = case
    folder = f"2026-11-20_{answered.id[:8]}"
    client = _client(root, "en")
    html = _page(client, folder)
    assert "No replies yet." in html and 'name="text"' in html
    assert "Olvidé decir &lt;b&gt;esto&lt;/b&gt;" in html and "<b>esto" not in html  # the follow-up, escaped
    url = f"/case/{folder}/reply"
    form = {"text": "Hola <script>x</script>\r\nsegunda línea", "language": "es"}
    assert client.post(url, data=form, base_url=BASE).status_code == 400  # no CSRF token
    assert outbox.load_queue(root).empty
    sent = client.post(url, data={**form, "csrf_token": _csrf(html)}, base_url=BASE)
    assert sent.status_code == 303 and sent.headers["Location"] == f"/case/{folder}?replied=2#replies"
    assert "The case is now in progress." in client.get(sent.headers["Location"], base_url=BASE).get_data(as_text=True)
    (queued,) = outbox.load_queue(root).replies
    opened = json.loads(keys.open_envelope(outbox.envelope_path(root, queued["id"]).read_bytes(), [reporter]))
    assert opened["text"] == "Hola <script>x</script>\nsegunda línea" and opened["language"] == "es"
    assert opened["submission_id"] == answered.id
    html = _page(client, folder)
    assert "Hola &lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "waiting for the next return bundle" in html
    acked = client.post(f"/case/{folder}/ack", data={"csrf_token": _csrf(html)}, base_url=BASE)
    assert acked.status_code == 303
    assert [a["submission_id"] for a in outbox.load_queue(root).acknowledged] == [answered.id, followup.id]
    assert "This case is marked as read." in _page(client, folder)
    again = client.post(url, data={**form, "csrf_token": _csrf(html)}, base_url=BASE)
    assert again.headers["Location"] == f"/case/{folder}?replied=1#replies"  # already in progress: no change to say
    connection = triage.open_triage(root)
    assert triage.get(connection, answered.id).status == "in_progress"
    triage.save(connection, answered.id, triage.Triage(status="closed"))
    connection.close()
    closed = client.post(url, data={**form, "csrf_token": _csrf(html)}, base_url=BASE)
    assert closed.headers["Location"] == f"/case/{folder}?replied=1#replies"
    connection = triage.open_triage(root)
    assert triage.get(connection, answered.id).status == "closed"  # a reviewer's "closed" stands
    connection.close()
    assert client.post(f"/case/{folder}/ack", data={}, base_url=BASE).status_code == 400


def test_refusals_are_clear_and_localized(case):
    root, answered, keyless, _followup, _reporter = case
    client = _client(root, "es")
    folder = f"2026-11-20_{answered.id[:8]}"
    token = _csrf(_page(client, folder))
    empty = client.post(f"/case/{folder}/reply", data={"text": " \n ", "language": "es", "csrf_token": token},
                        base_url=BASE)
    assert empty.status_code == 400
    assert "La respuesta está vacía." in empty.get_data(as_text=True)
    long = client.post(f"/case/{folder}/reply", data={"text": "x" * 20_001, "language": "en",
                                                      "csrf_token": token}, base_url=BASE)
    assert long.status_code == 400
    bad_language = client.post(f"/case/{folder}/reply", data={"text": "hola", "language": "fr",
                                                              "csrf_token": token}, base_url=BASE)
    assert bad_language.status_code == 400
    keyless_folder = f"2026-11-21_{keyless.id[:8]}"
    html = _page(client, keyless_folder)
    assert "Este informe no trae ninguna llave para responder" in html and 'name="text"' not in html
    refused = client.post(f"/case/{keyless_folder}/reply", data={"text": "hola", "language": "es",
                                                                "csrf_token": _csrf(html)}, base_url=BASE)
    assert refused.status_code == 400
    assert client.post("/case/not-a-case/ack", data={"csrf_token": token}, base_url=BASE).status_code == 404
    assert outbox.load_queue(root).empty
    assert "Respuestas a quien informó" in _page(client, folder)


def test_a_reply_queued_is_not_a_500_when_triage_cannot_be_written(case):
    """The reply is queued before triage is touched: if the triage store then
    fails, the answer is the usual redirect (a 500 "your cases were not
    changed" would invite writing the reply again: the reporter gets it twice)."""
    root, answered, _keyless, _followup, _reporter = case
    folder = f"2026-11-20_{answered.id[:8]}"
    client = _client(root, "en")
    html = _page(client, folder)
    store = root / "_workspace" / "triage.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        store.with_name(store.name + suffix).unlink(missing_ok=True)
    store.write_bytes(b"not a database" * 100)  # damaged between showing the form and sending it
    sent = client.post(f"/case/{folder}/reply", data={"text": "Hola", "language": "es", "csrf_token": _csrf(html)},
                       base_url=BASE)
    assert len(outbox.load_queue(root).replies) == 1
    assert sent.status_code == 303 and sent.headers["Location"] == f"/case/{folder}?replied=1#replies"


def test_a_triage_form_loaded_before_a_reply_keeps_the_status_the_reply_set(case):
    """A reviewer opens the case (status new), a reply is queued (in progress), then the
    triage form from before is saved with a tag: the tag is saved and the status stays
    in progress. A status the reviewer did change is saved as chosen."""
    root, answered, _keyless, _followup, _reporter = case
    folder = f"2026-11-20_{answered.id[:8]}"
    client = _client(root, "en")
    stale = _page(client, folder)
    assert 'name="status_was" value="new"' in stale
    csrf = _csrf(stale)
    form = {"text": "Hola", "language": "es", "csrf_token": csrf}
    assert client.post(f"/case/{folder}/reply", data=form, base_url=BASE).headers["Location"].endswith("replied=2#replies")
    triage_form = {"csrf_token": csrf, "status": "new", "status_was": "new", "tags": "prensa", "assignee": "", "notes": ""}
    assert client.post(f"/case/{folder}/triage", data=triage_form, base_url=BASE).status_code == 303
    with triage.open_triage(root) as connection:
        kept = triage.get(connection, answered.id)
    assert (kept.status, kept.tags) == ("in_progress", ["prensa"])
    chosen = {**triage_form, "status": "closed"}
    assert client.post(f"/case/{folder}/triage", data=chosen, base_url=BASE).status_code == 303
    back = {**triage_form, "status": "new", "status_was": "closed"}  # from a page showing "closed"
    assert client.post(f"/case/{folder}/triage", data=back, base_url=BASE).status_code == 303
    with triage.open_triage(root) as connection:
        assert triage.get(connection, answered.id).status == "new"
