"""From a score and a routing decision to the CRM field values leadq proposes, and their policies."""

from __future__ import annotations

from typing import Any

from connector.write_policy import Policy
from leadq.records import CrmKind
from routing.model import Decision
from scoring.accounts import AccountScore
from scoring.score import Score

OWNER_FIELD = {CrmKind.HUBSPOT: "hubspot_owner_id", CrmKind.SALESFORCE: "OwnerId"}
APP_FIELDS = (
    "leadq_fit_score",
    "leadq_engagement_score",
    "leadq_probability",
    "leadq_tier",
    "leadq_verdict",
    "leadq_confidence",
    "leadq_reasons",
    "leadq_model_version",
)


def policies(crm: CrmKind, owner_policy: Policy = Policy.OVERWRITE_IF_OURS) -> dict[str, Policy]:
    """leadq's own fields are app-owned; the owner is shared: only filled or kept while still ours."""
    out = dict.fromkeys(APP_FIELDS, Policy.APP_OWNED)
    out["leadq_scored_at"] = Policy.APP_OWNED
    out[OWNER_FIELD[crm]] = owner_policy
    return out


def _number(value: float | None, digits: int) -> str | None:
    if value is None:
        return None
    text = f"{value:.{digits}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text  # 80 stays 80; 0.5000 becomes 0.5
    return text or "0"


def account_fields(crm: CrmKind, score: AccountScore, model_version: str) -> dict[str, str | None]:
    """An account's proposed leadq values as CRM strings (its owner is never routed by leadq)."""
    return _account_values(
        score.fit,
        score.engagement,
        score.probability,
        score.tier.value,
        score.verdict.value,
        score.confidence,
        score.reasons_text(),
        score.committee_text(),
        model_version,
    )


def account_fields_stored(crm: CrmKind, row: Any) -> dict[str, str | None]:
    """The same values from a stored account score (a ScoreRow: reasons, then the committee)."""
    reasons = [str(r[2]) for r in row.reasons or [] if r[0] == "account"]
    committee = next((str(r[2]) for r in row.reasons or [] if r[0] == "account.committee"), "")
    return _account_values(
        row.fit,
        row.engagement,
        row.probability,
        row.tier,
        row.verdict,
        row.confidence,
        "\n".join(reasons),
        committee,
        row.model_version,
    )


def _account_values(
    fit: float,
    engagement: float,
    probability: float | None,
    tier: str,
    verdict: str,
    confidence: str,
    reasons: str,
    committee: str,
    model_version: str,
) -> dict[str, str | None]:
    return {
        "leadq_fit_score": _number(fit, 0),
        "leadq_engagement_score": _number(engagement, 0),
        "leadq_probability": _number(probability, 4),
        "leadq_tier": tier,
        "leadq_verdict": verdict,
        "leadq_confidence": confidence,
        "leadq_reasons": reasons,
        "leadq_model_version": model_version,
        "leadq_buying_committee": committee,
    }


def fields_from(crm: CrmKind, score: Score, decision: Decision | None) -> dict[str, str | None]:
    """Proposed values as CRM strings. ``leadq_scored_at`` is left out: it would change every run
    and turn a no-op re-run into writes; it is added only to records that get written anyway."""
    proposed: dict[str, str | None] = {
        # Whole points: a tenth of a point of decay is no reason to spend an API call.
        "leadq_fit_score": _number(score.fit, 0),
        "leadq_engagement_score": _number(score.engagement, 0),
        "leadq_probability": _number(score.probability, 4),
        "leadq_tier": score.tier.value,
        "leadq_verdict": score.verdict.value,
        "leadq_confidence": score.confidence,
        "leadq_reasons": score.reasons_text(),
        "leadq_model_version": score.model_version,
    }
    if decision is not None and decision.owner_id:
        proposed[OWNER_FIELD[crm]] = decision.owner_id
    return proposed
