"""leadq's own CRM fields, described once, CRM-neutrally."""

from __future__ import annotations

from connector.base import FieldSpec
from core.records import CONFIDENCE_LABELS, VERDICT_LABELS, Verdict

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
        "percent",
        description="Calibrated probability of converting, as a percentage; empty until a model is "
        "trained, and for disqualified leads",
    ),
    FieldSpec(
        "leadq_tier",
        "leadq tier",
        "enum",
        options=("L1", "L2", "L3", "L4"),
        description="Priority, from L1 (the best leads: work them now) to L4 (do not work)",
    ),
    FieldSpec(
        "leadq_verdict",
        "leadq verdict",
        "enum",
        options=tuple(v.value for v in Verdict),
        option_labels=tuple(VERDICT_LABELS[v] for v in Verdict),
        description="Sales-ready: a rep works it now; Nurture: not yet; Disqualified; Needs info",
    ),
    FieldSpec(
        "leadq_confidence",
        "leadq confidence",
        "enum",
        options=tuple(CONFIDENCE_LABELS),
        option_labels=tuple(CONFIDENCE_LABELS.values()),
    ),
    FieldSpec(
        "leadq_reasons",
        "leadq reasons",
        "multiline",
        description="First line: tier · verdict · the two main reasons. Then one reason a line (+ helped, "
        "- hurt, ! disqualifies, ? missing). Last, when one exists: what would change the verdict",
    ),
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
