"""The one form POST every token-endpoint call makes, with its failures mapped to ``oauth.errors``.

Parameters travel in the form body, never in a URL. Each CRM supplies how it words a refusal;
an unreachable or failing (5xx) endpoint and an answer without an access token are the same for all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from oauth.errors import OAuthError, ProviderDown

Refusal = Callable[[int, Any], OAuthError]  # (status code, parsed body) -> the error to raise


def post_form(
    session: requests.Session,
    url: str,
    form: dict[str, str],
    timeout: float,
    *,
    crm: str,
    refusal: Refusal,
    text_key: str,
) -> dict[str, Any]:
    """POST ``form`` and return the token answer; ``refusal`` words a 4xx (or a body that is no object),
    ``text_key`` is where a non-JSON answer's text goes, so ``refusal`` finds it where the CRM puts it."""
    try:
        response = session.post(url, data=form, timeout=timeout)
    except requests.RequestException as exc:
        raise ProviderDown(f"{crm}'s OAuth endpoint could not be reached ({type(exc).__name__})") from None
    try:
        body = response.json()
    except ValueError:
        body = {text_key: response.text[:200]}
    if response.status_code >= 500:
        raise ProviderDown(
            f"{crm}'s OAuth endpoint answered {response.status_code}", status=response.status_code
        )
    if response.status_code >= 400 or not isinstance(body, dict):
        raise refusal(response.status_code, body)
    if "access_token" not in body:
        raise ProviderDown(f"{crm}'s token answer had no access token")
    return body
