"""Which model family an installation (or a CSV evaluation) uses, chosen on held-out outcomes.

Every family tried is fitted on the same older outcomes and tested on the same newer ones
(``scoring.training``, ``scoring.csvflow``). The logistic family is the simpler one, so it is the
baseline: in the product another family replaces it only when it wins by the champion/challenger
margin (``scoring.registry``), the rule that already decides whether a new model replaces the
champion. ``leadq evaluate`` reports what the data says: the better family, with no margin, and says
whether the product's gate would have chosen differently.

The boosted family is tried only with enough outcomes to learn pairwise terms from
(``[model] boosted_min_outcomes``); below that a logistic model is what the data supports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.evaluate import headline
from scoring.families import BOOSTED, LOGISTIC, fit_model
from scoring.leadmodel import LearnedModel

MARGIN = 0.005  # the champion/challenger gate's margin (scoring.registry.decide_promotion's default)


@dataclass(frozen=True)
class FamilyChoice:
    """The family chosen, every family's held-out AUC on the same outcomes, and why, in words."""

    family: str
    aucs: dict[str, float]
    reason: str
    skipped: dict[str, str]  # family -> why it was not tried


@dataclass(frozen=True)
class Candidates:
    """The families wanted, the number of training outcomes, and the outcomes boosted needs (0: tried
    whatever the number, as when a user names the family)."""

    wanted: Sequence[str]
    outcomes: int
    boosted_min: int

    @property
    def skipped(self) -> dict[str, str]:
        """Each wanted family left out, and why."""
        if BOOSTED in self.wanted and self.outcomes < self.boosted_min and len(self.wanted) > 1:
            return {
                BOOSTED: f"not tried: {self.outcomes:,} outcomes to learn from, it needs "
                f"{self.boosted_min:,} (the ICP's [model] boosted_min_outcomes)"
            }
        return {}

    @property
    def tried(self) -> list[str]:
        """The families to fit."""
        return [f for f in self.wanted if f not in self.skipped]

    def section(self) -> dict[str, dict[str, object]]:
        """The report's "families" entry before any comparison (one family tried, no AUC)."""
        out: dict[str, dict[str, object]] = {f: {"auc": None} for f in self.tried}
        out.update({f: {"auc": None, "skipped": why} for f, why in self.skipped.items()})
        return out


def compare_families(
    candidates: Candidates,
    train_rows: Sequence[Mapping[str, Any]],
    train_y: np.ndarray,
    test_rows: Sequence[Mapping[str, Any]],
    test_y: np.ndarray,
    kinds: Mapping[str, str],
    *,
    version: str,
    kind: str,
    time_ordered: bool,
    sample_weight: np.ndarray | None = None,
    monotone: Mapping[str, int] | None = None,
    progress: Callable[..., None] | None = None,
) -> tuple[FamilyChoice, FamilyChoice, dict[str, LearnedModel]]:
    """Each family tried, fitted on the same training rows and tested on the same held-out rows: the
    better one (no margin, as ``leadq evaluate`` reports), the gate's choice (the margin), and the
    fitted models. ``progress`` is told of each fit after the first."""
    fitted: dict[str, LearnedModel] = {}
    for number, name in enumerate(candidates.tried):
        if progress is not None:
            progress(0 if number == 0 else 1, label=f"Training the {name} model")
        fitted[name] = fit_model(
            name,
            train_rows,
            train_y,
            kinds,
            version=version,
            kind=kind,
            time_ordered=time_ordered,
            sample_weight=sample_weight,
            monotone=monotone,
        )
    aucs = {name: headline(test_y, m.probabilities(test_rows))["auc"] for name, m in fitted.items()}
    skipped = candidates.skipped
    return choose_family(aucs, 0.0, skipped), choose_family(aucs, MARGIN, skipped), fitted


def choose_family(
    aucs: Mapping[str, float], margin: float = MARGIN, skipped: Mapping[str, str] | None = None
) -> FamilyChoice:
    """The logistic family unless another beats it by ``margin`` (0: the better one, ties to logistic);
    without a logistic candidate, the best. ``aucs``: held-out AUC per family, on the same outcomes."""
    if not aucs:
        raise ValueError("no family was fitted")
    skipped = dict(skipped or {})
    best = max(sorted(aucs), key=lambda f: (aucs[f], f == LOGISTIC))
    if LOGISTIC not in aucs or len(aucs) == 1:
        said = "; ".join(f"{name} {why}" for name, why in skipped.items()) or "the only family tried"
        return FamilyChoice(best, dict(aucs), f"{best}; {said}", skipped)
    base = aucs[LOGISTIC]
    if best == LOGISTIC or aucs[best] < base + margin - 1e-12:
        if best == LOGISTIC:
            reason = f"logistic: held-out AUC {base:.4f}, the best"
        else:
            reason = (
                f"logistic: {best} reached {aucs[best]:.4f} against {base:.4f}, "
                f"{aucs[best] - base:+.4f}, short of the {margin:.3f} margin a more complex model must win by"
            )
        return FamilyChoice(LOGISTIC, dict(aucs), reason, skipped)
    reason = f"{best}: held-out AUC {aucs[best]:.4f} against logistic's {base:.4f} ({aucs[best] - base:+.4f})"
    if margin > 0:
        reason += f", beyond the {margin:.3f} margin"
    return FamilyChoice(best, dict(aucs), reason, skipped)


def choice_words(better: FamilyChoice, gate: FamilyChoice) -> str:
    """Which family an evaluation used and by how much it won; where the product's gate (which asks a
    more complex model to win by a margin) would keep the other, that too."""
    words = better.reason
    if len(better.aucs) > 1 and better.family == LOGISTIC:
        words = f"logistic: held-out AUC {better.aucs[LOGISTIC]:.4f}, " + ", ".join(
            f"{name} {auc:.4f} ({auc - better.aucs[LOGISTIC]:+.4f})"
            for name, auc in better.aucs.items()
            if name != LOGISTIC
        )
    if gate.family != better.family:
        words += (
            f"; in a CRM, leadq's gate would keep {gate.family}: a more complex model must win by "
            f"at least {MARGIN}"
        )
    return words


def family_words(report: Mapping[str, object]) -> list[str]:
    """An admin's lines about the family choice in a training or evaluation report (empty for a report
    from before families were compared)."""
    families = report.get("families")
    if not isinstance(families, Mapping) or not families:
        return []
    lines = []
    for name, entry in families.items():
        if isinstance(entry, Mapping) and entry.get("auc") is not None:
            lines.append(f"{name}: held-out AUC {float(entry['auc']):.4f}")
        elif isinstance(entry, Mapping) and entry.get("skipped"):
            lines.append(f"{name}: {entry['skipped']}")
    choice = report.get("family_choice")
    if choice:
        lines.append(f"chosen: {choice}")
    return lines


def families_section(choice: FamilyChoice) -> dict[str, dict[str, object]]:
    """The report's "families" entry: each family's held-out AUC, or why it was not tried."""
    out: dict[str, dict[str, object]] = {f: {"auc": round(a, 4)} for f, a in choice.aucs.items()}
    out.update({f: {"auc": None, "skipped": why} for f, why in choice.skipped.items()})
    return out
