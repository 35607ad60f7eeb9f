"""The model registry on the database: challengers, one champion, retire on promotion."""

from __future__ import annotations

from core.records import CrmKind
from scoring.registry import decide_promotion
from storage import installations, models_registry
from storage.db import transaction


def test_a_challenger_becomes_champion_only_when_it_wins(sessions):
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "reg")
        models_registry.save_version(session, inst.id, "m1", b'{"format": "x"}', {"auc": 0.80})
        first = decide_promotion(None, 0.80)
        models_registry.promote(session, inst.id, "m1", first.reason)
    with transaction(sessions) as session:
        models_registry.save_version(session, inst.id, "m2", b"{}", {"auc": 0.802})
        verdict = decide_promotion(0.80, 0.802, margin=0.005)
        assert not verdict.promote
        models_registry.reject(session, inst.id, "m2", verdict.reason)
        models_registry.save_version(session, inst.id, "m3", b"{}", {"auc": 0.83})
        models_registry.promote(session, inst.id, "m3", decide_promotion(0.80, 0.83).reason)
    with transaction(sessions) as session:
        statuses = {m.version: m.status for m in models_registry.history(session, inst.id)}
        assert statuses == {"m1": "retired", "m2": "rejected", "m3": "champion"}
        champion = models_registry.champion(session, inst.id)
        assert champion.version == "m3" and "beats champion" in champion.metrics["promotion"]
        assert champion.promoted_at is not None
