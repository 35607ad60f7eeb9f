"""Model versions as people read them, the same on every page and in every alarm: the Model tab's
"model 3 (trained 2 Dec 2026, 14:27)" in place of the raw id
(``m20261202142714624390``). Here, in storage beside the registry it reads, so the workers' alarm
texts can use it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from storage import models_registry


def model_name(trained_at: datetime, number: int) -> str:
    """As the Model tab says it: "model 3 (trained 2 Dec 2026, 14:27)" (number 1: the first ever
    trained)."""
    return f"model {number} (trained {trained_at.day} {trained_at:%b %Y, %H:%M})"


def friendly_names(session: Session, installation_id: int) -> dict[str, str]:
    """Each of the installation's model versions -> its name as the Model tab says it."""
    versions = models_registry.history(session, installation_id)  # oldest first
    return {v.version: model_name(v.trained_at, i) for i, v in enumerate(versions, 1)}


def renamed(text: str, names: Mapping[str, str]) -> str:
    """``text`` with every model version id in ``names`` replaced by its name."""
    if not names or not text:
        return text
    pattern = re.compile("|".join(re.escape(v) for v in sorted(names, key=len, reverse=True)))
    return pattern.sub(lambda m: names[m.group(0)], text)
