"""``/docs``: Swagger UI served by HQ itself, so it works at an HQ without internet.

Swagger UI's files come from the ``fastapi-offline`` package (a dependency of the ``hq``
extra), mounted at ``/docs/assets``; the page starts it from ``/static/docs.js``, not from
an inline script (FastAPI's own ``get_swagger_ui_html`` writes one), so HQ's strict
Content-Security-Policy (:mod:`hq.web.headers`) holds on /docs too. ReDoc is off: its script
needs inline styles.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import escape

ASSETS = "/docs/assets"
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """Serve Swagger UI at ``/docs`` for *app*'s schema (create *app* with docs_url=None)."""
    import fastapi_offline  # noqa: F401 -- a missing package named as such, not an assert

    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")
    page = PAGE.format(
        title=escape(f"{app.title} – API"), assets=ASSETS, openapi=escape(app.openapi_url)
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)
