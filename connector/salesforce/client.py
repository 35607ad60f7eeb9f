"""Every Salesforce call goes through here: token, API budget, typed errors, retries.

simple-salesforce cannot refresh an OAuth session itself: on ``INVALID_SESSION_ID`` leadq
refreshes once (through the injected token source, which holds a per-installation lock, so two
workers never spend the same rotating refresh token) and builds a new client. Every answer's
``Sforce-Limit-Info`` feeds the budget. ``REQUEST_LIMIT_EXCEEDED`` is not retried in-process:
the task retries later, when the org's rolling budget has room again.
"""

from __future__ import annotations

import hmac
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from connector.base import ClientConfig, Tokens
from connector.errors import (
    Action,
    CrmAuthError,
    CrmError,
    CrmRateLimited,
    CrmUnavailable,
    classify,
)
from connector.http import shared as shared_session
from connector.retry_log import given_up, pause_before_retry, unreachable_words
from connector.salesforce.limits import ApiBudget

log = logging.getLogger(__name__)
API_VERSION = "62.0"  # the REST API version leadq is tested against
T = TypeVar("T")


def _first_error(content: Any) -> tuple[str, str]:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", "")), str(content[0].get("message", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode", "")), str(content.get("message", ""))
    return "", str(content or "")[:300]


def to_crm_error(status: int, content: Any, url: str = "") -> CrmError:
    code, message = _first_error(content)
    return CrmError.from_status(
        status,
        f"Salesforce answered {status} {code}: {message[:300]}",
        code=code,
        url=url,
        body=content,
        retry_after=classify(status, {}, content).retry_after,
    )


class SalesforceCalls:
    """One installation's gateway to its org; counts every call it makes."""

    def __init__(
        self,
        config: ClientConfig,
        tokens: Tokens,
        org_id: str,
        version: str = API_VERSION,
        budget: ApiBudget | None = None,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config, self.tokens, self.org_id, self.version = config, tokens, org_id, version
        self.budget = budget or ApiBudget()
        self.max_attempts, self.sleep = max_attempts, sleep
        self.calls = 0
        self.answered = False  # the org has answered one of this client's calls
        self.session = shared_session(config.ca_bundle)
        self._client: Salesforce | None = None
        self._token: str | None = None
        self._rng = random.Random()

    def client(self, token: str) -> Salesforce:
        if self._client is None or self._token is None or not hmac.compare_digest(token, self._token):
            self._client = Salesforce(
                instance_url=self.config.api_base,
                session_id=token,
                version=self.version,
                session=self.session,
            )
            self._token = token
        return self._client

    def _observe(self, sf: Salesforce) -> None:
        usage = (getattr(sf, "api_usage", None) or {}).get("api-usage")
        if usage is not None:
            self.budget.observe(int(usage.used), int(usage.total))

    # fn takes the client; typed `...` because callers bind loop values as lambda defaults, which
    # mypy cannot infer against a one-argument signature.
    def call(self, fn: Callable[..., T], what: str = "") -> T:
        token = self.tokens.current()
        refreshed = False
        last: CrmError | None = None
        for attempt in range(self.max_attempts):
            self.budget.check(self.org_id)
            self.calls += 1
            sf = self.client(token)
            try:
                result = fn(sf)
                self.answered = True
                self._observe(sf)
                return result
            except SalesforceExpiredSession:
                if refreshed:
                    raise CrmAuthError(
                        "Salesforce refused a freshly refreshed session", status=401, url=what
                    ) from None
                token, refreshed = self.tokens.after_unauthorized(token), True
                continue
            except SalesforceError as exc:
                self.answered = True
                self._observe(sf)
                last = to_crm_error(int(exc.status), exc.content, what)
                if isinstance(last, CrmRateLimited):
                    log.warning("salesforce.request-limit", extra={"org": self.org_id, "what": what})
                    raise last from None
                if classify(int(exc.status), {}, exc.content).action != Action.RETRY:
                    raise last from None
            except requests.RequestException as exc:
                last = CrmUnavailable(f"Salesforce could not be reached ({unreachable_words(exc)})", url=what)
                if given_up(self.config, self.answered, attempt):
                    raise last from None
            if attempt + 1 == self.max_attempts:
                break  # the last try: no wait before giving up
            wait = min(30.0, 0.5 * 2**attempt) * self._rng.uniform(0.8, 1.2)
            tenant = {"org": self.org_id}
            pause_before_retry(log, "salesforce.call.retry", tenant, what, attempt, last, wait, self.sleep)
        assert last is not None
        raise last


def query_all(calls: SalesforceCalls, soql: str, what: str) -> list[dict[str, Any]]:
    """Every row of a SOQL query, following ``nextRecordsUrl``."""
    result = calls.call(lambda sf: sf.query(soql), what=what)
    rows = list(result["records"])
    next_url = result.get("nextRecordsUrl")
    while next_url:
        more = calls.call(lambda sf, u=next_url: sf.query_more(u, identifier_is_url=True), what=what)
        rows.extend(more["records"])
        next_url = more.get("nextRecordsUrl")
    return rows
