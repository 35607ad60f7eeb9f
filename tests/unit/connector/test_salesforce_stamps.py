"""One canonical SystemModstamp: an outbound message's and a query's form of the same instant agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.salesforce.outbound import MessageRejected, parse
from connector.salesforce.stamps import canonical_stamp, change_key
from core.records import ObjectType
from sandbox.salesforce.outbound import envelope


@pytest.mark.parametrize(
    "given_stamp",
    [
        "2026-12-02T14:45:00.000Z",  # outbound message (SOAP xsd:dateTime)
        "2026-12-02T14:45:00.000+0000",  # SOQL / REST
        "2026-12-02T14:45:00Z",
        "2026-12-02T14:45:00+00:00",
        "2026-12-02T15:45:00.000+0100",
        "2026-12-02T09:45:00.000-05:00",
        "2026-12-02T14:45:00.000",  # no zone: Salesforce date-times are UTC
        " 2026-12-02T14:45:00.000Z ",
    ],
)
def test_every_form_of_one_instant_has_one_canonical_form(given_stamp: str) -> None:
    assert canonical_stamp(given_stamp) == "2026-12-02T14:45:00.000Z"


def test_milliseconds_are_kept() -> None:
    assert canonical_stamp("2026-12-02T14:45:00.123456+0000") == "2026-12-02T14:45:00.123Z"
    assert canonical_stamp("2026-12-02T14:45:00.5Z") == "2026-12-02T14:45:00.500Z"


@pytest.mark.parametrize(
    "bad",
    ["", "yesterday", "2026-12-02", "2026-12-02T14:45", "2026-13-02T14:45:00Z", "2026-12-02T14:45:00+5"],
)
def test_what_is_not_a_date_time_is_refused_with_the_value(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Salesforce date-time"):
        canonical_stamp(bad)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_a_query_stamp_and_an_outbound_stamp_of_one_instant_give_one_key(
    when: datetime, offset_min: int
) -> None:
    when = when.replace(microsecond=when.microsecond // 1000 * 1000)
    soql = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"
    soap = when.astimezone(timezone(timedelta(minutes=offset_min))).isoformat(timespec="milliseconds")
    record_id = "00Q5g000000000aAAA"
    assert change_key(ObjectType.LEAD, record_id, soql) == change_key(ObjectType.LEAD, record_id, soap)


def _message(stamp: str) -> bytes:
    values = {"Id": "00Q5g000000000aAAA", "SystemModstamp": stamp}
    return envelope(
        "00D5g0000000001AAA", "04k000000000001AAA", "https://x", [("04l000000000001AAA", "Lead", values)]
    )


def test_an_outbound_message_and_a_query_row_of_one_version_share_a_key() -> None:
    stored = "2026-12-02T14:45:00.000+0000"  # what the org stores and SOQL returns
    message = parse(_message(stored))
    (notification,) = message.notifications
    assert notification.fields["SystemModstamp"] == "2026-12-02T14:45:00.000Z", "SOAP sends xsd:dateTime"
    assert notification.claimed_version_key() == change_key(ObjectType.LEAD, "00Q5g000000000aAAA", stored)
    assert notification.key() == "sf-om:04l000000000001AAA", "recorded under its notification id only"


def test_an_outbound_message_with_a_bad_stamp_is_refused_with_a_clear_reason() -> None:
    with pytest.raises(MessageRejected) as refused:
        parse(_message("last tuesday"))
    assert refused.value.status == 400 and "SystemModstamp is not a date-time: 'last tuesday'" in str(
        refused.value
    )
