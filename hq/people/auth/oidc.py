"""Sign-in with the chain's identity provider: OpenID Connect, the authorization code flow
with PKCE (S256), state and nonce (Authlib's helpers, joserfc for the ID token).

Set by the environment of ``hymio hq serve`` (see docs/run-hq/people-and-sign-in.md):

- ``HYMIO_OIDC_ISSUER``: the provider's issuer URL (its ``/.well-known/openid-configuration``
  says the rest); ``HYMIO_OIDC_CLIENT_ID`` and ``HYMIO_OIDC_CLIENT_SECRET``;
- ``HYMIO_OIDC_NAME``: what the login page's button says after "Sign in with";
- ``HYMIO_OIDC_GROUPS``: the groups that may sign in and their role, ``;``-separated
  ``GROUP=admin``, ``GROUP=analyst`` or ``GROUP=manager:region:ID`` (or ``…:store:ID``); the
  first one the person is in decides; ``HYMIO_OIDC_GROUPS_CLAIM`` (default ``groups``) is
  the ID token's claim that lists them;
- the provider sends people back to ``HYMIO_HQ_URL`` + ``/login/oidc/callback``.

A person is known by the provider's issuer and subject (``oidc_identities``); the first
sign-in makes their user (named from their e-mail or preferred username, no password that
works), and every sign-in sets their role and part from the groups again. Someone in no
mapped group is refused, and so is a deactivated user.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hq.core.errors import HQError
from hq.people.access import check_role, check_scope
from hq.people.credentials import hash_password, new_token
from hq.tables.people import OidcIdentity, User
from kiosk.timekeeping.localtime import to_utc_text

TIMEOUT = 10.0
LEEWAY = 60  # seconds of clock difference taken on exp and iat


class OidcError(HQError):
    """The sign-in did not work; the message says why (shown to the person)."""


class NotMapped(OidcError):
    """The person is in no group that HQ maps to a role."""


@dataclass(frozen=True)
class OidcSettings:
    """One identity provider."""

    issuer: str
    client_id: str
    client_secret: str
    name: str = "your organisation"
    groups: tuple[tuple[str, str, str], ...] = ()  # (group, role, scope), in order
    groups_claim: str = "groups"
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OidcSettings | None:
        """The settings in *env* (default ``os.environ``); ``None`` without an issuer."""
        env = os.environ if env is None else env
        issuer = env.get("HYMIO_OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        return cls(
            issuer=issuer,
            client_id=env.get("HYMIO_OIDC_CLIENT_ID", "").strip(),
            client_secret=env.get("HYMIO_OIDC_CLIENT_SECRET", ""),
            name=env.get("HYMIO_OIDC_NAME", "").strip() or "your organisation",
            groups=parse_groups(env.get("HYMIO_OIDC_GROUPS", "")),
            groups_claim=env.get("HYMIO_OIDC_GROUPS_CLAIM", "").strip() or "groups",
        )


def parse_groups(text: str) -> tuple[tuple[str, str, str], ...]:
    """``GROUP=ROLE[:SCOPE];…`` as (group, role, scope) in order; an :class:`HQError`
    naming ``HYMIO_OIDC_GROUPS`` for an entry that is not one."""
    out = []
    for entry in filter(None, (e.strip() for e in text.split(";"))):
        group, equals, rest = entry.rpartition("=")
        role, _, scope = rest.partition(":")
        if not equals or not group.strip() or role not in ("admin", "analyst", "manager"):
            raise HQError(f"HYMIO_OIDC_GROUPS: {entry!r} is not GROUP=admin|analyst|manager:SCOPE")
        out.append((group.strip(), role, scope))
    return tuple(out)


def _get_json(url: str, data: dict | None = None) -> dict:
    if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        raise OidcError(f"the identity provider named {url!r}, not an http(s) URL")
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Accept": "application/json"}
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            return json.loads(answer.read(1_000_000))
    except urllib.error.HTTPError as e:
        raise OidcError(f"the identity provider answered {e.code} at {url}") from None
    except (OSError, ValueError) as e:
        raise OidcError(f"the identity provider could not be reached at {url}: {e}") from None


def metadata(settings: OidcSettings) -> dict:
    """The provider's discovery document (kept for an hour); its issuer must be ours."""
    cached = settings._cache.get("metadata")
    if cached and cached[0] > time.monotonic():
        return cached[1]
    url = settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
    if not url.startswith(("https://", "http://")):
        raise OidcError("HYMIO_OIDC_ISSUER is not an http(s) URL")
    found = _get_json(url)
    if found.get("issuer") != settings.issuer:
        raise OidcError(f"the provider calls itself {found.get('issuer')!r}, not the issuer set")
    settings._cache["metadata"] = (time.monotonic() + 3600, found)
    return found


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and what to keep (in its cookie) for the way back."""

    url: str
    state: str
    nonce: str
    verifier: str


def begin(settings: OidcSettings, redirect_uri: str) -> Started:
    """The provider's authorization URL with a fresh state, nonce and PKCE verifier."""
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": settings.client_id,
        "redirect_uri": redirect_uri, "scope": "openid email profile",
        "state": state, "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
    })  # fmt: skip
    endpoint = metadata(settings)["authorization_endpoint"]
    return Started(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state, nonce, verifier)


def finish(settings: OidcSettings, redirect_uri: str, code: str, verifier: str, nonce: str) -> dict:
    """Trade *code* for tokens and return the ID token's claims, checked: the provider's
    signature (its JWKS), issuer, audience, expiry and *nonce*."""
    meta = metadata(settings)
    tokens = _get_json(meta["token_endpoint"], {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": settings.client_id, "client_secret": settings.client_secret,
        "code_verifier": verifier,
    })  # fmt: skip
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("the identity provider sent no ID token")
    keys = KeySet.import_key_set(_get_json(meta["jwks_uri"]))
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError) as e:
        raise OidcError(f"the ID token is not valid: {e}") from None
    return dict(token.claims)


def role_of(settings: OidcSettings, claims: Mapping) -> tuple[str, str]:
    """The role and scope of the first mapped group in *claims*; :class:`NotMapped`."""
    groups = claims.get(settings.groups_claim) or []
    groups = [groups] if isinstance(groups, str) else groups
    for group, role, scope in settings.groups:
        if group in groups:
            return role, scope
    raise NotMapped("none of your groups may sign in to HQ; ask your admin to map one")


def _name_from(claims: Mapping) -> str:
    for key in ("preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            name = re.sub(r"[^A-Za-z0-9._-]+", "-", value.split("@")[0]).strip("-._")
            if name:
                return name[:56]
    return "user"


def sign_in(db: Session, settings: OidcSettings, claims: Mapping, now: datetime) -> str:
    """The username of the person of *claims*, made on their first sign-in; their role and
    scope set from their groups every time. Committed."""
    role, scope = role_of(settings, claims)
    check_role(role, check_scope(db, scope, "HYMIO_OIDC_GROUPS"))
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    email = email if len(email) <= 254 else ""
    key = (settings.issuer[:300], str(claims["sub"])[:255])
    identity = db.get(OidcIdentity, key)
    if identity is None:
        base, n = _name_from(claims), 1
        username = base
        while db.get(User, username) is not None:
            n += 1
            username = f"{base}-{n}"
        db.add(User(username=username, password_hash=hash_password(new_token()),
                    created_at=to_utc_text(now), language="", role=role, scope=scope,
                    email=email, deactivated_at=""))  # fmt: skip
        db.add(OidcIdentity(issuer=key[0], subject=key[1], username=username))
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            raise OidcError(
                "another sign-in made this user at the same moment; try again"
            ) from None
        return username
    user = db.get(User, identity.username)
    if user is None or user.deactivated_at:
        raise OidcError("your user on HQ is deactivated or removed; ask your admin")
    user.role, user.scope = role, scope
    if email:
        user.email = email
    db.commit()
    return user.username
