"""The model families leadq can learn, behind one interface (``scoring.leadmodel.LearnedModel``).

- "logistic": today's calibrated logistic model over binned features (scoring/leadmodel.py).
- "boosted": an explainable boosting machine, one shape per feature plus a few pairwise terms
  (scoring/boosted.py scores it, scoring/boosted_fit.py fits it).

Either may come segmented (scoring/segments.py): a global model and models of the same family for the
segments that earned one; such a model's family is its members'.

Both give exact additive contributions in calibrated-logit units and store as plain JSON; the
artifact's "format" says which family loads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scoring.boosted import BOOSTED_FORMAT, BoostedModel
from scoring.leadmodel import ARTIFACT_FORMAT, LeadModel, LearnedModel, fit_lead_model
from scoring.segments import SEGMENTED_FORMAT, SegmentedModel

LOGISTIC, BOOSTED = "logistic", "boosted"
FAMILIES = (LOGISTIC, BOOSTED)


def family_names(names: Sequence[str]) -> list[str]:
    """The ICP's ``[model] families``, checked (``ValueError`` names the problem), duplicates dropped."""
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or not names:
        raise ValueError(
            f"must list one or more of {', '.join(FAMILIES)}"
            + (f"; unknown: {', '.join(map(repr, unknown))}" if unknown else "")
        )
    return list(dict.fromkeys(names))


def family_of(model: LearnedModel) -> str:
    """The family a model belongs to (a segmented model's: its global model's)."""
    if isinstance(model, SegmentedModel):
        return family_of(model.base)
    return BOOSTED if isinstance(model, BoostedModel) else LOGISTIC


def fit_model(
    family: str,
    rows: Sequence[Mapping[str, Any]],
    labels: np.ndarray,
    kinds: Mapping[str, str],
    *,
    version: str,
    kind: str,
    time_ordered: bool,
    metadata: dict[str, Any] | None = None,
    sample_weight: np.ndarray | None = None,
    monotone: Mapping[str, int] | None = None,
) -> LearnedModel:
    """Learn a model of ``family`` from rows (oldest first when ``time_ordered``).

    ``sample_weight``: one weight per row (default 1.0 each); ``monotone``: feature -> +1 (never
    lowers the score as it grows) or -1."""
    if family == BOOSTED:
        from scoring.boosted_fit import fit_boosted  # interpret is needed to fit only

        return fit_boosted(
            rows,
            labels,
            kinds,
            version=version,
            kind=kind,
            time_ordered=time_ordered,
            metadata=metadata,
            sample_weight=sample_weight,
            monotone=monotone,
        )
    if family != LOGISTIC:
        raise ValueError(f"unknown model family {family!r}: one of {', '.join(FAMILIES)}")
    model = fit_lead_model(
        rows,
        labels,
        kinds,
        version=version,
        kind=kind,
        time_ordered=time_ordered,
        metadata=metadata,
        sample_weight=sample_weight,
        monotone=monotone,
    )
    model.metadata.setdefault("family", LOGISTIC)
    return model


def load_model(data: bytes) -> LearnedModel:
    """A model from its artifact, whichever family wrote it; ``ValueError`` when it is none of them
    (``json.JSONDecodeError``, a ``ValueError`` too, when it is not JSON)."""
    raw = json.loads(data)
    found = raw.get("format") if isinstance(raw, dict) else None
    if found == BOOSTED_FORMAT:
        return BoostedModel.from_bytes(data)
    if found == ARTIFACT_FORMAT:
        return LeadModel.from_bytes(data)
    if found == SEGMENTED_FORMAT:
        return SegmentedModel.from_dict(raw, load_model)
    raise ValueError(f"not a leadq model artifact (format {found!r})")
