"""``python -m hymio`` is ``hymio``."""

import sys

from hymio.cli import main

sys.exit(main())
