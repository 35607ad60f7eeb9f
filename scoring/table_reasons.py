"""A CSV lead's reasons, for either model family (``leadq score``): each term the model scored it on,
phrased by ``scoring.explain.table_reason`` in the file's own words; a pair term (two columns read
together, boosted family only) joins its two parts ("Lead Source: Google and TotalVisits: 0")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scoring.boosted import BoostedModel
from scoring.columns import ColumnInfo
from scoring.encoding import CATEGORICAL
from scoring.explain import table_reason
from scoring.leadmodel import LeadModel, LearnedModel
from scoring.table import Table

PARTS = {"weekday", "seniority", "function", "kind", "filled in"}
REASON_FLOOR = 0.01  # contributions smaller than this (calibrated logit) are not worth a rep's time


def feature_sources(infos: Sequence[ColumnInfo]) -> dict[str, tuple[str, str]]:
    """Each feature's column and how it reads it: ``Job Title (seniority)`` -> (``Job Title``,
    ``seniority``); a plain column -> (its name, ``numeric``/``categorical``)."""
    sources = {}
    for info in infos:
        sources[info.name] = (info.name, info.kind)
        for part in PARTS:
            sources[f"{info.name} ({part})"] = (info.name, part)
    return sources


def known_categories(model: LearnedModel) -> dict[str, set[str]]:
    """Each categorical feature's values seen often enough in training to have their own weight or
    bin (others read as "a rare value")."""
    if isinstance(model, LeadModel):
        return {s.name: set(s.categories) for s in model.encoder.specs if s.kind == CATEGORICAL}
    if isinstance(model, BoostedModel):
        return {f.name: set(f.categories[0]) for f in model.inputs if f.kind == CATEGORICAL}
    return {}


def term_parts(model: LearnedModel) -> list[list[str]]:
    """Each of the model's terms as the features it reads (one, or two for a pair), in its order."""
    if isinstance(model, BoostedModel):
        return [[model.inputs[i].name for i in term.features] for term in model.terms]
    return [[name] for name in model.features]


def _part_text(
    feature: str,
    row: Mapping[str, Any],
    table: Table,
    index: int,
    sources: Mapping[str, tuple[str, str]],
    known: Mapping[str, set[str]],
    contribution: float,
) -> str | None:
    column, part = sources.get(feature, (feature, CATEGORICAL))
    value = row.get(feature)
    cell = table.column(column)[index] if column in table.cells else str(value or "")
    rare = part == CATEGORICAL and value is not None and feature in known and str(value) not in known[feature]
    return table_reason(column, part, value, cell, contribution, rare)


def row_reasons(
    parts: Sequence[Sequence[str]],
    table: Table,
    sources: Mapping[str, tuple[str, str]],
    known: Mapping[str, set[str]],
    row: Mapping[str, Any],
    index: int,
    contributions: np.ndarray,
    top: int,
) -> str:
    """The lead's strongest reasons, biggest first ("+ ..." for, "- ..." against), at most ``top``.
    A pair is phrased only when both of its parts can be said (a blank value is never a point in
    the lead's favour: ``table_reason``)."""
    phrased: list[str] = []
    for j in np.argsort(-np.abs(contributions), kind="stable"):
        if abs(contributions[j]) < REASON_FLOOR or len(phrased) == top:
            break
        texts = [
            _part_text(name, row, table, index, sources, known, float(contributions[j])) for name in parts[j]
        ]
        if all(texts):
            phrased.append(("+ " if contributions[j] > 0 else "- ") + " and ".join(t for t in texts if t))
    return "; ".join(phrased)
