"""Invite → set the password → log in, a second factor set up and asked for at login
(pyotp as the phone's app), and sign-in with an OpenID Connect provider on 127.0.0.1, in a
real browser (Debian's Chromium through
Playwright) at 390 px (a phone) and 1366 px, the invited person's pages in Finnish and
Swedish, the mail through a real SMTP server on 127.0.0.1; screenshots go to
artifacts/hq-invite-*.png, hq-totp-*.png and hq-oidc-*.png."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from hq.people.admin import add_user
from hq.people.auth.oidc import OidcSettings, parse_groups
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.hq.mailbox import Mailbox
from tests.hq.people.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

NEW = "kesä on pian täällä"
WIDE = "document.documentElement.scrollWidth"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("width", "lang", "words"),
    [(390, "fi", ("Aseta salasanasi", "Salasanasi on asetettu")),
     (1366, "sv", ("Ange ditt lösenord", "Ditt lösenord är satt"))],
)  # fmt: skip
def test_an_invited_person_sets_a_password_and_logs_in(
    hq,
    browser,  # noqa: F811
    tmp_path,
    width,
    lang,
    words,
):
    with Mailbox(tmp_path) as mailbox, LiveServer(hq.app) as server:
        hq.app.state.mail = mailbox.settings()
        admin = browser.new_page(viewport={"width": width, "height": 900})
        _log_in(admin, server.url)
        admin.goto(f"{server.url}/admin")
        form = admin.locator("#invite")
        form.locator("input[name=username]").fill("liisa")
        form.locator("input[name=email]").fill("liisa@hymio.test")
        form.locator("select[name=role]").select_option("manager")
        form.locator("select[name=scope]").select_option("store:s1")
        form.locator("select[name=language]").select_option(lang)
        form.locator("button[type=submit]").click()
        admin.wait_for_load_state()
        assert "liisa@hymio.test" in admin.locator("#notice").inner_text()
        assert admin.locator("tr[data-user=liisa]").count() == 1
        (mail,) = mailbox.messages
        link = re.search(r"/login/set-password\?token=\S+", mail.get_content()).group(0)

        context = browser.new_context(viewport={"width": width, "height": 800}, locale=lang)
        page = context.new_page()
        page.goto(server.url + link)
        assert page.locator("h1").inner_text() == words[0]
        assert page.evaluate(WIDE) <= width
        page.fill("input[name=password]", NEW)
        page.fill("input[name=again]", NEW)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"hq-invite-{width}-{lang}.png", full_page=True)
        page.click("#set-password button[type=submit]")
        page.wait_for_load_state()
        assert words[1] in page.locator("#notice").inner_text()
        page.fill("input[name=username]", "liisa")
        page.fill("input[name=password]", NEW)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/stores/s1")  # a store's manager lands on their store
        assert page.locator("main").count() == 1 and "Kamppi" in page.content()
        assert page.evaluate(WIDE) <= width

        again = context.new_page()  # the link worked once
        again.goto(server.url + link)
        assert again.locator("#problem").count() == 1
        assert page.evaluate(WIDE) <= width
        context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_forgot_page_on_a_phone_in_swedish(hq, browser):  # noqa: F811
    with LiveServer(hq.app) as server:
        context = browser.new_context(viewport={"width": 390, "height": 800}, locale="sv")
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.click("#forgot-link")
        assert page.locator("h1").inner_text() == "Glömt lösenordet?"
        page.fill("input[name=email]", "nobody@hymio.test")
        page.click("#forgot button[type=submit]")
        page.wait_for_load_state()
        assert "Om ett konto har den här adressen" in page.locator("#notice").inner_text()
        assert page.evaluate(WIDE) <= 390
        page.screenshot(path=ARTIFACTS / "hq-forgot-390-sv.png", full_page=True)
        context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("width", "lang"), [(390, "fi"), (1366, "sv")])
def test_a_second_factor_set_up_in_the_browser_is_asked_for_at_login(
    hq,
    browser,  # noqa: F811
    width,
    lang,
):
    with hq.sessions() as s:
        add_user(s, "mia", PASSWORD, hq.clock.now, role="analyst", language=lang)
    with LiveServer(hq.app) as server:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
        page = context.new_page()
        _log_in(page, server.url, "mia")
        page.goto(f"{server.url}/account")
        page.click("#totp-start button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#totp-setup svg").count() == 1
        secret = page.locator("#totp-secret").inner_text()
        assert page.evaluate(WIDE) <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"hq-totp-setup-{width}-{lang}.png", full_page=True)
        page.fill("#totp-confirm input[name=code]", pyotp.TOTP(secret).at(hq.clock.now))
        page.click("#totp-confirm button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#recovery-codes li").count() == 10
        assert page.locator("#totp-state[data-on]").count() == 1
        assert page.evaluate(WIDE) <= width
        context.clear_cookies()

        hq.clock.now += timedelta(seconds=30)
        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", "mia")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/login/code")
        assert page.evaluate(WIDE) <= width
        page.screenshot(path=ARTIFACTS / f"hq-totp-code-{width}-{lang}.png", full_page=True)
        page.fill("input[name=code]", "000000")
        page.click("#login-code button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("p.error").count() == 1
        page.fill("input[name=code]", pyotp.TOTP(secret).at(hq.clock.now))
        page.click("#login-code button[type=submit]")
        page.wait_for_url(f"{server.url}/")
        assert "Kamppi" in page.content()
        context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("width", "lang"), [(390, "fi"), (1366, "sv")])
def test_sign_in_with_the_identity_provider_in_the_browser(
    hq,
    browser,  # noqa: F811
    monkeypatch,
    width,
    lang,
):
    provider = Provider(person={"sub": "42", "email": "aino@contoso.fi", "groups": ["kamppi"]})
    with LiveServer(provider.app()) as idp, LiveServer(hq.app) as server:
        provider.issuer = idp.url
        hq.app.state.oidc = OidcSettings(idp.url, CLIENT_ID, CLIENT_SECRET, "Contoso",
                                         parse_groups("kamppi=manager:store:s1"))  # fmt: skip
        monkeypatch.setenv("HYMIO_HQ_URL", server.url)
        context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
        page = context.new_page()
        page.goto(f"{server.url}/login")
        assert page.evaluate(WIDE) <= width
        page.screenshot(path=ARTIFACTS / f"hq-oidc-login-{width}-{lang}.png", full_page=True)
        page.click("#oidc")
        page.wait_for_url(f"{server.url}/")
        assert "Kamppi" in page.content() and "Tampere" not in page.content()
        assert provider.token_calls == 1
        provider.person = {**provider.person, "sub": "43", "groups": ["elsewhere"]}
        context.clear_cookies()
        page.goto(f"{server.url}/login")
        page.click("#oidc")
        page.wait_for_load_state()
        assert page.locator("p.error").count() == 1 and page.url.startswith(server.url)
        assert page.evaluate(WIDE) <= width
        context.close()
