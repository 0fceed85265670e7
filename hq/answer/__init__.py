"""The web survey (issue 32): a store's survey answered on a shopper's phone at a web
link's short address, ``/r/<code>`` — the QR code on a poster, the link on a receipt.

- :mod:`.survey`: which survey the link shows (the one a kiosk of its store gets now);
- :mod:`.faces`: the faces as inline SVG, drawn as the kiosk draws them;
- :mod:`.pages`: the templates, the inline style and the pages' security policy;
- :mod:`.guard`: repeats, bursts and the rate limit, kept in the database as keyed hashes;
- :mod:`.keep`: the answer as a rating in the kiosks' pipeline, and its second step;
- :mod:`.routes`: the pages and forms.

Beside :mod:`hq.api` and :mod:`hq.dashboard`: it imports the rooms below (fleet for the
links, insight for the hours, ingest for the pipeline, words for the comment), never
them.
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the survey's pages to *app* (whose ``state.sessions`` is HQ's database)."""
    from hq.answer import routes
    from hq.answer.guard import answer_secret

    app.state.answer_secret = answer_secret(app.state.sessions)
    app.include_router(routes.router)
