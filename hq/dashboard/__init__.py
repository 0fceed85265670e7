"""The dashboard: server-rendered pages behind a login (SPEC §5 ``/``).

The browser's cookie is signed (Starlette's SessionMiddleware, itsdangerous) with a secret
kept in the database, so every HQ process accepts every other's cookie. It carries a CSRF
token that forms send back and, once logged in, the id of a session kept in the database
(:mod:`hq.people.sessions`), which is what HQ checks and what ending a session deletes.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from hq.people.sessions import LIFETIME
from hq.tables.models import Meta

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def session_secret(sessions: sessionmaker[Session]) -> str:
    """The session-signing secret, made once and shared through the database."""
    with sessions() as session:
        row = session.get(Meta, "session_secret")
        if row is not None:
            return row.value
        session.add(Meta(key="session_secret", value=secrets.token_urlsafe(48)))
        try:
            session.commit()
        except IntegrityError:  # another process made it first
            session.rollback()
        return session.get(Meta, "session_secret").value


def install(app: FastAPI, sessions: sessionmaker[Session], secure_cookies: bool) -> None:
    """Add the session middleware, the static files and the pages to *app*."""
    from hq.dashboard import (
        actions,
        admin_pages,
        business,
        fleet_page,
        overview,
        pages,
        reports_page,
        whatif,
    )
    from hq.dashboard.alerts import pages as alerts_pages
    from hq.dashboard.alerts import setup_pages as alert_setup
    from hq.dashboard.chain import audit_page, kiosks_page, posters, stores_page, touchpoints_page
    from hq.dashboard.enrol import pages as enrol_pages
    from hq.dashboard.people import admin_people, links_pages, oidc_pages, second_factor
    from hq.dashboard.regions import pages as region_pages
    from hq.dashboard.survey import pages as survey_pages
    from hq.dashboard.words import pages as comment_pages

    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(sessions),
        session_cookie="hymio_session",
        max_age=int(LIFETIME.total_seconds()),
        same_site="strict",
        https_only=secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(overview.router)
    app.include_router(fleet_page.router)
    app.include_router(whatif.router)
    app.include_router(admin_pages.router)
    app.include_router(alert_setup.router)  # before /alerts/{alert_id}
    app.include_router(alerts_pages.router)
    app.include_router(actions.router)
    app.include_router(reports_page.router)
    app.include_router(business.router)
    app.include_router(enrol_pages.router)
    app.include_router(region_pages.router)
    app.include_router(audit_page.router)
    app.include_router(stores_page.router)
    app.include_router(posters.router)
    app.include_router(kiosks_page.router)
    app.include_router(touchpoints_page.router)
    app.include_router(survey_pages.router)
    app.include_router(comment_pages.router)
    app.include_router(links_pages.router)
    app.include_router(admin_people.router)
    app.include_router(second_factor.router)
    app.include_router(oidc_pages.router)
