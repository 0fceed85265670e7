"""Receipt links (issue 32): the token's bytes, its signature, expiry and touchpoint, key
rotation, one use per token (also with two PostgreSQL connections racing), minting in bulk
by command and by API, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import struct
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hq.fleet.receipts import keys, tokens
from hq.fleet.receipts.links import check_receipt, consume_receipt, mint_links
from hq.fleet.receipts.tokens import ReceiptError
from hq.fleet.touchpoints import add_web_link, retire_web_link
from hq.people.admin import add_api_token
from hq.tables.chain import AuditEvent
from hq.tables.models import Rating
from hq.tables.receipts import ReceiptUse
from kiosk.timekeeping.localtime import to_utc_text

BASE = "https://hq.example.fi"


@pytest.fixture
def link(hq):
    """A web link ``after_purchase`` of store s1: its code."""
    with hq.sessions() as s:
        return add_web_link(s, None, "s1", "Receipt", "after_purchase", hq.clock.now).code


def mint(hq, code, count=3, days=30):
    with hq.sessions() as s:
        return mint_links(s, None, code, count, days, hq.clock.now, BASE)


def answer(session, code, score=4) -> str:
    """Add a web rating of the link *code* to *session*'s transaction (not committed)."""
    rating_id, at = str(uuid.uuid4()), to_utc_text(session.info["now"])
    row = Rating(
        id=rating_id, device_id=f"web-{code}", store_id="s1", database_id="web",
        seq=uuid.uuid4().int % 2**62, survey_id="default", question_id="overall",
        config_version=1, scale="smiley4", score=score, source="web", reason=None,
        recorded_at=at, clock_synced=True, boot_id="web", mono_ns=0, flag=None, received_at=at,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return rating_id


def use(hq, code, token, when=None):
    """Answer once through the link: the rating and the token's use in one transaction."""
    when = when or hq.clock.now
    with hq.sessions() as s:
        s.info["now"] = when
        rating_id = answer(s, code)
        consume_receipt(s, token, code, rating_id, when)
        s.commit()
        return rating_id


def ratings(hq) -> int:
    with hq.sessions() as s:
        return s.scalar(select(func.count()).select_from(Rating))


def reason_of(hq, code, token, when=None) -> str:
    with hq.sessions() as s:
        with pytest.raises(ReceiptError) as caught:
            check_receipt(s, token, code, when or hq.clock.now)
        return caught.value.reason


def test_a_link_holds_the_code_and_a_token_of_the_documented_bytes(hq, link):
    [made] = mint(hq, link, count=1, days=30)
    assert made.url.startswith(f"{BASE}/r/{link}?t=")
    token = made.url.split("?t=")[1]
    assert token == made.token and len(token) == 43
    raw = base64.urlsafe_b64decode(token + "=")
    version, key_id, expires, token_id = struct.unpack(">BBI10s", raw[:16])
    assert (version, key_id) == (1, 1)
    assert expires == int((hq.clock.now + timedelta(days=30)).timestamp())
    assert made.expires_at == hq.clock.now + timedelta(days=30)
    with hq.sessions() as s:
        key = keys.current_key(s, hq.clock.now).key
    message = b"hymio-receipt-v1\x00" + link.encode() + b"\x00" + raw[:16]
    assert raw[16:] == hmac.new(key, message, hashlib.sha256).digest()[:16]
    with hq.sessions() as s:
        assert check_receipt(s, token, link, hq.clock.now).token_id == token_id.hex()


def test_every_link_is_its_own_and_minting_is_in_the_audit_log(hq, link):
    made = mint(hq, link, count=50)
    assert len({m.token for m in made}) == 50
    with hq.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "receipt_links")).one()
        assert event.object_id == f"web-{link}" and '"count": 50' in event.changes
        assert all(m.token not in event.changes for m in made)


def test_a_token_answers_once_then_says_it_was_used(hq, link):
    [made] = mint(hq, link, count=1)
    rating_id = use(hq, link, made.token)
    with hq.sessions() as s:
        row = s.get(ReceiptUse, check_token_id(made.token))
        assert (row.touchpoint, row.rating_id) == (f"web-{link}", rating_id)
    assert reason_of(hq, link, made.token) == "used"
    with pytest.raises(ReceiptError) as caught:
        use(hq, link, made.token)
    assert caught.value.reason == "used"
    assert ratings(hq) == 1  # the second answer was rolled back with the refused token


def check_token_id(token: str) -> str:
    return base64.urlsafe_b64decode(token + "=")[6:16].hex()


def test_an_expired_link_says_so_and_keeps_nothing(hq, link):
    [made] = mint(hq, link, count=1, days=2)
    later = hq.clock.now + timedelta(days=2)
    assert reason_of(hq, link, made.token, later) == "expired"
    with pytest.raises(ReceiptError, match="expired"):
        use(hq, link, made.token, later)
    assert ratings(hq) == 0
    use(hq, link, made.token, later - timedelta(seconds=1))  # a second before: it answers


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda t: t[:-1], id="truncated"),
        pytest.param(lambda t: t + "A", id="too-long"),
        pytest.param(lambda t: t[:20] + "*" + t[21:], id="not-base64url"),
        pytest.param(lambda t: t[:42] + chr(ord(t[42]) + 1), id="spare-bits-set"),
        pytest.param(lambda t: "", id="empty"),
    ],
)
def test_a_garbled_token_is_garbled(hq, link, spoil):
    [made] = mint(hq, link, count=1)
    assert reason_of(hq, link, spoil(made.token)) == "garbled"


def flip(token: str, byte: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "="))
    raw[byte] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize("byte", [1, 2, 5, 6, 15, 16, 31], ids=lambda b: f"byte{b}")
def test_a_changed_byte_is_a_forgery(hq, link, byte):
    """The expiry pushed later, another token id, another key id, a changed tag: refused."""
    [made] = mint(hq, link, count=1)
    assert reason_of(hq, link, flip(made.token, byte)) == "forged"


def test_a_token_of_another_touchpoint_is_refused_there(hq, link):
    with hq.sessions() as s:
        other = add_web_link(s, None, "s1", "Other", "checkout", hq.clock.now).code
    [made] = mint(hq, link, count=1)
    assert reason_of(hq, other, made.token) == "forged"
    assert reason_of(hq, "nosuchcode", made.token) == "forged"
    with pytest.raises(ReceiptError, match="not made by HQ for this touchpoint"):
        use(hq, other, made.token)
    assert ratings(hq) == 0


def test_a_token_signed_with_a_key_hq_does_not_have_is_a_forgery(hq, link):
    expires = int((hq.clock.now + timedelta(days=1)).timestamp())
    token = tokens.make(1, b"k" * 32, link, expires)
    assert reason_of(hq, link, token) == "forged"


def test_a_retired_touchpoint_takes_no_receipt(hq, link):
    [made] = mint(hq, link, count=1)
    with hq.sessions() as s:
        retire_web_link(s, None, f"web-{link}", hq.clock.now)
    assert reason_of(hq, link, made.token) == "retired"
    with hq.sessions() as s, pytest.raises(Exception, match="retired"):
        mint_links(s, None, link, 1, 1, hq.clock.now, BASE)


def test_after_a_rotation_old_links_answer_until_the_old_key_retires(hq, link):
    [old] = mint(hq, link, count=1, days=100)
    with hq.sessions() as s:
        new_key = keys.rotate(s, hq.clock.now, keep_days=10)
    assert new_key.id == 2
    [new] = mint(hq, link, count=1, days=100)
    assert base64.urlsafe_b64decode(new.token + "=")[1] == 2
    with hq.sessions() as s:
        assert check_receipt(s, old.token, link, hq.clock.now + timedelta(days=9))
        assert check_receipt(s, new.token, link, hq.clock.now + timedelta(days=11))
    assert reason_of(hq, link, old.token, hq.clock.now + timedelta(days=10)) == "forged"


def test_after_a_leak_the_old_key_stops_at_once(hq, link):
    [old] = mint(hq, link, count=1)
    with hq.sessions() as s:
        keys.rotate(s, hq.clock.now, keep_days=0)
        assert sorted(keys.accepted_keys(s, hq.clock.now)) == [2]
    assert reason_of(hq, link, old.token) == "forged"


def test_minting_refuses_what_it_cannot_make(hq, link):
    with hq.sessions() as s:
        for count, days, base, field in [
            (0, 1, BASE, "count"), (50_001, 1, BASE, "count"), (1, 0, BASE, "valid_days"),
            (1, 367, BASE, "valid_days"), (1, 1, "ftp://x", "base_url"),
        ]:  # fmt: skip
            with pytest.raises(Exception, match=field):
                mint_links(s, None, link, count, days, hq.clock.now, base)
        with pytest.raises(Exception, match="no web link"):
            mint_links(s, None, "k1", 1, 1, hq.clock.now, BASE)  # a kiosk has no link


def test_two_processes_racing_for_one_token_answer_once(hq, link):
    """Two connections each store an answer with the same token; on PostgreSQL the
    second waits for the first's row, then finds it taken: one rating, one use."""
    [made] = mint(hq, link, count=1)
    first, second = hq.sessions(), hq.sessions()
    first.info["now"] = second.info["now"] = hq.clock.now
    rating_a = answer(first, link)
    consume_receipt(first, made.token, link, rating_a, hq.clock.now)  # not committed yet
    outcome = {}

    def other_process():
        try:
            rating_b = answer(second, link)
            consume_receipt(second, made.token, link, rating_b, hq.clock.now)
            second.commit()
            outcome["second"] = "answered"
        except ReceiptError as e:
            outcome["second"] = e.reason

    racer = threading.Thread(target=other_process)
    racer.start()
    racer.join(0.5)
    if hq.app.state.engine.dialect.name == "postgresql":
        assert racer.is_alive(), "the second should wait for the first's row"
    first.commit()
    racer.join(30)
    first.close(), second.close()
    assert outcome["second"] == "used"
    assert ratings(hq) == 1
    with hq.sessions() as s:
        assert s.get(ReceiptUse, check_token_id(made.token)).rating_id == rating_a


def test_the_command_prints_one_link_a_line_or_a_csv(hq, link, database_url, capsys):
    from hymio.cli import main

    hq.app.state.engine.dispose()
    args = ["hq", "receipt-links", "--database", database_url, "--touchpoint", link]
    assert main([*args, "--count", "4", "--valid-days", "7", "--base-url", BASE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.startswith(f"{BASE}/r/{link}?t=") for line in lines)
    with hq.sessions() as s:
        for line in lines:
            check_receipt(s, line.split("?t=")[1], link, hq.clock.now)
    assert main([*args, "--count", "2", "--valid-days", "7", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 2 and rows[0]["url"].startswith("http://127.0.0.1:8080/r/")
    assert rows[0]["expires_at"].endswith("+00:00")
    assert main([*args, "--count", "0", "--valid-days", "7"]) == 2
    assert "count" in capsys.readouterr().err


def test_the_command_shows_and_rotates_the_key(hq, database_url, capsys):
    from hymio.cli import main

    args = ["hq", "receipt-key", "--database", database_url]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "key id: 1" in first
    assert main([*args, "--rotate", "--keep-days", "5"]) == 0
    out = capsys.readouterr().out
    assert "key id: 2" in out and "also accepted until" in out and "key 1" in out
    assert main([*args, "--keep-days", "5"]) == 2


def test_the_api_mints_with_an_admin_token_only(hq, link):
    with hq.sessions() as s:
        admin = add_api_token(s, "pos", hq.clock.now, role="admin")
    path = f"/api/v1/touchpoints/{link}/receipt-links"
    body = {"count": 3, "valid_days": 14, "base_url": BASE}
    answer_ = hq.client.post(path, json=body, headers=hq.auth(admin))
    assert answer_.status_code == 200, answer_.text
    links = answer_.json()["links"]
    assert len(links) == 3 and links[0]["url"].startswith(f"{BASE}/r/{link}?t=")
    csv_answer = hq.client.post(path, json={**body, "format": "csv"}, headers=hq.auth(admin))
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert csv_answer.text.splitlines()[0] == "url,expires_at"
    assert len(csv_answer.text.splitlines()) == 4
    assert hq.client.post(path, json=body, headers=hq.auth(hq.reader_token)).status_code == 403
    assert hq.client.post(path, json=body).status_code in (401, 403)
    bad = hq.client.post(path, json={**body, "count": 0}, headers=hq.auth(admin))
    assert bad.status_code == 422 and "count" in bad.text
    none = hq.client.post(
        "/api/v1/touchpoints/nosuch/receipt-links", json=body, headers=hq.auth(admin)
    )
    assert none.status_code == 404 and none.json()["error"]["code"] == "not_found"


def test_the_documented_snippet_mints_links_hq_accepts(hq, link):
    """docs/run-a-fleet/receipt-links.md's Python, run as written, against HQ's check."""
    from datetime import UTC, datetime
    from pathlib import Path

    page = Path(__file__).resolve().parents[3] / "docs" / "run-a-fleet" / "receipt-links.md"
    snippet = page.read_text().split("<!-- receipt-snippet -->\n```python\n")[1].split("```")[0]
    space: dict = {}
    exec(snippet, space)  # noqa: S102 -- our own documentation
    now = datetime.now(UTC)
    with hq.sessions() as s:
        key = keys.current_key(s, now)
        url = space["receipt_link"](BASE, link, key.id, key.text, 3)
        assert url.startswith(f"{BASE}/r/{link}?t=")
        found = check_receipt(s, url.split("?t=")[1], link, now)
        assert found.expires_at - now < timedelta(days=3, seconds=1)
        wrong = space["receipt_link"](
            BASE, link, key.id, keys.ReceiptKey(1, b"x" * 32, "", None).text, 3
        )
    assert reason_of(hq, link, wrong.split("?t=")[1], now) == "forged"
