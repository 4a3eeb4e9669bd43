"""Browser-sealed uploads: the server receives envelopes, never plaintext.

With JavaScript on, the reporter's browser seals the report and every file
to the reviewers' public keys (intake/static/js/) and sends only envelopes,
in pieces, through the JSON endpoints of :mod:`intake.upload.views`. This
package keeps each browser's upload state on the server under an opaque
cookie token (:mod:`intake.upload.sessions`, with the caps on unfinished
uploads), checks the envelopes' structure (:mod:`intake.upload.checks`),
keeps partial envelopes as pending blobs in the database
(:mod:`intake.upload.parts`) and binds them into a submission with the same
code as the no-JavaScript path (:mod:`intake.submission`).

An abandoned partial upload is ciphertext only; the hourly ``resguardo
tick`` deletes it once its session has been idle
``RESGUARDO_PENDING_EXPIRY_HOURS`` whole hours (1 by default: between one and
two hours after its last request, plus the timer's delay).
"""
