"""Property-based fuzzing of the CRM field parsers and mappings: garbage sizes, revenues, titles,
e-mails, dates, unicode and very long strings never raise; the record still scores."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connector.hubspot.mapping import DEFAULT_CONTACT_MAP, company_to_account, contact_to_person
from connector.salesforce.mapping import BASE_FIELDS, to_account, to_person
from core.records import ObjectType
from scoring.icp import load_icp
from scoring.parse import normalise_domain, parse_amount, parse_count, parse_country, parse_email
from scoring.score import score_person
from scoring.titles import parse_title

# Derandomized: the suite stays deterministic; new failures found by exploring are pinned as @example.
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
ICP = load_icp(None)
NOW = datetime(2026, 11, 23, tzinfo=UTC)
garbage = st.one_of(
    st.text(max_size=60),
    st.text(max_size=60).map(lambda t: t * 200),  # very long
    st.sampled_from(
        [
            "",
            " ",
            "N/A",
            "-",
            "1,000-5,000",
            "50+",
            "$2.5M",
            "10k",
            "€3,5 Mio",
            "1e308",
            "-5",
            "NaN",
            "inf",
            "0x1F",
            "\uff11\uff12\uff13",
            "٣٤٥",
            "2026-13-45",
            "31/02/2026",
            "@@",
            "a@b",
            "@x.com",
            "Jefe de Ventas 🚀",
            "null",
            "\x00\x01",
            "\uff23\uff25\uff2f",
        ]
    ),
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), garbage)


@FUZZ
@example(
    value="01" * 200
)  # found by this fuzzer in CI: 400 digits became float("inf"), then int() overflowed
@given(value=garbage)
def test_parsers_never_raise(value: str) -> None:
    parse_email(value)
    parse_amount(value)
    parse_count(value)
    parse_country(value)
    normalise_domain(value)
    parse_title(value)


@FUZZ
@example(props={"hs_email_open": "INF", "annualrevenue": "NaN"})  # found by this fuzzer: float("INF") -> int
@given(
    props=st.dictionaries(st.sampled_from(sorted(set(DEFAULT_CONTACT_MAP.values()))), garbage, max_size=25)
)
def test_a_hubspot_contact_of_garbage_maps_and_scores(props: dict[str, str]) -> None:
    person = contact_to_person("1", {"id": "7", "properties": props})
    account = company_to_account(
        "1",
        {
            "id": "9",
            "properties": {
                "numberofemployees": props.get("company_size"),
                "annualrevenue": props.get("annualrevenue"),
            },
        },
    )
    score = score_person(person, account, ICP, None, NOW)
    assert 0 <= score.fit <= 100 and score.tier.value in ("L1", "L2", "L3", "L4")


@FUZZ
@example(row={"NumberOfEmployees": "INF", "AnnualRevenue": "nan"})  # found by this fuzzer
@given(
    row=st.dictionaries(
        st.sampled_from(sorted(set(BASE_FIELDS[ObjectType.LEAD]) - {"Id"})), json_scalar, max_size=20
    )
)
def test_a_salesforce_lead_of_garbage_maps_and_scores(row: dict) -> None:
    person = to_person("00D", ObjectType.LEAD, {"Id": "00Q000000000001AAA", **row})
    account = to_account(
        "00D",
        {
            "Id": "001000000000001AAA",
            "NumberOfEmployees": row.get("NumberOfEmployees"),
            "AnnualRevenue": row.get("AnnualRevenue"),
            "Website": row.get("Website"),
        },
    )
    score = score_person(person, account, ICP, None, NOW)
    assert 0 <= score.fit <= 100 and score.reasons_text()
