"""A CRM that cannot be reached: a command a person waits on (``unreachable_attempts``) gives up after
that many tries while the CRM has never answered; otherwise, and once it has answered, the usual
retries hold (a blip in the middle of a long backfill is waited out)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from connector.base import ClientConfig
from connector.errors import CrmUnavailable
from connector.hubspot.client import HubSpotCalls
from connector.hubspot.limits import Budget, LocalLimiter
from connector.salesforce.client import SalesforceCalls


class StaticTokens:
    def current(self) -> str:
        return "token"

    def after_unauthorized(self, rejected_token: str) -> str:
        raise AssertionError("never asked: nothing answers")


def closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def hubspot(limit: int | None, waits: list[float]) -> HubSpotCalls:
    config = ClientConfig(api_base=closed_url(), timeout_s=2, unreachable_attempts=limit)
    return HubSpotCalls(config, StaticTokens(), LocalLimiter(), "42", Budget(1000, 1000), sleep=waits.append)


def salesforce(limit: int | None, waits: list[float]) -> SalesforceCalls:
    config = ClientConfig(api_base=closed_url(), timeout_s=2, unreachable_attempts=limit)
    return SalesforceCalls(config, StaticTokens(), "00D1", sleep=waits.append)


def read(calls: Any) -> Any:
    if isinstance(calls, HubSpotCalls):
        return calls.call(lambda c: c.crm.contacts.basic_api.get_page(limit=1), what="contacts")
    return calls.call(lambda sf: sf.query("SELECT Id FROM Lead LIMIT 1"), what="query")


@pytest.mark.parametrize("make", [hubspot, salesforce], ids=["hubspot", "salesforce"])
def test_a_crm_that_never_answered_is_given_up_after_the_commands_tries(make) -> None:
    waits: list[float] = []
    calls = make(2, waits)
    with pytest.raises(CrmUnavailable, match=r"could not be reached \(the connection was refused\)"):
        read(calls)
    assert calls.calls == 2 and len(waits) == 1 and waits[0] < 1.0


@pytest.mark.parametrize("make", [hubspot, salesforce], ids=["hubspot", "salesforce"])
def test_without_the_limit_or_once_the_crm_has_answered_every_retry_is_made(make) -> None:
    waits: list[float] = []
    calls = make(None, waits)
    with pytest.raises(CrmUnavailable):
        read(calls)
    assert calls.calls == calls.max_attempts and len(waits) == calls.max_attempts - 1
    waits.clear()
    calls = make(2, waits)
    calls.answered = True  # it answered an earlier call: this is a blip, waited out
    with pytest.raises(CrmUnavailable):
        read(calls)
    assert calls.calls == calls.max_attempts
