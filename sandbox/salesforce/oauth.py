"""Salesforce OAuth 2.0 web-server flow with PKCE: authorize, token (code and refresh), revoke,
and the identity URL. No ``expires_in`` (lifetime is the org's session policy); the token answer
is signed (HMAC-SHA256 of ``id + issued_at`` with the consumer secret); refresh-token rotation
is on by default, so each refresh token works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, jsonify, redirect, request

CODE_TTL_S = 900
SESSION_TTL_S = 2 * 3600  # the org's session timeout policy
KNOWN_SCOPES = frozenset(
    {"api", "refresh_token", "offline_access", "id", "openid", "web", "full", "profile", "email"}
)


@dataclass(frozen=True)
class ConnectedApp:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()  # empty: any (sandbox default)
    rotate_refresh_tokens: bool = True


@dataclass
class Session:
    org_id: str
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float
    refresh_token: str | None = None


@dataclass
class _Code:
    org_id: str
    user_id: str
    scopes: tuple[str, ...]
    redirect_uri: str
    expires_at: float
    challenge: str | None


@dataclass
class SfOAuthState:
    app: ConnectedApp
    codes: dict[str, _Code] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)  # access token -> session
    refresh_tokens: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)
    next_decision: str = "approve"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, org_id: str, user_id: str, scopes: tuple[str, ...], now: float) -> str:
        token = f"{org_id[:15]}!{secrets.token_urlsafe(60)}"  # access tokens start with the org id
        self.sessions[token] = Session(org_id, user_id, scopes, now + SESSION_TTL_S)
        return token

    def check(self, token: str, now: float) -> Session | None:
        with self.lock:
            session = self.sessions.get(token)
        if session is None or session.expires_at <= now:
            return None
        return session

    def expire_sessions(self, org_id: str | None = None) -> None:
        with self.lock:
            for session in self.sessions.values():
                if org_id is None or session.org_id == org_id:
                    session.expires_at = 0

    def revoke_org(self, org_id: str) -> None:
        with self.lock:
            for token in [t for t, (o, _u, _s) in self.refresh_tokens.items() if o == org_id]:
                del self.refresh_tokens[token]
            for session in self.sessions.values():
                if session.org_id == org_id:
                    session.expires_at = 0


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _error(error: str, description: str, status: int = 400) -> Response:
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    return response


def _back(redirect_uri: str, error: str, description: str, out: dict[str, str]) -> Response:
    query = urlencode({"error": error, "error_description": description, **out})
    return redirect(f"{redirect_uri}?{query}", code=302)


def register(app: Flask, sandbox: Any) -> None:
    state: SfOAuthState = sandbox.sf_oauth
    clock = sandbox.clock

    @app.before_request
    def _area() -> None:
        if request.path.startswith(("/services/oauth2", "/id/")):
            g.area = "sf-oauth"

    def _answer(org_id: str, user_id: str, scopes: tuple[str, ...], refresh: str | None) -> Response:
        access = state.issue(org_id, user_id, scopes, clock.now())
        issued_at = str(int(clock.now() * 1000))
        identity = f"{request.host_url.rstrip('/')}/id/{org_id}/{user_id}"
        signature = base64.b64encode(
            hmac.new(
                state.app.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
            ).digest()
        ).decode()
        body: dict[str, Any] = {
            "access_token": access,
            "signature": signature,
            "scope": " ".join(scopes),
            "instance_url": request.host_url.rstrip("/"),
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }
        if refresh:
            body["refresh_token"] = refresh
        return jsonify(body)

    @app.get("/services/oauth2/authorize")
    def sf_authorize() -> Response:
        args = request.args
        if args.get("client_id") != state.app.client_id:
            return Response("error=invalid_client_id: client identifier invalid", 400)
        redirect_uri = args.get("redirect_uri", "")
        if not redirect_uri or (state.app.redirect_uris and redirect_uri not in state.app.redirect_uris):
            return Response("error=redirect_uri_mismatch: redirect_uri must match configuration", 400)
        out: dict[str, str] = {}
        if args.get("state") is not None:
            out["state"] = args["state"]
        if args.get("response_type") != "code":
            return _back(redirect_uri, "unsupported_response_type", "response type not supported", out)
        scopes = tuple(s for s in args.get("scope", "api refresh_token").split() if s)
        if any(s not in KNOWN_SCOPES for s in scopes):
            return _back(redirect_uri, "invalid_scope", "the requested scope is not allowed", out)
        challenge = args.get("code_challenge")
        if challenge and args.get("code_challenge_method", "S256") != "S256":
            return _back(redirect_uri, "invalid_request", "invalid code challenge method", out)
        if state.next_decision == "deny":
            state.next_decision = "approve"
            return _back(redirect_uri, "access_denied", "end-user denied authorization", out)
        org = sandbox.org_for_login(args.get("login_hint"))
        if org is None:
            return Response("error=invalid_login: unknown user", 400)
        org_obj, user_id = org
        code = "aPrx" + secrets.token_urlsafe(40)
        with state.lock:
            state.codes[code] = _Code(
                org_obj.org_id, user_id, scopes, redirect_uri, clock.now() + CODE_TTL_S, challenge
            )
        return redirect(f"{redirect_uri}?{urlencode({'code': code, **out})}", code=302)

    @app.post("/services/oauth2/token")
    def sf_token() -> Response:
        if request.args:
            return _error("invalid_request", "parameters must be sent in the request body")
        form = request.form
        if form.get("client_id") != state.app.client_id:
            return _error("invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(form.get("client_secret", ""), state.app.client_secret):
            return _error("invalid_client", "invalid client credentials")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with state.lock:
                code = state.codes.pop(form.get("code", ""), None)
            if code is None or code.expires_at < clock.now():
                return _error("invalid_grant", "invalid authorization code")
            if code.redirect_uri != form.get("redirect_uri"):
                return _error("redirect_uri_mismatch", "redirect_uri must match configuration")
            verifier = form.get("code_verifier")
            if code.challenge and not verifier:
                return _error("invalid_grant", "invalid code verifier")
            if code.challenge and _s256(verifier or "") != code.challenge:
                return _error("invalid_request", "invalid code verifier")
            if verifier and not code.challenge:
                return _error("invalid_request", "code verifier sent without a code challenge")
            refresh = None
            if {"refresh_token", "offline_access"} & set(code.scopes):
                refresh = "5Aep" + secrets.token_urlsafe(60)
                with state.lock:
                    state.refresh_tokens[refresh] = (code.org_id, code.user_id, code.scopes)
            return _answer(code.org_id, code.user_id, code.scopes, refresh)
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            with state.lock:
                known = state.refresh_tokens.get(token)
                if known is None:
                    return _error("invalid_grant", "expired access/refresh token")
                fresh = None
                if state.app.rotate_refresh_tokens:
                    del state.refresh_tokens[token]
                    fresh = "5Aep" + secrets.token_urlsafe(60)
                    state.refresh_tokens[fresh] = known
            sandbox.refreshes += 1
            return _answer(known[0], known[1], known[2], fresh)
        return _error("unsupported_grant_type", "grant type not supported")

    @app.post("/services/oauth2/revoke")
    def sf_revoke() -> Response:
        token = request.form.get("token", "")
        with state.lock:
            if token in state.refresh_tokens:
                org_id, user_id, _scopes = state.refresh_tokens.pop(token)
                for session in state.sessions.values():
                    if session.org_id == org_id and session.user_id == user_id:
                        session.expires_at = 0
                return Response("", 200)
            if token in state.sessions:
                state.sessions[token].expires_at = 0
                return Response("", 200)
        return _error("invalid_token", "invalid token")

    @app.get("/id/<org_id>/<user_id>")
    def sf_identity(org_id: str, user_id: str) -> Response:
        header = request.headers.get("Authorization", "")
        session = (
            state.check(header.removeprefix("Bearer ").strip(), clock.now())
            if header.startswith("Bearer ")
            else None
        )
        if session is None:
            return Response("Bad_OAuth_Token", 403)
        if session.org_id != org_id or session.user_id != user_id:
            return Response("Bad_Id", 403)
        org = sandbox.orgs[org_id]
        user = org.get("User", user_id) or {}
        base = request.host_url.rstrip("/")
        return jsonify(
            id=f"{base}/id/{org_id}/{user_id}",
            asserted_user=True,
            user_id=user_id,
            organization_id=org_id,
            username=user.get("Username"),
            nick_name=(user.get("Username") or "").split("@")[0],
            display_name=user.get("Name"),
            email=user.get("Email"),
            active=bool(user.get("IsActive")),
            user_type="STANDARD",
            language="en_US",
            locale="en_US",
            utcOffset=0,
            urls={
                "rest": f"{base}/services/data/v{{version}}/",
                "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
                "query": f"{base}/services/data/v{{version}}/query/",
                "tooling_rest": f"{base}/services/data/v{{version}}/tooling/",
            },
        )
