"""From a score and a routing decision to the CRM field values leadq proposes, and their policies."""

from __future__ import annotations

from connector import formatting
from connector.fields import LEADQ_FIELDS
from connector.registry import provider
from connector.write_policy import Policy
from core.records import CrmKind, Tier
from routing.types import Decision, RoutingConfig
from scoring.accounts import AccountScore
from scoring.score import Score
from storage.scores import StoredScore

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


# A HubSpot Leads record's label (hot, warm, cold): shared with the reps, like the owner.
LABEL_FIELD = "hs_lead_label"
TIER_FIELD = "leadq_tier"


def lead_labels(config: RoutingConfig) -> dict[str, str]:
    """Tier -> the label leadq gives a pipeline lead of that tier (the routing file's
    ``[pipeline_leads.labels]``)."""
    return {tier.value: label for tier, label in config.pipeline_leads.labels.items()}


def policies(crm: CrmKind, owner_policy: Policy = Policy.OVERWRITE_IF_OURS) -> dict[str, Policy]:
    """leadq's own fields are app-owned; the owner and a pipeline lead's label are shared: only filled
    or kept while still ours."""
    out = dict.fromkeys(APP_FIELDS, Policy.APP_OWNED)
    out["leadq_scored_at"] = Policy.APP_OWNED
    out[provider(crm).owner_field] = owner_policy
    out[LABEL_FIELD] = Policy.OVERWRITE_IF_OURS
    return out


OPTIONS = {spec.key: spec.options for spec in LEADQ_FIELDS if spec.kind == "enum"}


def account_fields(crm: CrmKind, score: AccountScore, model_version: str) -> dict[str, str | None]:
    """An account's proposed leadq values as CRM strings (its owner is never routed by leadq)."""
    return _account_values(
        crm,
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


def account_fields_stored(crm: CrmKind, row: StoredScore) -> dict[str, str | None]:
    """The same values from a stored account score (a ScoreRow: reasons, then the committee)."""
    reasons = [str(r[2]) for r in row.reasons or [] if r[0] == "account"]
    committee = next((str(r[2]) for r in row.reasons or [] if r[0] == "account.committee"), "")
    return _account_values(
        crm,
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
    crm: CrmKind,
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
    limits = provider(crm).field_map
    return {
        "leadq_fit_score": formatting.number(fit, 0),
        "leadq_engagement_score": formatting.number(engagement, 0),
        "leadq_probability": formatting.percent(probability),
        "leadq_tier": formatting.enumeration(tier, OPTIONS["leadq_tier"]),
        "leadq_verdict": formatting.enumeration(verdict, OPTIONS["leadq_verdict"]),
        "leadq_confidence": formatting.enumeration(confidence, OPTIONS["leadq_confidence"]),
        "leadq_reasons": formatting.long_text(reasons, limits.long_text_limit),
        "leadq_model_version": formatting.long_text(model_version, limits.text_limit),
        "leadq_buying_committee": formatting.long_text(committee, limits.long_text_limit),
    }


def tier_value(tier: Tier) -> str | None:
    """A tier as leadq writes it into the CRM's tier field."""
    return formatting.enumeration(tier.value, OPTIONS[TIER_FIELD])


def fields_from(crm: CrmKind, score: Score, decision: Decision | None = None) -> dict[str, str | None]:
    """Proposed values as CRM strings. ``leadq_scored_at`` is left out: it would change every run
    and turn a no-op re-run into writes; it is added only to records that get written anyway."""
    limits = provider(crm).field_map
    proposed: dict[str, str | None] = {
        # Whole points: a tenth of a point of decay is no reason to spend an API call.
        "leadq_fit_score": formatting.number(score.fit, 0),
        "leadq_engagement_score": formatting.number(score.engagement, 0),
        # A percentage (0.9043 -> "90.43", shown as 90.43%); empty for a disqualified lead.
        "leadq_probability": formatting.percent(score.shown_probability),
        "leadq_tier": tier_value(score.tier),
        "leadq_verdict": formatting.enumeration(score.verdict.value, OPTIONS["leadq_verdict"]),
        "leadq_confidence": formatting.enumeration(score.confidence, OPTIONS["leadq_confidence"]),
        # The summary line, the itemised reasons, what would change the verdict: cut by whole lines.
        "leadq_reasons": formatting.lines_text(*score.reasons_lines(), limits.long_text_limit),
        "leadq_model_version": formatting.long_text(score.model_version, limits.text_limit),
    }
    if decision is not None and decision.owner_id:
        proposed[provider(crm).owner_field] = decision.owner_id
    return proposed
