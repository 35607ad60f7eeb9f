"""The newest training attempt of each installation, in Redis: when it ran and, when it trained no
model (too few won and lost outcomes, one class only), why. A model that was trained is in the
database (``models_registry``); an attempt that trained nothing leaves no row there, so without this
an admin who pressed "Retrain now" (or the demo waiting for its first model) could not tell a
training still running from one that gave up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis

PREFIX = "leadq:training-attempt"
KEY_TTL_S = 90 * 86_400


@dataclass(frozen=True)
class TrainingAttempt:
    at: datetime
    trained: bool
    why: str  # why no model was trained ("" when one was)
    outcomes: int  # the won and lost outcomes it had


def _key(installation_id: int) -> str:
    return f"{PREFIX}:{installation_id}"


def record(client: Redis, installation_id: int, *, trained: bool, why: str, outcomes: int) -> None:
    body = {"at": datetime.now(UTC).isoformat(), "trained": trained, "why": why, "outcomes": outcomes}
    client.set(_key(installation_id), json.dumps(body), ex=KEY_TTL_S)


def latest(client: Redis, installation_id: int) -> TrainingAttempt | None:
    raw = client.get(_key(installation_id))
    if raw is None:
        return None
    try:
        body = json.loads(raw)
        return TrainingAttempt(
            datetime.fromisoformat(body["at"]), bool(body["trained"]), str(body["why"]), int(body["outcomes"])
        )
    except (ValueError, KeyError, TypeError):
        return None  # not one of ours: as if none was recorded
