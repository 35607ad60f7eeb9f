"""Model quality, the way an admin should see it: AUC, calibration, lift, tiers, misses."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from scoring.calibration import calibration_lines, calibration_warnings, wilson
from scoring.encoding import FeatureEncoder

LEAK_AUC = 0.9


def headline(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {
        "auc": round(float(roc_auc_score(y, p)), 4),
        "average_precision": round(float(average_precision_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "base_rate": round(float(np.mean(y)), 4),
    }


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """The reliability table: equal-count bins of predicted probability, each with its mean
    prediction, the observed rate, how many leads (and wins) and the 95% Wilson interval of the
    observed rate (``low`` to ``high``)."""
    order = np.argsort(p, kind="stable")
    table = []
    for index, chunk in enumerate(np.array_split(order, bins)):
        if chunk.size == 0:
            continue
        wins = int(y[chunk].sum())
        low, high = wilson(wins, int(chunk.size))
        table.append(
            {
                "bin": index + 1,
                "mean_predicted": round(float(p[chunk].mean()), 4),
                "observed_rate": round(float(y[chunk].mean()), 4),
                "count": int(chunk.size),
                "wins": wins,
                "low": round(low, 4),
                "high": round(high, 4),
            }
        )
    return table


def lift_by_decile(y: np.ndarray, p: np.ndarray) -> list[dict[str, float]]:
    """Decile 1 is the top 10% by probability; lift is its conversion rate over the base rate."""
    base = float(np.mean(y)) or 1e-9
    order = np.argsort(-p, kind="stable")
    out = []
    for index, chunk in enumerate(np.array_split(order, 10)):
        rate = float(y[chunk].mean()) if chunk.size else 0.0
        out.append(
            {
                "decile": index + 1,
                "conversion_rate": round(rate, 4),
                "lift": round(rate / base, 2),
                "count": int(chunk.size),
            }
        )
    return out


def top_share_capture(y: np.ndarray, p: np.ndarray, share: float = 0.3) -> float | None:
    """The share of the conversions held by the top ``share`` of records by probability (ceil of
    it, ties in record order); None without a conversion. MadKudu's bar for the top 30%: 60%."""
    wins = float(np.sum(y))
    if not wins:
        return None
    top = np.argsort(-p, kind="stable")[: int(np.ceil(share * len(p) - 1e-9))]
    return round(float(np.sum(y[top])) / wins, 4)


def calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float | None:
    """Expected calibration error over equal-count bins of predicted probability: the mean of
    |observed - predicted| weighted by each bin's count (as ``calibration_table`` bins them)."""
    if len(p) == 0:
        return None
    gaps = [
        abs(float(y[chunk].mean()) - float(p[chunk].mean())) * chunk.size
        for chunk in np.array_split(np.argsort(p, kind="stable"), bins)
        if chunk.size
    ]
    return round(sum(gaps) / len(p), 4)


def tier_table(y: np.ndarray, tiers: Sequence[str]) -> dict[str, dict[str, float | None]]:
    tiers_arr = np.array(tiers)
    out: dict[str, dict[str, float | None]] = {}
    for tier in ("L1", "L2", "L3", "L4"):
        mask = tiers_arr == tier
        out[tier] = {
            "share": round(float(mask.mean()), 4),
            "count": int(mask.sum()),
            "conversion_rate": round(float(y[mask].mean()), 4) if mask.any() else None,
        }
    return out


def missed_conversions(y: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """How many real conversions sit in a group we tell reps to ignore."""
    positives = int(y.sum()) or 1
    return {
        "leads": int(mask.sum()),
        "conversions": int(y[mask].sum()),
        "share_of_all_conversions": round(float(y[mask].sum()) / positives, 4),
    }


def single_feature_auc(
    rows: Sequence[Mapping[str, Any]],
    kinds: Mapping[str, str],
    y: np.ndarray,
    progress: Callable[[], None] | None = None,
) -> dict[str, float]:
    """Cross-validated AUC of each feature alone: a feature near 1.0 leaks the outcome.
    ``progress`` is called after each feature."""
    out = {}
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    for name, kind in kinds.items():
        encoder = FeatureEncoder({name: kind}, min_count=5).fit(rows)
        matrix = encoder.sparse_transform(rows)
        predicted = np.zeros(len(y))
        for train, test in folds.split(matrix, y):
            model = LogisticRegression(C=10.0, max_iter=500).fit(matrix[train], y[train])
            predicted[test] = model.decision_function(matrix[test])
        out[name] = round(float(roc_auc_score(y, predicted)), 4)
        if progress is not None:
            progress()
    return out


def leak_warnings(single_aucs: Mapping[str, float], threshold: float = LEAK_AUC) -> list[str]:
    leaks = sorted(
        ((auc, name) for name, auc in single_aucs.items() if max(auc, 1 - auc) >= threshold), reverse=True
    )
    return [
        f"column {name!r} alone predicts the outcome almost perfectly (AUC {max(auc, 1 - auc):.3f}): "
        "it is probably recorded after the outcome is known; leave it out with --exclude"
        for auc, name in leaks
    ]


def summary_text(report: Mapping[str, Any]) -> str:
    """A readable summary of a report dict."""
    lines = [
        f"model {report.get('model_version', '')}: AUC {report['auc']:.3f}, average precision "
        f"{report['average_precision']:.3f}, Brier {report['brier']:.3f} "
        f"(trained on {report['n_train']:,}, tested on {report['n_test']:,} {report.get('split', '')})",
    ]
    reliability = report.get("reliability")
    if reliability:
        lines.append(f"WARNING: {reliability}")
    if report.get("family_choice"):
        tested = {k: v for k, v in (report.get("families") or {}).items() if v.get("auc") is not None}
        if len(tested) > 1:
            lines.append(
                "families on the same split: "
                + ", ".join(f"{k} AUC {v['auc']:.4f}" for k, v in tested.items())
            )
        lines.append(f"family used: {report['family_choice']}")
    if report.get("rule_auc") is not None:
        lines.append(f"rule score on the same test set: AUC {report['rule_auc']:.3f}")
    lines.append("tiers (share of leads, conversion rate):")
    for tier, row in report["tiers"].items():
        rate = "-" if row["conversion_rate"] is None else f"{row['conversion_rate']:.1%}"
        lines.append(f"  {tier}: {row['share']:.0%} of leads, {rate} convert")
    lines.append("lift by decile: " + "  ".join(f"{d['decile']}:{d['lift']:.1f}x" for d in report["lift"]))
    lines.extend(calibration_lines(report))
    if "missed" in report:
        for group, row in report["missed"].items():
            lines.append(
                f"conversions among {group}: {row['conversions']} of {row['leads']} leads "
                f"({row['share_of_all_conversions']:.1%} of all conversions)"
            )
    if report.get("top_factors"):
        lines.append("top factors: " + ", ".join(f["feature"] for f in report["top_factors"]))
    for warning in [*report.get("warnings", []), *calibration_warnings(report)]:
        if warning != reliability:  # already said under the headline
            lines.append(f"WARNING: {warning}")
    return "\n".join(lines)
