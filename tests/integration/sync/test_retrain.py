"""Outcomes from the CRM train a challenger; it is promoted only if it wins; scores then carry it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage import models_registry
from storage.tables import ModelVersion
from workers.services.backfill import run_backfill
from workers.services.context import build_context
from workers.services.retrain import retrain


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=62, records=1500, rate_limit=10_000)


def test_thin_history_keeps_the_rules_and_says_why(runtime, installed, crm, sessions):
    from storage.tables import Installation

    with sessions.begin() as session:
        session.get(Installation, installed).icp_toml = "[model]\nmin_outcomes = 5000\n"
    outcome = retrain(build_context(runtime, installed))
    assert not outcome["ready"] and "at least 5000" in outcome["why"]
    with sessions() as session:
        assert session.scalars(select(ModelVersion)).all() == []
    ctx = build_context(runtime, installed)
    assert ctx.model is None


def test_a_challenger_is_promoted_once_then_an_equal_one_is_rejected(runtime, installed, crm, sessions):
    ctx = build_context(runtime, installed)
    first = retrain(ctx)
    assert first["ready"] and first["promoted"] and first["outcomes"] >= 200
    assert first["auc"] > first["rule_auc"]
    second = retrain(build_context(runtime, installed))
    assert second["ready"] and not second["promoted"] and "champion stays" in second["reason"]
    assert "not enough to compare fairly" in second["reason"]  # no outcome is newer than the champion
    with sessions() as session:
        statuses = sorted(m.status for m in session.scalars(select(ModelVersion)))
        champion = models_registry.champion(session, installed)
    assert statuses == ["champion", "rejected"] and champion.version == first["version"]
    assert champion.metrics["window"]["test_from"] and champion.metrics["brier"] < 0.25

    ctx = build_context(runtime, installed)  # picks up the champion
    assert ctx.model is not None and ctx.model.version == first["version"]
    run_backfill(ctx)
    portal = crm.sandbox.portals[crm.portal_id]
    record = portal.live("contacts")[0]
    assert 0 < float(record.props["leadq_probability"]) < 100  # a percentage: 90.43 shows as 90.43%
    assert record.props["leadq_model_version"] == first["version"]
