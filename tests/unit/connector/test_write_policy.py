"""The write policy: never overwrite clean data; a human edit always wins; no call for no change."""

from __future__ import annotations

import pytest

from connector.write_policy import Action, Policy, decide_field, plan_writes, same_value
from core.records import CrmKind, FieldState, ObjectType, RecordRef, WrittenBy

REF = RecordRef(CrmKind.HUBSPOT, "1", ObjectType.CONTACT, "7")
USER, LEADQ, OTHER = WrittenBy.USER, WrittenBy.LEADQ, WrittenBy.INTEGRATION


@pytest.mark.parametrize(
    ("policy", "current", "writer", "ledger", "proposed", "action"),
    [
        # app-owned: written when it differs, not when equal, not over a person's edit
        (Policy.APP_OWNED, None, None, None, "L1", Action.FILL),
        (Policy.APP_OWNED, "L2", LEADQ, "L2", "L1", Action.CHANGE),
        (Policy.APP_OWNED, "L1", LEADQ, "L1", "L1", Action.SAME),
        (Policy.APP_OWNED, "80", LEADQ, "80", "80.0", Action.SAME),
        (Policy.APP_OWNED, "L4", USER, "L2", "L1", Action.HUMAN),
        # fill if empty
        (Policy.FILL_IF_EMPTY, "", None, None, "Hot", Action.FILL),
        (Policy.FILL_IF_EMPTY, "Warm", LEADQ, "Warm", "Hot", Action.NOT_EMPTY),
        # overwrite only if still ours
        (Policy.OVERWRITE_IF_OURS, None, None, None, "101", Action.FILL),
        (Policy.OVERWRITE_IF_OURS, "101", LEADQ, "101", "102", Action.CHANGE),
        (Policy.OVERWRITE_IF_OURS, "555", USER, "101", "102", Action.HUMAN),  # a rep reassigned it
        (Policy.OVERWRITE_IF_OURS, "555", USER, None, "102", Action.HUMAN),  # set by a rep before leadq came
        (Policy.OVERWRITE_IF_OURS, "555", OTHER, None, "102", Action.HUMAN),  # set by another app
        (Policy.OVERWRITE_IF_OURS, "555", WrittenBy.UNKNOWN, None, "102", Action.HUMAN),  # unknown: safe side
        (Policy.NEVER, None, None, None, "x", Action.NEVER),
    ],
)
def test_policy_table(policy, current, writer, ledger, proposed, action):
    state = None if current is None else FieldState(current, writer or WrittenBy.UNKNOWN)
    decision = decide_field(REF, "f", proposed, state, ledger, ledger is not None, policy)
    assert decision.action == action


def test_only_allowed_changes_become_updates_and_every_field_gets_a_decision():
    current = {
        "leadq_tier": FieldState("L2", LEADQ),
        "leadq_fit_score": FieldState("80", LEADQ),
        "hubspot_owner_id": FieldState("555", USER),
    }
    updates, decisions = plan_writes(
        REF,
        {"leadq_tier": "L1", "leadq_fit_score": "80", "hubspot_owner_id": "101"},
        current,
        {"leadq_tier": "L2", "leadq_fit_score": "80", "hubspot_owner_id": "101"},
        {
            "leadq_tier": Policy.APP_OWNED,
            "leadq_fit_score": Policy.APP_OWNED,
            "hubspot_owner_id": Policy.OVERWRITE_IF_OURS,
        },
    )
    assert [(u.key, u.value) for u in updates] == [("leadq_tier", "L1")]
    assert {d.key: d.action for d in decisions} == {
        "leadq_tier": Action.CHANGE,
        "leadq_fit_score": Action.SAME,
        "hubspot_owner_id": Action.HUMAN,
    }
    assert "left as set by a person" in next(d.reason for d in decisions if d.key == "hubspot_owner_id")


def test_same_value():
    assert (
        same_value(None, "")
        and same_value("1", "1.0")
        and not same_value("a", "b")
        and not same_value("", "x")
    )
