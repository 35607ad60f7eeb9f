"""Learning from the CRM's own outcomes: readiness gate, time-ordered split, rules vs model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from core.records import Account, Person
from scoring.calibration import calibration_checks
from scoring.disqualify import disqualifiers
from scoring.encoding import CATEGORICAL, NUMERIC
from scoring.evaluate import (
    calibration_error,
    calibration_table,
    headline,
    lift_by_decile,
    missed_conversions,
    tier_table,
    top_share_capture,
)
from scoring.families import fit_model
from scoring.family_gate import Candidates, FamilyChoice, compare_families, families_section
from scoring.features import engagement_score, person_features
from scoring.icp import Icp
from scoring.leadmodel import LearnedModel
from scoring.learning import REJECTED, UPGRADED, held_out
from scoring.rules import fit_score
from scoring.score import tier_for

CRM_KINDS = {
    "seniority": CATEGORICAL,
    "function": CATEGORICAL,
    "email_kind": CATEGORICAL,
    "industry": CATEGORICAL,
    "employees": NUMERIC,
    "revenue": NUMERIC,
    "country": CATEGORICAL,
    "tech_matches": NUMERIC,
    "engagement_points": NUMERIC,
    "days_since_activity": NUMERIC,
    "visits": NUMERIC,
    "email_clicks": NUMERIC,
    "forms": NUMERIC,
    "lead_source": CATEGORICAL,
}
TEST_FRACTION = 0.25


OUTCOME = "outcome"


@dataclass(frozen=True)
class Example:
    """One person whose outcome is known, with the time it was decided; or, with ``source`` "rejected"
    or "upgraded", a rep's judgment of a person without an outcome (``scoring.learning``), dated when
    the rep gave it, with the ICP's ``[learning]`` weight."""

    person: Person
    account: Account | None
    won: bool
    decided_at: datetime
    weight: float = 1.0
    source: str = OUTCOME

    @property
    def from_outcome(self) -> bool:
        return self.source == OUTCOME


@dataclass
class TrainingResult:
    model: LearnedModel | None  # refitted on every example; None when the data is too thin
    report: dict[str, Any]
    ready: bool
    why: str


def readiness(examples: Sequence[Example], icp: Icp) -> tuple[bool, str]:
    """Enough real outcomes to learn from (the reps' feedback does not count)."""
    examples = [e for e in examples if e.from_outcome]
    wins = sum(e.won for e in examples)
    if len(examples) < icp.min_outcomes or wins < icp.min_wins or len(examples) - wins < icp.min_wins:
        return False, (
            f"{len(examples)} outcomes ({wins} won); a model needs at least {icp.min_outcomes} "
            f"with {icp.min_wins} won and {icp.min_wins} lost, so the ICP rules score for now"
        )
    return True, f"{len(examples)} outcomes ({wins} won)"


def _rows(examples: Sequence[Example], icp: Icp) -> tuple[list[dict[str, Any]], np.ndarray]:
    rows, rule, _dq = _rows_rules_dq(examples, icp)
    return rows, rule


def _rows_rules_dq(
    examples: Sequence[Example], icp: Icp
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    features = [person_features(e.person, e.account, icp, e.decided_at) for e in examples]
    dq = np.array([bool(disqualifiers(f, icp)) for f in features])
    rule = np.array(
        [
            icp.blend_fit * fit_score(f, icp)[0]
            + icp.blend_engagement * engagement_score(f.engagement_points, icp)
            for f in features
        ]
    )
    return [f.model_row() for f in features], rule, dq


def _with_feedback(
    outcomes: Sequence[Example], rows: list[dict[str, Any]], feedback: Sequence[Example], icp: Icp
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray | None]:
    """The reps' feedback, then the outcomes oldest first, as one training set: rows, labels and
    weights (None when every weight is 1, as with outcomes alone). Feedback goes first so the newest
    slice, on which ``ConversionModel`` chooses C and fits the calibration, holds real outcomes: the
    feedback shapes the fits that are validated, never the yardstick (it is newer than most outcomes,
    being about leads not yet decided, so in time order it would fill that slice)."""
    ordered = sorted(feedback, key=lambda e: e.decided_at)
    pairs = [*zip(ordered, _rows(ordered, icp)[0], strict=True), *zip(outcomes, rows, strict=True)]
    weights = np.array([e.weight for e, _row in pairs])
    labels = np.array([int(e.won) for e, _row in pairs])
    return [row for _e, row in pairs], labels, weights if (weights != 1.0).any() else None


def rep_agreement(model: LearnedModel, examples: Sequence[Example], icp: Icp) -> dict[str, dict[str, Any]]:
    """How a model tiers leads reps judged: the share of the rejected ones it scores below L2, and of
    the raised ones it scores L1 or L2 (None: no such lead)."""
    out: dict[str, dict[str, Any]] = {}
    for signal, agreeing in ((REJECTED, ("L3", "L4")), (UPGRADED, ("L1", "L2"))):
        judged = [e for e in examples if e.source == signal]
        tiers: list[str] = []
        if judged:
            priority = model.priority(model.probabilities(_rows(judged, icp)[0]))
            tiers = [tier_for(x, icp).value for x in priority]
        share = round(sum(t in agreeing for t in tiers) / len(tiers), 4) if tiers else None
        out[signal] = {"leads": len(judged), "agreed": share}
    return out


def _reps_section(held_out_model: LearnedModel, feedback: Sequence[Example], icp: Icp) -> dict[str, Any]:
    """The report's reps' part: what feedback trained the model, and how the held-out model (which
    never learned from the held-out quarter of it) tiers those leads."""
    kept = [e for e in feedback if held_out(e.person.ref.record_id)]
    return {
        "learning": {
            "use_overrides": icp.learning.use_overrides,
            "rejected_weight": icp.learning.rejected_weight,
            "upgrade_weight": icp.learning.upgrade_weight,
        },
        "trained_on": {k: sum(e.source == k for e in feedback) for k in (REJECTED, UPGRADED)},
        "held_out": {"new": rep_agreement(held_out_model, kept, icp)},
    }


def train_crm_model(
    examples: Sequence[Example],
    icp: Icp,
    *,
    version: str,
    family: str | None = None,
    refit: bool = True,
) -> TrainingResult:
    """Train on older outcomes, test on the newest quarter, report, then refit on everything. Each
    family the ICP allows (``[model] families``; only ``family`` when given) is fitted on the same older
    outcomes and tested on the same newest quarter; the gate (``scoring.family_gate``) picks one and
    only that family is refitted (not at all with ``refit=False``: the held-out report alone). The
    reps' feedback (examples not from an outcome) trains every fit with its weight (the held-out fits
    all but a held-out quarter of it) but is never tested on: the held-out figures are real outcomes."""
    ready, why = readiness(examples, icp)
    if not ready:
        return TrainingResult(None, {"ready": False, "why": why}, False, why)
    ordered = sorted((e for e in examples if e.from_outcome), key=lambda e: e.decided_at)
    feedback = [e for e in examples if not e.from_outcome]
    rows, rule, dq = _rows_rules_dq(ordered, icp)
    y = np.array([int(e.won) for e in ordered])
    cut = round(len(ordered) * (1 - TEST_FRACTION))
    if len(set(y[cut:].tolist())) < 2 or len(set(y[:cut].tolist())) < 2:
        why = "the newest outcomes are all of one kind: cannot test a model on them yet"
        return TrainingResult(None, {"ready": False, "why": why}, False, why)
    taught = [e for e in feedback if not held_out(e.person.ref.record_id)]
    train_rows, train_y, train_w = _with_feedback(ordered[:cut], rows[:cut], taught, icp)
    choice, held_out_model = _held_out_fits(
        train_rows, train_y, train_w, rows[cut:], y[cut:], icp, family, version, len(taught)
    )
    report = _report(held_out_model, ordered, rows[cut:], rule[cut:], dq[cut:], icp, version)
    report["family"] = choice.family
    report["families"] = families_section(choice)
    report["family_choice"] = choice.reason
    report["reps"] = _reps_section(held_out_model, feedback, icp)
    if not refit:
        return TrainingResult(None, report, True, why)
    all_rows, all_y, all_w = _with_feedback(ordered, rows, feedback, icp)
    final = fit_model(
        choice.family,
        all_rows,
        all_y,
        CRM_KINDS,
        version=version,
        kind="crm",
        time_ordered=True,
        sample_weight=all_w,
        monotone=icp.monotone,
        metadata={
            "n_train": len(ordered),
            "holdout": {k: report[k] for k in HOLDOUT_KEYS},
            "window": report["window"],
            "icp_hash": icp.source_hash,
            "rep_feedback": report["reps"]["trained_on"],
            "family_choice": choice.reason,
        },
    )
    return TrainingResult(final, report, True, why)


def _held_out_fits(
    train_rows: list[dict[str, Any]],
    train_y: np.ndarray,
    train_w: np.ndarray | None,
    test_rows: list[dict[str, Any]],
    test_y: np.ndarray,
    icp: Icp,
    family: str | None,
    version: str,
    feedback: int,
) -> tuple[FamilyChoice, LearnedModel]:
    """Every family to try, fitted on the older outcomes and tested on the newest: the gate's choice
    and its held-out model. ``feedback``: how many of the training rows are the reps' (they go first).
    An explicit ``family`` is fitted whatever the number of outcomes."""
    candidates = Candidates(
        [family] if family else list(icp.families),
        len(train_y) - feedback,  # real outcomes among the training rows
        0 if family else icp.boosted_min_outcomes,
    )
    _better, gate, fitted = compare_families(
        candidates,
        train_rows,
        train_y,
        test_rows,
        test_y,
        CRM_KINDS,
        version=f"{version}-holdout",
        kind="crm",
        time_ordered=True,
        sample_weight=train_w,
        monotone=icp.monotone,
    )
    return gate, fitted[gate.family]


HOLDOUT_KEYS = (
    "auc",
    "average_precision",
    "brier",
    "ece",
    "top30_capture",
    "base_rate",
    "rule_auc",
    "n_train",
    "n_test",
)


def _report(
    held_out_model: LearnedModel,
    ordered: Sequence[Example],
    test_rows: list[dict[str, Any]],
    test_rule: np.ndarray,
    test_dq: np.ndarray,
    icp: Icp,
    version: str,
) -> dict[str, Any]:
    """The held-out figures: the model trained before the newest quarter of outcomes, on them."""
    cut = len(ordered) - len(test_rows)
    explanation = held_out_model.explain(test_rows)
    p = explanation.probabilities
    tiers = [tier_for(x, icp).value for x in held_out_model.priority(p)]
    test_y = np.array([int(e.won) for e in ordered[cut:]])
    return {
        **headline(test_y, p),
        "rule_auc": round(float(roc_auc_score(test_y, test_rule)), 4),
        "n_train": cut,
        "n_test": len(test_rows),
        "split": "(time-ordered)",
        "window": {
            "train_from": ordered[0].decided_at.isoformat(),
            "test_from": ordered[cut].decided_at.isoformat(),
            "test_to": ordered[-1].decided_at.isoformat(),
        },
        "tiers": tier_table(test_y, tiers),
        "calibration": calibration_table(test_y, p),
        "ece": calibration_error(test_y, p),
        **calibration_checks(test_y, p, tiers, test_rows, CRM_KINDS),
        "top30_capture": top_share_capture(test_y, p),
        "lift": lift_by_decile(test_y, p),
        "missed": {
            "L4 leads": missed_conversions(test_y, np.array(tiers) == "L4"),
            "disqualified leads": missed_conversions(test_y, test_dq),
        },
        "top_factors": held_out_model.global_factors(explanation),
        "model_version": version,
        "ready": True,
        "icp_hash": icp.source_hash,
    }


def holdout_auc(model: LearnedModel, examples: Sequence[Example], icp: Icp) -> float:
    """AUC of an existing model on given outcomes (the champion, on the challenger's window); the reps'
    feedback among ``examples`` is left out: the gate decides on real outcomes only."""
    examples = [e for e in examples if e.from_outcome]
    rows, _rule = _rows(examples, icp)
    y = np.array([int(e.won) for e in examples])
    return headline(y, model.probabilities(rows))["auc"]
