"""``python -m review``: the same as the ``review`` console script."""

import sys

from .cli import main

sys.exit(main())
