"""Something between the kiosk and HQ on 127.0.0.1: a reverse proxy, WAF or captive
portal that, while told to, answers every request itself (any status, any body), or
passes it to HQ and cuts the connection before the answer; otherwise it passes requests
on. It stops itself after *lifetime* seconds."""

from __future__ import annotations

from collections import Counter
from http.server import BaseHTTPRequestHandler

import requests

from tests.sync.loopback import LoopbackServer

HTML = "text/html; charset=utf-8"
PAGE = b"<!doctype html><html><body><h1>Bad Request</h1><p>nginx</p></body></html>"


class Middlebox(LoopbackServer):
    """``with Middlebox(hq_url) as box: box.answer = (400, HTML, PAGE); ... box.url``"""

    def __init__(self, upstream: str, *, lifetime: float = 120.0):
        self.upstream = upstream
        self.answer: tuple[int, str | None, bytes] | None = None  # None: pass on
        self.cut_after = 0  # pass on this many requests, but cut each before the answer
        self.seen: Counter[str] = Counter()
        super().__init__(self._handle, lifetime=lifetime)

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        h.close_connection = True
        self.seen[h.path] += 1
        if self.answer is not None:
            status, content_type, payload = self.answer
            h.send_response(status)
            if content_type:
                h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
        answer = requests.request(
            method, self.upstream + h.path, data=body or None, headers=headers, timeout=30
        )
        if self.cut_after > 0 and h.path == "/api/v1/ratings":
            self.cut_after -= 1
            return  # HQ has it; the kiosk never hears so
        h.send_response(answer.status_code)
        for key in ("Content-Type", "Retry-After", "ETag", "Date"):
            if key in answer.headers:
                h.send_header(key, answer.headers[key])
        h.send_header("Content-Length", str(len(answer.content)))
        h.end_headers()
        h.wfile.write(answer.content)
