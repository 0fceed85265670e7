"""``/chain/touchpoints/{code}/poster.pdf?lang=fi``: a web link's QR poster, A4, to print
and put up in the store (issue 32).

The poster says, in the language asked (fi, sv or en, whatever the reader's own): "Scan to
tell us", the survey's question as the web link asks it today, a big QR code of the link
(``HQ/r/<code>``; vector, so it prints sharp at any size), the link itself in text for
those who type it, and the store's name. Anyone who may see the store may print it; a
retired link has no poster. Made by WeasyPrint from ``poster.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hq.core.language import LANGUAGES, N_, language
from hq.core.speaking import speaking
from hq.dashboard.pages import _page, _to_login, logged_in, speaks, templates
from hq.fleet.enrol_codes import hq_address, qr_svg
from hq.fleet.surveys import survey_for
from hq.fleet.touchpoints import STAGES, find_by_code
from hq.tables.models import Device, Store
from hq.web.deps import DB, Now, WriteLock
from kiosk.settings.model import Survey

router = APIRouter(include_in_schema=False)
NO_LINK = N_("There is no working web link {code}.")
NO_LANGUAGE = N_("A poster is made in fi, sv or en, not {lang}.")


@dataclass(frozen=True)
class Poster:
    """What a poster shows, in one language."""

    language: str
    store_name: str
    question: str
    url: str  # what the QR code holds and the poster prints
    short_url: str  # the same without the scheme, as people type it
    stage: str  # the journey stage's key, '' unset
    qr: Markup


def question_of(session: Session, device: Device, now: datetime, lang: str) -> str:
    """The question the web link *device* asks today in *lang* (its survey's, else the
    built-in one)."""
    survey = survey_for(session, device, now).get("survey") or {}
    text = (survey.get("question") or {}).get(lang)
    return text or getattr(Survey().question, lang)


def poster_of(session: Session, device: Device, hq_url: str, now: datetime, lang: str) -> Poster:
    """The poster of the web link *device* in *lang*, its link under *hq_url*."""
    store = session.get(Store, device.store_id)
    url = f"{hq_url.rstrip('/')}/r/{device.code}"
    title = language(lang).gettext("QR code of the survey")
    return Poster(
        language=lang, store_name=store.name, question=question_of(session, device, now, lang),
        url=url, short_url=url.split("://", 1)[-1], stage=device.stage, qr=qr_svg(url, title),
    )  # fmt: skip


def poster_html(poster: Poster) -> str:
    """The poster as the HTML WeasyPrint lays out on A4."""
    words = language(poster.language)
    return templates.env.get_template("poster.html").render(
        **speaking(words), poster=poster, stage_name=STAGES.get(poster.stage, "")
    )


def poster_pdf(poster: Poster) -> bytes:
    """The poster as a one-page A4 PDF."""
    from weasyprint import HTML  # heavy: only where a poster is made

    return HTML(string=poster_html(poster)).write_pdf()


@router.get("/chain/touchpoints/{code}/poster.pdf")
def poster_page(
    code: str,
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    lang: Annotated[str, Query(max_length=8)] = "fi",
):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    device = find_by_code(db, code)
    if device is None or not user.access.sees(device.store_id) or device.retired_at:
        why = words.translate(NO_LINK, code=code[:40])
        return _page(request, "problem.html", user, 404, why=why, store=None)
    if lang not in LANGUAGES:
        why = words.translate(NO_LANGUAGE, lang=lang)
        return _page(request, "problem.html", user, 400, why=why, store=None)
    poster = poster_of(db, device, hq_address(str(request.base_url)), now, lang)
    name = f"hymio-poster-{device.code}-{lang}.pdf"
    return Response(
        poster_pdf(poster),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
