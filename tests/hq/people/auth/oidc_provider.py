"""A tiny OpenID Connect provider for the tests, served on 127.0.0.1: discovery, an
authorization endpoint that signs in whoever the test says (no form), a token endpoint
that checks the client's secret, the code (once) and the PKCE verifier, and issues an
RS256 ID token, and the JWKS that verifies it."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "hymio-hq", "provider secret"


@dataclass
class Provider:
    """The provider's state: who signs in next, its key, the codes it gave."""

    issuer: str = ""
    person: dict = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    signing_key: RSAKey | None = None  # another key: a forged token
    codes: dict = field(default_factory=dict)
    token_calls: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "code_challenge_methods_supported": ["S256"]}  # fmt: skip

        @app.get("/authorize")
        def authorize(request: Request):
            q = request.query_params
            assert q["client_id"] == CLIENT_ID and q["code_challenge_method"] == "S256"
            assert "openid" in q["scope"].split()
            code = secrets.token_urlsafe(16)
            self.codes[code] = (q["redirect_uri"], q["code_challenge"], q["nonce"],
                                dict(self.person))  # fmt: skip
            return RedirectResponse(f"{q['redirect_uri']}?code={code}&state={q['state']}", 302)

        @app.post("/token")
        def token(
            grant_type: Annotated[str, Form()], code: Annotated[str, Form()],
            redirect_uri: Annotated[str, Form()], client_id: Annotated[str, Form()],
            client_secret: Annotated[str, Form()], code_verifier: Annotated[str, Form()],
        ):  # fmt: skip
            self.token_calls += 1
            if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
                return JSONResponse({"error": "invalid_client"}, 401)
            kept = self.codes.pop(code, None)  # a code works once
            if kept is None or kept[0] != redirect_uri or grant_type != "authorization_code":
                return JSONResponse({"error": "invalid_grant"}, 400)
            if create_s256_code_challenge(code_verifier) != kept[1]:
                return JSONResponse({"error": "invalid_grant", "why": "pkce"}, 400)
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                      "nonce": kept[2], **kept[3]}  # fmt: skip
            key = self.signing_key or self.key
            signed = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
            return {"access_token": "x", "token_type": "Bearer", "id_token": signed}

        @app.get("/jwks")
        def jwks():
            return {"keys": [self.key.as_dict(private=False)]}

        return app
