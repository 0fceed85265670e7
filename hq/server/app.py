"""The HQ web application: :func:`create_app` wires the database, the API and the dashboard.

The process keeps no state that matters between requests (the session-signing secret lives
in the database), so several can run behind a load balancer on one PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from hq import api
from hq.api import (
    actions,
    business,
    config,
    devices,
    enrol,
    export,
    health,
    ratings,
    releases,
    reports,
    whatif,
)
from hq.api import weekly as weekly_api
from hq.api.alerts import setup as alert_setup
from hq.api.alerts import subscriptions as alert_subscriptions
from hq.api.alerts import tracking as alert_tracking
from hq.api.chain import audit as chain_audit
from hq.api.chain import devices as chain_devices
from hq.api.chain import receipts as chain_receipts
from hq.api.chain import stores as chain_stores
from hq.api.chain import touchpoints as chain_touchpoints
from hq.api.comments import routes as comment_routes
from hq.api.people import users as people_users
from hq.api.regions import figures as region_api
from hq.api.regions import manage as region_manage
from hq.api.survey import routes as survey_routes
from hq.core import client_address
from hq.core.budget import Budget, Share, budget_for
from hq.fleet.releases import release_folder
from hq.ingest.device_calls import Admission, KnownDevices
from hq.ingest.health import Health
from hq.ingest.ratelimit import RateLimiter
from hq.ingest.wire import Batch
from hq.insight.exports.streamed import ExportGate
from hq.tables.database import POOL_TIMEOUT, export_sessions, open_database, writer_lock
from hq.web import docs, errors_http, headers, help
from kiosk import __version__


def create_app(
    database_url: str,
    clock: Callable[[], datetime] | None = None,
    rate: float = 50.0,
    burst: int = 100,
    secure_cookies: bool = False,
    min_cell: int = 5,
    release_files: Path | None = None,
    forwarded_allow_ips: str = "",
    help_site: Path | None = None,
    budget: Budget | None = None,
) -> FastAPI:
    """The HQ app on *database_url* (migrated on start).

    *rate* and *burst* limit each device's requests per second. *secure_cookies* marks the
    dashboard's session cookie ``Secure`` (set it when HQ is served over HTTPS). An hour
    or a day with fewer than *min_cell* ratings shows no figure on the dashboard. Release
    files are served from the folder *release_files* (default
    :func:`hq.fleet.releases.release_folder`). The documentation at ``/help`` is the site
    built into *help_site* (default :func:`hq.web.help.folder`). The process keeps to the
    connection *budget* (default :func:`hq.core.budget.budget_for` the URL).
    """
    from hq.answer import install as install_answer
    from hq.dashboard import install as install_dashboard

    budget = budget or budget_for(database_url)
    engine, sessions = open_database(database_url, budget)
    app = FastAPI(
        title="Hymiö HQ",
        version=__version__,
        description="Collects the ratings of every Hymiö kiosk (SPEC §5).",
        docs_url=None,  # served from HQ itself by hq.web.docs, not from a CDN
        redoc_url=None,
    )
    app.state.engine, app.state.sessions = engine, sessions
    app.state.write_lock = writer_lock(engine)
    app.state.clock = clock or (lambda: datetime.now(UTC))
    app.state.limiter = RateLimiter(rate, burst)
    app.state.devices = KnownDevices()
    app.state.budget = budget
    app.state.admission = Admission(limit=budget.kiosks)
    app.state.share = Share(budget.dashboard, POOL_TIMEOUT)  # the dashboard's and the API's
    app.state.health = Health(engine)
    app.state.exports = ExportGate(budget.exports)
    app.state.export_sessions = export_sessions(database_url, budget.exports, budget)
    if min_cell < 1:
        raise ValueError(f"min_cell {min_cell} must be 1 or more")
    app.state.min_cell = min_cell
    app.state.release_folder = release_files or release_folder(database_url)
    errors_http.install(app)
    client_address.install(app, forwarded_allow_ips)
    routers = (
        ratings, devices, config, releases, enrol, reports, actions, whatif, export, business,
        health,
    )  # fmt: skip
    routers += (chain_audit, chain_stores, chain_devices, chain_touchpoints)
    routers += (chain_receipts,)
    routers += (people_users,)
    for module in routers:
        app.include_router(module.router)
    app.include_router(region_api.router)
    app.include_router(region_manage.router)
    app.include_router(weekly_api.router)
    app.include_router(survey_routes.router)
    app.include_router(comment_routes.router)
    api.document_bodies(app, survey_routes.Publish, survey_routes.Schedule)
    app.include_router(alert_setup.router)
    app.include_router(alert_tracking.router)
    app.include_router(alert_subscriptions.router)
    api.document_bodies(app, Batch)  # read by the endpoint itself (hq.api.ratings)
    install_dashboard(app, sessions, secure_cookies)
    install_answer(app)
    docs.install(app)
    help.install(app, help_site)
    headers.install(app, hsts=secure_cookies)
    return app
