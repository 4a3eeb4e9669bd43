"""Deployment of Resguardo: the onion launcher, gunicorn and tor configuration.

The Python part is the stem-based onion launcher (:mod:`deploy.onion`, console
script ``resguardo-onion``). Everything else here is configuration read by other
programs: ``gunicorn.conf.py``, ``torrc.template``, ``systemd/`` units and the
``backup.sh`` / ``restore.sh`` scripts. docs/OPERATIONS.md explains how they fit.
"""
