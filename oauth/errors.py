"""OAuth failures, each with a short machine reason and a sentence an admin can act on."""

from __future__ import annotations


class OAuthError(Exception):
    reason = "oauth-error"

    def __init__(self, message: str, *, status: int | None = None, body: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class InvalidState(OAuthError):
    """The ``state`` is missing, forged, expired or was already used."""

    reason = "invalid-state"


class InvalidGrant(OAuthError):
    """The code or refresh token was refused: the admin must install (authorize) again."""

    reason = "invalid-grant"


class ProviderDown(OAuthError):
    """The CRM's OAuth endpoint failed or could not be reached; try again later."""

    reason = "provider-down"
