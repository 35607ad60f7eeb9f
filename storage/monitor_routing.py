"""The routing log as monitoring reads it (``monitoring.frames.RoutingLog``): every decision of an
installation in one scan, its text columns coded (a few owners, queues, pools, rules and statuses
repeat over a million decisions) and its weights as the distinct weight sets and each decision's
index into them: each distinct JSON text is parsed once."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection

from monitoring.frames import RoutingLog, Texts, Times, Weights
from storage.monitor_columns import (
    NULL_MARK,
    Ints,
    coded,
    columns,
    epoch,
    nullable_sql,
    numbers,
    objects,
    scaled,
    scaled_sql,
    split,
)

NAT_INT = np.iinfo(np.int64).min  # NaT's integer
STAMPS = ("decided_at", "record_created_at", "first_touch_at", "sla_due")
WORDS = ("owner_id", "queue", "pool", "rule", "status")
GROUP = chr(29)  # the group separator, between a decision's words: in no id, key or name


def _weights(text: str) -> Weights:
    """A decision's weights from their JSON text (NULL: empty, outside a weighted pool)."""
    if text == NULL_MARK:
        return {}
    return {str(k): float(v) for k, v in (json.loads(text) or {}).items()}


def _words_sql(conn: Connection) -> str:
    """SQL for a decision's words and weights as one text: a million decisions hold a few hundred
    distinct ones, coded in one pass instead of one per column."""
    group = "char(29)" if conn.dialect.name == "sqlite" else "chr(29)"
    return f" || {group} || ".join(nullable_sql(conn, c) for c in (*WORDS, "weights"))


def _decoded(combos: Sequence[str]) -> tuple[list[Texts], Ints, list[Weights]]:
    """The distinct word combinations split: per word, an object array over the combinations;
    each combination's weight set and the distinct weight sets (each JSON text parsed once)."""
    parts = [combo.split(GROUP, len(WORDS)) for combo in combos]
    words = [objects([p[k] for p in parts]) for k in range(len(WORDS))]
    texts, weight_set = coded([p[-1] for p in parts])
    return words, weight_set, [_weights(t) for t in texts]


def routing_log(conn: Connection, installation_id: int) -> RoutingLog:
    """Every routing decision of the installation, oldest first (one scan, sorted here)."""
    exprs = [
        "id",
        *(f"COALESCE({epoch(conn, c)}, {NAT_INT})" for c in STAMPS),
        scaled_sql("probability"),
        scaled_sql("multiplier"),
        _words_sql(conn),
    ]
    text = columns(conn, "routing_decisions", exprs, "", installation_id)
    ids, decided = numbers(text[0]), numbers(text[1])
    order = np.lexsort((ids, decided))

    def times(k: int) -> Times:
        return numbers(text[k])[order].view("datetime64[s]")

    combos, combo = coded(split(text[7]))
    combo = combo[order]
    words, weight_set, weight_sets = _decoded(combos)
    owner, queue, pool, rule, status = (w[combo] for w in words)
    return RoutingLog(
        decided_at=times(1),
        created_at=times(2),
        first_touch_at=times(3),
        sla_due=times(4),
        owner=owner,
        queue=queue,
        pool=pool,
        rule=rule,
        status=status,
        probability=scaled(text[5])[order],
        multiplier=scaled(text[6])[order],
        weight_set=weight_set[combo],
        weight_sets=weight_sets,
    )
