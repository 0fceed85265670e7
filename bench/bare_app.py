"""The fleet bench's baseline: a bare ASGI app that reads each request and answers a fixed
JSON 200, served by the same uvicorn as HQ (``python -m uvicorn bench.bare_app:app``)."""

from __future__ import annotations

ANSWER = b'{"accepted":20,"duplicates":0,"repaired":0}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})
