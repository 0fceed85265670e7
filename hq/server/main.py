"""The ASGI app for ``uvicorn hq.server.main:app`` (what ``hymio hq serve`` runs in each worker).

``hymio hq serve`` passes its options to the workers in the environment.
"""

from __future__ import annotations

import os

from hq import default_url
from hq.server import serving
from hq.server.app import create_app

serving.install_log_filter()
_rate = float(os.environ.get("HYMIO_HQ_RATE_LIMIT") or 50)
app = create_app(
    default_url(),
    rate=_rate,
    burst=max(1, int(2 * _rate)),
    secure_cookies=bool(os.environ.get("HYMIO_HQ_SECURE_COOKIES")),
    min_cell=int(os.environ.get("HYMIO_HQ_MIN_CELL") or 5),
    forwarded_allow_ips=os.environ.get("HYMIO_HQ_FORWARDED_ALLOW_IPS", ""),
)
serving.settle_heap()  # the app lives as long as the worker: the collector need not walk it
