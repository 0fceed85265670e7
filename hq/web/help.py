"""``/help``: the documentation site, served by HQ itself, so a store manager at an HQ
without internet finds the dashboard's guide (linked from every page's header).

``make docs`` builds the site (MkDocs Material, ``docs/``) into this room's ``help/``
folder, which the wheel carries as package data. Its pages link to each other relatively,
so they work under ``/help/``. MkDocs Material starts each page with three small inline
scripts; HQ's Content-Security-Policy (:mod:`hq.web.headers`) allows exactly those, by
their SHA-256, on ``/help`` only. MkDocs' ``404.html`` links from the site's root, so it
is never served: a missing page is HQ's own 404. A build without the site answers
``/help`` with a page that says how to build it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from hq.web.headers import CSP

PREFIX = "/help"
INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)
MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Help – Hymiö HQ</title>
<link rel="stylesheet" href="/static/hymio.css"></head>
<body><main><h1>Help is not installed</h1>
<p>This HQ was installed without its documentation. Build it with <code>make docs</code>
before building the wheel, or read the Markdown pages in the source's <code>docs/</code>
folder.</p></main></body></html>
"""


def folder() -> Path:
    """Where the built site is: ``help/`` beside this module."""
    return Path(str(resources.files("hq.web") / "help"))


def inline_hashes(site: Path) -> list[str]:
    """The CSP sources (``'sha256-…'``) of every inline script in the site's pages."""
    found = set()
    for page in site.rglob("*.html"):
        for body in INLINE.findall(page.read_text(encoding="utf-8")):
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            found.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(found)


def help_csp(hashes: list[str]) -> str:
    """HQ's policy with the site's own inline scripts allowed by hash (its search runs in a
    worker from HQ: ``'self'``)."""
    return CSP.replace("script-src 'self'", " ".join(["script-src 'self'", *hashes]))


class SiteFiles(StaticFiles):
    """The site's files, ``index.html`` for the folder, never ``404.html``; every answer
    with :func:`help_csp`."""

    def __init__(self, site: Path, csp: str):
        super().__init__(directory=site, html=False)
        self.csp = [(b"content-security-policy", csp.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if path.endswith("/"):
            scope = {**scope, "path": path + "index.html"}
        if scope["path"].rsplit("/", 1)[-1] == "404.html":
            scope = {**scope, "path": scope["path"][:-8] + "no-such-page"}

        async def with_csp(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.csp]}
            await send(message)

        await super().__call__(scope, receive, with_csp)


def install(app: FastAPI, site: Path | None = None) -> None:
    """Serve the built site at ``/help/`` (``/help`` redirects there)."""
    site = site or folder()
    built = (site / "index.html").is_file()

    @app.get(PREFIX, include_in_schema=False)
    def help_root():
        if not built:
            return HTMLResponse(MISSING, status_code=404)
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    missing = HTMLResponse(MISSING, status_code=404)
    files = SiteFiles(site, help_csp(inline_hashes(site))) if built else missing
    app.mount(PREFIX, files, name="help")
