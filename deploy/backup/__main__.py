"""``python -m deploy.backup``: the same as ``resguardo-backup``."""

import sys

from .cli import main

sys.exit(main())
