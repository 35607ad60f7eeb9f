"""A lead page names each reason's factor in words, whatever family or rule gave it."""

from __future__ import annotations

import pytest

from leadq.web.factor_names import factor_name


@pytest.mark.parametrize(
    ("stored", "said"),
    [
        ("model.seniority", "How senior the person is"),
        ("fit.employees", "Company size"),
        ("model.seniority & employees", "How senior the person is and company size, read together"),
        ("model.TotalVisits & Lead Source", "TotalVisits and Lead Source, read together"),
        ("model.Lead Source", "Lead Source"),
        ("disqualifier.free_email", "Free email"),
        ("account.best_person", "Company: best person"),
        ("requalified", "Re-qualified"),
        ("model.segment", "Segment model"),
        ("something_new", "Something new"),
    ],
)
def test_a_stored_factor_is_named_in_words(stored: str, said: str) -> None:
    assert factor_name(stored) == said
