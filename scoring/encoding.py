"""Named features to a numeric matrix, keeping which columns belong to which feature.

Numbers become quantile bins (one column each, plus "missing"), categories
become one column per frequent value (plus "other" and "missing"). A linear
model over these columns is additive per feature, so each feature's
contribution to a lead's score can be read off exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import sparse

NUMERIC, CATEGORICAL = "numeric", "categorical"
MAX_BINS = 12


@dataclass
class FeatureSpec:
    name: str
    kind: str
    edges: list[float] = field(default_factory=list)  # interior bin edges (numeric)
    categories: list[str] = field(default_factory=list)  # kept values (categorical)
    offset: int = 0  # first column of this feature in the matrix

    @property
    def width(self) -> int:
        return (len(self.edges) + 2) if self.kind == NUMERIC else (len(self.categories) + 2)

    def column_labels(self) -> list[str]:
        if self.kind == NUMERIC:
            bounds = [-np.inf, *self.edges, np.inf]
            labels = [f"[{_fmt(lo)}, {_fmt(hi)})" for lo, hi in pairwise(bounds)]
            return labels + ["missing"]
        return [*self.categories, "other", "missing"]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "edges": self.edges, "categories": self.categories}


def _fmt(value: float) -> str:
    if value in (np.inf, -np.inf):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"


def _as_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN is missing


class FeatureEncoder:
    """Learns bins and categories from training rows; encodes rows of ``{name: value}``."""

    def __init__(self, kinds: Mapping[str, str], min_count: int = 10) -> None:
        self.kinds = dict(kinds)
        self.min_count = min_count
        self.specs: list[FeatureSpec] = []

    def fit(self, rows: Sequence[Mapping[str, Any]]) -> FeatureEncoder:
        specs, offset = [], 0
        n = len(rows)
        min_count = max(self.min_count, int(0.002 * n))
        for name, kind in self.kinds.items():
            if kind == NUMERIC:
                values = np.array([v for v in (_as_float(r.get(name)) for r in rows) if v is not None])
                edges: list[float] = []
                if values.size:
                    quantiles = np.quantile(values, np.linspace(0, 1, MAX_BINS + 1)[1:-1])
                    edges = sorted({float(q) for q in quantiles})
                    # a bin needs enough rows to learn from: drop edges that would leave one thin
                    edges = [e for e in edges if min_count <= (values < e).sum() <= values.size - min_count]
                spec = FeatureSpec(name, NUMERIC, edges=edges, offset=offset)
            else:
                counts = Counter(str(v) for v in (r.get(name) for r in rows) if v is not None and v != "")
                kept = sorted(k for k, c in counts.items() if c >= min_count)
                spec = FeatureSpec(name, CATEGORICAL, categories=kept, offset=offset)
            specs.append(spec)
            offset += spec.width
        self.specs = specs
        return self

    @property
    def n_columns(self) -> int:
        return sum(s.width for s in self.specs)

    def column_groups(self) -> np.ndarray:
        """For each column, the index of the feature it belongs to."""
        return (
            np.concatenate([np.full(s.width, i) for i, s in enumerate(self.specs)])
            if self.specs
            else np.array([])
        )

    def column_indices(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """(n_rows, n_features) matrix of the one active column per feature."""
        out = np.empty((len(rows), len(self.specs)), dtype=np.int32)
        for j, spec in enumerate(self.specs):
            name = spec.name
            if spec.kind == NUMERIC:
                values = np.array([_as_float(r.get(name)) for r in rows], dtype=float)
                missing = np.isnan(values)
                bins = np.searchsorted(np.array(spec.edges), np.where(missing, 0.0, values), side="right")
                local = np.where(missing, len(spec.edges) + 1, bins)
            else:
                index = {c: i for i, c in enumerate(spec.categories)}
                other, missing_col = len(spec.categories), len(spec.categories) + 1
                local = np.array(
                    [
                        missing_col if (v := r.get(name)) is None or v == "" else index.get(str(v), other)
                        for r in rows
                    ],
                    dtype=np.int32,
                )
            out[:, j] = spec.offset + local
        return out

    def sparse_transform(self, rows: Sequence[Mapping[str, Any]]) -> sparse.csr_matrix:
        """``transform`` as a sparse matrix: one stored 1.0 per feature and row, so a large table
        takes O(rows x features) memory instead of O(rows x columns)."""
        active = self.column_indices(rows)
        n, width = active.shape
        if width == 0:
            return sparse.csr_matrix((n, self.n_columns))
        return sparse.csr_matrix(
            (np.ones(n * width), active.ravel(), np.arange(0, n * width + 1, width)),
            shape=(n, self.n_columns),
        )

    def transform(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        active = self.column_indices(rows)
        matrix = np.zeros((len(rows), self.n_columns), dtype=np.float64)
        if len(rows):
            matrix[np.arange(len(rows))[:, None], active] = 1.0
        return matrix

    def describe(self, feature: int, column: int) -> str:
        spec = self.specs[feature]
        return spec.column_labels()[column - spec.offset]

    def to_dict(self) -> dict[str, Any]:
        return {"kinds": self.kinds, "min_count": self.min_count, "specs": [s.to_dict() for s in self.specs]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureEncoder:
        encoder = cls(data["kinds"], data["min_count"])
        offset = 0
        for raw in data["specs"]:
            spec = FeatureSpec(raw["name"], raw["kind"], list(raw["edges"]), list(raw["categories"]), offset)
            encoder.specs.append(spec)
            offset += spec.width
        return encoder
