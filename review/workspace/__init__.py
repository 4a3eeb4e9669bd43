"""The reviewer's workspace: a loopback-only local web app over a cases folder.

Owns the case index (:mod:`.index`: SQLite with FTS5 in ``CASES/_workspace/``,
a cache rebuilt from the case folders at any time), the triage records
(:mod:`.triage`: status, urgency, tags, assignee, private notes, kept in
``CASES/_workspace/triage.sqlite3`` and never exported), the Flask app and its
pages (:mod:`.app`, :mod:`.views`), and the launcher behind
``review workspace`` (:mod:`.server`: 127.0.0.1, a random port, a per-launch
secret token). May import :mod:`review`, :mod:`keys`, Flask and Flask-WTF and
the standard library; never the intake and never a network client library.
The Flask modules are imported only by the launcher, so ``review import`` and
``review list`` use the index without loading Flask.
"""
