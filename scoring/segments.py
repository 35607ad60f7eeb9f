"""A segmented model: the global model, and a model of its own for each segment that earned one.

Each lead is scored by its segment's model when its segment has one (``scoring.segment_fit`` keeps a
segment model only where it beat the global model on the segment's held-out outcomes), else by the
global model. Explanations stay exact: every member's contributions are relative to its own expected
logit, so a segment model's different starting point is one more term, ``segment``, whose contribution
is that model's expected logit minus the global model's. For every lead,
``expected + contributions.sum(axis=1)`` is the logit of the model that scored it (``expected``: the
global model's). The terms are the union of the members' terms (global first, then those only a
segment model has, then ``segment``); a member lacking a term contributes 0 to it.

The artifact is plain JSON ("leadq.segmented-model/1"): the members' own artifacts as JSON objects,
the segment kind and keys, and the segmented model's priority edges (percentiles of its training
probabilities); ``scoring.families.load_model`` reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.leadmodel import Explanation, LearnedModel, ModelBasics, explained
from scoring.segment_config import BY_OPTIONS, NONE, segment_key, segment_words

SEGMENTED_FORMAT = "leadq.segmented-model/1"
SEGMENT_TERM = "segment"  # the term of a segment model's own starting point
PAIR_JOIN = " & "  # a pair term's name (scoring/boosted.py)


@dataclass
class SegmentedModel(ModelBasics):
    base: LearnedModel  # the global model: scores every lead outside the segments below
    by: str  # scoring.segment_config: "company_size" | "country"
    members: dict[str, LearnedModel]  # segment key -> the model that scores its leads
    version: str
    kind: str
    metadata: dict[str, Any] = field(default_factory=dict)
    priority_edges: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.by not in BY_OPTIONS or self.by == NONE:
            raise ValueError(f"unknown segment kind {self.by!r}")
        if any(isinstance(m, SegmentedModel) for m in (self.base, *self.members.values())):
            raise ValueError("a segmented model's members are global or segment models, not segmented ones")
        names = list(self.base.features)
        for key in sorted(self.members):
            names += [n for n in self.members[key].features if n not in names]
        self._features = [*names, SEGMENT_TERM]
        self._index = {name: i for i, name in enumerate(self._features)}
        # each member's own term index by name ("" for the global model): pair_ranges runs per reason
        self._terms = {
            key: {name: i for i, name in enumerate(model.features)}
            for key, model in [("", self.base), *self.members.items()]
        }
        self._expected: dict[str, float] = {}

    @property
    def features(self) -> list[str]:
        """The union of the members' term names, then ``segment``."""
        return list(self._features)

    def segment_of(self, row: Mapping[str, Any]) -> str | None:
        """The segment whose model scores this row, or None when the global model does."""
        key = segment_key(self.by, row)
        return key if key in self.members else None

    def segment_words(self, key: str) -> str:
        """A segment as a rep reads it: "enterprises (1,000+ employees)", "leads based in DE"."""
        return segment_words(self.by, key)

    def model_for(self, row: Mapping[str, Any]) -> LearnedModel:
        """The member that scores this row."""
        key = self.segment_of(row)
        return self.base if key is None else self.members[key]

    def _expected_of(self, key: str | None, model: LearnedModel) -> float:
        """A member's expected logit (the same for every row): from one empty row, once."""
        name = "" if key is None else key
        if name not in self._expected:
            self._expected[name] = float(model.explain([{}]).expected)
        return self._expected[name]

    def explain(self, rows: Sequence[Mapping[str, Any]]) -> Explanation:
        """Each row explained by the member that scores it, on the union of terms (see the module)."""
        contributions = np.zeros((len(rows), len(self._features)), dtype=np.float64)
        groups: dict[str | None, list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(self.segment_of(row), []).append(i)
        base_expected = self._expected_of(None, self.base)
        segment_column = self._index[SEGMENT_TERM]
        for key, where in groups.items():
            model = self.base if key is None else self.members[key]
            part = model.explain([rows[i] for i in where])
            index = np.asarray(where, dtype=np.intp)
            columns = np.asarray([self._index[name] for name in part.features], dtype=np.intp)
            contributions[np.ix_(index, columns)] = part.contributions
            if key is not None:
                contributions[index, segment_column] = float(part.expected) - base_expected
        return explained(base_expected, contributions, self.features)

    def pair_ranges(self, term_index: int, row: dict[str, Any]) -> list[tuple[float, float] | None]:
        """A pair term's bin ranges for this row, from the member that scored it (``BoostedModel``)."""
        name = self._features[term_index]
        key = self.segment_of(row)
        model = self.base if key is None else self.members[key]
        ranges = getattr(model, "pair_ranges", None)
        own = self._terms[key or ""].get(name)
        if ranges is None or own is None:
            return [None] * len(name.split(PAIR_JOIN))
        found: list[tuple[float, float] | None] = ranges(own, row)
        return found

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "format": SEGMENTED_FORMAT,
                "version": self.version,
                "kind": self.kind,
                "metadata": self.metadata,
                "by": self.by,
                "global": json.loads(self.base.to_bytes()),
                "segments": [
                    {"key": key, "model": json.loads(self.members[key].to_bytes())}
                    for key in sorted(self.members)
                ],
                "priority_edges": self.priority_edges,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], load: Callable[[bytes], LearnedModel]) -> SegmentedModel:
        """The model from its parsed artifact; ``load`` reads a member's artifact (``load_model``)."""
        if raw.get("format") != SEGMENTED_FORMAT:
            raise ValueError(f"not a leadq segmented model artifact (format {raw.get('format')!r})")

        def member(artifact: Any) -> LearnedModel:
            if not isinstance(artifact, dict):
                raise ValueError("a segmented model's member must be a model artifact (a JSON object)")
            return load(json.dumps(artifact).encode())

        segments = raw.get("segments")
        if not isinstance(segments, list):
            raise ValueError("a segmented model artifact lists its segments")
        return cls(
            member(raw.get("global")),
            str(raw["by"]),
            {str(s["key"]): member(s["model"]) for s in segments},
            str(raw["version"]),
            str(raw["kind"]),
            dict(raw["metadata"]),
            [float(e) for e in raw["priority_edges"]],
        )


def segmented(
    base: LearnedModel,
    by: str,
    members: Mapping[str, LearnedModel],
    rows: Sequence[Mapping[str, Any]],
    metadata: Mapping[str, Any] | None = None,
) -> SegmentedModel:
    """The segmented model of ``base`` and ``members``, with the base's version and kind and priority
    edges from its probabilities on ``rows`` (the training rows, as a single model's edges are)."""
    model = SegmentedModel(
        base, by, dict(members), base.version, base.kind, {**base.metadata, **(metadata or {})}
    )
    probabilities = model.probabilities(rows)
    model.priority_edges = [float(q) for q in np.quantile(probabilities, np.linspace(0.01, 0.99, 99))]
    return model
