"""The monitoring reader on a small hand-built store: the decisive score is the last one before the
outcome, ``unseen`` follows the model's training window, cohorts are first scores, accounts are left
out, and the routing log and input samples come back as stored (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from core.records import CrmKind
from monitoring.frames import LOST, OPEN, WON, ModelBaseline, RepFacts
from routing.types import Decision
from storage import installations, monitor_reads, outcomes, routing_log, scores
from storage.outcomes import NewOutcome
from storage.scores import NewScore
from storage.tables import ModelVersion

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday: ISO week 2026-W49


def day(d: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, d, hour, 0, tzinfo=UTC)


def score(kind: str, rid: str, at: datetime, tier: str, p: float | None, version: str, **extra) -> NewScore:
    return NewScore(
        kind, rid, "v", 50.0, 10.0, p, tier, "sales_ready", "high", [], version, at, None, **extra
    )


def t(value: datetime) -> np.datetime64:
    return np.datetime64(value.replace(tzinfo=None), "s")


def build(sessions) -> int:
    with sessions.begin() as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "monitor-reads").id
        other = installations.upsert_installation(session, CrmKind.HUBSPOT, "someone-else").id
        session.add_all(
            [
                ModelVersion(
                    installation_id=inst, version="m1", status="retired", artifact=b"",
                    window_start=day(1), window_end=day(10),
                ),
                ModelVersion(
                    installation_id=inst, version="m2", status="champion", artifact=b"",
                    window_start=day(2), window_end=day(20),
                    metrics={"auc": 0.8, "n_test": 200, "base_rate": 0.4, "top30_capture": 0.58, "ece": 0.05},
                ),
            ]
        )  # fmt: skip
        rows = [
            # "a": rules on the 3rd, m1 on the 12th, won on the 15th, re-scored by m2 on the 25th.
            score("contact", "a", day(3), "L3", None, "rules-1", priority=40.0, inputs={"country": "US"}),
            score("contact", "a", day(12), "L1", 0.8, "m1", priority=90.0, inputs={"country": None}),
            score("contact", "a", day(25), "L2", 0.5, "m2", priority=70.0),
            # "b": open, scored twice by m2: its latest decides.
            score("contact", "b", day(21), "L4", 0.1, "m2", priority=10.0, inputs={"country": "DE"}),
            score("contact", "b", day(27), "L2", 0.4, "m2", priority=65.0),
            # "c": m2 on the 18th, lost on the 19th: m2's window (to the 20th) saw it.
            score("contact", "c", day(18), "L3", 0.3, "m2", priority=45.0),
            # "d": a HubSpot Leads record, rules-scored, lost: the rules count as unseen.
            score("pipeline_lead", "d", day(5), "L4", None, "rules-1", priority=5.0),
            # "e": scored only after its outcome: no prediction, never unseen.
            score("contact", "e", day(24), "L1", 0.9, "m2", priority=95.0),
            # An account: left out of leads and stream.
            score("account", "x", day(6), "L1", 0.9, "m2", priority=99.0),
        ]
        for new in rows:
            scores.add(session, inst, new)
        scores.add(session, other, score("contact", "z", day(6), "L1", 0.9, "m2", priority=99.0))
        outcomes.upsert(
            session,
            inst,
            [
                NewOutcome("contact", "a", "won", day(15)),
                NewOutcome("contact", "c", "lost", day(19)),
                NewOutcome("pipeline_lead", "d", "lost", day(8)),
                NewOutcome("contact", "e", "won", day(22)),
                NewOutcome("contact", "e", "lost", day(20)),  # older: the newest wins
            ],
        )
        weighted = Decision(
            "r1", None, "round_robin", ("p",), pool="ae", weights={"r1": 2.0, "r2": 0.75}, multiplier=1.25
        )
        routing_log.record(
            session, inst, "contact", "a", weighted, decided_at=day(3, 10), probability=0.25,
            record_created_at=day(3, 8),
        )  # fmt: skip
        parked = Decision("q9", "fallback", "queue", ("nobody",), sla_due=day(4, 10))
        routing_log.record(session, inst, "contact", "b", parked, decided_at=day(21, 10))
        routing_log.mark_first_touch(session, {1: day(3, 12)})
    return inst


def test_the_frames_hold_the_decisive_scores_outcomes_and_routing_as_stored(sessions):
    inst = build(sessions)
    reps = [RepFacts("r1", "Rae", 2.0, True, 10, None, 3)]
    with sessions() as session:
        read = monitor_reads.monitor_input(session, inst, NOW, reps, frozenset({"fallback"}), 0.5, 2.0)
    leads = read.leads
    order = np.argsort(leads.cohort)  # a, d, c, b, e by first score
    assert list(leads.cohort[order]) == [t(day(3)), t(day(5)), t(day(18)), t(day(21)), t(day(24))]
    assert list(leads.decisive[order]) == [t(day(12)), t(day(5)), t(day(18)), t(day(27)), t(day(24))]
    assert leads.tier[order].tolist() == [1, 4, 3, 2, 1]
    np.testing.assert_array_equal(leads.probability[order], [0.8, np.nan, 0.3, 0.4, 0.9])
    assert leads.outcome[order].tolist() == [WON, LOST, LOST, OPEN, WON]
    outcome_at = leads.outcome_at[order]
    assert list(outcome_at[[0, 1, 2, 4]]) == [t(day(15)), t(day(8)), t(day(19)), t(day(22))]
    assert np.isnat(outcome_at[3])
    # a: m1's window ended on the 10th, before the win; d: the rules; c: m2 saw the loss; e: no prediction.
    assert leads.unseen[order].tolist() == [True, True, False, False, False]
    # the champion (m2) gave the deciding score of c, b and e; m1 and the rules of a and d
    assert leads.current_model is not None
    assert leads.current_model[order].tolist() == [False, False, True, True, True]
    # the champion's figures on its held-out outcomes at training, as its metrics keep them
    assert read.baseline == ModelBaseline("m2", 200, 80, 0.58, 0.05)

    stream = read.stream
    assert len(stream.scored_at) == 8 and list(stream.scored_at) == sorted(stream.scored_at)
    assert stream.tier.tolist() == [3, 4, 1, 3, 4, 1, 2, 2]
    assert stream.priority.tolist() == [40.0, 5.0, 90.0, 45.0, 10.0, 95.0, 70.0, 65.0]
    assert np.isnan(stream.probability[0]) and stream.probability[2] == 0.8

    routing = read.routing
    assert routing.owner.tolist() == ["r1", "q9"] and routing.queue.tolist() == [None, "fallback"]
    assert routing.pool.tolist() == ["ae", None] and routing.rule.tolist() == ["round_robin", "queue"]
    assert routing.status.tolist() == ["assigned", "assigned"]
    assert list(routing.decided_at) == [t(day(3, 10)), t(day(21, 10))]
    assert routing.created_at[0] == t(day(3, 8)) and np.isnat(routing.created_at[1])
    assert routing.first_touch_at[0] == t(day(3, 12)) and np.isnat(routing.first_touch_at[1])
    assert np.isnat(routing.sla_due[0]) and routing.sla_due[1] == t(day(4, 10))
    assert routing.probability[0] == 0.25 and np.isnan(routing.probability[1])
    assert routing.multiplier[0] == 1.25 and np.isnan(routing.multiplier[1])
    assert [dict(w) for w in routing.weights] == [{"r1": 2.0, "r2": 0.75}, {}]
    assert read.reps == reps and read.fallback_queues == frozenset({"fallback"})
    assert (read.performance_floor, read.performance_cap) == (0.5, 2.0)


def test_input_samples_are_the_champions_window_then_twelve_weeks(sessions):
    inst = build(sessions)
    with sessions() as session:
        read = monitor_reads.monitor_input(session, inst, NOW, [], frozenset(), 0.5, 2.0)
    labels = [w.label for w in read.inputs]
    assert labels[0] == "training window" and labels[1:] == [f"2026-W{w}" for w in range(38, 50)]
    training = read.inputs[0]
    assert (training.start, training.end) == (day(2), day(20) + timedelta(seconds=1))
    # The 3rd (rules, US), 5th (Leads record, no inputs) and 12th (m1, empty country) and the 18th.
    assert training.total == 4
    assert sorted(str(r["country"]) for r in training.rows) == ["None", "US"]
    weeks = {w.label: w for w in read.inputs[1:]}
    assert weeks["2026-W45"].total == 2 and weeks["2026-W45"].rows == [{"country": "US"}]  # 3rd, 5th
    assert weeks["2026-W46"].total == 1 and weeks["2026-W46"].rows == [{"country": None}]  # the 12th
    assert weeks["2026-W47"].total == 2 and weeks["2026-W47"].rows == [{"country": "DE"}]  # 18th, 21st
    assert weeks["2026-W48"].total == 3 and weeks["2026-W48"].rows == []  # 24th, 25th, 27th: no inputs
    assert weeks["2026-W49"].end == NOW and weeks["2026-W49"].total == 0
    with sessions() as session:
        small = monitor_reads.monitor_input(session, inst, NOW, [], frozenset(), 0.5, 2.0, sample_size=1)
    assert small.inputs[0].total == 4 and len(small.inputs[0].rows) == 1


def test_an_empty_store_reads_as_empty_frames(sessions):
    with sessions.begin() as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "empty").id
    with sessions() as session:
        read = monitor_reads.monitor_input(session, inst, NOW, [], frozenset(), 0.5, 2.0)
    assert len(read.leads) == 0 and len(read.stream.tier) == 0 and len(read.routing.rule) == 0
    assert [w.total for w in read.inputs] == [0] * 12  # no champion: no training window
