"""CRM value formatting over the whole range: what the CRM parses is the value leadq decided."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from connector import formatting
from connector.formatting import LONG_TEXT_LIMIT, MARKER, TEXT_LIMIT, utf16_length
from connector.salesforce.mapping import number_text
from core.records import CrmKind
from sandbox.salesforce.schema import FieldDef, coerce


@pytest.mark.parametrize("value", range(0, 101))
def test_every_whole_score_round_trips_including_multiples_of_ten(value: int) -> None:
    text = formatting.number(float(value), 0)
    assert text == str(value) and float(text) == value  # 80 -> "80", never "8"; 100 -> "100"


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
@example(79.9)
@example(99.96)
@example(0.4)
def test_any_score_is_written_as_its_nearest_whole_point(value: float) -> None:
    text = formatting.number(value, 0)
    assert text is not None and text.isdigit()
    expected = Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert float(text) == float(expected) and abs(float(text) - value) <= 0.5


@pytest.mark.parametrize(("value", "text"), [(0.5, "1"), (1.5, "2"), (2.5, "3"), (79.5, "80"), (99.5, "100")])
def test_ties_round_half_up_as_a_person_would(value: float, text: str) -> None:
    assert formatting.number(value, 0) == text


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
@example(0.9043)
@example(0.1)
@example(1.0)
@example(0.0)
@example(0.00005)
def test_probabilities_round_trip_as_numbers_and_as_percentages(p: float) -> None:
    as_number = formatting.number(p, 4)
    assert as_number is not None and abs(float(as_number) - p) <= 0.00005 + 1e-12
    assert not as_number.endswith(".") and ("." not in as_number or not as_number.endswith("0"))
    shown = formatting.percent(p)
    assert shown is not None and abs(float(shown) - p * 100) <= 0.005 + 1e-9
    assert 0 <= float(shown) <= 100


@pytest.mark.parametrize(
    ("p", "text"), [(0.9043, "90.43"), (0.1, "10"), (1.0, "100"), (0.5, "50"), (0.0, "0")]
)
def test_percentages_keep_their_integer_digits(p: float, text: str) -> None:
    assert formatting.percent(p) == text


def test_none_clears_every_kind_of_field() -> None:
    assert formatting.number(None) is None and formatting.percent(None) is None
    assert formatting.enumeration(None, ("L1",)) is None and formatting.date_time(None) is None
    assert formatting.long_text(None, 10) is None and formatting.long_text("", 10) is None


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_numbers_are_refused_with_a_message(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        formatting.number(bad)


def test_a_probability_outside_0_1_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        formatting.percent(1.2)


def test_enumeration_accepts_only_the_fields_options() -> None:
    assert formatting.enumeration("L2", ("L1", "L2")) == "L2"
    with pytest.raises(ValueError, match="not one of the options"):
        formatting.enumeration("L9", ("L1", "L2"))


def test_date_times_are_utc_iso_8601() -> None:
    berlin = timezone(timedelta(hours=1))
    assert (
        formatting.date_time(datetime(2026, 12, 2, 15, 27, 5, 999, tzinfo=berlin))
        == "2026-12-02T14:27:05+00:00"
    )
    with pytest.raises(ValueError, match="time zone"):
        formatting.date_time(datetime(2026, 12, 2))


@given(st.integers(min_value=0, max_value=100), st.sampled_from([0, 2, 4]))
def test_salesforce_reads_back_what_was_written(value: int, digits: int) -> None:
    """Salesforce returns numbers as JSON numbers (80.0): read back, they format as written."""
    written = formatting.number(float(value), digits)
    assert written is not None
    stored, problem = coerce(FieldDef("LeadQ_Fit_Score__c", "double", precision=3, scale=0), float(written))
    assert problem is None and number_text(stored, digits) == written == str(value)


@given(st.text(min_size=1, max_size=400), st.integers(min_value=2, max_value=300))
def test_long_text_fits_the_field_and_ends_in_a_marker(text: str, limit: int) -> None:
    out = formatting.long_text(text, limit)
    assert out is not None and utf16_length(out) <= limit
    if utf16_length(text) <= limit:
        assert out == text
    else:
        assert out.endswith(MARKER)
        kept = out[: -len(MARKER)]
        assert text.startswith(kept)
        if kept:  # never a mark torn from its letter, never half of a surrogate pair
            assert unicodedata.category(text[len(kept)]) not in ("Mn", "Mc", "Me")
            assert text[len(kept) - 1] != "\u200d"


def test_long_text_is_cut_at_a_whole_character() -> None:
    flag = "\U0001f1e9\U0001f1ea"  # one flag, two code points, four UTF-16 units
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    for text in ("e\u0301" * 50, flag * 30, family * 20, "😀" * 40, "ü" * 100):
        for limit in range(2, 40):
            out = formatting.long_text(text, limit)
            assert out is not None and out.endswith(MARKER) and utf16_length(out) <= limit
            kept = out[: -len(MARKER)]
            unit = {"e\u0301" * 50: "e\u0301", flag * 30: flag, family * 20: family}.get(text, text[0])
            assert kept == unit * (len(kept) // len(unit)), (text[:4], limit, kept)


def test_very_long_reasons_are_cut_at_each_crms_limit() -> None:
    reasons = "\n".join(f"+ reason number {i} with ünïcödé and 😀" for i in range(5000))
    for crm in CrmKind:
        out = formatting.long_text(reasons, LONG_TEXT_LIMIT[crm])
        assert out is not None and out.endswith(MARKER) and utf16_length(out) <= LONG_TEXT_LIMIT[crm]
        assert reasons.startswith(out[: -len(MARKER)])
    assert formatting.long_text("m" * 100, TEXT_LIMIT[CrmKind.SALESFORCE]) == "m" * 79 + MARKER


def test_a_datetime_in_utc_is_unchanged() -> None:
    when = datetime(2026, 12, 2, 14, 27, tzinfo=UTC)
    assert datetime.fromisoformat(formatting.date_time(when) or "") == when


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(min_value=0, max_value=6))
@example(1e26, 2)
@example(-1e308, 4)
@example(5e-324, 4)
def test_any_finite_number_formats_and_parses_back_close(value: float, digits: int) -> None:
    text = formatting.number(value, digits)
    assert text is not None and float(text) == pytest.approx(value, abs=0.5 * 10**-digits, rel=1e-15)
