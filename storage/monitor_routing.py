"""The routing log as monitoring reads it (``monitoring.frames.RoutingLog``): every decision of an
installation in one scan, its text columns coded (a few owners, queues, pools, rules and statuses
repeat over a million decisions) and its weights as the distinct weight sets and each decision's
index into them: each distinct JSON text is parsed once."""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import Connection

from monitoring.frames import RoutingLog, Times, Weights
from storage.monitor_columns import (
    NULL_MARK,
    coded,
    columns,
    epoch,
    nullable_sql,
    numbers,
    scaled,
    scaled_sql,
    texts,
)

NAT_INT = np.iinfo(np.int64).min  # NaT's integer
STAMPS = ("decided_at", "record_created_at", "first_touch_at", "sla_due")
WORDS = ("owner_id", "queue", "pool", "rule", "status")


def _weights(text: str) -> Weights:
    """A decision's weights from their JSON text (NULL: empty, outside a weighted pool)."""
    if text == NULL_MARK:
        return {}
    return {str(k): float(v) for k, v in (json.loads(text) or {}).items()}


def routing_log(conn: Connection, installation_id: int) -> RoutingLog:
    """Every routing decision of the installation, oldest first (one scan, sorted here)."""
    exprs = [
        "id",
        *(f"COALESCE({epoch(conn, c)}, {NAT_INT})" for c in STAMPS),
        scaled_sql("probability"),
        scaled_sql("multiplier"),
        *(nullable_sql(conn, c) for c in (*WORDS, "weights")),
    ]
    text = columns(conn, "routing_decisions", exprs, "", installation_id)
    ids, decided = numbers(text[0]), numbers(text[1])
    order = np.lexsort((ids, decided))

    def times(k: int) -> Times:
        return numbers(text[k])[order].view("datetime64[s]")

    words = {}
    for k, name in enumerate(WORDS, start=7):
        values, codes = texts(text[k])
        words[name] = values[codes[order]]
    sets, codes = coded(text[12])
    return RoutingLog(
        decided_at=times(1),
        created_at=times(2),
        first_touch_at=times(3),
        sla_due=times(4),
        owner=words["owner_id"],
        queue=words["queue"],
        pool=words["pool"],
        rule=words["rule"],
        status=words["status"],
        probability=scaled(text[5])[order],
        multiplier=scaled(text[6])[order],
        weight_set=codes[order],
        weight_sets=[_weights(t) for t in sets],
    )
