"""The boosted family: an explainable boosting machine, read and scored by leadq itself.

The model is an intercept plus one learned shape per feature and a few pairwise shapes (terms), each a
table of scores over bins. The artifact is plain JSON ("leadq.boosted-model/1"): per feature its bin
cut points (numbers) or category list, per term its score table, the intercept, the Platt calibration
and the priority edges. Scoring here is pure numpy: ``interpret`` only fits (scoring/boosted_fit.py).

Bins of a feature, at each level (level 0 for single terms, level 1, when present, for pairs):
index 0 is "missing" (None, "", NaN, or a number that is no number), then the bins in order (a number
``x`` falls in bin ``1 + #(cuts <= x)``, so a number beyond the training range falls in the first or
last bin), then, for categories, "unknown" (a value not seen in training; it scores as the term's
average training lead, 0 before centring).

Contributions are in calibrated-logit units, relative to the average training lead:
``contribution_t = a * (score_t - mean_t)``, ``expected = a * (intercept + sum_t mean_t) + b``, so
``expected + sum_t contribution_t == a * (intercept + sum_t score_t) + b`` (the calibrated logit).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.encoding import CATEGORICAL, NUMERIC
from scoring.leadmodel import Explanation, ModelBasics, explained

BOOSTED_FORMAT = "leadq.boosted-model/1"
PAIR_JOIN = " & "  # a pair term's name: "seniority & employees"


def as_number(value: Any) -> float:
    """A numeric feature's value as a float; NaN (missing) for None, "", NaN or text that is no number."""
    if value is None or isinstance(value, bool):
        return float("nan") if value is None else float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def as_category(value: Any) -> str | None:
    """A categorical feature's value as text; None (missing) for None or ""."""
    if value is None or value == "":
        return None
    return str(value)


@dataclass
class BinnedFeature:
    """How one input feature is cut into bins, at each level."""

    name: str
    kind: str  # NUMERIC | CATEGORICAL
    cuts: list[list[float]] = field(default_factory=list)  # numeric: cut points per level
    categories: list[dict[str, int]] = field(
        default_factory=list
    )  # categorical: value -> bin (1..), per level

    @property
    def levels(self) -> int:
        return len(self.cuts) if self.kind == NUMERIC else len(self.categories)

    def bin_count(self, level: int) -> int:
        """Bins at ``level``, counting "missing" and "unknown"."""
        if self.kind == NUMERIC:
            return len(self.cuts[level]) + 3
        return max(self.categories[level].values(), default=0) + 2

    def parse(self, values: Sequence[Any]) -> np.ndarray | list[str | None]:
        """The values as the bins read them: floats (NaN when missing) or texts (None when missing)."""
        if self.kind == NUMERIC:
            return np.array([as_number(v) for v in values], dtype=np.float64)
        return [as_category(v) for v in values]

    def bins(self, values: Sequence[Any], level: int, parsed: Any = None) -> np.ndarray:
        """Each value's bin index at ``level`` (see the module's docstring); ``parsed``: the values
        already through ``parse``."""
        parsed = self.parse(values) if parsed is None else parsed
        if self.kind == NUMERIC:
            missing = np.isnan(parsed)
            cuts = np.asarray(self.cuts[level], dtype=np.float64)
            index = np.searchsorted(cuts, np.where(missing, 0.0, parsed), side="right") + 1
            return np.where(missing, 0, index).astype(np.intp)
        mapping = self.categories[level]
        unknown = self.bin_count(level) - 1
        return np.fromiter(
            (0 if c is None else mapping.get(c, unknown) for c in parsed), dtype=np.intp, count=len(parsed)
        )

    def bin_range(self, value: Any, level: int) -> tuple[float, float] | None:
        """The [low, high) bounds (-inf/inf at the ends) of the numeric bin ``value`` falls in; None
        for a missing value or a categorical feature."""
        number = as_number(value)
        if self.kind != NUMERIC or number != number:
            return None
        cuts = self.cuts[level]
        index = bisect_right(cuts, number)
        return (cuts[index - 1] if index else -math.inf, cuts[index] if index < len(cuts) else math.inf)

    def to_dict(self) -> dict[str, Any]:
        if self.kind == NUMERIC:
            return {"name": self.name, "kind": self.kind, "cuts": self.cuts}
        ordered = [dict(sorted(level.items(), key=lambda kv: (kv[1], kv[0]))) for level in self.categories]
        return {"name": self.name, "kind": self.kind, "categories": ordered}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> BinnedFeature:
        if raw["kind"] == NUMERIC:
            return cls(raw["name"], NUMERIC, cuts=[[float(c) for c in level] for level in raw["cuts"]])
        if raw["kind"] != CATEGORICAL:
            raise ValueError(f"feature {raw['name']!r} has an unknown kind {raw['kind']!r}")
        levels = [{str(c): int(i) for c, i in level.items()} for level in raw["categories"]]
        return cls(raw["name"], CATEGORICAL, categories=levels)


@dataclass
class Term:
    """One additive term: a single feature's shape or a pair's table, over the features' bins."""

    features: tuple[int, ...]
    scores: np.ndarray  # one axis per feature
    mean: float = 0.0  # the term's (weighted) mean score over the training rows

    def level(self) -> int:
        return 0 if len(self.features) == 1 else 1


@dataclass
class BoostedModel(ModelBasics):
    inputs: list[BinnedFeature]
    terms: list[Term]
    intercept: float
    calibration: tuple[float, float]  # Platt (a, b): calibrated logit = a * raw + b
    version: str
    kind: str  # "crm" | "table"
    metadata: dict[str, Any] = field(default_factory=dict)
    priority_edges: list[float] = field(default_factory=list)

    @property
    def features(self) -> list[str]:
        """The term names: "seniority", or "seniority & employees" for a pair."""
        return [PAIR_JOIN.join(self.inputs[i].name for i in t.features) for t in self.terms]

    @property
    def expected(self) -> float:
        a, b = self.calibration
        return a * (self.intercept + float(sum(t.mean for t in self.terms))) + b

    def term_bins(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[np.ndarray, ...]]:
        """For each term, each of its features' bin indices for every row."""
        parsed: dict[int, Any] = {}
        cache: dict[tuple[int, int], np.ndarray] = {}
        out = []
        for term in self.terms:
            parts = []
            for f in term.features:
                feature = self.inputs[f]
                level = min(term.level(), feature.levels - 1)
                if (f, level) not in cache:
                    if f not in parsed:
                        parsed[f] = feature.parse([r.get(feature.name) for r in rows])
                    cache[(f, level)] = feature.bins((), level, parsed[f])
                parts.append(cache[(f, level)])
            out.append(tuple(parts))
        return out

    def raw_scores(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """(n, n_terms): each term's score for each row, before centring and calibration."""
        out = np.zeros((len(rows), len(self.terms)), dtype=np.float64)
        for j, (term, bins) in enumerate(zip(self.terms, self.term_bins(rows), strict=True)):
            out[:, j] = term.scores[bins]
        return out

    def logit(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """The calibrated logit, straight from the raw scores (no centring)."""
        a, b = self.calibration
        logit: np.ndarray = a * (self.intercept + self.raw_scores(rows).sum(axis=1)) + b
        return logit

    def explain(self, rows: Sequence[Mapping[str, Any]]) -> Explanation:
        """Probabilities and each term's exact contribution, for many rows at once."""
        a = self.calibration[0]
        means = np.array([t.mean for t in self.terms], dtype=np.float64)
        contributions = a * (self.raw_scores(rows) - means)
        expected = self.expected
        return explained(expected, contributions, self.features)

    def pair_ranges(self, term_index: int, row: Mapping[str, Any]) -> list[tuple[float, float] | None]:
        """For a row, the [low, high) bounds of each numeric feature's bin in the term (None otherwise):
        what a pair's reason says of a number ("a 200-1,000 employee company")."""
        term = self.terms[term_index]
        out = []
        for f in term.features:
            feature = self.inputs[f]
            out.append(feature.bin_range(row.get(feature.name), min(term.level(), feature.levels - 1)))
        return out

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "format": BOOSTED_FORMAT,
                "version": self.version,
                "kind": self.kind,
                "metadata": self.metadata,
                "inputs": [f.to_dict() for f in self.inputs],
                "terms": [
                    {
                        "name": name,
                        "features": list(t.features),
                        "scores": t.scores.tolist(),
                        "mean": t.mean,
                    }
                    for name, t in zip(self.features, self.terms, strict=True)
                ],
                "intercept": self.intercept,
                "calibration": list(self.calibration),
                "priority_edges": self.priority_edges,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> BoostedModel:
        raw = json.loads(data)
        if raw.get("format") != BOOSTED_FORMAT:
            raise ValueError(f"not a leadq boosted model artifact (format {raw.get('format')!r})")
        inputs = [BinnedFeature.from_dict(f) for f in raw["inputs"]]
        terms = []
        for t in raw["terms"]:
            features = tuple(int(i) for i in t["features"])
            scores = np.array(t["scores"], dtype=np.float64)
            term = Term(features, scores, float(t["mean"]))
            expected = tuple(inputs[f].bin_count(min(term.level(), inputs[f].levels - 1)) for f in features)
            if scores.shape != expected:
                raise ValueError(f"term {t.get('name')!r} has scores of shape {scores.shape}, not {expected}")
            terms.append(term)
        a, b = (float(x) for x in raw["calibration"])
        return cls(
            inputs,
            terms,
            float(raw["intercept"]),
            (a, b),
            raw["version"],
            raw["kind"],
            raw["metadata"],
            [float(e) for e in raw["priority_edges"]],
        )
