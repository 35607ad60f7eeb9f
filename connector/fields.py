"""leadq's own CRM fields, described once, CRM-neutrally."""

from __future__ import annotations

from connector.base import FieldSpec

GROUP = "leadq"
GROUP_LABEL = "leadq lead qualification"

LEADQ_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("leadq_fit_score", "leadq fit score", "number", description="ICP fit, 0-100"),
    FieldSpec(
        "leadq_engagement_score",
        "leadq engagement score",
        "number",
        description="Engagement with decay, 0-100",
    ),
    FieldSpec(
        "leadq_probability",
        "leadq conversion probability",
        "number",
        description="Calibrated probability of converting (0-1); empty until a model is trained",
    ),
    FieldSpec(
        "leadq_tier",
        "leadq tier",
        "enum",
        options=("L1", "L2", "L3", "L4"),
        description="L1 = work now, L4 = do not work",
    ),
    FieldSpec(
        "leadq_verdict",
        "leadq verdict",
        "enum",
        options=("sales_ready", "nurture", "disqualified", "needs_info"),
    ),
    FieldSpec("leadq_confidence", "leadq confidence", "enum", options=("high", "medium", "low")),
    FieldSpec("leadq_reasons", "leadq reasons", "multiline", description="Why leadq scored this lead so"),
    FieldSpec("leadq_scored_at", "leadq scored at", "datetime"),
    FieldSpec("leadq_model_version", "leadq model version", "text"),
    FieldSpec(
        "leadq_buying_committee",
        "leadq buying committee",
        "multiline",
        description="Which buying-committee functions and levels are engaged, and which are missing",
        objects=("account",),
    ),
)
