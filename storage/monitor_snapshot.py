"""Each installation's newest monitoring gauges, in Redis: the beat job writes them after it computes
the report; ``/metrics`` reads them (a scrape never computes monitoring)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

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
