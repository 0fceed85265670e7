"""The web survey's pages at ``/r/<code>``, for a shopper on a phone: server-rendered, no
script needed, no outside file (the faces are inline SVG, the style one inline block
allowed by its hash), gzip when the browser takes it.

- ``GET /r/{code}``: the question and its faces (or numbers), each a submit button named
  by its face ("Very unhappy"); in ``?lang=``, else the browser's language of the
  survey's, else the survey's first. An unknown or retired code: a friendly 404.
- ``POST /r/{code}``: the face. The answer is kept at once (:mod:`hq.answer.keep`), as a
  kiosk keeps a press even if the shopper walks away, and the browser is sent on to…
- ``GET /r/{code}/more?t=…``: the follow-up reasons (when the survey asks them for that
  face) and an optional text box, for :data:`OPEN` after the answer; ``t`` is signed.
- ``POST /r/{code}/more``: the reason and the words, added to that same rating once;
  then ``GET /r/{code}/thanks``.

The first form carries the survey, question and version it showed, signed: a forged one
is a 400 page, a stale one (the survey changed meanwhile) a 409 page with the new survey
a tap away; nothing is kept. Every refusal is a page in the shopper's language with a
4xx status; nothing is changed.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hq.answer.guard import (
    BURST_WINDOW,
    COOKIE,
    address_name,
    browser_name,
    new_browser_id,
    over_limit,
    sign,
    signed,
)
from hq.answer.keep import FollowupError, follow_up, keep_answer
from hq.answer.pages import CSP, render
from hq.answer.receipt import MOST as RECEIPT_MOST
from hq.answer.receipt import REFUSALS as RECEIPT_REFUSALS
from hq.answer.receipt import check as check_receipt
from hq.answer.receipt import refusal_of
from hq.answer.survey import WebSurvey, web_survey
from hq.core.client_address import client_host
from hq.core.errors import N_
from hq.core.language import language as language_of
from hq.core.language import negotiate
from hq.fleet.receipts.tokens import ReceiptError
from hq.fleet.touchpoints import find_by_code
from hq.tables.models import Rating, WebFollowup
from hq.words.keep import MAX_INPUT
from kiosk.settings.survey import LANGUAGES

router = APIRouter(include_in_schema=False)
# What each refusal says (title, text); English, translated where shown.
REFUSALS = {
    "gone": (
        N_("This survey is no longer here"),
        N_("The link may be old or mistyped. Thank you for wanting to tell us how we did."),
    ),
    "stale": (
        N_("The survey has changed"),
        N_(
            "The question changed while the page was open, so your answer was not "
            "saved. Please answer the new one."
        ),
    ),
    "forged": (
        N_("This answer could not be read"),
        N_("The form was not the one we sent, so nothing was saved. Please answer again."),
    ),
    "missing": (
        N_("This answer could not be read"),
        N_("Part of the form was missing, so nothing was saved. Please answer again."),
    ),
    "score": (
        N_("This answer could not be read"),
        N_("That is not one of the survey's answers, so nothing was saved. Please answer again."),
    ),
    "reason": (
        N_("This answer could not be read"),
        N_(
            "That is not one of the reasons we asked about, so nothing more was "
            "saved. Your first answer is kept."
        ),
    ),
    "answered": (
        N_("Already answered"),
        N_("You already told us this. Thank you!"),
    ),
    "closed": (
        N_("Time is up for this page"),
        N_("Your first answer is kept. The page for adding more is open for 15 minutes."),
    ),
    "too_long": (
        N_("That was too long"),
        N_("Please shorten your text; nothing more was saved."),
    ),
    "encoding": (
        N_("This answer could not be read"),
        N_("The form came in an encoding we cannot read, so nothing was saved."),
    ),
    "form": (
        N_("This answer could not be read"),
        N_("Please send the survey from its page; nothing was saved."),
    ),
    "slow_down": (
        N_("Too many answers at once"),
        N_(
            "Many answers came from your connection in a short time. Any answer you"
            " sent is kept. Please wait a minute before answering again."
        ),
    ),
}
REFUSALS.update(RECEIPT_REFUSALS)  # a receipt link used, expired or not HQ's (issue 32)
BACK = ("stale", "forged", "missing", "score", "slow_down")  # a link back to the survey
ENDS = {
    "nps": (N_("not at all likely"), N_("extremely likely")),
    "ces": (N_("very difficult"), N_("very easy")),
}
OPEN = 15 * 60  # seconds the second step stays open after the answer
MOST_BODY = 16_384  # bytes of a form: the words are at most MAX_INPUT characters
MOST_FIELDS = 12


@dataclass
class Refusal(Exception):
    """A request the survey answers with a page of its own: *status*, and which text."""

    status: int
    what: str
    headers: dict | None = None
    lang: str | None = None  # the page's language, when the survey was found


def _lang(request: Request, web: WebSurvey | None, asked: str | None = None) -> str:
    asked = asked if asked is not None else request.query_params.get("lang")
    accept = request.headers.get("accept-language")
    if web is None:
        return asked if asked in LANGUAGES else negotiate(accept)
    return web.language(asked, accept)


def _answer(request: Request, html: str, status: int = 200, headers: dict | None = None):
    """*html* as the answer, gzip when the browser takes it."""
    body = html.encode()
    extra = {"content-security-policy": CSP, "cache-control": "no-store", **(headers or {})}
    extra["vary"] = "Accept-Encoding"
    if "gzip" in request.headers.get("accept-encoding", "") and len(body) > 512:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        extra["content-encoding"] = "gzip"
    return Response(body, status, headers=extra, media_type="text/html; charset=utf-8")


def _refused(request: Request, e: Refusal, web: WebSurvey | None, lang: str | None = None):
    code = e.lang or (lang if lang in LANGUAGES else None) or _lang(request, web)
    title, text = REFUSALS[e.what]
    html = render("refused.html", language_of(code), title=title, text=text, web=web,
                  back=e.what in BACK, lang=code, code=request.path_params.get("code", ""),
                  here=request.url.path)  # fmt: skip
    return _answer(request, html, e.status, e.headers)


def _touchpoint(session, code: str, now: datetime) -> WebSurvey:
    device = find_by_code(session, code)
    if device is None or device.retired_at is not None:
        raise Refusal(404, "gone")
    return web_survey(session, device, now)


async def _form(request: Request) -> dict[str, str]:
    """The posted form, each field once, as text; a :class:`Refusal` for a body too big,
    not a form, or not UTF-8."""
    if request.headers.get("content-type", "").split(";")[0].strip() != (
        "application/x-www-form-urlencoded"
    ):
        raise Refusal(415, "form")
    body = await request.body()
    if len(body) > MOST_BODY:
        raise Refusal(413, "too_long")
    try:
        text = body.decode("ascii")
        found = parse_qs(text, keep_blank_values=True, strict_parsing=False,
                         encoding="utf-8", errors="strict", max_num_fields=MOST_FIELDS)  # fmt: skip
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "encoding") from None
    return {k: v[0] for k, v in found.items()}


def _browser(request: Request) -> tuple[str, bool]:
    """The browser's random id from its cookie (a new one if it has none or a bad one),
    and whether it is new."""
    found = request.cookies.get(COOKIE, "")
    if 16 <= len(found) <= 40 and found.replace("-", "").replace("_", "").isalnum():
        return found, False
    return new_browser_id(), True


def _with_cookie(request: Request, response: Response, browser: str) -> Response:
    response.set_cookie(COOKIE, browser, max_age=24 * 3600, path="/r/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")  # fmt: skip
    return response


@router.get("/r/{code}")
async def survey_page(code: str, request: Request):
    state = request.app.state

    def work():
        with state.sessions() as session:
            now = state.clock()
            web = _touchpoint(session, code, now)
            lang = _lang(request, web)
            wait = over_limit(session, state.answer_secret, client_host(request), now)
            if wait:
                raise Refusal(429, "slow_down", {"Retry-After": str(wait)}, lang)
            stamp = web.stamp
            token = request.query_params.get("t", "")
            if token:
                _receipt(session, token, code, now, lang)
            return lang, render(
                "answer.html", language_of(lang), web=web, lang=lang, code=code,
                stamp=stamp, sig=sign(state.answer_secret, code, *stamp),
                here=f"/r/{code}" + (f"?{urlencode({'t': token})}" if token else ""),
                closed=web.closed(now), ends=ENDS.get(web.scale.kind), receipt=token,
            )  # fmt: skip

    try:
        _lang_shown, html = await run_in_threadpool(work)
    except Refusal as e:
        return _refused(request, e, None)
    return _answer(request, html)


@router.post("/r/{code}")
async def answer(code: str, request: Request):
    state = request.app.state
    browser, _ = _browser(request)
    try:
        form = await _form(request)
    except Refusal as e:
        return _refused(request, e, None)

    def work():
        with state.sessions() as session:
            now = state.clock()
            web = _touchpoint(session, code, now)
            lang = _lang(request, web, form.get("lang"))
            try:
                stamp = (form["survey"], form["question"], int(form["version"]), form["scale"])
            except (KeyError, ValueError):
                raise Refusal(400, "missing") from None
            if not signed(state.answer_secret, form.get("sig", ""), code, *stamp):
                raise Refusal(400, "forged")
            if stamp != web.stamp:
                raise Refusal(409, "stale")
            score = form.get("score", "")
            ok = score.isascii() and score.isdigit() and len(score) <= 2  # "²" is a digit too
            if not ok or int(score) not in web.scale.scores:
                raise Refusal(400, "score")
            host = client_host(request)
            try:
                kept = keep_answer(
                    session, web, int(score), now, address_name(state.answer_secret, host),
                    browser_name(state.answer_secret, browser, web.device.store_id),
                    state.write_lock, form.get("receipt", "")[:RECEIPT_MOST],
                )  # fmt: skip
            except ReceiptError as e:
                raise Refusal(*refusal_of(e), lang=lang) from None
            return web, lang, kept, now

    try:
        web, lang, kept, now = await run_in_threadpool(work)
    except Refusal as e:
        return _with_cookie(request, _refused(request, e, None, form.get("lang")), browser)
    if kept.limited:
        e = Refusal(429, "slow_down", {"Retry-After": str(int(BURST_WINDOW.seconds))})
        return _with_cookie(request, _refused(request, e, web, lang), browser)
    until = int(now.timestamp()) + OPEN
    ticket = f"{kept.rating_id}.{until}.{sign(state.answer_secret, code, kept.rating_id, until)}"
    where = f"/r/{code}/more?" + urlencode({"t": ticket, "lang": lang})
    return _with_cookie(request, RedirectResponse(where, status_code=303), browser)


def _receipt(session, token: str, code: str, now: datetime, lang: str) -> None:
    """A :class:`Refusal` unless the receipt *token* may still answer (issue 32)."""
    try:
        check_receipt(session, token, code, now)
    except ReceiptError as e:
        raise Refusal(*refusal_of(e), lang=lang) from None


def _ticket(state, code: str, ticket: str, now: datetime) -> str:
    """The rating id in the signed *ticket*, if it is this link's and still open."""
    parts = (ticket or "").split(".")
    if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit() and len(parts[1]) <= 12):
        raise Refusal(400, "missing")
    if len(parts[0]) != 36:
        raise Refusal(400, "missing")
    rating_id, until, signature = parts
    if not signed(state.answer_secret, signature, code, rating_id, int(until)):
        raise Refusal(400, "forged")
    if int(until) < now.timestamp():
        raise Refusal(410, "closed")
    return rating_id


@router.get("/r/{code}/more")
async def more_page(code: str, request: Request):
    state = request.app.state
    ticket = request.query_params.get("t", "")

    def work():
        with state.sessions() as session:
            now = state.clock()
            web = _touchpoint(session, code, now)
            lang = _lang(request, web)
            rating_id = _ticket(state, code, ticket, now)
            rating = session.get(Rating, rating_id)
            if rating is None or rating.device_id != web.device.id:
                raise Refusal(404, "gone")
            if session.get(WebFollowup, rating_id) is not None:
                raise Refusal(409, "answered")
            asks = web.survey.asks_followup(rating.score)
            return render("more.html", language_of(lang), web=web, lang=lang, code=code,
                          ticket=ticket, asks=asks, reasons=web.reasons(lang),
                          here=f"/r/{code}/more?t={ticket}",
                          most=MAX_INPUT // 4)  # fmt: skip

    try:
        html = await run_in_threadpool(work)
    except Refusal as e:
        return _refused(request, e, None)
    return _answer(request, html)


@router.post("/r/{code}/more")
async def more(code: str, request: Request):
    state = request.app.state
    try:
        form = await _form(request)
    except Refusal as e:
        return _refused(request, e, None)

    def work():
        with state.sessions() as session:
            now = state.clock()
            web = _touchpoint(session, code, now)
            lang = _lang(request, web, form.get("lang"))
            rating_id = _ticket(state, code, form.get("t", ""), now)
            skip = "skip" in form
            reason = None if skip else (form.get("reason") or None)
            words = "" if skip else form.get("words", "")
            if reason is not None and reason not in web.survey.followup.reasons:
                raise Refusal(400, "reason")
            if len(words) > MAX_INPUT:
                raise Refusal(413, "too_long")
            rating = session.get(Rating, rating_id)
            if rating is None or rating.device_id != web.device.id:
                raise Refusal(404, "gone")
            if reason is not None and not web.survey.asks_followup(rating.score):
                raise Refusal(400, "reason")
            try:
                follow_up(session, web, rating_id, reason, words, lang, now,
                               state.write_lock)  # fmt: skip
            except FollowupError as e:
                raise Refusal(409 if e.why == "answered" else 404, e.why) from None
            return lang

    try:
        lang = await run_in_threadpool(work)
    except Refusal as e:
        return _refused(request, e, None, form.get("lang"))
    return RedirectResponse(f"/r/{code}/thanks?" + urlencode({"lang": lang}), status_code=303)


@router.get("/r/{code}/thanks")
async def thanks(code: str, request: Request):
    state = request.app.state

    def work():
        with state.sessions() as session:
            web = _touchpoint(session, code, state.clock())
            lang = _lang(request, web)
            return render("thanks.html", language_of(lang), web=web, lang=lang, code=code,
                          here=f"/r/{code}/thanks")  # fmt: skip

    try:
        html = await run_in_threadpool(work)
    except Refusal as e:
        return _refused(request, e, None)
    return _answer(request, html)
