"""The sandbox's SOQL subset: what parses, what Salesforce would refuse, and with which code."""

from __future__ import annotations

import pytest

from sandbox.salesforce.schema import standard_objects
from sandbox.salesforce.soql import SoqlError, parse, run

SCHEMA = standard_objects()
ROWS = [
    {
        "Id": "00Q000000000003AAA",
        "Email": "a@x.io",
        "IsConverted": False,
        "NumberOfEmployees": 50,
        "SystemModstamp": "2026-01-02T00:00:00.000+0000",
    },
    {
        "Id": "00Q000000000001AAA",
        "Email": None,
        "IsConverted": True,
        "NumberOfEmployees": None,
        "SystemModstamp": "2026-01-02T00:00:00.000+0000",
    },
    {
        "Id": "00Q000000000002AAA",
        "Email": "B@y.io",
        "IsConverted": False,
        "NumberOfEmployees": 5000,
        "SystemModstamp": "2026-01-01T00:00:00.000+0000",
    },
]


def _ids(text: str) -> list[str]:
    query = parse(text, SCHEMA.get)
    return [r["Id"][-4] for r in run(query, ROWS, SCHEMA[query.sobject])]


def test_keyset_conditions_order_and_limit() -> None:
    stamp = "2026-01-02T00:00:00Z"
    keyset = f"SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > '00Q000000000001AAA')"
    assert _ids("SELECT Id FROM Lead WHERE " + keyset + " ORDER BY SystemModstamp, Id") == ["3"]
    assert _ids("SELECT Id FROM Lead ORDER BY SystemModstamp DESC, Id LIMIT 2") == ["1", "3"]
    assert _ids("SELECT Id FROM Lead WHERE IsConverted = false AND NumberOfEmployees >= 50 ORDER BY Id") == [
        "2",
        "3",
    ]
    assert _ids("SELECT Id FROM Lead WHERE Email LIKE 'b@%' ") == ["2"]
    assert _ids("SELECT Id FROM Lead WHERE Id IN ('00Q000000000001AAA', '00Q000000000002') ORDER BY Id") == [
        "1",
        "2",
    ]
    assert _ids("SELECT Id FROM Lead WHERE NOT IsConverted = true ORDER BY Email NULLS LAST") == ["3", "2"]
    assert parse("SELECT COUNT() FROM Lead", SCHEMA.get).count


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT Id FROM Lead WHERE SystemModstamp > '2026-01-01T00:00:00Z'", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE IsConverted = 'false'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead LIMIT 5 garbage", "MALFORMED_QUERY"),
        ("SELECT Id FROM Lead WHERE Email = 'x' ; DROP", "MALFORMED_QUERY"),
    ],
)
def test_refusals(text: str, code: str) -> None:
    with pytest.raises(SoqlError) as refused:
        parse(text, SCHEMA.get)
    assert refused.value.code == code
