"""The ASGI app for ``uvicorn hq.main:app`` (what ``hymio hq serve`` runs in each worker)."""

from __future__ import annotations

import os

from hq.app import create_app
from hq.db import default_url

app = create_app(default_url(), secure_cookies=bool(os.environ.get("HYMIO_HQ_SECURE_COOKIES")))
