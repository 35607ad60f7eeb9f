"""A reason's factor as an admin reads it on a lead's page: "How senior the person is", not
"model.seniority" (the stored key stays as it is: the CRM's reasons and the exports use the text)."""

from __future__ import annotations

from leadq.web.model_words import feature_words, pair_words
from scoring.explain import PAIR_JOIN
from scoring.score import REQUALIFIED, SEGMENT_REASON

_PREFIX_WORDS = {
    "fit": "",  # the rules' fit factors read like the model's
    "firmographic": "",
    "engagement": "",
    "model": "",
    "disqualifier": "",  # the row's badge says it is a disqualifier
    "account": "Company: ",
}


def factor_name(factor: str) -> str:
    """The factor of a stored reason in words (unknown keys: their words, never dropped)."""
    if factor == REQUALIFIED:
        return "Re-qualified"
    if factor == SEGMENT_REASON:
        return "Segment model"
    prefix, dot, rest = factor.partition(".")
    if not dot or prefix not in _PREFIX_WORDS:
        return feature_words(factor)
    if PAIR_JOIN in rest:
        return pair_words(rest.split(PAIR_JOIN))
    lead = _PREFIX_WORDS[prefix]
    words = feature_words(rest)
    return f"{lead}{words[:1].lower()}{words[1:]}" if lead else words
