"""The reps' feedback as training signal (scoring.learning, scoring.training): what a person's value
over leadq's says, which judgment of a record counts, the ICP's [learning] table, and a retrain that
learns from rejected leads but is tested on real outcomes only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.icp import IcpError, load_icp
from scoring.learning import Learning, disagreement, held_out, rep_labels, signal_of
from scoring.training import Example, train_crm_model
from tests.builders import sandbox_examples, sandbox_people

OWNER = "hubspot_owner_id"
T0 = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    record_id: str
    field_key: str
    leadq_value: str | None
    human_value: str | None
    at: datetime = T0
    kind: str = "override"
    object_type: str = "contact"
    leadq_tier: str | None = "L2"


@pytest.mark.parametrize(
    ("row", "said"),
    [
        (Row("1", "leadq_verdict", "sales_ready", "disqualified"), "rejected"),
        (Row("1", "leadq_verdict", "sales_ready", "Disqualified"), "rejected"),  # the label reps see
        (Row("1", "leadq_tier", "L1", "L4"), "rejected"),  # L4: do not work it
        (Row("1", "leadq_tier", "L3", "L1"), "upgraded"),
        (Row("1", "leadq_verdict", "nurture", "Sales-ready"), "upgraded"),
        (Row("1", "leadq_tier", "L1", "L2"), "lowered"),
        (Row("1", "leadq_verdict", "sales_ready", "nurture"), "lowered"),
        (Row("1", OWNER, "60000001", "60000002"), "owner"),
        (Row("1", "leadq_reasons", "a", "b"), None),  # says nothing of the lead's quality
        (Row("1", "leadq_tier", "L2", "L2"), None),
        (Row("1", "", None, None, kind="rejected"), "rejected"),
    ],
)
def test_what_a_reps_value_says(row, said):
    assert signal_of(row, OWNER) == said


def test_the_newest_judgment_of_a_record_decides_its_label():
    rows = [
        Row("a", "leadq_verdict", "sales_ready", "disqualified", T0),
        Row("a", "leadq_tier", "L3", "L1", T0 + timedelta(days=1)),  # then raised: raised
        Row("b", "leadq_tier", "L3", "L1", T0),
        Row("b", "leadq_tier", "L1", "L2", T0 + timedelta(days=1)),  # then only lowered: no label
        Row("c", "leadq_tier", "L1", "L4", T0),
        Row("c", OWNER, "1", "2", T0 + timedelta(days=2)),  # an owner change: still rejected
    ]
    labels = rep_labels(rows, OWNER)
    assert {k: v.signal for k, v in labels.items()} == {"a": "upgraded", "c": "rejected"}


def test_disagreement_counts_records_per_tier_leadq_gave_against_the_leads_scored_in_it():
    rows = [
        Row("a", "leadq_verdict", "sales_ready", "disqualified", leadq_tier="L1"),
        Row("a", "leadq_verdict", "sales_ready", "disqualified", leadq_tier="L1"),  # the same record again
        Row("b", "leadq_tier", "L1", "L4", leadq_tier="L2"),  # a tier override counts at leadq's tier
        Row("c", OWNER, "1", "2", leadq_tier="L1"),
        Row("d", "leadq_tier", "L3", "L2", leadq_tier="L3"),
    ]
    table = disagreement(rows, {"L1": 20, "L2": 10, "L3": 5}, OWNER)
    assert table["L1"] == {
        "scored": 20,
        "upgraded": 0,
        "lowered": 0,
        "rejected": 2,
        "owner": 1,
        "disagreed": 3,
        "share": 0.15,
    }
    assert table["L3"]["upgraded"] == 1 and table["L3"]["share"] == 0.2
    assert table["L4"] == {
        "scored": 0,
        "upgraded": 0,
        "lowered": 0,
        "rejected": 0,
        "owner": 0,
        "disagreed": 0,
        "share": None,
    }


def test_the_learning_table_has_documented_defaults_and_errors_name_the_key():
    assert load_icp().learning == Learning(use_overrides=True, rejected_weight=0.5, upgrade_weight=0.25)
    mine = load_icp("[learning]\nrejected_weight = 0.8\nuse_overrides = false\n").learning
    assert mine == Learning(use_overrides=False, rejected_weight=0.8, upgrade_weight=0.25)
    with pytest.raises(IcpError) as raised:
        load_icp(
            '[learning]\nrejected_weight = 1.5\nupgrade_weight = "high"\nuse_overrides = 1\nkeen = true\n'
        )
    said = [str(p) for p in raised.value.problems]
    assert "learning.rejected_weight: must be between 0 and 1, got 1.5" in said
    assert "learning.upgrade_weight: must be a finite number, got 'high'" in said
    assert "learning.use_overrides: must be true or false, got 1" in said
    assert "learning.keen: unknown key" in said


@pytest.fixture(scope="module")
def world():
    """A seeded portal's closed deals, and its people without one (the leads reps judge)."""
    portal = Portal(portal_id=3, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=3, records=2000)
    examples = sandbox_examples(portal)
    decided = {e.person.ref.record_id for e in examples}
    open_people = [(p, a) for p, a in sandbox_people(portal) if p.ref.record_id not in decided]
    return examples, open_people


def _function_rows(model, people, function: str):
    from scoring.features import person_features

    icp = load_icp()
    rows = [person_features(p, a, icp, DEFAULT_ANCHOR).model_row() for p, a in people]
    return np.array([r["function"] == function for r in rows]), model.probabilities(rows)


def test_rejected_leads_lower_their_segment_but_the_held_out_test_is_real_outcomes_only(world):
    examples, open_people = world
    icp = load_icp()
    plain = train_crm_model(examples, icp, version="plain")
    later = DEFAULT_ANCHOR + timedelta(days=3)
    rejected = [
        Example(p, a, False, later, 0.5, "rejected")
        for p, a in open_people
        if p.title and "sales" in p.title.lower()
    ]
    assert len(rejected) > 40
    taught = train_crm_model(examples + rejected, icp, version="taught")
    for key in ("n_train", "n_test", "window", "rule_auc", "base_rate"):
        assert taught.report[key] == plain.report[key], key  # the same real outcomes, tested alike
    assert taught.model.metadata["n_train"] == len(examples)
    assert taught.report["reps"]["trained_on"] == {"rejected": len(rejected), "upgraded": 0}
    segment, before = _function_rows(plain.model, open_people, "sales")
    _segment, after = _function_rows(taught.model, open_people, "sales")
    drop = np.log(before / (1 - before)) - np.log(after / (1 - after))
    assert drop[segment].mean() > drop[~segment].mean() + 0.3
    held = [e for e in rejected if held_out(e.person.ref.record_id)]
    assert taught.report["reps"]["held_out"]["new"]["rejected"]["leads"] == len(held) > 0
    # Feedback alone never makes a model: readiness counts closed deals only.
    thin = train_crm_model(examples[:50] + rejected, icp, version="thin")
    assert not thin.ready and "50 outcomes" in thin.why
