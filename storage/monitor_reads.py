"""What monitoring reads from leadq's own store, as the column arrays of ``monitoring.frames``.

Fast on purpose: a million score rows are one query of the needed columns (times as epoch seconds
computed by the database), fetched as plain tuples and turned into numpy arrays; no ORM object per
row. The input samples are drawn by the database (a deterministic hash order with a limit)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from monitoring.frames import (
    LOST,
    OPEN,
    WON,
    Codes,
    Flags,
    Floats,
    InputSample,
    MonitorInput,
    RepFacts,
    RoutingLog,
    ScoredLeads,
    ScoreStream,
    Texts,
    Times,
)
from storage.models_registry import champion
from storage.stamps import aware
from storage.tables import ModelVersion

ACCOUNT = "account"  # accounts are scored from their people: left out of the leads and the stream
RULES_PREFIX = "rules"  # the rules' model version ("rules-1"): they learn nothing, never saw an outcome
WEEKS = 12
CHUNK = 5000  # ids per IN list of the sample read
SEPARATOR = chr(31)  # the unit separator: in no id, version or number
SCALE = 1_000_000  # probabilities and priorities travel as millionths
KEY = "object_type || ':' || record_id"  # a record's key in the scores and the outcomes
NULL_MARK = chr(30)  # a text column's NULL (the aggregates skip NULLs: it would shift the rows)
NEVER = np.iinfo(np.int64).max  # an open record's outcome time, for comparisons
NAT_INT = np.iinfo(np.int64).min  # NaT's integer


def _epoch(conn: Connection, column: str) -> str:
    """SQL for ``column`` (a UTC stamp) as whole epoch seconds, NULL stays NULL."""
    if conn.dialect.name == "sqlite":
        version = getattr(conn.dialect.dbapi, "sqlite_version_info", (0, 0, 0))
        if tuple(version) >= (3, 38, 0):
            return f"unixepoch({column})"  # ten times faster than strftime's text round trip
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def _mark(conn: Connection) -> str:
    """The driver's placeholder for one positional parameter (sqlite3: ?, psycopg: %s)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _times(values: Sequence[int | None]) -> Times:
    """Epoch seconds (None: unknown) as datetime64[s] (NaT)."""
    return np.array([NAT_INT if v is None else v for v in values], dtype=np.int64).view("datetime64[s]")


def _ints(values: Sequence[int | None]) -> npt.NDArray[np.int64]:
    """Epoch seconds as int64, an unknown time as ``NEVER``."""
    return np.array([NEVER if v is None else v for v in values], dtype=np.int64)


def _floats(values: Sequence[float | None]) -> Floats:
    return np.array(values, dtype=np.float64) if values else np.array([], dtype=np.float64)


@dataclass(frozen=True)
class _Scores:
    """The score rows as columns, in the order the table holds them."""

    ids: npt.NDArray[np.int64]
    record: npt.NDArray[np.int64]  # a code per (object type, record id): the index into ``keys``
    keys: list[str]  # "object type:record id"
    at: npt.NDArray[np.int64]  # epoch seconds
    tier: Codes
    priority: Floats
    probability: Floats
    versions: Texts
    has_inputs: Flags


def _columns(conn: Connection, table: str, exprs: Sequence[str], installation_id: int) -> list[str]:
    """Each expression over the installation's rows of ``table``, as one text of the values in the
    same row order (joined by the unit separator): a million values come back as a few strings that
    numpy parses, not a million row tuples. One scan fills every aggregate in the same pass."""
    if conn.dialect.name == "sqlite":
        aggs = [f"group_concat({e}, char(31))" for e in exprs]
    else:
        aggs = [f"string_agg(CAST({e} AS TEXT), chr(31) ORDER BY id)" for e in exprs]
    sql = (
        f"SELECT {', '.join(aggs)} FROM {table} "  # noqa: S608 - constant SQL only; the id is bound
        f"WHERE +installation_id = {_mark(conn)}"
        + (f" AND object_type <> '{ACCOUNT}'" if table == "scores" else "")
    )
    row = conn.exec_driver_sql(sql, (installation_id,)).fetchone()
    return [value or "" for value in (row or [None] * len(exprs))]


def _split(text: str) -> list[str]:
    return text.split(SEPARATOR) if text else []


def _numbers(text: str) -> npt.NDArray[np.int64]:
    """Whole numbers joined by the separator, parsed by numpy in one pass."""
    return np.fromstring(text, dtype=np.int64, sep=SEPARATOR) if text else np.zeros(0, dtype=np.int64)


def _scaled(text: str) -> Floats:
    """Numbers sent as millionths (-1: none) back as floats (nan: none)."""
    values = _numbers(text)
    return np.where(values < 0, np.nan, values / SCALE)


def _score_rows(conn: Connection, installation_id: int) -> _Scores:
    """Every person's and Leads record's score. One sequential scan (``+installation_id`` keeps the
    database off the indexes: reading a million rows through one is random access), sorted here."""
    numbers = [
        "id",
        _epoch(conn, "scored_at"),
        # IS NULL reads the row header only: comparing the JSON text would read every document.
        "CAST(substr(tier, 2, 1) AS INTEGER) * 2 + CASE WHEN inputs IS NULL THEN 0 ELSE 1 END",
        f"COALESCE(CAST(ROUND(priority * {SCALE}) AS BIGINT), -1)",
        f"COALESCE(CAST(ROUND(probability * {SCALE}) AS BIGINT), -1)",
    ]
    texts = _columns(conn, "scores", [*numbers, KEY, "model_version"], installation_id)
    keys = _split(texts[5])
    index: dict[str, int] = {}  # each record's code, first seen first
    record = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64, count=len(keys))
    tier_inputs = _numbers(texts[2])
    return _Scores(
        ids=_numbers(texts[0]),
        record=record,
        keys=list(index),
        at=_numbers(texts[1]),
        tier=(tier_inputs // 2).astype(np.int8),
        priority=_scaled(texts[3]),
        probability=_scaled(texts[4]),
        versions=np.array(_split(texts[6]), dtype=object),
        has_inputs=(tier_inputs % 2).astype(np.bool_),
    )


def _outcomes(conn: Connection, installation_id: int) -> dict[str, tuple[int, int]]:
    """ "object type:record id" -> (outcome code, epoch seconds)."""
    texts = _columns(
        conn,
        "outcomes",
        [KEY, f"CASE WHEN kind = 'won' THEN {WON} ELSE {LOST} END", _epoch(conn, "occurred_at")],
        installation_id,
    )
    codes, times = _numbers(texts[1]).tolist(), _numbers(texts[2]).tolist()
    return dict(zip(_split(texts[0]), zip(codes, times, strict=True), strict=True))


def _windows_ends(session: Session, installation_id: int) -> dict[str, int | None]:
    """Model version -> the epoch second its training window ended (None: not recorded)."""
    rows = session.execute(
        select(ModelVersion.version, ModelVersion.window_end).where(
            ModelVersion.installation_id == installation_id
        )
    )
    return {v: (int(aware(end).timestamp()) if end is not None else None) for v, end in rows}


def _empty_leads() -> ScoredLeads:
    none_t = np.array([], dtype="datetime64[s]")
    return ScoredLeads(
        none_t,
        none_t,
        np.array([], dtype=np.int8),
        np.array([], dtype=np.float64),
        np.array([], dtype=np.int8),
        none_t,
        np.array([], dtype=np.bool_),
    )


def _leads(
    scores: _Scores, outcomes: Mapping[str, tuple[int, int]], ends: Mapping[str, int | None]
) -> ScoredLeads:
    """One row per record: its first score (cohort), its decisive score, its outcome."""
    if not len(scores.ids):
        return _empty_leads()
    order = np.lexsort((scores.ids, scores.at, scores.record))  # by record, then time
    record, at = scores.record[order], scores.at[order]
    starts = np.flatnonzero(np.concatenate(([True], record[1:] != record[:-1])))
    keys = [scores.keys[r] for r in record[starts]]
    found = [outcomes.get(k) for k in keys]
    code = np.array([OPEN if f is None else f[0] for f in found], dtype=np.int8)
    outcome_at = np.array([NEVER if f is None else f[1] for f in found], dtype=np.int64)
    # The decisive score: the last one before the outcome (an open record: its latest).
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(record))))
    before = at < outcome_at[group]
    last_before = np.maximum.reduceat(np.where(before, np.arange(len(record)), -1), starts)
    prior = last_before >= 0
    decisive = order[np.where(prior, last_before, starts)]  # scored only after its outcome: its first
    versions = scores.versions[decisive]
    end = _ints([ends.get(v) for v in versions])  # an unknown window never ended before an outcome
    rules = np.array([str(v).startswith(RULES_PREFIX) for v in versions], dtype=np.bool_)
    closed = code != OPEN
    return ScoredLeads(
        cohort=at[starts].view("datetime64[s]"),
        decisive=scores.at[decisive].view("datetime64[s]"),
        tier=scores.tier[decisive],
        probability=scores.probability[decisive],
        outcome=code,
        outcome_at=np.where(closed, outcome_at, NAT_INT).view("datetime64[s]"),
        # A score given after the outcome was known is no prediction: never counted as unseen.
        unseen=closed & prior & (rules | (end < outcome_at)),
    )


def _stream(scores: _Scores) -> ScoreStream:
    order = np.argsort(scores.at, kind="stable")
    return ScoreStream(
        scored_at=scores.at[order].view("datetime64[s]"),
        tier=scores.tier[order],
        priority=scores.priority[order],
        probability=scores.probability[order],
    )


def _sample(
    session: Session, scores: _Scores, start: datetime, end: datetime, size: int
) -> tuple[list[Mapping[str, object]], int]:
    """A random sample (``size`` at most, the same for the same store and window) of the inputs
    stored with the scores of ``[start, end)``, and how many scores the window held."""
    low, high = int(start.timestamp()), int(end.timestamp())
    within = (scores.at >= low) & (scores.at < high)
    candidates = scores.ids[within & scores.has_inputs]
    if len(candidates) > size:
        rng = np.random.default_rng([low, high, len(candidates)])
        candidates = np.sort(rng.choice(candidates, size=size, replace=False))
    conn = session.connection()
    joined = (
        "group_concat(inputs, ',')"
        if conn.dialect.name == "sqlite"
        else "string_agg(CAST(inputs AS TEXT), ',')"
    )
    rows: list[Mapping[str, object]] = []
    for chunk in range(0, len(candidates), CHUNK):
        ids = candidates[chunk : chunk + CHUNK]
        marks = ", ".join([_mark(conn)] * len(ids))
        sql = f"SELECT {joined} FROM scores WHERE id IN ({marks})"  # noqa: S608 - placeholders only
        text = conn.exec_driver_sql(sql, tuple(int(i) for i in ids)).scalar()
        if text:  # one JSON array per chunk: one parse, not one per row
            rows.extend(r for r in json.loads(f"[{text}]") if isinstance(r, dict))  # JSON nulls: none
    return rows, int(within.sum())


def _week_start(now: datetime) -> datetime:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def input_samples(
    session: Session, installation_id: int, now: datetime, sample_size: int, scores: _Scores
) -> list[InputSample]:
    """The champion's training window first (none before a model is trained), then the last 12 ISO
    weeks, oldest first; the current week runs to ``now``."""
    out: list[InputSample] = []
    model = champion(session, installation_id)
    if model is not None and model.window_start is not None and model.window_end is not None:
        start, end = aware(model.window_start), aware(model.window_end) + timedelta(seconds=1)
        rows, total = _sample(session, scores, start, end, sample_size)
        out.append(InputSample("training window", start, end, rows, total))
    this_week = _week_start(now)
    for back in range(WEEKS - 1, -1, -1):
        start = this_week - timedelta(weeks=back)
        end = min(start + timedelta(weeks=1), now)
        year, week, _ = start.isocalendar()
        rows, total = _sample(session, scores, start, end, sample_size)
        out.append(InputSample(f"{year}-W{week:02d}", start, end, rows, total))
    return out


def _weights(values: Sequence[str | None]) -> list[Mapping[str, float]]:
    """Each decision's weights (empty outside a weighted pool) from their JSON texts; a pool's
    weights repeat from decision to decision, so each distinct text is parsed once (the mappings
    are shared, read-only)."""
    parsed: dict[str | None, Mapping[str, float]] = {None: {}}
    for text in {v for v in set(values) if v is not None}:
        parsed[text] = {str(k): float(v) for k, v in (json.loads(text) or {}).items()}
    return list(map(parsed.__getitem__, values))


def routing_log(conn: Connection, installation_id: int) -> RoutingLog:
    """Every routing decision of the installation, oldest first (one scan, sorted here)."""

    def stamp(column: str) -> str:
        return f"COALESCE({_epoch(conn, column)}, {NAT_INT})"

    def scaled(column: str) -> str:
        return f"COALESCE(CAST(ROUND({column} * {SCALE}) AS BIGINT), -1)"

    def nullable(column: str) -> str:
        mark = "char(30)" if conn.dialect.name == "sqlite" else "chr(30)"  # NULL_MARK
        return f"COALESCE(CAST({column} AS TEXT), {mark})"

    stamps = ("decided_at", "record_created_at", "first_touch_at", "sla_due")
    words = ("owner_id", "queue", "pool", "rule", "status", "weights")
    exprs = ["id", *(stamp(c) for c in stamps), scaled("probability"), scaled("multiplier")]
    texts = _columns(conn, "routing_decisions", [*exprs, *(nullable(c) for c in words)], installation_id)
    ids, decided = _numbers(texts[0]), _numbers(texts[1])
    order = np.lexsort((ids, decided))

    def times(k: int) -> Times:
        return _numbers(texts[k])[order].view("datetime64[s]")

    def column(k: int) -> Texts:
        values = np.array(_split(texts[k]), dtype=object)
        values[values == NULL_MARK] = None
        return values[order]

    weights = _weights(column(12).tolist())
    return RoutingLog(
        decided_at=times(1),
        created_at=times(2),
        first_touch_at=times(3),
        sla_due=times(4),
        owner=column(7),
        queue=column(8),
        pool=column(9),
        rule=column(10),
        status=column(11),
        probability=_scaled(texts[5])[order],
        multiplier=_scaled(texts[6])[order],
        weights=weights,
    )


def monitor_input(
    session: Session,
    installation_id: int,
    now: datetime,
    reps: Sequence[RepFacts],
    fallback_queues: frozenset[str],
    floor: float,
    cap: float,
    sample_size: int = 20_000,
) -> MonitorInput:
    """Everything one installation's monitoring reads from leadq's store, at ``now`` (aware UTC)."""
    now = aware(now)
    conn = session.connection()
    ends = _windows_ends(session, installation_id)
    scores = _score_rows(conn, installation_id)
    return MonitorInput(
        now=now,
        leads=_leads(scores, _outcomes(conn, installation_id), ends),
        stream=_stream(scores),
        inputs=input_samples(session, installation_id, now, sample_size, scores),
        routing=routing_log(conn, installation_id),
        reps=list(reps),
        fallback_queues=fallback_queues,
        performance_floor=floor,
        performance_cap=cap,
    )
