"""score_person: everything leadq concludes about one lead, deterministically.

In: a person, their account, the ICP, an optional learned model, the time.
Out: fit and engagement (0-100), a calibrated probability (when a model exists),
a tier, a verdict, a confidence with its reason, and ordered reasons.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from core.records import VERDICT_LABELS, Account, Person, Reason, Tier, Verdict
from scoring import verdicts
from scoring.boosted import BoostedModel
from scoring.disqualify import disqualifiers
from scoring.explain import model_reasons, segment_reason
from scoring.features import PersonFeatures, engagement_score, person_features
from scoring.icp import Icp
from scoring.leadmodel import LearnedModel
from scoring.rules import fit_score, fit_value
from scoring.segments import SEGMENT_TERM, SegmentedModel
from scoring.wording import counted

RULES_VERSION = "rules-1"
MODEL_REASONS = 6
WHAT_IF = "what_if"  # the factor of the reason that says what would change the verdict (scoring/what_if.py)


@dataclass(frozen=True, slots=True)
class Score:
    fit: float
    engagement: float
    probability: float | None  # None: no model trained yet (see confidence_reason)
    priority: float  # 0-100, what the tier is cut from
    tier: Tier
    verdict: Verdict
    confidence: str  # high | medium | low
    confidence_reason: str
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]
    model_version: str
    scored_at: datetime

    @property
    def shown_probability(self) -> float | None:
        """The probability the CRM shows (none for a disqualified lead; see scoring/verdicts.py)."""
        return verdicts.shown_probability(self.verdict, self.probability)

    def reasons_lines(self, limit: int = 6) -> tuple[str, list[str], str | None]:
        """The CRM's reasons field as lines: the summary, up to ``limit`` itemised reasons (sign
        first: + helped, - hurt, ! disqualifies, ? missing to judge, * why it is worth a look now:
        a re-qualification trigger) and what would change the
        verdict (or None)."""
        shown = [r for r in self.reasons if r.factor != WHAT_IF]
        items = [f"{_sign(r)} {_one_line(r.text)}" for r in shown if r.factor != PERSON_TIER][:limit]
        what_if = next((_one_line(r.text) for r in self.reasons if r.factor == WHAT_IF), None)
        return summary_line(self.tier, self.verdict, shown), items, what_if

    def reasons_text(self, limit: int = 6) -> str:
        """The reasons field, uncut: the summary, the itemised reasons, the what-if line."""
        summary, items, what_if = self.reasons_lines(limit)
        return "\n".join([summary, *items, *([what_if] if what_if else [])])


SEGMENT_REASON = f"model.{SEGMENT_TERM}"  # the factor of the reason that names the segment model
REQUALIFIED = "requalified"  # the factor of a re-qualification trigger's reason (scoring.requalify)
PERSON_TIER = "person_tier"  # a tier a person set in the CRM (scoring.person_tier): the summary's first


def _sign(reason: Reason) -> str:
    if reason.factor.startswith("disqualifier"):
        return "!"
    if reason.factor == "needs_info":
        return "?"
    if reason.factor == REQUALIFIED:
        return "*"
    return "+" if reason.contribution > 0 else "-"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def summary_line(tier: Tier, verdict: Verdict, reasons: Sequence[Reason]) -> str:
    """ "L1 · Sales-ready · VP-level buyer, business e-mail address": the tier, the verdict and the
    two reasons that best explain them (the disqualifiers of a disqualified lead, what is missing of
    a lead that needs information, the strongest positive reasons of an L1-L2 lead, the strongest
    negative ones of an L3-L4 lead; the strongest of any sign when there are fewer). Which segment
    model scored the lead is an itemised reason, never the summary's. A tier a person set comes first,
    and only there."""
    said = [r for r in reasons if r.factor == PERSON_TIER]
    reasons = [r for r in reasons if r.factor not in (SEGMENT_REASON, PERSON_TIER)]
    if verdict == Verdict.DISQUALIFIED:
        agree = [r for r in reasons if r.factor.startswith("disqualifier")]
    elif verdict == Verdict.NEEDS_INFO:
        agree = [r for r in reasons if r.factor == "needs_info"]
    elif tier in (Tier.L1, Tier.L2):
        agree = [r for r in reasons if r.contribution > 0]
    else:
        agree = [r for r in reasons if r.contribution < 0]
    top = (said + agree + [r for r in reasons if r not in agree])[:2]
    head = f"{tier.value} · {VERDICT_LABELS[verdict]}"
    return " · ".join([head, ", ".join(_one_line(r.text) for r in top)]) if top else head


@dataclass(frozen=True, slots=True)
class ModelView:
    """What the learned model says about one lead: its probability and priority, each feature's
    contribution (``names`` in the model's order) and the model row they were computed from.
    ``order``: the feature indices by decreasing contribution, when computed for many leads at once."""

    probability: float
    priority: float
    contributions: Sequence[float]
    names: list[str]
    order: Sequence[int] | None
    row: dict[str, Any]


def tier_for(priority: float, icp: Icp) -> Tier:
    l1, l2, l3 = icp.tier_thresholds
    return (
        Tier.L1 if priority >= l1 else Tier.L2 if priority >= l2 else Tier.L3 if priority >= l3 else Tier.L4
    )


def engagement_reasons(f: PersonFeatures) -> list[Reason]:
    reasons = []
    if f.days_since_activity is not None and f.days_since_activity >= 30:
        reasons.append(
            Reason("engagement.recency", -1.0, f"no activity for {int(f.days_since_activity)} days")
        )
    elif f.days_since_activity is not None and f.days_since_activity < 7 and f.engagement_points > 0:
        reasons.append(
            Reason(
                "engagement.recency",
                1.0,
                f"active in the last {counted(max(1, int(f.days_since_activity) + 1), 'day')}",
            )
        )
    if f.forms:
        reasons.append(Reason("engagement.forms", 1.0, f"submitted {counted(f.forms, 'form')}"))
    if f.visits >= 3:
        reasons.append(Reason("engagement.visits", 0.5, f"visited the website {f.visits} times"))
    return reasons


def score_person(
    person: Person,
    account: Account | None,
    icp: Icp,
    model: LearnedModel | None,
    now: datetime,
    model_note: str = "",
) -> Score:
    """Score one person. ``model_note`` says why there is no model, when there is none."""
    return score_features(person_features(person, account, icp, now), icp, model, now, model_note)


def score_people(
    people: Sequence[tuple[Person, Account | None]],
    icp: Icp,
    model: LearnedModel | None,
    now: datetime,
    model_note: str = "",
    features: Sequence[PersonFeatures] | None = None,
) -> list[Score]:
    """Score many people at once: the same results as ``score_person``, one model pass for all.

    ``features`` may be passed when the caller already computed them (it needs them too).
    """
    with _gc_paused():
        if features is None:
            features = [person_features(p, a, icp, now) for p, a in people]
        return _score_people(features, icp, model, now, model_note)


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Bulk scoring allocates millions of small acyclic objects; the cyclic collector would
    # rescan them over and over (measured: a third of the time). Nothing here forms cycles.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _score_people(
    features: Sequence[PersonFeatures],
    icp: Icp,
    model: LearnedModel | None,
    now: datetime,
    model_note: str,
) -> list[Score]:
    if model is None or not features:
        return [score_features(f, icp, None, now, model_note) for f in features]
    rows = [f.model_row() for f in features]
    explanation = model.explain(rows)
    priorities = model.priority(explanation.probabilities).tolist()
    probabilities = explanation.probabilities.tolist()
    orders = np.argsort(-np.abs(explanation.contributions), axis=1, kind="stable")[:, :MODEL_REASONS].tolist()
    contributions = explanation.contributions.tolist()
    return [
        score_features(
            f,
            icp,
            model,
            now,
            model_note,
            view=ModelView(
                probabilities[i],
                priorities[i],
                contributions[i],
                explanation.features,
                orders[i],
                rows[i],
            ),
        )
        for i, f in enumerate(features)
    ]


def _model_reasons(model: LearnedModel, view: ModelView) -> tuple[list[Reason], str]:
    """The model's reasons for one lead and, when a segment model of a ``SegmentedModel`` scored it,
    a clause for the confidence reason; that lead's reasons always say which segment model it was."""
    ranges = model.pair_ranges if isinstance(model, BoostedModel | SegmentedModel) else None
    segment = model.segment_of(view.row) if isinstance(model, SegmentedModel) else None
    if segment is None or not isinstance(model, SegmentedModel):
        reasons = model_reasons(view.names, view.row, view.contributions, MODEL_REASONS, view.order, ranges)
        return reasons, ""
    reasons = model_reasons(view.names, view.row, view.contributions, MODEL_REASONS - 1, view.order, ranges)
    words = model.segment_words(segment)
    said = segment_reason(words, float(view.contributions[-1]))  # the segment term is the last
    reasons.insert(sum(abs(r.contribution) >= abs(said.contribution) for r in reasons), said)  # by size
    member = model.members[segment].metadata.get("n_train", "?")
    return reasons, f"; its segment model for {words} ({member} outcomes) scored this lead"


def score_features(
    f: PersonFeatures,
    icp: Icp,
    model: LearnedModel | None,
    now: datetime,
    model_note: str = "",
    view: ModelView | None = None,
) -> Score:
    """Score one lead from its features. ``view``: the model's view of it, when computed in bulk
    (``score_people``); without it, the model explains this lead alone."""
    engagement = engagement_score(f.engagement_points, icp)
    dq = disqualifiers(f, icp)
    # Judging needs to know who it is, and either their role or their company.
    blocking = [m for m in f.missing if m == "e-mail or company"]
    if "job title" in f.missing and "company industry or size" in f.missing:
        blocking = list(f.missing)
    if model is not None:
        fit = fit_value(f, icp)  # reported, but the model's factors are the reasons
        if view is None:
            row = f.model_row()
            explanation = model.explain([row])
            view = ModelView(
                float(explanation.probabilities[0]),
                float(model.priority(explanation.probabilities)[0]),
                [float(c) for c in explanation.contributions[0]],
                explanation.features,
                None,
                row,
            )
        probability, priority = view.probability, view.priority
        reasons, by_segment = _model_reasons(model, view)
        version = model.version
        gaps = len(f.missing)
        confidence = "high" if gaps == 0 else "medium"
        confidence_reason = (
            f"learned model {version} trained on {model.metadata.get('n_train', '?')} outcomes"
            + by_segment
            + (f"; missing {', '.join(f.missing)}" if gaps else "")
        )
    else:
        fit, fit_reasons = fit_score(f, icp)
        probability = None
        priority = round(icp.blend_fit * fit + icp.blend_engagement * engagement, 1)
        ranked = sorted(fit_reasons, key=lambda r: -abs(r.contribution))
        reasons = [r for r in ranked if abs(r.contribution) >= 0.5][:4] + engagement_reasons(f)
        version = RULES_VERSION
        confidence = "low"
        confidence_reason = model_note or "no conversion model yet: scored by the ICP rules"
    tier, verdict = verdicts.decide(
        tier_for(priority, icp), fit, engagement, bool(dq), bool(blocking), icp.verdicts
    )
    all_reasons: list[Reason] = [Reason(f"disqualifier.{code}", 0.0, text) for code, text in dq]
    if verdict == Verdict.NEEDS_INFO:
        all_reasons.append(Reason("needs_info", 0.0, "missing " + ", ".join(blocking)))
        confidence, confidence_reason = "low", "missing " + ", ".join(blocking)
    all_reasons.extend(reasons)
    return Score(
        fit=fit,
        engagement=engagement,
        probability=None if probability is None else round(probability, 4),
        priority=priority,
        tier=tier,
        verdict=verdict,
        confidence=confidence,
        confidence_reason=confidence_reason,
        reasons=tuple(all_reasons),
        missing=f.missing,
        model_version=version,
        scored_at=now,
    )
