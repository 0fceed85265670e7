"""Sync sends gzip once HQ says it takes it (issue 20): against a real ``hymio hq serve``
every rating arrives, the first batch plain and the rest gzipped; an HQ that answers 415
to gzip (one put back to an older release) gets the batch again plain, and nothing is
lost or held."""

from __future__ import annotations

import json

from sync.client import HQClient
from tests.sync.conftest import press, uploader
from tests.sync.loopback import LoopbackServer
from tests.sync.whole import assert_whole, heartbeat


def recording(client: HQClient) -> list[dict]:
    """The headers of every request *client* makes, in order."""
    sent: list[dict] = []
    request = client.session.request

    def recorded(method, url, **kwargs):
        sent.append({"url": url, **(kwargs.get("headers") or {})})
        return request(method, url, **kwargs)

    client.session.request = recorded
    return sent


def test_a_backlog_goes_gzipped_after_hqs_first_answer_and_arrives_whole(
    hq_process, kiosk, kiosk_db
):
    ids = {r.id for r in press(kiosk, 2500)}
    up = uploader(kiosk, hq_process.url, hq_process.token, max_ratings=1000)
    sent = recording(up.client)
    outcome = up.run_once()
    assert outcome.ok, outcome.error
    assert outcome.sent == 2500
    codings = [h.get("Content-Encoding") for h in sent if h["url"].endswith("/ratings")]
    assert codings == [None, "gzip", "gzip"]
    heartbeat(kiosk, hq_process)
    assert_whole(hq_process, ids, kiosk_db)


def test_an_hq_that_refuses_gzip_with_415_gets_the_batch_again_plain(kiosk):
    press(kiosk, 30)
    seen: list[tuple[str | None, int]] = []

    def older_hq(request, method):
        body = request.rfile.read(int(request.headers["Content-Length"]))
        coding = request.headers.get("Content-Encoding")
        if coding == "gzip":
            status, answer = 415, {"error": {"code": "unsupported", "message": "no gzip"}}
        else:
            count = len(json.loads(body)["ratings"])
            status, answer = 200, {"accepted": count, "duplicates": 0}
        seen.append((coding, status))
        data = json.dumps(answer).encode()
        request.send_response(status)
        # It says it takes gzip, then refuses it: the worst case of a mixed fleet.
        request.send_header("Accept-Encoding", "gzip")
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    with LoopbackServer(older_hq) as hq:
        up = uploader(kiosk, hq.url, "token", max_ratings=10)
        outcome = up.run_once()
    assert outcome.ok, outcome.error
    assert outcome.sent == 30 and kiosk.pending_count() == 0
    assert seen[0] == (None, 200)  # before HQ said anything
    assert seen[1:3] == [("gzip", 415), (None, 200)]  # refused, and sent again plain
    assert all(status == 200 for coding, status in seen if coding is None)
