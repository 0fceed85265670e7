"""A fault-injecting HTTP proxy on 127.0.0.1, between sync and HQ.

For each request it picks, at random (seeded), one of: pass it on; drop the connection
before HQ sees the request; pass it on and drop the connection before the answer; answer
500; answer 429; stall past the client's read timeout (and deliver late); deliver it to
HQ twice. It stops itself after *lifetime* seconds or *max_requests* requests.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler

import requests

from tests.sync.loopback import LoopbackServer

FAULTS = {
    "pass": 4,
    "drop_before": 1,
    "drop_after": 1,
    "error_500": 1,
    "slow_down": 1,
    "stall": 1,
    "twice": 1,
}


class FaultyProxy(LoopbackServer):
    """``with FaultyProxy(hq_url) as proxy: ... proxy.url ...``"""

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 1,
        stall: float = 0.6,
        lifetime: float = 120.0,
        max_requests: int = 2000,
        faults: dict[str, int] | None = None,
    ):
        self.upstream, self.stall = upstream, stall
        self.lifetime, self.max_requests = lifetime, max_requests
        self.rng = random.Random(seed)
        weights = faults or FAULTS
        self._names, self._weights = list(weights), list(weights.values())
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._session = requests.Session()
        super().__init__(self._handle, lifetime=lifetime)

    def _pick(self) -> str:
        with self._lock:
            if sum(self.counts.values()) >= self.max_requests:
                fault = "drop_before"
            else:
                fault = self.rng.choices(self._names, self._weights)[0]
            self.counts[fault] += 1
            return fault

    def _forward(self, h: BaseHTTPRequestHandler, method: str, body: bytes):
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
        return requests.request(
            method, self.upstream + h.path, data=body or None, headers=headers, timeout=30
        )

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        fault = self._pick()
        h.close_connection = True
        if fault == "drop_before":
            return
        if fault == "stall":
            time.sleep(self.stall)  # the client has given up; HQ gets it late
            self._forward(h, method, body)
            return
        if fault in ("error_500", "slow_down"):
            status = 500 if fault == "error_500" else 429
            payload = b'{"error":{"code":"proxy","message":"injected"}}'
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            if status == 429:
                h.send_header("Retry-After", "0")
            h.end_headers()
            h.wfile.write(payload)
            return
        answer = self._forward(h, method, body)
        if fault == "twice":
            answer = self._forward(h, method, body)
        if fault == "drop_after":
            return
        h.send_response(answer.status_code)
        for key in ("Content-Type", "Retry-After", "ETag"):
            if key in answer.headers:
                h.send_header(key, answer.headers[key])
        h.send_header("Content-Length", str(len(answer.content)))
        h.end_headers()
        h.wfile.write(answer.content)
