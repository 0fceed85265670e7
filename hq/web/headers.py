"""Security headers on every answer of HQ: pages, API, errors, static files, /docs.

The dashboard has no inline script or style (charts are SVG drawn on the server, styles in
``/static/hymio.css``) and /docs loads Swagger UI from HQ itself (:mod:`hq.web.docs`), so one
strict Content-Security-Policy serves them all: only HQ's own scripts, styles, images
(and ``data:`` images, which Swagger UI's stylesheet uses for its icons) and requests; no
plugins, no framing, forms only to HQ. HSTS only when HQ is served over HTTPS
(``--secure-cookies``): over plain HTTP a browser ignores it anyway, and it would be a lie.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the chain's other hosts are not ours


class SecurityHeaders:
    """Pure ASGI middleware: add :data:`HEADERS` (and HSTS if *hsts*) to every response
    that does not set them itself."""

    def __init__(self, app: ASGIApp, hsts: bool = False):
        self.app = app
        extra = {"strict-transport-security": HSTS} if hsts else {}
        self.headers = [(k.encode(), v.encode()) for k, v in {**HEADERS, **extra}.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, hsts: bool) -> None:
    """Wrap *app*'s whole middleware stack in :class:`SecurityHeaders`.

    Outside Starlette's ServerErrorMiddleware too, which is outside every middleware added
    with ``add_middleware`` and answers a bug's 500 itself; so that answer has them as well.
    """
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build(), hsts=hsts)
