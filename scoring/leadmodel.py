"""A trained lead model: encoder + ConversionModel + metadata, explainable and portable.

Artifacts are plain JSON (coefficients, bins, categories, calibration), never
pickles: a model can be read by a person, diffed, exported, and loaded without
executing anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from scoring.encoding import CATEGORICAL, FeatureEncoder
from scoring.model import ConversionModel
from scoring.monotone import runs_for

ARTIFACT_FORMAT = "leadq.lead-model/1"

Describer = Callable[[str, Any, float], str]


def generic_describer(feature: str, value: Any, contribution: float) -> str:
    if value is None or value == "":
        return f"{feature} not given"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{feature}: {value}"


@dataclass
class Explanation:
    probabilities: np.ndarray  # (n,)
    contributions: np.ndarray  # (n, n_features), calibrated-logit units
    expected: float  # the logit every lead starts from
    features: list[str]


class LearnedModel(Protocol):
    """What scoring needs of a learned model, whatever its family (scoring/families.py): the logistic
    ``LeadModel`` and the boosted ``scoring.boosted.BoostedModel``. ``features`` are the model's term
    names (a single feature, or a pair "seniority & employees"); ``explain`` gives contributions in
    calibrated-logit units with ``expected + contributions.sum(axis=1) == logit``."""

    version: str
    kind: str
    metadata: dict[str, Any]
    priority_edges: list[float]

    @property
    def features(self) -> list[str]: ...

    def explain(self, rows: Sequence[Mapping[str, Any]]) -> Explanation: ...

    def probabilities(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray: ...

    def priority(self, probabilities: np.ndarray) -> np.ndarray: ...

    def global_factors(self, explanation: Explanation, top: int = 10) -> list[dict[str, Any]]: ...

    def to_bytes(self) -> bytes: ...


def percentile_priority(edges: Sequence[float], probabilities: np.ndarray) -> np.ndarray:
    """0-100: the share of training leads each lead outranks (``edges``: percentiles 1..99 of the
    training probabilities); without edges, the probability in percent."""
    if not edges:
        return np.round(probabilities * 100, 1)
    return np.searchsorted(np.asarray(edges), probabilities, side="right").astype(float)


def global_factors(features: Sequence[str], explanation: Explanation, top: int = 10) -> list[dict[str, Any]]:
    """Terms ranked by their mean absolute contribution over the given leads."""
    strength = np.abs(explanation.contributions).mean(axis=0)
    order = np.argsort(-strength)[:top]
    return [
        {"feature": features[i], "mean_abs_contribution": round(float(strength[i]), 4)}
        for i in order
        if strength[i] > 0
    ]


def explained(expected: float, contributions: np.ndarray, features: list[str]) -> Explanation:
    """An explanation from its starting logit and per-term contributions (their sum is the logit)."""
    logit = expected + contributions.sum(axis=1)
    return Explanation(1.0 / (1.0 + np.exp(-logit)), contributions, expected, features)


class ModelBasics:
    """What every family derives from its ``explain``, ``features`` and ``priority_edges``."""

    priority_edges: list[float]

    @property
    def features(self) -> list[str]:
        raise NotImplementedError

    def explain(self, rows: Sequence[Mapping[str, Any]]) -> Explanation:
        raise NotImplementedError

    def probabilities(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return self.explain(rows).probabilities

    def priority(self, probabilities: np.ndarray) -> np.ndarray:
        """0-100: the share of training leads this lead outranks."""
        return percentile_priority(self.priority_edges, probabilities)

    def global_factors(self, explanation: Explanation, top: int = 10) -> list[dict[str, Any]]:
        """Terms ranked by their mean absolute contribution over the given leads."""
        return global_factors(self.features, explanation, top)


@dataclass
class LeadModel(ModelBasics):
    encoder: FeatureEncoder
    model: ConversionModel
    version: str
    kind: str  # "crm" (leadq's person features) or "table" (columns of a CSV)
    metadata: dict[str, Any] = field(default_factory=dict)
    priority_edges: list[float] = field(default_factory=list)  # probability percentiles 1..99 of training

    @property
    def features(self) -> list[str]:
        return [s.name for s in self.encoder.specs]

    def _group_constants(self) -> tuple[np.ndarray, float]:
        if not hasattr(self, "_constants"):
            groups = self.encoder.column_groups()
            weighted = self.model.coef_ * self.model.mean_
            per_group = np.bincount(groups, weights=weighted, minlength=len(self.encoder.specs))
            a, b = self.model.calibration_
            expected = a * (self.model.intercept_ + float(per_group.sum())) + b
            self._constants = (per_group, expected)
        return self._constants

    def explain(self, rows: Sequence[Mapping[str, Any]]) -> Explanation:
        """Probabilities and each feature's exact contribution, for many rows at once."""
        active = self.encoder.column_indices(rows)  # (n, F): one column per feature
        per_group, expected = self._group_constants()
        a = self.model.calibration_[0]
        contributions = a * (self.model.coef_[active] - per_group)
        return explained(expected, contributions, self.features)

    def to_bytes(self) -> bytes:
        m = self.model
        return json.dumps(
            {
                "format": ARTIFACT_FORMAT,
                "version": self.version,
                "kind": self.kind,
                "metadata": self.metadata,
                "encoder": self.encoder.to_dict(),
                "model": {
                    "coef": m.coef_.tolist(),
                    "intercept": m.intercept_,
                    "mean": m.mean_.tolist(),
                    "calibration": list(m.calibration_),
                    "C": m.C_,
                    "classes": m.classes_.tolist(),
                    "validation_auc": m.validation_auc_,
                },
                "priority_edges": self.priority_edges,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> LeadModel:
        raw = json.loads(data)
        if raw.get("format") != ARTIFACT_FORMAT:
            raise ValueError(f"not a leadq model artifact (format {raw.get('format')!r})")
        encoder = FeatureEncoder.from_dict(raw["encoder"])
        model = ConversionModel()
        spec = raw["model"]
        model.coef_ = np.array(spec["coef"], dtype=np.float64)
        model.intercept_ = float(spec["intercept"])
        model.mean_ = np.array(spec["mean"], dtype=np.float64)
        model.calibration_ = tuple(spec["calibration"])
        model.C_ = spec["C"]
        model.classes_ = np.array(spec["classes"])
        model.validation_auc_ = spec["validation_auc"]
        model.n_features_in_ = len(model.coef_)
        return cls(encoder, model, raw["version"], raw["kind"], raw["metadata"], raw["priority_edges"])


def fit_lead_model(
    rows: Sequence[Mapping[str, Any]],
    labels: np.ndarray,
    kinds: Mapping[str, str],
    *,
    version: str,
    kind: str,
    time_ordered: bool,
    metadata: dict[str, Any] | None = None,
    monotone: Mapping[str, int] | None = None,
    sample_weight: np.ndarray | None = None,
) -> LeadModel:
    """Learn encoder and model from rows (oldest first when ``time_ordered``); ``monotone`` (feature ->
    +1/-1, the ICP's ``[model] monotone``) keeps a numeric feature's effect one-way; ``sample_weight``:
    one weight per row (default 1), see ``ConversionModel.fit``."""
    encoder = FeatureEncoder(kinds).fit(rows)
    matrix = encoder.sparse_transform(rows)  # sparse: a 200,000-row table stays small
    runs = runs_for(encoder.specs, monotone or {})
    model = ConversionModel(time_ordered=time_ordered, monotone=runs).fit(
        matrix, labels, sample_weight=sample_weight
    )
    lead_model = LeadModel(encoder, model, version, kind, dict(metadata or {}))
    probabilities = lead_model.probabilities(rows)
    lead_model.priority_edges = [float(q) for q in np.quantile(probabilities, np.linspace(0.01, 0.99, 99))]
    lead_model.metadata.setdefault("features", dict(kinds))
    lead_model.metadata.setdefault("n_categorical", sum(1 for k in kinds.values() if k == CATEGORICAL))
    if runs:
        lead_model.metadata.setdefault(
            "monotone", {f: s for f, s in (monotone or {}).items() if f in {sp.name for sp in encoder.specs}}
        )
    return lead_model
