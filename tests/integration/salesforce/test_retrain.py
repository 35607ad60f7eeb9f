"""Outcomes from converted leads and won/lost opportunities train the first model."""

from __future__ import annotations

import pytest

from core.records import ObjectType
from workers.services.retrain import examples_from_crm, retrain


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=44, records=1000, portals=0, https=True)


def test_retrain_learns_from_converted_leads(ctx, crm) -> None:
    examples = examples_from_crm(ctx)
    truth = crm.sandbox.sf_truth[crm.org_id]
    assert len(examples) > 300 and all(e.person.ref.object_type == ObjectType.LEAD for e in examples)
    assert all(truth.won[e.person.ref.record_id] == e.won for e in examples)
    outcome = retrain(ctx)
    assert outcome["ready"] and outcome["promoted"], outcome
    assert outcome["auc"] > 0.7, outcome
