"""Resguardo's offline review tool, for the reviewers' air-gapped laptop.

``review keygen`` makes a reviewer keypair, ``review import`` verifies and
decrypts a bundle into case folders, ``review list`` shows the cases.
Imports :mod:`keys`, the standard library and rich only: never the intake
app, never a network library. docs/REVIEWING.md is the reviewer's guide.
"""
