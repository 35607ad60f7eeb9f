"""The reasons field within each CRM's limit: the summary line always stays, whole lines go from the
end of the itemised reasons, the what-if line stays when it fits, words are never split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from connector import formatting
from connector.formatting import LONG_TEXT_LIMIT, MARKER, utf16_length
from core.records import CrmKind, Reason, Tier, Verdict
from scoring.score import WHAT_IF, Score, summary_line
from tests.builders import NOW

LINE_TEXT = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=60)


def _shape_ok(out: str, head: str, body: list[str], tail: str | None) -> bool:
    """``out`` is the head, a prefix of the body, the marker, then the tail or nothing."""
    rest = out.split("\n")[1:]
    for k in range(len(body) + 1):
        for end in ([tail], []) if tail else ([],):
            if rest == [*body[:k], MARKER, *end]:
                return True
    return False


@given(
    st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), min_size=1, max_size=120),
    st.lists(LINE_TEXT, max_size=12),
    st.one_of(st.none(), LINE_TEXT.filter(bool)),
    st.integers(min_value=1, max_value=300),
)
def test_cut_reasons_keep_the_summary_and_whole_lines(
    head: str, body: list[str], tail: str | None, limit: int
) -> None:
    out = formatting.lines_text(head, body, tail, limit)
    whole = "\n".join([head, *body, *([tail] if tail else [])])
    assert out is not None and utf16_length(out) <= limit
    if utf16_length(whole) <= limit:
        assert out == whole
        return
    first = out.split("\n")[0]
    if utf16_length(head) <= limit:
        assert first == head, "the summary line survives whole when it fits the field"
        if "\n" in out:
            assert _shape_ok(out, head, body, tail), out
        if tail and utf16_length(head) + 1 + utf16_length(tail) + 1 + utf16_length(MARKER) <= limit:
            assert out.endswith("\n" + tail), "the what-if line stays when it fits after the summary"
    else:  # the summary alone is too long: cut at the end of a word, with the marker
        assert out == first and first.endswith(MARKER)
        kept = first[: -len(MARKER)]
        assert head.startswith(kept)
        if any(ch.isspace() for ch in kept.strip()):
            assert head[len(kept)].isspace(), (head, kept)


def test_a_long_summary_is_cut_between_words() -> None:
    head = "L1 · Sales-ready · " + "supercalifragilistic " * 10
    out = formatting.lines_text(head, ["+ a", "+ b"], "Would be L1", 60)
    assert out == "L1 · Sales-ready · supercalifragilistic" + MARKER


def test_at_each_crms_limit_the_summary_and_the_what_if_survive() -> None:
    body = [f"+ reason number {i} with ünïcödé and 😀" for i in range(5000)]
    for crm in CrmKind:
        limit = LONG_TEXT_LIMIT[crm]
        out = formatting.lines_text(
            "L2 · Nurture · a, b", body, "Would be L1 · Sales-ready after a meeting today", limit
        )
        assert out is not None and utf16_length(out) <= limit
        lines = out.split("\n")
        assert lines[0] == "L2 · Nurture · a, b"
        assert lines[-1] == "Would be L1 · Sales-ready after a meeting today" and lines[-2] == MARKER
        assert lines[1:-2] == body[: len(lines) - 3]  # whole lines, in order
        assert limit - utf16_length(out) < utf16_length(body[len(lines) - 3]) + 1  # no room left unused


def test_empty_text_clears_the_field() -> None:
    assert formatting.lines_text("", [], None, 10) is None


def test_the_summary_names_tier_verdict_and_the_two_reasons_that_explain_them() -> None:
    up = Reason("model.seniority", 1.2, "VP-level buyer")
    mail = Reason("model.email_kind", 0.8, "business e-mail address")
    down = Reason("model.employees", -0.5, "11-person company")
    assert summary_line(Tier.L1, Verdict.SALES_READY, [down, up, mail]) == (
        "L1 · Sales-ready · VP-level buyer, business e-mail address"
    )
    assert (
        summary_line(Tier.L4, Verdict.NURTURE, [up, down])
        == "L4 · Nurture · 11-person company, VP-level buyer"
    )
    dq = Reason("disqualifier.too_small", 0.0, "1-person company, below the minimum of 3")
    assert summary_line(Tier.L4, Verdict.DISQUALIFIED, [dq, up]).startswith("L4 · Disqualified · 1-person")
    assert summary_line(Tier.L3, Verdict.NURTURE, []) == "L3 · Nurture"


def test_the_field_is_the_summary_then_signed_reasons_then_the_what_if() -> None:
    reasons = (
        Reason("fit.persona", 12.0, "VP-level\nsales buyer"),
        Reason("engagement.recency", -1.0, "no activity for 45 days"),
        Reason(WHAT_IF, 0.0, "Would be L1 · Sales-ready after a form submission today"),
    )
    score = Score(70.0, 5.0, None, 70.0, Tier.L2, Verdict.NURTURE, "low", "", reasons, (), "rules-1", NOW)
    assert score.reasons_text().split("\n") == [
        "L2 · Nurture · VP-level sales buyer, no activity for 45 days",
        "+ VP-level sales buyer",
        "- no activity for 45 days",
        "Would be L1 · Sales-ready after a form submission today",
    ]
