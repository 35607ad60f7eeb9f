"""The model page's words on a model's family and how the gate chose it (scoring/family_gate.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FAMILY_NAMES = {
    "logistic": "logistic (one weight per factor's value)",
    "boosted": "boosted (a learned curve per factor, plus a few pairs of factors read together)",
}


def family_of(metrics: Mapping[str, Any]) -> str:
    """The family a stored model's metrics name; a model from before families were compared is
    logistic."""
    return str(metrics.get("family") or "logistic")


def family_sentence(metrics: Mapping[str, Any]) -> str:
    """One sentence: the model's family and the held-out comparison that chose it."""
    family = family_of(metrics)
    said = f"Model family: {FAMILY_NAMES.get(family, family)}."
    families = metrics.get("families")
    if not isinstance(families, Mapping):
        return said
    tested = {
        name: e["auc"] for name, e in families.items() if isinstance(e, Mapping) and e.get("auc") is not None
    }
    skipped = {
        name: e["skipped"] for name, e in families.items() if isinstance(e, Mapping) and e.get("skipped")
    }
    if len(tested) > 1:
        others = ", ".join(f"{name} {auc:.3f}" for name, auc in sorted(tested.items(), key=lambda kv: -kv[1]))
        said += f" Both were tested on the same held-out outcomes ({others}); "
        if family == "logistic":
            said += "a boosted model replaces the logistic one only when it is better by at least 0.005."
        else:
            said += "boosted won by more than the 0.005 it must win by."
    for name, why in sorted(skipped.items()):
        said += f" {name.capitalize()} {why}."
    return said
