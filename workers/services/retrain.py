"""Learning from the CRM's outcomes and the reps' feedback: build a challenger, promote it only if it
wins on real outcomes."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from core.records import Account, ObjectType, Outcome, OutcomeKind, Person
from scoring.families import LOGISTIC, load_model
from scoring.leadmodel import LearnedModel
from scoring.learning import UPGRADED, RepFeedback, disagreement, held_out, rep_labels, weight_of
from scoring.registry import Promotion, decide_promotion
from scoring.training import Example, TrainingResult, holdout_auc, rep_agreement, train_crm_model
from scoring.wording import counted
from storage import feedback as stored_feedback
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
    latest: dict[str, Outcome] = {}
    for outcome in outcomes:  # a contact with several deals: the most recent decides
        current = latest.get(outcome.ref.record_id)
        if current is None or outcome.occurred_at > current.occurred_at:
            latest[outcome.ref.record_id] = outcome
    people = _read_people(ctx, {i: latest[i].ref.object_type for i in latest})
    return [
        Example(people[i][0], people[i][1], latest[i].kind == OutcomeKind.WON, latest[i].occurred_at)
        for i in sorted(latest)
        if i in people
    ]


def _read_people(
    ctx: InstallationContext, kinds: Mapping[str, ObjectType]
) -> dict[str, tuple[Person, Account | None]]:
    """These people (record id -> object type) with their accounts, read from the CRM 200 at a time."""
    people: dict[str, tuple[Person, Account | None]] = {}
    ids = sorted(kinds)
    for obj in sorted(set(kinds.values())):
        of_kind = [i for i in ids if kinds[i] == obj]
        for start in range(0, len(of_kind), 200):
            for person, account in ctx.adapter.read_with_accounts(obj, of_kind[start : start + 200]):
                people[person.ref.record_id] = (person, account)
    return people


def examples_from_reps(
    ctx: InstallationContext, feedback: Sequence[RepFeedback], decided: set[str]
) -> list[Example]:
    """The reps' judgments as examples (``scoring.learning``): a lead a rep rejected is lost, one a rep
    raised is won, each with the ICP's ``[learning]`` weight, dated when the rep gave it and described
    as the CRM holds the person now. A record with a real outcome (``decided``) is left out: the
    outcome wins. None with ``use_overrides = false``, or for a weight of 0."""
    learning = ctx.icp.learning
    if not learning.use_overrides:
        return []
    labels = {
        record: label
        for record, label in rep_labels(feedback, ctx.adapter.owner_field).items()
        if record not in decided and weight_of(label, learning) > 0
    }
    kinds = {f.record_id: ObjectType(f.object_type) for f in feedback if f.record_id in labels}
    people = _read_people(ctx, kinds)
    return [
        Example(*people[record], label.signal == UPGRADED, label.at, weight_of(label, learning), label.signal)
        for record, label in sorted(labels.items())
        if record in people
    ]


def _challenger_auc_on(
    examples_before: list[Example],
    window: list[Example],
    reps: list[Example],
    ctx: InstallationContext,
    version: str,
    family: str,
) -> float | None:
    """AUC on ``window`` of a challenger of ``family`` (the one the new model is) trained only on
    outcomes decided before it, with the reps' feedback as the challenger learns it (on records without
    an outcome, so none the window tests)."""
    if len({e.won for e in window}) < 2 or len({e.won for e in examples_before}) < 2:
        return None
    held_out = train_crm_model(
        examples_before + window + reps, ctx.icp, version=f"{version}-eval", family=family, refit=False
    )
    return held_out.report.get("auc") if held_out.ready else None


def _gate(
    ctx: InstallationContext,
    result: TrainingResult,
    ordered: list[Example],
    reps: list[Example],
    version: str,
    margin: float,
) -> tuple[Promotion, dict[str, Any], LearnedModel | None]:
    """Promote or not, on real outcomes only: the champion and a challenger trained before them (with
    the reps' feedback) on the outcomes decided since the champion's window. The comparison, and the
    champion (None: there is none)."""
    with ctx.sessions() as session:
        champion = models_registry.champion(session, ctx.installation_id)
        champion_artifact = champion.artifact if champion else None
        champion_end = champion.window_end if champion else None
    champion_auc = challenger_auc = None
    if champion_artifact is None:
        return decide_promotion(None, result.report["auc"], margin), {}, None
    champion_model = load_model(champion_artifact)
    if champion_end is not None and champion_end.tzinfo is None:
        champion_end = champion_end.replace(tzinfo=UTC)
    unseen = [e for e in ordered if champion_end is None or e.decided_at > champion_end]
    before = [e for e in ordered if e not in unseen]
    if len(unseen) >= 30:
        champion_auc = holdout_auc(champion_model, unseen, ctx.icp)
        family = str(result.report.get("family") or LOGISTIC)
        challenger_auc = _challenger_auc_on(before, unseen, reps, ctx, version, family)
    compared = {"champion_auc": champion_auc, "challenger_auc": challenger_auc}
    if champion_auc is None or challenger_auc is None:
        decision = Promotion(
            False,
            f"only {counted(len(unseen), 'outcome')} decided since the champion was trained: "
            "not enough to compare fairly, champion stays",
        )
        return decision, compared, champion_model
    return decide_promotion(champion_auc, challenger_auc, margin), compared, champion_model


def _reps_metrics(
    ctx: InstallationContext,
    report: dict[str, Any],
    feedback: Sequence[RepFeedback],
    reps: list[Example],
    champion: LearnedModel | None,
) -> dict[str, Any]:
    """The report's reps' part, with how often they disagreed per tier (against the people scored in
    it) and how the champion tiers the held-out leads they judged, beside the new model."""
    with ctx.sessions() as session:
        scored = stored_feedback.scored_by_tier(session, ctx.installation_id)
    section = dict(report.get("reps") or {})
    section["by_tier"] = disagreement(feedback, scored, ctx.adapter.owner_field)
    held = [e for e in reps if held_out(e.person.ref.record_id)]
    section["held_out"] = {
        **section.get("held_out", {}),
        "champion": rep_agreement(champion, held, ctx.icp) if champion is not None else None,
    }
    return section


def retrain(ctx: InstallationContext, margin: float = MARGIN) -> dict[str, Any]:
    """Train a challenger on every outcome and the reps' feedback; compare it with the champion only on
    outcomes the champion never saw (decided after its training window), both trained before that
    window. The gate and the held-out figures are real outcomes only."""
    examples = examples_from_crm(ctx)
    with ctx.sessions() as session:
        feedback = stored_feedback.for_training(session, ctx.installation_id)
    reps = examples_from_reps(ctx, feedback, {e.person.ref.record_id for e in examples})
    version = f"m{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    result = train_crm_model(examples + reps, ctx.icp, version=version)
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
    decision, compared, champion = _gate(ctx, result, ordered, reps, version, margin)
    metrics = dict(result.report)
    metrics["compared_on_unseen"] = {"champion_auc": None, "challenger_auc": None, **compared}
    metrics["reps"] = _reps_metrics(ctx, result.report, feedback, reps, champion)
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
            "family": result.report["family"],
        },
    )
    return {
        "ready": True,
        "version": version,
        "promoted": decision.promote,
        "reason": decision.reason,
        "auc": result.report["auc"],
        "family": result.report["family"],
        "families": result.report["families"],
        "family_choice": result.report["family_choice"],
        "rule_auc": result.report["rule_auc"],
        "outcomes": len(examples),
        "reps": metrics["reps"],
        "segments": metrics.get("segments"),
    }
