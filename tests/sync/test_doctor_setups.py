"""``hymio doctor`` on a healthy kiosk and on a broken one, against a real HQ."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading

from kiosk.pin import hash_pin
from tests.sync.conftest import press, write_settings


def doctor(config) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hymio", "doctor", "--config", str(config), "--simulate"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_healthy_kiosk_has_no_problems(live, kiosk, tmp_path):
    hq, url = live
    press(kiosk, 3)
    config = write_settings(tmp_path, url, hq.token, kiosk.path)
    config.write_text(config.read_text() + f'[staff]\npin_hash = "{hash_pin("2468")}"\n')
    run = doctor(config)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "FAIL" not in out and "0 problem(s)" in out
    for line in (
        "ok    settings", "integrity ok", "ok    disk", "GPIO5): released",
        "LED face_leds[3] (GPIO23)", "reachable, token accepted", "3 pending",
    ):  # fmt: skip
        assert line in out, line
    assert "staff" not in out  # the PIN is set: nothing to say
    assert run.stderr == ""  # the report is the whole output


def test_a_wrong_token_a_missing_pin_and_a_corrupt_database_each_say_the_fix(live, kiosk, tmp_path):
    _hq, url = live
    press(kiosk, 3)
    kiosk.close()
    kiosk.path.write_bytes(b"SQLite format 3\0" + b"\xff" * 8000)  # a card that failed
    config = write_settings(tmp_path, url, "not-the-token", kiosk.path)  # and no [staff]
    run = doctor(config)
    assert run.returncode == 1
    out = run.stdout
    assert "FAIL  database" in out and "damaged" in out
    assert "→ stop the kiosk and start it again: it moves the damaged file aside" in out
    assert "WARN  staff" in out and "no staff PIN is set" in out
    assert f"→ run `hymio set-pin --config {config}`" in out
    assert "FAIL  hq" in out and "refused the token" in out and "→ copy the token" in out
    assert "\n2 problem(s)" in out  # the database and the token; the PIN is a warning


class NotHQ(http.server.BaseHTTPRequestHandler):
    """A web server that is not HQ: 404 and a page of HTML for every path."""

    def do_GET(self):
        page = b"<html><body>Not Found</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *_args):
        pass


def test_a_server_that_is_not_hq_is_a_problem_named_above_syncs_last_error(kiosk, tmp_path):
    from kiosk.store.ledger import Ledger

    press(kiosk, 2)
    Ledger(kiosk).note(last_error="HQ answered 404")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotHQ)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        config = write_settings(tmp_path, url, "t" * 43, kiosk.path)
        config.write_text(config.read_text() + f'[staff]\npin_hash = "{hash_pin("2468")}"\n')
        run = doctor(config)
    finally:
        server.shutdown()
        server.server_close()
    out = run.stdout
    assert run.returncode == 1, out
    assert "FAIL  hq" in out and "answered 404 to /api/v1/config" in out, out
    assert "→ set [hq] url to HQ's own address" in out
    lines = out.splitlines()
    hq_line = next(i for i, line in enumerate(lines) if line.startswith("FAIL  hq"))
    error_line = next(i for i, line in enumerate(lines) if "last error: HQ answered 404" in line)
    assert hq_line < error_line and "see the hq check above" in lines[error_line + 1]
    assert "\n1 problem(s)" in out
