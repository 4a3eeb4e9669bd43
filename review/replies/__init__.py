"""Replies and acknowledgements: what the reviewers send back to reporters and the server.

``review reply CASE`` writes a reply (:mod:`.document`: the reply document and
the reporter's key read from the decrypted report; sealed as an envelope v2 to
that key), keeps its text in the case folder and queues the envelope in
``CASES/_outbox/`` (:mod:`.outbox`); ``review ack CASE`` queues the case's
submissions as read; ``review return-bundle`` writes everything queued as
one signed return bundle (:mod:`.bundle`) and marks it sent. The reply text
comes from a file or the reviewer's editor (:mod:`.editor`). docs/FORMAT.md
("Reply key and reply envelope", "Return bundle") is normative. Imports
:mod:`keys` and the standard library only.
"""
