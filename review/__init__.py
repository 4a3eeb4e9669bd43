"""Resguardo's offline review tool, for the reviewers' air-gapped laptop.

``review keygen`` makes a reviewer keypair, ``review import`` verifies and
decrypts a bundle into case folders (with one or several keys), ``review
list`` shows the cases, ``review workspace`` opens the case workspace
(:mod:`review.workspace`: a loopback-only local web app for search, filters
and triage) and ``review clean`` makes cleaned copies of attachments
(:mod:`review.attachments`). Imports :mod:`keys`, the standard library, rich,
Flask/Flask-WTF (the workspace), python-magic and Pillow (attachments): never
the intake app, never a network client library. Messages are in Spanish and
English (:mod:`review.i18n`). docs/REVIEWING.md (REVIEWING.es.md in Spanish)
is the reviewer's guide.
"""
