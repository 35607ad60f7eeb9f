"""Pure Salesforce pieces: field names, value mapping, the API budget, outbound message parsing."""

from __future__ import annotations

import pytest

from connector.errors import CrmRateLimited
from connector.fields import LEADQ_FIELDS
from connector.salesforce.limits import ApiBudget, parse_limit_info
from connector.salesforce.mapping import api_name, to_api_value, to_person
from connector.salesforce.outbound import MAX_NOTIFICATIONS, MessageRejected, parse
from core.records import ObjectType

SPECS = {s.key: s for s in LEADQ_FIELDS}


def _envelope(notifications: str, org: str = "00D000000000001AAA") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        f'<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId>'
        f"<ActionId>04k000000000001AAA</ActionId>{notifications}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _notification(i: int, sobject: str = "Lead", record: str = "00Q000000000001AAA") -> str:
    return (
        f'<Notification><Id>04l00000000{i:04d}AAA</Id><sObject xsi:type="sf:{sobject}" '
        f'xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{record}</sf:Id>'
        "<sf:SystemModstamp>2026-11-23T10:00:00.000Z</sf:SystemModstamp></sObject></Notification>"
    )


def test_field_names_and_values() -> None:
    assert api_name("leadq_fit_score") == "LeadQ_Fit_Score__c"
    assert api_name("leadq_model_version") == "LeadQ_Model_Version__c"
    assert api_name("OwnerId") == "OwnerId"
    assert to_api_value(SPECS["leadq_fit_score"], "72") == 72.0
    assert to_api_value(SPECS["leadq_tier"], "L1") == "L1" and to_api_value(SPECS["leadq_tier"], "") is None
    row = {
        "Id": "00Q000000000001AAA",
        "LeadQ_Fit_Score__c": 72.0,
        "LeadQ_Probability__c": 90.43,  # a Percent field: Salesforce returns the percentage
        "OwnerId": "005000000000009AAA",
        "LastName": "X",
    }
    person = to_person("00D", ObjectType.LEAD, row, LEADQ_FIELDS, frozenset({"005000000000009AAA"}))
    assert person.raw["leadq_fit_score"] == "72" and person.raw["leadq_probability"] == "90.43"
    tens = to_person(
        "00D", ObjectType.LEAD, row | {"LeadQ_Fit_Score__c": 80.0, "LeadQ_Probability__c": 50.0}, LEADQ_FIELDS
    )
    assert tens.raw["leadq_fit_score"] == "80" and tens.raw["leadq_probability"] == "50"
    assert person.owner_id is None and person.raw["OwnerId"] is None, (
        "owned by the integration user: unassigned"
    )
    queue = to_person("00D", ObjectType.LEAD, row | {"OwnerId": "00G000000000001AAA"})
    assert queue.owner_id is None


def test_budget_share() -> None:
    assert parse_limit_info("api-usage=25/15000, per-app-api-usage=1/250(appName=x)") == (25, 15000)
    assert parse_limit_info("garbage") is None
    events: list[str] = []
    budget = ApiBudget(0.5, on_throttle=events.append, on_clear=lambda: events.append("clear"))
    budget.check("org")  # nothing observed yet: one call is allowed to learn the usage
    budget.observe(4_999, 10_000)
    budget.check("org")
    budget.observe(5_000, 10_000)
    with pytest.raises(CrmRateLimited) as limited:
        budget.check("org")
    assert limited.value.retry_after and "50%" in events[0]
    with pytest.raises(CrmRateLimited):
        budget.check("org")
    assert len(events) == 1, "told once per episode"
    budget.observe(100, 10_000)
    assert events[-1] == "clear"


def test_outbound_parse() -> None:
    message = parse(_envelope(_notification(1) + _notification(2, "Contact", "003000000000001AAA")))
    assert message.organization_id == "00D000000000001AAA" and len(message.notifications) == 2
    assert message.notifications[1].object_type == ObjectType.CONTACT
    assert (
        message.notifications[0].claimed_version_key()
        == "sf:lead:00Q000000000001AAA:2026-11-23T10:00:00.000Z"
    )
    assert message.notifications[0].key().startswith("sf-om:04l")


@pytest.mark.parametrize(
    ("body", "reason", "status"),
    [
        (b"", "malformed", 400),
        (b"<a>", "malformed", 400),
        (
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "http://evil.example/">]><a>&x;</a>',
            "forbidden-xml",
            400,
        ),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "forbidden-xml", 400),
        (b'<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://evil.example/a.dtd"><a/>', "forbidden-xml", 400),
        (b"<a/>", "malformed", 400),
        (_envelope(_notification(1), org="not-an-org"), "malformed", 400),
        (_envelope(""), "malformed", 400),
        (_envelope("".join(_notification(i) for i in range(MAX_NOTIFICATIONS + 1))), "malformed", 400),
        (_envelope(_notification(1, "Opportunity")), "unsupported-object", 400),
        (_envelope(_notification(1, record="00Q<x>")), "malformed", 400),
        (_envelope(_notification(1)) + b" " * 2_000_000, "too-large", 413),
    ],
)
def test_outbound_rejections(body: bytes, reason: str, status: int) -> None:
    with pytest.raises(MessageRejected) as rejected:
        parse(body)
    assert (rejected.value.reason, rejected.value.status) == (reason, status)
