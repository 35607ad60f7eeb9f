"""Each rep's won/decided record per segment, read from leadq's store for the performance step: which
stored outcomes count, and for whom (``storage.rep_outcomes``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.records import CrmKind
from routing.types import Decision
from storage import installations, outcomes, rep_outcomes, routing_log
from storage.outcomes import NewOutcome
from storage.statuses import DecisionStatus

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=180)
ROUTED = NOW - timedelta(days=60)  # when leadq routed most records below
CLOSED = NOW - timedelta(days=20)  # when most of their deals closed


def given(owner: str | None, segment: str | None = "mid", rule: str = "round_robin", queue=None) -> Decision:
    return Decision(owner, queue, rule, ("routed",), pool="ae", segment=segment, multiplier=1.0)


def log(session, inst, record_id, decision, at=ROUTED, status=None, object_type="contact"):
    routing_log.record(session, inst, object_type, record_id, decision, decided_at=at, status=status)


def test_only_the_outcomes_of_records_leadq_gave_a_rep_count_for_that_rep_and_segment(sessions):
    with sessions.begin() as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "perf").id
        other = installations.upsert_installation(session, CrmKind.HUBSPOT, "perf-other").id
        # Counted: Ana's round-robin leads, per segment (a lead of unknown size under "").
        log(session, inst, "1", given("ana"))
        log(session, inst, "2", given("ana"))
        log(session, inst, "3", given("ana", segment="smb"))
        log(session, inst, "4", given("ana", segment=""))
        log(session, inst, "5", given("ana"), status=DecisionStatus.WORKED)  # worked: still hers
        log(session, inst, "6", given("ana"), status=DecisionStatus.GONE)  # converted away: hers
        # Re-routed from Ana to Ben before the deal closed: Ben's outcome, not Ana's.
        log(session, inst, "7", given("ana"), status=DecisionStatus.REROUTED)
        log(session, inst, "7", given("ben"), at=ROUTED + timedelta(days=2))
        # Routed again after the deal closed (parked this time): the decision before the deal counts.
        log(session, inst, "8", given("ben"))
        log(session, inst, "8", given(None, None, "queue", "unassigned"), at=CLOSED + timedelta(days=1))
        # Left out: ...
        log(session, inst, "20", given("ben"), at=CLOSED + timedelta(days=1))  # routed after it closed
        log(session, inst, "21", given("ben"))  # closed before the window
        log(session, inst, "22", given("ben", rule="account_owner"))  # the account's owner, not a share
        log(session, inst, "23", given("q-emea", rule="queue", queue="emea"))  # parked in a queue
        log(session, inst, "24", given("ben"), status=DecisionStatus.OVERRIDDEN)  # a person moved it
        log(session, inst, "25", given("ben"), status=DecisionStatus.REFUSED)  # the CRM refused Ben
        log(session, inst, "26", given("ben", segment=None))  # logged before leadq kept the segment
        log(session, other, "1", given("ben"))  # another installation's record 1
        log(session, inst, "27", given("ben"), object_type="lead")  # a Salesforce lead 27, not contact 27
        won, lost = "won", "lost"
        closed = {
            "1": won, "2": lost, "3": won, "4": lost, "5": won, "6": won, "7": won, "8": lost,
            "20": won, "22": won, "23": won, "24": lost, "25": won, "26": won, "27": won,
            "99": won,  # a record leadq never routed
        }  # fmt: skip
        outcomes.upsert(session, inst, [NewOutcome("contact", r, k, CLOSED) for r, k in closed.items()])
        outcomes.upsert(session, inst, [NewOutcome("contact", "21", won, SINCE - timedelta(days=1))])
        outcomes.upsert(session, other, [NewOutcome("contact", "1", won, CLOSED)])

    with sessions() as session:
        record = rep_outcomes.won_and_decided(session, inst, SINCE)
    assert record == {
        ("ana", "mid"): (3, 4),  # 1 won, 2 lost, 5 won, 6 won
        ("ana", "smb"): (1, 1),
        ("ana", ""): (0, 1),
        ("ben", "mid"): (1, 2),  # 7 won, 8 lost
    }
    with sessions() as session:  # outcomes before the window's start are left out
        assert rep_outcomes.won_and_decided(session, inst, CLOSED + timedelta(seconds=1)) == {}
        assert rep_outcomes.won_and_decided(session, other, SINCE) == {("ben", "mid"): (1, 1)}
