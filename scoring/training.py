"""Learning from the CRM's own outcomes: readiness gate, time-ordered split, rules vs model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from core.records import Account, Person
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
from scoring.features import engagement_score, person_features
from scoring.icp import Icp
from scoring.leadmodel import LeadModel, LearnedModel, fit_lead_model
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


@dataclass(frozen=True)
class Example:
    """One person whose outcome is known, with the time it was decided."""

    person: Person
    account: Account | None
    won: bool
    decided_at: datetime


@dataclass
class TrainingResult:
    model: LeadModel | None  # refitted on every example; None when the data is too thin
    report: dict[str, Any]
    ready: bool
    why: str


def readiness(examples: Sequence[Example], icp: Icp) -> tuple[bool, str]:
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


def train_crm_model(examples: Sequence[Example], icp: Icp, *, version: str) -> TrainingResult:
    """Train on older outcomes, test on the newest quarter, report, then refit on everything."""
    ready, why = readiness(examples, icp)
    if not ready:
        return TrainingResult(None, {"ready": False, "why": why}, False, why)
    ordered = sorted(examples, key=lambda e: e.decided_at)
    rows, rule, dq = _rows_rules_dq(ordered, icp)
    y = np.array([int(e.won) for e in ordered])
    cut = round(len(ordered) * (1 - TEST_FRACTION))
    if len(set(y[cut:].tolist())) < 2 or len(set(y[:cut].tolist())) < 2:
        why = "the newest outcomes are all of one kind: cannot test a model on them yet"
        return TrainingResult(None, {"ready": False, "why": why}, False, why)
    held_out = fit_lead_model(
        rows[:cut], y[:cut], CRM_KINDS, version=f"{version}-holdout", kind="crm", time_ordered=True
    )
    explanation = held_out.explain(rows[cut:])
    p = explanation.probabilities
    priority = held_out.priority(p)
    tiers = [tier_for(x, icp).value for x in priority]
    test_y = y[cut:]
    report: dict[str, Any] = {
        **headline(test_y, p),
        "rule_auc": round(float(roc_auc_score(test_y, rule[cut:])), 4),
        "n_train": cut,
        "n_test": len(ordered) - cut,
        "split": "(time-ordered)",
        "window": {
            "train_from": ordered[0].decided_at.isoformat(),
            "test_from": ordered[cut].decided_at.isoformat(),
            "test_to": ordered[-1].decided_at.isoformat(),
        },
        "tiers": tier_table(test_y, tiers),
        "calibration": calibration_table(test_y, p),
        "ece": calibration_error(test_y, p),
        "top30_capture": top_share_capture(test_y, p),
        "lift": lift_by_decile(test_y, p),
        "missed": {
            "L4 leads": missed_conversions(test_y, np.array(tiers) == "L4"),
            "disqualified leads": missed_conversions(test_y, dq[cut:]),
        },
        "top_factors": held_out.global_factors(explanation),
        "model_version": version,
        "ready": True,
        "icp_hash": icp.source_hash,
    }
    final = fit_lead_model(
        rows,
        y,
        CRM_KINDS,
        version=version,
        kind="crm",
        time_ordered=True,
        metadata={
            "n_train": len(ordered),
            "holdout": {
                k: report[k] for k in (
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
            },
            "window": report["window"],
            "icp_hash": icp.source_hash,
        },
    )
    return TrainingResult(final, report, True, why)


def holdout_auc(model: LearnedModel, examples: Sequence[Example], icp: Icp) -> float:
    """AUC of an existing model on given outcomes (the champion, on the challenger's window)."""
    rows, _rule = _rows(examples, icp)
    y = np.array([int(e.won) for e in examples])
    return headline(y, model.probabilities(rows))["auc"]
