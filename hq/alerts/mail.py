"""An alert's e-mail in its reader's language (issue 30): the title translated, the times
in the store's time zone, the rule's kind by name, the reasons the unhappy answers gave in
the days the rule looked at (the top three, with their shares), and the same as a small
bar chart (inline SVG, :func:`hq.insight.charts.shares`) in the HTML part. A person's
daily digest, and a digest channel's, is in their language too (plain text); a channel's
test message is written in its language by :func:`hq.alerts.setup.send_test`."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.alerts.texts import kind_in, link, local_time, title_in
from hq.core.errors import N_
from hq.core.language import LANGUAGES, Language, language
from hq.insight.charts import shares
from hq.insight.counts import main_scale, reason_shares
from hq.insight.exports.labels import ReasonLabels
from hq.tables.alerts import Alert
from hq.tables.models import Store
from kiosk.timekeeping.localtime import parse_utc_text, zone

TOP = 3
REASONS = N_("What the unhappy answers gave as the reason:")
OPEN_IT = N_("Open the alert in Hymiö HQ:")
STYLE = (
    ".bars{max-width:440px}.bars text{font:13px sans-serif;fill:#1f2937}.bars rect{fill:#2563eb}"
    "body{font-family:sans-serif;color:#1f2937}"
)


def top_reasons(
    session: Session, store: Store, m: dict, words: Language
) -> list[tuple[str, object]]:
    """The top reasons given on unhappy answers in the local days the rule looked at (up
    to the day the alert opened), each (label in *words*' language, its share)."""
    last = parse_utc_text(m["opened_at"]).astimezone(zone(store.timezone)).date()
    days = (m.get("detail") or {}).get("days", 1)
    days = int(days) if isinstance(days, int | float) else 1
    first = last - timedelta(days=max(1, min(days, 31)) - 1)
    scale = main_scale(session, [store.id], first, last)
    if scale is None:
        return []
    found = reason_shares(session, store, first, last, scale, first)[:TOP]
    labels = ReasonLabels(session, words.code, [store.id])
    return [(labels(store.id, "", s.key) or s.key, s) for s in found]


def compose(session: Session, m: dict, code: str) -> EmailMessage:
    """The e-mail of the alert message *m* in the language *code* (English if HQ does
    not speak it); its Subject is one line."""
    words = language(code if code in LANGUAGES else "en")
    store = session.get(Store, m.get("store_id", ""))
    tz = store.timezone if store is not None else "UTC"
    title = title_in(words, m["title"], m.get("detail"))
    where = store.name if store is not None else m.get("store_id", "")
    if m.get("device_id"):
        where += f" · {m['device_id']}"
    reasons = top_reasons(session, store, m, words) if store is not None else []
    facts = [
        (words.gettext("Store"), where),
        (words.gettext("Opened"), f"{local_time(words, m['opened_at'], tz)} ({tz})"),
        (words.gettext("Rule"), f"{m['rule']} ({kind_in(words, m['kind'])})"),
    ]
    url = link(m["link"])
    lines = [title, ""] + [f"{k}: {v}" for k, v in facts]
    if reasons:
        lines += ["", words.gettext(REASONS)]
        lines += [f"- {label}: {words.number(s.share, 0)} % ({words.number(s.n)})"
                  for label, s in reasons]  # fmt: skip
    lines += ["", words.gettext(OPEN_IT), url]
    message = EmailMessage()
    message["Subject"] = " ".join(f"[Hymiö] {title}".split())[:250]
    message.set_content("\n".join(lines))
    html = [f"<h2>{escape(title)}</h2><p>"]
    html += [f"<b>{escape(k)}</b>: {escape(v)}<br>" for k, v in facts]
    html.append("</p>")
    if reasons:
        html.append(f"<p>{escape(words.gettext(REASONS))}</p>{shares(reasons, words)}")
    html.append(
        f'<p>{escape(words.gettext(OPEN_IT))} <a href="{escape(url)}">{escape(url)}</a></p>'
    )
    message.add_alternative(
        f'<!doctype html><html lang="{words.code}"><head><meta charset="utf-8">'
        f"<style>{STYLE}</style></head><body>{''.join(html)}</body></html>",
        subtype="html",
    )
    return message


DIGEST = N_("Alerts opened on {day}: {n}")


def compose_digest(session: Session, m: dict, code: str) -> EmailMessage:
    """A day's digest *m* in the language *code*: each alert's title translated, with
    when it opened in its store's time and its link."""
    words = language(code if code in LANGUAGES else "en")
    ids = [a["alert_id"] for a in m["alerts"]]
    alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(ids)))}
    stores = sorted({a["store_id"] for a in m["alerts"]})
    query = select(Store.id, Store.timezone).where(Store.id.in_(stores))
    zones = dict(session.execute(query).all())
    subject = words.translate(DIGEST, day=words.day(m["day"]), n=words.number(len(ids)))
    lines = [subject, ""]
    for item in m["alerts"]:
        alert = alerts.get(item["alert_id"])
        title = title_in(words, item["title"], alert.detail if alert is not None else None)
        when = local_time(words, item["opened_at"], zones.get(item["store_id"], "UTC"))
        lines += [f"- {title} · {when}", f"  {link(item['link'])}"]
    message = EmailMessage()
    message["Subject"] = " ".join(f"[Hymiö] {subject}".split())[:250]
    message.set_content("\n".join(lines))
    return message
