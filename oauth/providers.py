"""Where each CRM's OAuth lives and what it asks for (URLs injected from settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HubSpotOAuth:
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: tuple[str, ...]
    optional_scopes: tuple[str, ...] = ()
    auth_base: str = "https://app.hubspot.com"
    api_base: str = "https://api.hubapi.com"
    token_path: str = "/oauth/v3/token"  # noqa: S105 - a URL path
    introspect_path: str = "/oauth/v3/token/introspect"
    revoke_path: str = "/oauth/v3/token/revoke"

    def __repr__(self) -> str:
        return f"HubSpotOAuth(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r})"


@dataclass(frozen=True)
class SalesforceOAuth:
    """A Salesforce External Client App (or connected app) using the web-server flow with PKCE."""

    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: tuple[str, ...] = ("api", "refresh_token")
    login_base: str = "https://login.salesforce.com"
    sandbox_login_base: str = "https://test.salesforce.com"

    def __repr__(self) -> str:
        return f"SalesforceOAuth(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r})"

    def base(self, login: str) -> str:
        """``production`` (login.salesforce.com) or ``sandbox`` (test.salesforce.com)."""
        return self.sandbox_login_base if login == "sandbox" else self.login_base
