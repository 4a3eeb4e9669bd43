"""Deployment of Resguardo: the onion launcher, gunicorn and tor configuration.

The Python part is the stem-based onion launcher (:mod:`deploy.onion`, console
script ``resguardo-onion``). Everything else here is configuration read by other
programs: ``gunicorn.conf.py``, ``torrc.template`` and ``systemd/`` units. Encrypted
backups are the :mod:`deploy.backup` subpackage (``resguardo-backup``).
docs/OPERATIONS.md explains how they fit.
"""
