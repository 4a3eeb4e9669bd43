"""The WSGI entry point for gunicorn: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

A configuration problem is one line on stderr and exit code 3, not a traceback
(gunicorn then stops: its workers cannot boot).
"""

import sys

from intake import create_app
from intake.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"resguardo: error: {exc}\n")
    sys.exit(3)
