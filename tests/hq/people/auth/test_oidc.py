"""Sign-in with the chain's identity provider (issue 29) against a real OpenID Connect
provider process on 127.0.0.1 (tests/hq/people/auth/oidc_provider.py): the authorization
code flow with PKCE, state and nonce; users made and updated from their mapped groups;
someone in no mapped group, a forged token, a replayed code and a lost state refused.
SQLite and PostgreSQL."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import select

from hq.core.errors import HQError
from hq.people.auth.oidc import OidcSettings, parse_groups
from hq.people.auth.status import deactivate
from hq.tables.people import User
from tests.hq.conftest import LiveServer
from tests.hq.people.auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

GROUPS = "hq-admins=admin;kamppi-managers=manager:store:s1;analysts=analyst"


@pytest.fixture
def provider(hq, monkeypatch):
    provider = Provider()
    with LiveServer(provider.app()) as server:
        provider.issuer = server.url
        hq.app.state.oidc = OidcSettings(server.url, CLIENT_ID, CLIENT_SECRET, "Contoso",
                                         parse_groups(GROUPS))  # fmt: skip
        monkeypatch.setenv("HYMIO_HQ_URL", "http://testserver")
        yield provider


def sign_in(hq, person: dict, provider: Provider):
    """The browser's way through the provider and back; HQ's last answer."""
    provider.person = person
    hq.client.cookies.clear()
    off = hq.client.get("/login/oidc", follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"].startswith(provider.issuer)
    back = requests.get(off.headers["location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    url = urlsplit(back.headers["location"])
    assert url.path == "/login/oidc/callback"
    return hq.client.get(f"{url.path}?{url.query}")


def test_the_login_page_offers_it_and_a_mapped_person_is_made_and_updated(hq, provider):
    assert "Sign in with Contoso" in hq.client.get("/login").text
    person = {"sub": "0001", "email": "Liisa.Virtanen@contoso.fi",
              "groups": ["staff", "kamppi-managers"]}  # fmt: skip
    done = sign_in(hq, person, provider)
    assert done.status_code == 200 and 'http-equiv="refresh"' in done.text
    assert hq.client.get("/").status_code == 200  # logged in
    with hq.sessions() as s:
        user = s.get(User, "Liisa.Virtanen")
        assert (user.role, user.scope, user.email) == ("manager", "store:s1", person["email"])
    account = hq.client.get("/account").text
    assert "through your organisation" in account and 'id="totp-start"' not in account
    sign_in(hq, {**person, "groups": ["analysts"]}, provider)  # the groups changed
    with hq.sessions() as s:
        user = s.get(User, "Liisa.Virtanen")
        assert (user.role, user.scope) == ("analyst", "")
        assert len(s.scalars(select(User)).all()) == 2  # the same user, found by subject
        deactivate(s, "Liisa.Virtanen", hq.clock.now)
    refused = sign_in(hq, person, provider)
    assert refused.status_code == 403 and "deactivated" in refused.text


def test_someone_in_no_mapped_group_is_refused_with_a_clear_page(hq, provider):
    refused = sign_in(hq, {"sub": "0002", "email": "x@contoso.fi", "groups": ["staff"]},
                      provider)  # fmt: skip
    assert refused.status_code == 403 and "None of your groups" in refused.text
    assert hq.client.get("/", follow_redirects=False).status_code == 303
    with hq.sessions() as s:
        assert s.get(User, "x") is None


def test_a_forged_token_a_lost_state_and_a_replayed_code_are_refused(hq, provider):
    person = {"sub": "0003", "email": "admin.person@contoso.fi", "groups": ["hq-admins"]}
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    forged = sign_in(hq, person, provider)
    assert forged.status_code == 403 and "ID token" in forged.text
    provider.signing_key = None
    provider.person = person
    off = hq.client.get("/login/oidc", follow_redirects=False)
    back = urlsplit(requests.get(off.headers["location"], allow_redirects=False, timeout=10)
                    .headers["location"])  # fmt: skip
    hq.client.cookies.clear()  # the cookie with the state is gone: another browser
    assert hq.client.get(f"{back.path}?{back.query}").status_code == 400
    done = sign_in(hq, person, provider)
    assert done.status_code == 200
    again = hq.client.get(f"{urlsplit(str(done.url)).path}?{urlsplit(str(done.url)).query}")
    assert again.status_code in (400, 403)  # the code (and the state) worked once
    with hq.sessions() as s:
        assert s.get(User, "admin.person").role == "admin"


def test_odd_callbacks_are_refused_never_a_5xx_and_the_settings_are_read_strictly(
    hq, provider, monkeypatch
):
    for query in ("", "?state=x", "?code=x&state=y", "?error=access_denied&state=z",
                  "?code=%00&state=%ff", "?state=" + "a" * 300):  # fmt: skip
        answer = hq.client.get("/login/oidc/callback" + query)
        assert 400 <= answer.status_code < 500, (query, answer.status_code)
    assert provider.token_calls == 0  # nothing got as far as the provider
    with pytest.raises(HQError, match="HYMIO_OIDC_GROUPS"):
        parse_groups("hq-admins=boss")
    assert parse_groups("a=b=analyst; x=manager:region:south") == (
        ("a=b", "analyst", ""), ("x", "manager", "region:south"))  # fmt: skip
    env = {"HYMIO_OIDC_ISSUER": "https://login.example.com/t/v2.0",
           "HYMIO_OIDC_CLIENT_ID": "c", "HYMIO_OIDC_GROUPS": "g=admin"}  # fmt: skip
    found = OidcSettings.from_env(env)
    assert (found.name, found.groups, found.groups_claim) == (
        "your organisation", (("g", "admin", ""),), "groups")  # fmt: skip
    assert OidcSettings.from_env({}) is None
    hq.app.state.oidc = None  # from the environment now, where the mapping is wrong
    monkeypatch.setenv("HYMIO_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("HYMIO_OIDC_GROUPS", "staff")
    assert "/login/oidc" not in hq.client.get("/login").text
    assert hq.client.get("/login/oidc").status_code == 502  # says why, never a 500
