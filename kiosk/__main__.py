"""``python -m kiosk`` is ``hymio``."""

import sys

from kiosk.cli import main

sys.exit(main())
