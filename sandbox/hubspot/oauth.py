"""HubSpot OAuth: authorize page, v1 and v3 token endpoints, token info, introspection, revoke.

v1 (``/oauth/v1/token``) is what hubspot-api-client 12 calls; v3 and the
date-versioned paths replace it before v1 shuts off on 16 February 2027.
Access tokens live 30 minutes. Codes are single-use and short-lived.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, redirect, request

from sandbox.hubspot.errors import correlation_id

ACCESS_TTL_S = 1800
CODE_TTL_S = 600
KNOWN_SCOPES = frozenset(
    {
        "oauth",
        "crm.objects.contacts.read",
        "crm.objects.contacts.write",
        "crm.objects.companies.read",
        "crm.objects.companies.write",
        "crm.objects.deals.read",
        "crm.objects.deals.write",
        "crm.objects.leads.read",
        "crm.objects.leads.write",
        "crm.objects.owners.read",
        "crm.schemas.contacts.read",
        "crm.schemas.contacts.write",
        "crm.schemas.companies.read",
        "crm.schemas.companies.write",
        "crm.schemas.deals.read",
        "crm.schemas.deals.write",
        "timeline",
        "forms",
        "content",
    }
)
V3_PATHS = ("/oauth/v3/token", "/oauth/2026-03/token", "/oauth/2026-09/token")


@dataclass(frozen=True)
class App:
    client_id: str
    client_secret: str
    app_id: int
    redirect_uris: tuple[str, ...] = ()  # empty: any redirect URI is accepted (sandbox default)


@dataclass
class Grant:
    portal_id: int
    user_id: int
    user_email: str
    hub_domain: str
    scopes: tuple[str, ...]


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    expires_at: float
    code_challenge: str | None
    used: bool = False


@dataclass
class _Access:
    grant: Grant
    expires_at: float
    revoked: bool = False


@dataclass
class _Refresh:
    grant: Grant
    revoked: bool = False


@dataclass
class OAuthState:
    app: App
    codes: dict[str, _Code] = field(default_factory=dict)
    access: dict[str, _Access] = field(default_factory=dict)
    refresh: dict[str, _Refresh] = field(default_factory=dict)
    installed: set[int] = field(default_factory=set)
    next_decision: str = "approve"  # set to "deny" to simulate an admin declining consent
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_access(self, grant: Grant, now: float) -> str:
        token = "CO" + secrets.token_urlsafe(96)  # HubSpot tokens are long and opaque
        self.access[token] = _Access(grant, now + ACCESS_TTL_S)
        return token

    def revoke_portal(self, portal_id: int) -> None:
        """An uninstall: every token of the app in that portal stops working."""
        with self.lock:
            for item in list(self.access.values()) + list(self.refresh.values()):
                if item.grant.portal_id == portal_id:
                    item.revoked = True
            self.installed.discard(portal_id)

    def expire_access_tokens(self, portal_id: int | None = None) -> None:
        """Make live access tokens expired now (tests of the refresh path)."""
        with self.lock:
            for item in self.access.values():
                if portal_id is None or item.grant.portal_id == portal_id:
                    item.expires_at = 0.0

    def check_access(self, token: str, now: float) -> tuple[_Access | None, str | None]:
        """(grant, None) if valid; (None, reason) with reason 'expired' or 'invalid'."""
        item = self.access.get(token)
        if item is None or item.revoked:
            return None, "invalid"
        if item.expires_at <= now:
            return item, "expired"
        return item, None


def _v1_error(status: str, message: str, code: int = 400) -> Response:
    response = jsonify({"status": status, "message": message, "correlationId": correlation_id()})
    response.status_code = code
    return response


def _v3_error(message: str, code: int = 400) -> Response:
    response = jsonify(
        {
            "message": message,
            "correlationId": correlation_id(),
            "category": "VALIDATION_ERROR",
            "links": {"oauth-docs": "https://developers.hubspot.com/docs/api/oauth-quickstart-guide"},
        }
    )
    response.status_code = code
    return response


def _page(title: str, text: str, code: int) -> Response:
    body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{text}</p>"
    return Response(body, status=code, mimetype="text/html")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def register(app: Flask, sandbox: Any) -> None:
    state: OAuthState = sandbox.oauth
    clock = sandbox.clock

    def authorize(account_id: int | None) -> Response:
        args = request.args
        client_id = args.get("client_id", "")
        redirect_uri = args.get("redirect_uri", "")
        if client_id != state.app.client_id:
            return _page("Authorization failed", "This app is not registered (unknown client_id).", 400)
        if not redirect_uri:
            return _page("Authorization failed", "redirect_uri is required.", 400)
        if state.app.redirect_uris and redirect_uri not in state.app.redirect_uris:
            return _page("Authorization failed", "redirect_uri does not match the app's redirect URLs.", 400)
        scopes = [s for s in args.get("scope", "").replace("+", " ").split(" ") if s]
        optional = [s for s in args.get("optional_scope", "").replace("+", " ").split(" ") if s]
        unknown = [s for s in scopes + optional if s not in KNOWN_SCOPES]
        if not scopes or unknown:
            return _page("Authorization failed", f"Invalid scope: {' '.join(unknown) or '(none)'}", 400)
        portal_id = account_id or sandbox.default_portal_id
        portal = sandbox.portals.get(portal_id)
        if portal is None:
            return _page("Authorization failed", "No such account.", 404)
        out_state = args.get("state")
        if state.next_decision == "deny":
            state.next_decision = "approve"
            query = {"error": "access_denied", "error_description": "The user denied the request"}
            if out_state is not None:
                query["state"] = out_state
            return redirect(f"{redirect_uri}?{urlencode(query)}", code=302)
        owner = next(o for o in portal.owners if not o["archived"])
        grant = Grant(
            portal_id, owner["userId"], owner["email"], f"{portal.domain}", tuple(scopes + optional)
        )
        code = secrets.token_urlsafe(24)
        challenge = args.get("code_challenge")
        if challenge and args.get("code_challenge_method", "S256") != "S256":
            return _page("Authorization failed", "Only code_challenge_method=S256 is supported.", 400)
        with state.lock:
            state.codes[code] = _Code(grant, redirect_uri, clock.now() + CODE_TTL_S, challenge)
        query = {"code": code}
        if out_state is not None:
            query["state"] = out_state
        return redirect(f"{redirect_uri}?{urlencode(query)}", code=302)

    app.add_url_rule("/oauth/authorize", "hs_authorize", lambda: authorize(None))
    app.add_url_rule("/oauth/<int:account_id>/authorize", "hs_authorize_account", authorize)

    def token_grant(form: dict[str, str], v3: bool) -> Response:
        fail = _v3_error if v3 else None

        def bad(status: str, message: str) -> Response:
            return fail(message) if fail else _v1_error(status, message)

        grant_type = form.get("grant_type", "")
        if form.get("client_id") != state.app.client_id:
            return bad("BAD_CLIENT_ID", "missing or invalid client_id")
        if not secrets.compare_digest(form.get("client_secret", ""), state.app.client_secret):
            return bad("BAD_CLIENT_SECRET", "missing or invalid client_secret")
        now = clock.now()
        with state.lock:
            if grant_type == "authorization_code":
                code = state.codes.get(form.get("code", ""))
                if code is None:
                    return bad("BAD_AUTH_CODE", "missing or unknown auth code")
                if code.used or code.expires_at <= now:
                    return bad("EXPIRED_AUTH_CODE", "auth code is expired")
                if form.get("redirect_uri") != code.redirect_uri:
                    return bad("BAD_REDIRECT_URI", "redirect_uri does not match the one used to authorize")
                if code.code_challenge:
                    verifier = form.get("code_verifier", "")
                    if not verifier or _s256(verifier) != code.code_challenge:
                        return bad("BAD_AUTH_CODE", "code_verifier does not match the code_challenge")
                code.used = True
                grant = code.grant
                refresh_token = secrets.token_urlsafe(27)
                state.refresh[refresh_token] = _Refresh(grant)
                state.installed.add(grant.portal_id)
            elif grant_type == "refresh_token":
                refresh = state.refresh.get(form.get("refresh_token", ""))
                if refresh is None or refresh.revoked:
                    return bad("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
                grant = refresh.grant
                refresh_token = form["refresh_token"]  # HubSpot does not rotate refresh tokens
            else:
                return bad("BAD_GRANT_TYPE", f"unsupported grant_type {grant_type!r}")
            access_token = state.issue_access(grant, now)
        body: dict[str, Any] = {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_in": ACCESS_TTL_S,
            "token_type": "bearer",
        }
        if v3:
            body |= {
                "token_use": "access_token",
                "hub_id": grant.portal_id,
                "user_id": grant.user_id,
                "scopes": list(grant.scopes),
            }
        return jsonify(body)

    @app.post("/oauth/v1/token")
    def token_v1() -> Response:
        return token_grant(request.form.to_dict(), v3=False)

    def token_v3() -> Response:
        if request.args:
            return _v3_error("Parameters must be sent in the form-encoded request body, not the query string")
        return token_grant(request.form.to_dict(), v3=True)

    for path in V3_PATHS:
        app.add_url_rule(path, f"hs_token_{path}", token_v3, methods=["POST"])

    def _client_ok(form: dict[str, str]) -> bool:
        return form.get("client_id") == state.app.client_id and secrets.compare_digest(
            form.get("client_secret", ""), state.app.client_secret
        )

    def introspect() -> Response:
        form = request.form.to_dict()
        if request.args:
            return _v3_error("Parameters must be sent in the form-encoded request body, not the query string")
        if not _client_ok(form):
            return _v3_error("missing or invalid client credentials", 401)
        token = form.get("token", "")
        now = clock.now()
        access, problem = state.check_access(token, now)
        if access is not None and problem is None:
            grant = access.grant
            return jsonify(
                {
                    "active": True,
                    "app_id": state.app.app_id,
                    "client_id": state.app.client_id,
                    "expires_in": int(access.expires_at - now),
                    "hub_id": grant.portal_id,
                    "hub_domain": grant.hub_domain,
                    "is_private_distribution": False,
                    "scopes": list(grant.scopes),
                    "signed_access_token": {
                        "appId": state.app.app_id,
                        "hubId": grant.portal_id,
                        "installingUserId": grant.user_id,
                        "expiresAt": int(access.expires_at * 1000),
                        "scopes": " ".join(grant.scopes),
                    },
                    "token": token,
                    "token_type": "access_token",
                    "token_use": "access_token",
                    "user": grant.user_email,
                    "user_id": grant.user_id,
                }
            )
        refresh = state.refresh.get(token)
        if refresh is not None and not refresh.revoked:
            grant = refresh.grant
            return jsonify(
                {
                    "active": True,
                    "client_id": state.app.client_id,
                    "hub_id": grant.portal_id,
                    "hub_domain": grant.hub_domain,
                    "scopes": list(grant.scopes),
                    "token": token,
                    "token_type": "refresh_token",
                    "token_use": "refresh_token",
                    "user": grant.user_email,
                    "user_id": grant.user_id,
                }
            )
        return jsonify({"active": False})

    def revoke() -> Response:
        form = request.form.to_dict()
        if request.args:
            return _v3_error("Parameters must be sent in the form-encoded request body, not the query string")
        if not _client_ok(form):
            return _v3_error("missing or invalid client credentials", 401)
        token = form.get("token", "")
        with state.lock:
            for table in (state.refresh, state.access):
                if token in table:
                    table[token].revoked = True
        return Response(status=200)

    for prefix in ("/oauth/v3/token", "/oauth/2026-03/token"):
        app.add_url_rule(prefix + "/introspect", f"hs_introspect_{prefix}", introspect, methods=["POST"])
        app.add_url_rule(prefix + "/revoke", f"hs_revoke_{prefix}", revoke, methods=["POST"])

    @app.get("/oauth/v1/access-tokens/<token>")
    def access_token_info(token: str) -> Response:
        now = clock.now()
        access, problem = state.check_access(token, now)
        if access is None or problem:
            return _v1_error("error", "Token not found or expired", 404)
        grant = access.grant
        return jsonify(
            {
                "token": token,
                "user": grant.user_email,
                "hub_domain": grant.hub_domain,
                "scopes": list(grant.scopes),
                "hub_id": grant.portal_id,
                "app_id": state.app.app_id,
                "expires_in": int(access.expires_at - now),
                "user_id": grant.user_id,
                "token_type": "access",
            }
        )

    @app.route("/oauth/v1/refresh-tokens/<token>", methods=["GET", "DELETE"])
    def refresh_token_info(token: str) -> Response:
        refresh = state.refresh.get(token)
        if refresh is None or refresh.revoked:
            return _v1_error("error", "Refresh token not found", 404)
        if request.method == "DELETE":
            # Deletes only the refresh token; issued access tokens live on until expiry.
            refresh.revoked = True
            return Response(status=204)
        grant = refresh.grant
        return jsonify(
            {
                "token": token,
                "user": grant.user_email,
                "hub_domain": grant.hub_domain,
                "scopes": list(grant.scopes),
                "hub_id": grant.portal_id,
                "client_id": state.app.client_id,
                "user_id": grant.user_id,
                "token_type": "refresh",
            }
        )
