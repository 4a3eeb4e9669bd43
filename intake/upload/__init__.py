"""Browser-sealed uploads: the server receives envelopes, never plaintext.

With JavaScript on, the reporter's browser seals the report and every file
to the reviewers' public keys (intake/static/js/) and sends only envelopes,
in pieces, through the JSON endpoints of :mod:`intake.upload.views`. This
package checks their structure (:mod:`intake.upload.checks`), keeps partial
envelopes in ``blobs/incoming/`` (:mod:`intake.upload.parts`) and binds them
into a submission with the same code as the no-JavaScript path
(:mod:`intake.submission`).

An abandoned partial upload is ciphertext only; ``resguardo cleanup``
deletes it once it has been untouched for ``--older-than`` seconds (6 hours
by default), so with cleanup run hourly (deploy/) a partial envelope lives at
most about 7 hours after its last piece arrived.
"""
