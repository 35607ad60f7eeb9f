"""Every HubSpot call goes through here: token, limiter, typed errors, leadq's own retry policy.

The SDK's urllib3 retry is switched off: it would not retry POST/PATCH on 429 anyway
(hubspot-api-python #117), and two retry layers would double the waits. Decisions
come from ``connector.errors.classify``; 401 triggers one token refresh.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import hubspot
import urllib3

from connector.base import ClientConfig, Tokens
from connector.errors import (
    Action,
    CrmError,
    CrmUnavailable,
    classify,
)
from connector.hubspot.limits import API, Budget, Limiter
from connector.retry_log import given_up, pause_before_retry, unreachable_words
from core.records import ObjectType

log = logging.getLogger(__name__)
T = TypeVar("T")
OBJECTS = {
    ObjectType.CONTACT: "contacts",
    ObjectType.ACCOUNT: "companies",
    ObjectType.DEAL: "deals",
    ObjectType.PIPELINE_LEAD: "leads",
}
# Objects the SDK files under ``client.crm.objects`` rather than ``client.crm`` itself.
UNDER_OBJECTS = frozenset({"leads"})


def api(client: Any, name: str) -> Any:
    """The SDK's API of one object kind (``contacts``, ``companies``, ``deals``, ``leads``): its
    ``basic_api``, ``batch_api`` and ``search_api``."""
    return getattr(client.crm.objects if name in UNDER_OBJECTS else client.crm, name)


def _body(exc: Exception) -> Any:
    raw = getattr(exc, "body", None)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return raw


def to_crm_error(status: int, headers: dict[str, str], body: Any, url: str = "") -> CrmError:
    text = body.get("message", "") if isinstance(body, dict) else str(body or "")
    return CrmError.from_status(
        status,
        f"HubSpot answered {status}: {text[:300]}",
        url=url,
        body=body,
        retry_after=classify(status, headers, body).retry_after,
    )


class HubSpotCalls:
    """One installation's gateway to HubSpot; counts every call it makes."""

    def __init__(
        self,
        config: ClientConfig,
        tokens: Tokens,
        limiter: Limiter,
        portal_id: str,
        budget: Budget | None = None,
        max_attempts: int = 6,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config, self.tokens, self.limiter, self.portal_id = config, tokens, limiter, portal_id
        self.budget = budget or Budget()
        self.max_attempts, self.sleep = max_attempts, sleep
        self.calls = 0
        self.answered = False  # the CRM has answered one of this client's calls
        self._rng = random.Random()

    def _client(self, token: str) -> hubspot.Client:
        options: dict[str, Any] = {
            "access_token": token,
            "host": self.config.api_base,
            "retry": urllib3.util.retry.Retry(total=0, raise_on_status=False),
        }
        if self.config.ca_bundle:
            options["ssl_ca_cert"] = self.config.ca_bundle
        return hubspot.Client.create(**options)

    # fn takes the client; typed `...` because callers bind loop values as lambda defaults, which
    # mypy cannot infer against a one-argument signature.
    def call(self, fn: Callable[..., T], bucket: str = API, what: str = "") -> T:
        token = self.tokens.current()
        refreshed = False
        last: CrmError | None = None
        for attempt in range(self.max_attempts):
            limit, window = self.budget.window(bucket)
            self.limiter.acquire(f"hubspot:{self.portal_id}:{bucket}", limit, window)
            self.calls += 1
            try:
                result = fn(self._client(token))
                self.answered = True
                return result
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                last = CrmUnavailable(f"HubSpot could not be reached ({unreachable_words(exc)})", url=what)
                if given_up(self.config, self.answered, attempt):
                    raise last from None
                delay = None
            except Exception as exc:
                status = getattr(exc, "status", None)
                if not isinstance(status, int) or status == 0:
                    raise
                self.answered = True
                headers = dict(getattr(exc, "headers", None) or {})
                last = to_crm_error(status, headers, _body(exc), what)
                if status == 401 and not refreshed:
                    token, refreshed = self.tokens.after_unauthorized(token), True
                    continue
                resolution = classify(status, headers, last.body)
                if resolution.action != Action.RETRY:
                    raise last from None
                delay = resolution.retry_after
            if attempt + 1 == self.max_attempts:
                break  # the last try: no wait before giving up
            backoff = min(30.0, (delay or 0.5) * (2**attempt if delay is None or delay < 2 else 1))
            wait = backoff * self._rng.uniform(0.8, 1.2)
            tenant = {"portal": self.portal_id}
            pause_before_retry(log, "hubspot.call.retry", tenant, what, attempt, last, wait, self.sleep)
        assert last is not None
        raise last
