"""Encrypted backups of an installation: ``resguardo-backup keygen | create | restore``.

A backup is one file: a tar stream (the data directory with a consistent
database copy, and the onion service's key directory) sealed in one Resguardo
envelope (:mod:`keys`, envelope v1) to the operator's backup public key, whose
secret half, in a passphrase-protected key file, never stays on the server.
Both directions stream: memory use does not grow with the size of the data.

Modules: :mod:`.archive` (the sealed tar stream, both ways), :mod:`.database`
(SQLite snapshot, PostgreSQL dump and restore), :mod:`.install` (where the
pieces live, placing a restore), :mod:`.cli` (the command), :mod:`.errors`.
May import :mod:`keys`, :mod:`intake` (configuration only), the standard
library, and from the review tool its languages (:mod:`review.i18n`, whose
catalogs hold this command's Spanish, and :func:`review.render.choose_language`)
and its passphrase judge (:mod:`review.passphrase`, zxcvbn): the operator's
other offline command chooses and speaks the same way. Nothing here talks to
the network.
"""
