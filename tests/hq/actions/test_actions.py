"""The actions log and the kiosk message on the store page (issue 19), on SQLite and
PostgreSQL: an action recorded through the form is listed and stands as a numbered mark
on the trend chart at its day; the message is published and cleared per language; bad
input is a 400 page naming the field and changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hq.actions.log import actions_between, messages_of, record_action, set_message
from hq.core.errors import ActionError, UnknownStoreError
from hq.tables.actions import StoreAction, StoreMessage
from tests.hq.conftest import csrf_of, log_in


def logged_in_csrf(hq) -> str:
    log_in(hq)
    return csrf_of(hq.client.get("/stores/s1").text)


def record(hq, csrf: str, day: str, text: str, store: str = "s1"):
    data = {"csrf": csrf, "day": day, "text": text}
    return hq.client.post(f"/stores/{store}/actions", data=data, follow_redirects=False)


def publish(hq, csrf: str, language: str, text: str, store: str = "s1"):
    data = {"csrf": csrf, "language": language, "text": text}
    return hq.client.post(f"/stores/{store}/message", data=data, follow_redirects=False)


def kept(hq) -> tuple:
    """Every action and message HQ holds, to show that a refusal changed nothing."""
    with hq.sessions() as s:
        actions = s.execute(select(StoreAction.day, StoreAction.text).order_by(StoreAction.id))
        messages = s.execute(
            select(StoreMessage.store_id, StoreMessage.language, StoreMessage.text).order_by(
                StoreMessage.store_id, StoreMessage.language
            )
        )
        return [tuple(r) for r in actions], [tuple(r) for r in messages]


def marks(page: str) -> dict[str, tuple[float, str]]:
    """The trend chart's action marks: day → (x of the line, its title)."""
    found = re.findall(
        r'<line class="action" data-action="\d+" data-day="([\d-]+)" x1="([\d.]+)"[^>]*>'
        r"<title>(.*?)</title></line>",
        page,
    )
    return {day: (float(x), title) for day, x, title in found}


def bar_middle(page: str, shown_day: str) -> float:
    """The middle of the trend chart's bar of the day shown as *shown_day* (its title)."""
    x, width = re.search(
        rf'<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+">'
        rf"<title>{re.escape(shown_day)}:",
        page,
    ).groups()
    return float(x) + float(width) / 2


def test_an_action_recorded_on_the_store_page_is_listed_and_marked_on_its_day(hq):
    csrf = logged_in_csrf(hq)
    done = record(hq, csrf, "2026-11-18", "Third checkout opened at 16–18 <b>")
    assert done.status_code == 303 and done.headers["location"] == "/stores/s1#actions"
    assert record(hq, csrf, "2026-11-18", "Queue signs moved").status_code == 303
    assert record(hq, csrf, "2026-11-20", "Extra staff at lunch").status_code == 303
    assert record(hq, csrf, "2026-09-01", "Long ago").status_code == 303  # before the 30 days

    page = hq.client.get("/stores/s1").text
    found = marks(page)
    assert set(found) == {"2026-11-18", "2026-11-20"}  # one mark a day, only the page's days
    x, title = found["2026-11-18"]
    assert title == "Wed 2026-11-18: Third checkout opened at 16–18 &lt;b&gt; · Queue signs moved"
    assert x == pytest.approx(bar_middle(page, "Wed 2026-11-18"), abs=0.1)
    assert found["2026-11-20"][0] == pytest.approx(bar_middle(page, "Fri 2026-11-20"), abs=0.1)
    assert "<b>" not in page.split('id="actions"')[1].split("</ol>")[0]  # escaped in the list
    listed = re.findall(r'<li value="(\d)" data-day="([\d-]+)">', page)
    assert listed == [("1", "2026-11-18"), ("2", "2026-11-20")]  # numbered as the marks
    assert re.findall(r'data-action="(\d)" data-day', page) == ["1", "2"]
    assert "recorded by admin" in page and "Long ago" not in page

    older = hq.client.get("/stores/s1?from=2026-08-25&to=2026-09-05").text
    assert set(marks(older)) == {"2026-09-01"} and "Long ago" in older
    assert (
        "No actions recorded for these days."
        in hq.client.get("/stores/s1?from=2026-10-01&to=2026-10-05").text
    )


def test_the_store_page_speaks_finnish_about_its_actions(hq):
    csrf = logged_in_csrf(hq)
    record(hq, csrf, "2026-11-19", "Kolmas kassa auki 16–18")
    page = hq.client.get("/stores/s1", headers={"Accept-Language": "fi"}).text
    assert "Mitä myymälä teki" in page and "Kirjaa toimenpide" in page
    assert "Viesti kioskeilla" in page and "kirjasi admin" in page
    assert marks(page)["2026-11-19"][1] == "to 19.11.2026: Kolmas kassa auki 16–18"


BAD_ACTIONS = [
    ("", "Opened a checkout", "day"),
    ("2026-02-30", "Opened a checkout", "day"),
    ("20261118", "Opened a checkout", "day"),
    ("2026-W47-3", "Opened a checkout", "day"),
    ("2026-11-21", "Opened a checkout", "day"),  # tomorrow in Helsinki
    ("1969-12-31", "Opened a checkout", "day"),
    ("2026-11-18", "", "text"),
    ("2026-11-18", " \n\t ", "text"),
    ("2026-11-18", "x" * 501, "text"),
    ("2026-11-18", "a\x00b", "text"),
    ("2026-11-18", "bell\x07", "text"),
]


def test_a_bad_action_is_a_400_naming_the_field_and_changes_nothing(hq):
    csrf = logged_in_csrf(hq)
    assert record(hq, csrf, "2026-11-18", "A first action").status_code == 303
    before = kept(hq)
    for day, text, field in BAD_ACTIONS:
        answer = record(hq, csrf, day, text)
        assert answer.status_code == 400, (day, text, answer.text[:300])
        problem = re.search(r'id="problem" data-field="(\w+)">([^<]*)<', answer.text)
        assert problem.group(1) == field and problem.group(2).startswith(f"{field}:"), answer.text
        assert "nothing was changed" in problem.group(2).lower()
        assert kept(hq) == before
    # A text of exactly 500 characters, with a line break, on today's date is fine.
    assert record(hq, csrf, "2026-11-20", "y" * 250 + "\r\n" + "z" * 249).status_code == 303


def test_forms_without_a_login_a_csrf_token_or_a_store_change_nothing(hq):
    before = kept(hq)
    answer = record(hq, "", "2026-11-18", "Sneaky")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert publish(hq, "", "fi", "Sneaky").headers["location"] == "/login"
    csrf = logged_in_csrf(hq)
    assert record(hq, "not-the-token", "2026-11-18", "Forged").status_code == 403
    assert publish(hq, "not-the-token", "fi", "Forged").status_code == 403
    assert record(hq, csrf, "2026-11-18", "Nowhere", store="nope").status_code == 404
    assert publish(hq, csrf, "fi", "Nowhere", store="nope").status_code == 404
    assert kept(hq) == before


def test_the_kiosk_message_is_published_changed_and_cleared_per_language(hq):
    csrf = logged_in_csrf(hq)
    for language, text in [("fi", "  Avasimme kolmannen kassan  "), ("sv", "Vi öppnade en kassa"),
                           ("en", "We opened a third checkout")]:  # fmt: skip
        done = publish(hq, csrf, language, text)
        assert done.status_code == 303 and done.headers["location"] == "/stores/s1#kiosk-message"
    with hq.sessions() as s:
        assert messages_of(s, "s1") == {
            "fi": "Avasimme kolmannen kassan",  # trimmed
            "sv": "Vi öppnade en kassa",
            "en": "We opened a third checkout",
        }
        assert messages_of(s, "s2") == {}
    page = hq.client.get("/stores/s1").text
    assert 'value="Vi öppnade en kassa"' in page
    assert publish(hq, csrf, "sv", "Tre kassor öppna 16–18").status_code == 303
    assert publish(hq, csrf, "en", "").status_code == 303  # the Clear button
    with hq.sessions() as s:
        assert messages_of(s, "s1") == {"fi": "Avasimme kolmannen kassan",
                                        "sv": "Tre kassor öppna 16–18"}  # fmt: skip
    assert publish(hq, csrf, "en", "   ").status_code == 303  # clearing nothing is fine
    before = kept(hq)
    for language, text, field in [
        ("de", "Hallo", "language"),
        ("", "Hei", "language"),
        ("fi", "Kaksi\nriviä", "text"),
        ("fi", "Kaksi\u2028riviä", "text"),
        ("fi", "tab\there", "text"),
        ("fi", "x" * 91, "text"),
    ]:
        answer = publish(hq, csrf, language, text)
        assert answer.status_code == 400, (language, text)
        assert f'data-field="{field}">{field}:' in answer.text
        assert kept(hq) == before
    assert publish(hq, csrf, "fi", "ä" * 90).status_code == 303  # 90 characters fit


def test_the_domain_counts_days_in_the_stores_zone_and_names_each_field(hq):
    late = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # already Saturday 01:30 in Helsinki
    with hq.sessions() as s:
        row = record_action(s, "s1", date(2026, 11, 21), "Night shift", "admin", late)
        assert (row.day, row.author, row.created_at) == (
            "2026-11-21",
            "admin",
            "2026-11-20T23:30:00.000000+00:00",
        )
        with pytest.raises(ActionError) as refused:
            record_action(s, "s1", "2026-11-22", "Too early", "admin", late)
        assert refused.value.field == "day" and "2026-11-21" in str(refused.value)
        with pytest.raises(ActionError, match="author"):
            record_action(s, "s1", "2026-11-20", "Nobody", "", late)
        with pytest.raises(UnknownStoreError):
            record_action(s, "nope", "2026-11-20", "Where", "admin", late)
        with pytest.raises(UnknownStoreError):
            set_message(s, "nope", "fi", "Hei", "admin", late)
        found = actions_between(s, "s1", date(2026, 11, 21), date(2026, 11, 21))
        assert [a.text for a in found] == ["Night shift"]
        assert s.scalar(select(func.count()).select_from(StoreAction)) == 1


ODD = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["", "2026-11-18", "\x00", "\u2029", "fi", "sv", "x" * 600, "2026-11-18\x00", "9" * 400]
)


def test_no_form_input_gives_a_5xx_and_a_refused_one_changes_nothing(hq):
    csrf = logged_in_csrf(hq)
    seen: set[int] = set()

    @settings(max_examples=60, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(which=st.booleans(), first=ODD, second=ODD)
    def check(which, first, second):
        before = kept(hq)
        answer = record(hq, csrf, first, second) if which else publish(hq, csrf, first, second)
        seen.add(answer.status_code)
        assert answer.status_code < 500, (first, second, answer.text[:300])
        if answer.status_code >= 400:
            assert kept(hq) == before

    check()
    assert 303 in seen and 400 in seen
