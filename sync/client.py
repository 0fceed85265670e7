"""HQ's HTTP API as the device sees it: one ``requests.Session``, timeouts, TLS verified.

urllib3's ``Retry`` repeats only what is safe to repeat at once: a connection that could
not be made. Everything else (timeouts, 5xx, 429) is answered by the uploader's backoff,
which spreads kiosks out over minutes instead of hammering HQ within one request.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from kiosk import __version__

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
GZIP_LEVEL = 1  # a batch shrinks about 11× at level 1, for ~1 ms of CPU per 1000 ratings


@dataclass(frozen=True)
class Answer:
    """HQ's answer: the status, the JSON body (``{}`` if none) and the headers we use."""

    status: int
    body: dict[str, Any]
    retry_after: float | None = None
    etag: str | None = None
    date: str | None = None
    content_type: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_hq_error(self) -> bool:
        """Whether the body is HQ's own error shape (SPEC §5), not a proxy's page."""
        error = self.body.get("error")
        return (
            isinstance(error, dict)
            and isinstance(error.get("code"), str)
            and isinstance(error.get("message"), str)
        )

    @property
    def rating_id(self) -> str | None:
        """The rating HQ's error is about, if it names one."""
        error = self.body.get("error")
        rid = error.get("rating_id") if isinstance(error, dict) else None
        return rid if isinstance(rid, str) else None

    @property
    def error_code(self) -> str:
        """HQ's error code (SPEC §5), or ``http_<status>``."""
        error = self.body.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, str) else f"http_{self.status}"

    @property
    def error_message(self) -> str:
        """HQ's error sentence, or the status."""
        error = self.body.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        return message if isinstance(message, str) else f"HQ answered {self.status}"


def make_session() -> requests.Session:
    """A session that retries failed connects twice, quickly, and nothing else."""
    session = requests.Session()
    retry = Retry(
        total=2, connect=2, read=0, status=0, other=0, redirect=0,
        backoff_factor=0.2, allowed_methods=None, raise_on_status=False,
    )  # fmt: skip
    session.mount("http://", HTTPAdapter(max_retries=retry, pool_maxsize=1))
    session.mount("https://", HTTPAdapter(max_retries=retry, pool_maxsize=1))
    session.headers["User-Agent"] = f"hymio-sync/{__version__}"
    return session


class HQClient:
    """Talks to one HQ for one device. Raises ``requests.RequestException`` when unreachable."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ):
        self.url = url.rstrip("/")
        self.session = session or make_session()
        self.timeout = (connect_timeout, read_timeout)
        self._auth = {"Authorization": f"Bearer {token}"}
        # The scheduler's jobs run on their own threads; one request at a time keeps the
        # session (and its single pooled connection) to one user.
        self._lock = threading.Lock()
        self.gzip = False  # whether HQ takes gzip bodies: learnt from its answers

    def close(self) -> None:
        self.session.close()

    def post_ratings(self, body: bytes) -> Answer:
        """``POST /api/v1/ratings`` with an already encoded batch, gzipped once HQ has said
        it takes gzip (``Accept-Encoding`` on any answer, RFC 7694); a 415 to a gzipped
        batch (an HQ put back to an older release) sends it again plain, and plain it stays."""
        headers = {**self._auth, "Content-Type": "application/json"}
        if not self.gzip:
            return self._call("POST", "/api/v1/ratings", data=body, headers=headers)
        packed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        headers["Content-Encoding"] = "gzip"
        answer = self._call("POST", "/api/v1/ratings", data=packed, headers=headers)
        if answer.status != 415:
            return answer
        self.gzip = False
        del headers["Content-Encoding"]
        return self._call("POST", "/api/v1/ratings", data=body, headers=headers)

    def heartbeat(self, status: dict[str, Any]) -> Answer:
        """``POST /api/v1/heartbeat``."""
        return self._call("POST", "/api/v1/heartbeat", json=status, headers=self._auth)

    def config(self, etag: str | None = None) -> Answer:
        """``GET /api/v1/config``; 304 when *etag* still matches."""
        headers = {**self._auth, **({"If-None-Match": etag} if etag else {})}
        return self._call("GET", "/api/v1/config", headers=headers)

    def health(self) -> Answer:
        """``GET /healthz`` (no token)."""
        return self._call("GET", "/healthz")

    def _call(self, method: str, path: str, **kwargs: Any) -> Answer:
        with self._lock:
            response = self.session.request(method, self.url + path, timeout=self.timeout, **kwargs)
            if "gzip" in response.headers.get("Accept-Encoding", "").lower():
                self.gzip = True
        try:
            body = response.json() if response.content else {}
        except (ValueError, json.JSONDecodeError):
            body = {}
        return Answer(
            status=response.status_code,
            body=body if isinstance(body, dict) else {},
            retry_after=_seconds(response.headers.get("Retry-After")),
            etag=response.headers.get("ETag"),
            date=response.headers.get("Date"),
            content_type=response.headers.get("Content-Type"),
        )


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds (HQ sends delta-seconds; an HTTP date is ignored)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
