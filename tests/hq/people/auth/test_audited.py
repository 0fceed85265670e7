"""People's and enrol codes' changes go into the audit log with who made them: an invite,
an admin's reset link, deactivation and reactivation from the admin page, an enrol code
made and revoked from the command line and the page; a refused change writes no line."""

from __future__ import annotations

from datetime import timedelta

from hq.fleet.enrol_codes import new_code, revoke_code
from hq.people.access import access_of
from tests.hq.conftest import log_in
from tests.hq.people.auth.test_links import admin_post, mailbox  # noqa: F401 -- the fixture
from tests.hq.people.test_audit import lines


def test_people_changes_are_logged_with_the_admin_who_made_them(hq, mailbox):  # noqa: F811
    before = len(lines(hq))
    log_in(hq)
    assert admin_post(hq, "/admin/invites", username="olli", email="olli@hymio.test",
                      role="analyst", scope="", language="fi").status_code == 200  # fmt: skip
    assert admin_post(hq, "/admin/users/olli/reset").status_code == 200
    assert admin_post(hq, "/admin/users/olli/deactivate").status_code == 200
    assert admin_post(hq, "/admin/users/admin/deactivate").status_code == 400  # not oneself
    assert admin_post(hq, "/admin/users/olli/reactivate").status_code == 200
    found = [(a, b, c, d) for a, b, c, d, _ in lines(hq)[before:]]
    assert found == [
        ("user:admin", "add", "user", "olli"),
        ("user:admin", "invite", "user", "olli"),
        ("user:admin", "send-reset", "user", "olli"),
        ("user:admin", "deactivate", "user", "olli"),
        ("user:admin", "reactivate", "user", "olli"),
    ]
    assert "password" not in str(lines(hq)[before:])


def test_enrol_codes_made_and_revoked_are_logged(hq):
    before = len(lines(hq))
    now = hq.clock.now
    with hq.sessions() as s:
        made = new_code(s, None, "s1", 2, 7, now)
        s.commit()
        manager = access_of(s, "user:kaisa", "manager", "store:s1")
        other = new_code(s, manager, "s1", 1, 1, now)
        s.commit()
        revoke_code(s, manager, made.id, now)
        revoke_code(s, manager, made.id, now)  # again: nothing changes, no line
    found = [(a, b, c, d, e) for a, b, c, d, e in lines(hq)[before:]]
    assert [f[:4] for f in found] == [
        ("cli", "add", "enrol-code", str(made.id)),
        ("user:kaisa", "add", "enrol-code", str(other.id)),
        ("user:kaisa", "revoke", "enrol-code", str(made.id)),
    ]
    assert found[0][4]["store"] == "s1" and found[0][4]["uses"] == 2
    assert made.code not in str(found)  # the code itself is never written


def test_surveys_and_alert_setup_are_logged_and_a_secret_never(hq):
    from hq.alerts.setup import save_channel, save_rule
    from hq.fleet.survey.campaigns import cancel_campaign, schedule_campaign
    from hq.fleet.survey.draft import read_draft
    from hq.fleet.survey.publish import publish_survey
    from tests.hq.fleet.test_survey_editor import CHRISTMAS

    before = len(lines(hq))
    now = hq.clock.now
    with hq.sessions() as s:
        admin = access_of(s, "user:admin", "admin", "")
        publish_survey(s, admin, "store:s1", read_draft(CHRISTMAS), now)
        first = now.date() + timedelta(days=7)
        campaign = schedule_campaign(s, admin, "", read_draft(CHRISTMAS), first, first, now)
        cancel_campaign(s, admin, campaign.id, now)
        save_channel(s, admin, now, name="ops", kind="email", target="ops@hymio.test")
        rule = save_rule(s, admin, now, name="Clocks", kind="clock_unsynced", scope="",
                         params={}, channels=["ops"])  # fmt: skip
        save_rule(s, admin, now, rule_id=rule.id, name="Clocks", kind="clock_unsynced",
                  scope="", params={}, channels=["ops"], enabled=False)  # fmt: skip
    found = [(a, b, c, d) for a, b, c, d, _ in lines(hq)[before:]]
    assert found == [
        ("user:admin", "publish", "survey", "store:s1"),
        ("user:admin", "schedule", "survey", "chain"),
        ("user:admin", "cancel", "survey", "chain"),
        ("user:admin", "add", "alert-channel", "ops"),
        ("user:admin", "add", "alert-rule", str(rule.id)),
        ("user:admin", "change", "alert-rule", str(rule.id)),
    ]
    assert lines(hq)[-1][4]["enabled"] is False
