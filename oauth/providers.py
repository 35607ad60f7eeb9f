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

    @property
    def uses_v1(self) -> bool:
        return "/v1/" in self.token_path
