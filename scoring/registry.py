"""Champion and challenger: a new model is promoted only if it wins on the same held-out window."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Promotion:
    promote: bool
    reason: str


def decide_promotion(champion_auc: float | None, challenger_auc: float, margin: float = 0.005) -> Promotion:
    """Both AUCs must come from the same held-out window; the challenger must win by ``margin``."""
    if champion_auc is None:
        return Promotion(True, f"no champion yet: challenger (AUC {challenger_auc:.3f}) becomes champion")
    if challenger_auc >= champion_auc + margin:
        return Promotion(
            True,
            f"challenger AUC {challenger_auc:.3f} beats champion {champion_auc:.3f} by at least {margin:.3f}",
        )
    return Promotion(
        False,
        f"challenger AUC {challenger_auc:.3f} does not beat champion {champion_auc:.3f} "
        f"by {margin:.3f}: champion stays",
    )
