"""Each installation's newest monitoring gauges, in Redis: the beat job writes them after it computes
the report; ``/metrics`` reads them (a scrape never computes monitoring). Beside them, when the
installation's alarms were last evaluated (``last_checked``): what tells "no open alarm" from "the
evaluation is not running" (``leadq status``, ``/metrics``, the monitoring page)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from redis import Redis

from monitoring.gauges import Gauge

PREFIX = "leadq:monitor-gauges"
KEY_TTL_S = 7 * 86_400  # an installation no longer evaluated stops showing stale figures after a week


def _key(installation_id: int) -> str:
    return f"{PREFIX}:{installation_id}"


def save(client: Redis, installation_id: int, gauges: Sequence[Gauge]) -> None:
    body = [[g.name, g.value, g.help, [list(pair) for pair in g.labels]] for g in gauges]
    client.set(_key(installation_id), json.dumps(body), ex=KEY_TTL_S)


def load(client: Redis, installation_ids: Iterable[int]) -> dict[int, list[Gauge]]:
    """The saved gauges of each installation that has some."""
    ids = list(installation_ids)
    raws = client.mget([_key(i) for i in ids]) if ids else []
    out: dict[int, list[Gauge]] = {}
    for installation_id, raw in zip(ids, raws, strict=True):
        if raw is None:
            continue
        out[installation_id] = [
            Gauge(str(name), float(value), str(text), tuple((str(k), str(v)) for k, v in labels))
            for name, value, text, labels in json.loads(raw)
        ]
    return out


CHECKED = "leadq:alarms-checked"  # installation -> when its alarms were last evaluated (epoch seconds)


def _checked_key(installation_id: int) -> str:
    return f"{CHECKED}:{installation_id}"


def _when(raw: object) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.fromtimestamp(float(raw.decode() if isinstance(raw, bytes) else str(raw)), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def mark_checked(client: Redis, installation_id: int, at: datetime) -> None:
    """An evaluation of the installation's alarms finished at ``at`` (aware); kept with no expiry:
    an installation whose evaluations stopped must keep saying how long ago the last one was."""
    client.set(_checked_key(installation_id), repr(at.timestamp()))


def last_checked(client: Redis, installation_id: int) -> datetime | None:
    """When the installation's alarms were last evaluated (aware UTC), or None: never (or Redis
    lost it). Raises what Redis raises when it is down (``storage.db.UNAVAILABLE``)."""
    return _when(client.get(_checked_key(installation_id)))


def last_checked_all(client: Redis, installation_ids: Iterable[int]) -> dict[int, datetime]:
    """``last_checked`` of each installation that was checked, in one round trip."""
    ids = list(installation_ids)
    raws = client.mget([_checked_key(i) for i in ids]) if ids else []
    found = {i: _when(raw) for i, raw in zip(ids, raws, strict=True)}
    return {i: at for i, at in found.items() if at is not None}
