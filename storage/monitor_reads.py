"""What monitoring reads from leadq's own store, as the column arrays of ``monitoring.frames``.

Fast on purpose: a million score rows are one query of the needed columns (times as epoch seconds
computed by the database), fetched as plain tuples and turned into numpy arrays; no ORM object per
row. The input samples are drawn by the database (a deterministic hash order with a limit)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import repeat

import numpy as np
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
    ModelBaseline,
    MonitorInput,
    RepFacts,
    ScoredLeads,
    ScoreStream,
)
from storage.models_registry import champion
from storage.monitor_columns import (
    Ints,
    Text,
    coded,
    columns,
    epoch,
    first_seen,
    mark,
    numbers,
    scaled,
    scaled_sql,
    split,
)
from storage.monitor_routing import routing_log
from storage.stamps import aware
from storage.tables import ModelVersion

ACCOUNT = "account"  # accounts are scored from their people: left out of the leads and the stream
RULES_PREFIX = "rules"  # the rules' model version ("rules-1"): they learn nothing, never saw an outcome
WEEKS = 12
CHUNK = 5000  # ids per IN list of the sample read
KEY = "object_type || ':' || record_id"  # a record's key in the scores and the outcomes
NEVER = np.iinfo(np.int64).max  # an open record's outcome time, for comparisons
NAT_INT = np.iinfo(np.int64).min  # NaT's integer


def _ints(values: Sequence[int | None]) -> Ints:
    """Epoch seconds as int64, an unknown time as ``NEVER``."""
    return np.array([NEVER if v is None else v for v in values], dtype=np.int64)


@dataclass(frozen=True)
class _Scores:
    """The score rows as columns, by id."""

    ids: Ints
    record: Ints  # a code per (object type, record id): codes follow the ids (not dense)
    keys: dict[Text, int]  # "object type:record id" (as the driver gave it) -> its code
    at: Ints  # epoch seconds
    tier: Codes
    priority: Floats
    probability: Floats
    version: Ints  # the model version's code: the index into ``versions``
    versions: list[str]
    has_inputs: Flags


def _by_id(ids: Ints) -> Ints | None:
    """The order sorting the rows by id (None: they already are, as a table scan reads them)."""
    return None if bool(np.all(ids[1:] > ids[:-1])) else np.argsort(ids, kind="stable")


def _score_rows(conn: Connection, installation_id: int) -> _Scores:
    """Every person's and Leads record's score. One sequential scan (``+installation_id`` keeps the
    database off the indexes: reading a million rows through one is random access)."""
    exprs = [
        "id",
        epoch(conn, "scored_at"),
        # IS NULL reads the row header only: comparing the JSON text would read every document.
        "CAST(substr(tier, 2, 1) AS INTEGER) * 2 + CASE WHEN inputs IS NULL THEN 0 ELSE 1 END",
        scaled_sql("priority"),
        scaled_sql("probability"),
        KEY,
        "model_version",
    ]
    texts = columns(conn, "scores", exprs, f" AND object_type <> '{ACCOUNT}'", installation_id)
    ids, at, tier_inputs = numbers(texts[0]), numbers(texts[1]), numbers(texts[2])
    priority, probability = scaled(texts[3]), scaled(texts[4])
    key_values = split(texts[5])
    versions, version = coded(split(texts[6]))
    order = _by_id(ids)
    if order is not None:  # a scan out of id order (PostgreSQL's heap, a synchronised scan)
        ids, version, at = ids[order], version[order], at[order]
        tier_inputs, priority, probability = tier_inputs[order], priority[order], probability[order]
        key_values = np.array(key_values, dtype=object)[order].tolist()
    keys, record = first_seen(key_values)  # record codes follow the ids: records group in id order
    return _Scores(
        ids=ids,
        record=record,
        keys=keys,
        at=at,
        tier=(tier_inputs // 2).astype(np.int8),
        priority=priority,
        probability=probability,
        version=version,
        versions=versions,
        has_inputs=(tier_inputs % 2).astype(np.bool_),
    )


def _outcomes(conn: Connection, installation_id: int, scores: _Scores) -> tuple[Codes, Ints]:
    """Per record code of the scores: its outcome code (OPEN: none) and epoch second (NEVER)."""
    exprs = [KEY, f"CASE WHEN kind = 'won' THEN {WON} ELSE {LOST} END", epoch(conn, "occurred_at")]
    texts = columns(conn, "outcomes", exprs, "", installation_id)
    record = np.fromiter(map(scores.keys.get, split(texts[0]), repeat(-1)), np.int64)
    known = record >= 0  # an outcome of a record never scored is nobody's
    code = np.full(len(scores.ids), OPEN, dtype=np.int8)
    at = np.full(len(scores.ids), NEVER, dtype=np.int64)
    code[record[known]] = numbers(texts[1])[known]
    at[record[known]] = numbers(texts[2])[known]
    return code, at


def _windows_ends(session: Session, installation_id: int) -> dict[str, int | None]:
    """Model version -> the epoch second its training window ended (None: not recorded)."""
    rows = session.execute(
        select(ModelVersion.version, ModelVersion.window_end).where(
            ModelVersion.installation_id == installation_id
        )
    )
    return {v: (int(aware(end).timestamp()) if end is not None else None) for v, end in rows}


def model_baseline(model: ModelVersion | None) -> ModelBaseline | None:
    """The champion's figures on its held-out outcomes at training (``scoring.training`` keeps them
    in the version's metrics); a champion trained before they were kept has its version only."""
    if model is None:
        return None
    metrics = model.metrics if isinstance(model.metrics, dict) else {}

    def number(key: str) -> float | None:
        value = metrics.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    outcomes = int(number("n_test") or 0)
    return ModelBaseline(
        version=model.version,
        outcomes=outcomes,
        conversions=round((number("base_rate") or 0.0) * outcomes),
        top30_capture=number("top30_capture"),
        ece=number("ece"),
    )


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
    scores: _Scores,
    outcomes: tuple[Codes, Ints],
    ends: Mapping[str, int | None],
    current: str | None = None,
) -> ScoredLeads:
    """One row per record: its first score (cohort), its decisive score, its outcome; ``current``:
    the champion's version (whether the decisive score is the champion's)."""
    if not len(scores.ids):
        return _empty_leads()
    # By record, then time, then id: the rows are by id and lexsort is stable.
    order = np.lexsort((scores.at, scores.record))
    record, at = scores.record[order], scores.at[order]
    starts = np.flatnonzero(np.concatenate(([True], record[1:] != record[:-1])))
    code, outcome_at = outcomes[0][record[starts]], outcomes[1][record[starts]]
    # The decisive score: the last one before the outcome (an open record: its latest).
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(record))))
    before = at < outcome_at[group]
    last_before = np.maximum.reduceat(np.where(before, np.arange(len(record)), -1), starts)
    prior = last_before >= 0
    decisive = order[np.where(prior, last_before, starts)]  # scored only after its outcome: its first
    version = scores.version[decisive]
    # An unknown window never ended before an outcome; the rules never saw one.
    end = _ints([ends.get(v) for v in scores.versions])[version]
    rules = np.array([v.startswith(RULES_PREFIX) for v in scores.versions], dtype=np.bool_)[version]
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
        current_model=np.array([v == current for v in scores.versions], dtype=np.bool_)[version],
    )


def _stream(scores: _Scores) -> ScoreStream:
    order = np.argsort(scores.at, kind="stable")
    return ScoreStream(
        scored_at=scores.at[order].view("datetime64[s]"),
        tier=scores.tier[order],
        priority=scores.priority[order],
        probability=scores.probability[order],
    )


def _inputs_texts(conn: Connection, ids: Ints) -> list[str | None]:
    """The inputs stored with the scores ``ids`` (ascending), as JSON texts joined by commas, in
    ascending id order: SQLite in chunks of bound ids (rowid look-ups), PostgreSQL as one array."""
    if conn.dialect.name != "sqlite":
        sql = "SELECT string_agg(CAST(inputs AS TEXT), ',' ORDER BY id) FROM scores WHERE id = ANY(%s)"
        return [conn.exec_driver_sql(sql, ([int(i) for i in ids],)).scalar()] if len(ids) else []
    texts = []
    for chunk in range(0, len(ids), CHUNK):
        part = ids[chunk : chunk + CHUNK]
        marks = ", ".join([mark(conn)] * len(part))
        sql = f"SELECT group_concat(inputs, ',') FROM scores WHERE id IN ({marks})"  # noqa: S608 - placeholders only
        texts.append(conn.exec_driver_sql(sql, tuple(int(i) for i in part)).scalar())
    return texts


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
    rows: list[Mapping[str, object]] = []
    for text in _inputs_texts(conn, candidates):
        if text:  # one JSON array per read: one parse, not one per row
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
    baseline = model_baseline(champion(session, installation_id))
    current = baseline.version if baseline is not None else None
    return MonitorInput(
        now=now,
        leads=_leads(scores, _outcomes(conn, installation_id, scores), ends, current),
        stream=_stream(scores),
        inputs=input_samples(session, installation_id, now, sample_size, scores),
        routing=routing_log(conn, installation_id),
        reps=list(reps),
        fallback_queues=fallback_queues,
        performance_floor=floor,
        performance_cap=cap,
        baseline=baseline,
    )
