"""Learning from the CRM's outcomes: build a challenger, promote it only if it wins."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from core.records import Account, OutcomeKind, Person
from scoring.families import load_model
from scoring.registry import Promotion, decide_promotion
from scoring.training import Example, holdout_auc, train_crm_model
from storage import models_registry, training_attempts
from workers.services.context import InstallationContext
from workers.services.outcomes_refresh import read_outcomes, store_outcomes

log = logging.getLogger(__name__)
MARGIN = 0.005


def examples_from_crm(ctx: InstallationContext) -> list[Example]:
    """People whose deal closed (HubSpot contacts; Salesforce converted leads, else contacts), or whose
    pipeline lead closed (HubSpot Leads: qualified is won, disqualified lost), with their account,
    labelled at the close date; a person with several outcomes is labelled by the most recent. The
    outcomes read are stored in leadq's store too (``storage.outcomes``)."""
    outcomes = read_outcomes(ctx)
    store_outcomes(ctx, outcomes)  # kept in leadq's store for monitoring, as the daily read does
    latest: dict[str, Any] = {}
    for outcome in outcomes:  # a contact with several deals: the most recent decides
        current = latest.get(outcome.ref.record_id)
        if current is None or outcome.occurred_at > current.occurred_at:
            latest[outcome.ref.record_id] = outcome
    people: dict[str, tuple[Person, Account | None]] = {}
    ids = sorted(latest)
    for obj in sorted({o.ref.object_type for o in latest.values()}):
        of_kind = [i for i in ids if latest[i].ref.object_type == obj]
        for start in range(0, len(of_kind), 200):
            for person, account in ctx.adapter.read_with_accounts(obj, of_kind[start : start + 200]):
                people[person.ref.record_id] = (person, account)
    return [
        Example(people[i][0], people[i][1], latest[i].kind == OutcomeKind.WON, latest[i].occurred_at)
        for i in ids
        if i in people
    ]


def _challenger_auc_on(
    examples_before: list[Example], window: list[Example], ctx: InstallationContext, version: str
) -> float | None:
    """AUC on ``window`` of a challenger trained only on outcomes decided before it."""
    if len({e.won for e in window}) < 2 or len({e.won for e in examples_before}) < 2:
        return None
    held_out = train_crm_model(examples_before + window, ctx.icp, version=f"{version}-eval")
    return held_out.report.get("auc") if held_out.ready else None


def retrain(ctx: InstallationContext, margin: float = MARGIN) -> dict[str, Any]:
    """Train a challenger on every outcome; compare it with the champion only on outcomes the
    champion never saw (decided after its training window), both trained before that window."""
    examples = examples_from_crm(ctx)
    version = f"m{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    result = train_crm_model(examples, ctx.icp, version=version)
    if not result.ready or result.model is None:
        log.info("retrain.not-ready", extra={"installation": ctx.installation_id, "why": result.why})
        training_attempts.record(
            ctx.runtime.redis, ctx.installation_id, trained=False, why=result.why, outcomes=len(examples)
        )
        return {"ready": False, "why": result.why, "outcomes": len(examples)}
    training_attempts.record(
        ctx.runtime.redis, ctx.installation_id, trained=True, why="", outcomes=len(examples)
    )
    ordered = sorted(examples, key=lambda e: e.decided_at)
    with ctx.sessions() as session:
        champion = models_registry.champion(session, ctx.installation_id)
        champion_artifact = champion.artifact if champion else None
        champion_end = champion.window_end if champion else None
    champion_auc = challenger_auc = None
    if champion_artifact is None:
        decision = decide_promotion(None, result.report["auc"], margin)
    else:
        if champion_end is not None and champion_end.tzinfo is None:
            champion_end = champion_end.replace(tzinfo=UTC)
        unseen = [e for e in ordered if champion_end is None or e.decided_at > champion_end]
        before = [e for e in ordered if e not in unseen]
        if len(unseen) >= 30:
            champion_auc = holdout_auc(load_model(champion_artifact), unseen, ctx.icp)
            challenger_auc = _challenger_auc_on(before, unseen, ctx, version)
        if champion_auc is None or challenger_auc is None:
            decision = Promotion(
                False,
                f"only {len(unseen)} outcome(s) decided since the champion was trained: "
                "not enough to compare fairly, champion stays",
            )
        else:
            decision = decide_promotion(champion_auc, challenger_auc, margin)
    metrics = dict(result.report)
    metrics["compared_on_unseen"] = {"champion_auc": champion_auc, "challenger_auc": challenger_auc}
    with ctx.sessions.begin() as session:
        models_registry.save_version(
            session,
            ctx.installation_id,
            version,
            result.model.to_bytes(),
            metrics,
            window_start=ordered[0].decided_at,
            window_end=ordered[-1].decided_at,
        )
        if decision.promote:
            models_registry.promote(session, ctx.installation_id, version, decision.reason)
        else:
            models_registry.reject(session, ctx.installation_id, version, decision.reason)
    log.info(
        "retrain.done",
        extra={
            "installation": ctx.installation_id,
            "version": version,
            "promoted": decision.promote,
            "auc": result.report["auc"],
        },
    )
    return {
        "ready": True,
        "version": version,
        "promoted": decision.promote,
        "reason": decision.reason,
        "auc": result.report["auc"],
        "rule_auc": result.report["rule_auc"],
        "outcomes": len(examples),
    }
