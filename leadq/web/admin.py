"""The admin app's pages: installations, sync progress and errors, leads with their full story.

Server-rendered (Jinja), no build step; one small script refreshes the sync figures. Every view
checks that the signed-in admin was granted the installation (404 otherwise).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy import func, select

from leadq.web import preview_snapshot
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.owner_gate import owner_problems
from storage import admins, assignment_health, dead_letters, installations
from storage.stamps import aware
from storage.tables import (
    DeadLetter,
    Feedback,
    Installation,
    LedgerEntry,
    ProcessedEvent,
    RoutingDecisionRow,
    ScoreRow,
    SyncCursor,
)

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__)
PAGE = 50
STATE_LABELS = {
    "healthy": "healthy",
    "syncing": "syncing",
    installations.THROTTLED: "throttled",
    installations.NEEDS_REAUTH: "needs re-authorization",
    installations.PAUSED: "paused",
    installations.UNINSTALLED: "uninstalled",
    installations.CANNOT_DECRYPT: "cannot decrypt tokens",
}


# Every integer in an admin URL is a database id (INTEGER on PostgreSQL): larger ones name nothing.
MAX_ID = 2**31 - 1
BROKER_DOWN = (
    "The task queue (broker) is unavailable, so nothing was started and nothing was changed. "
    "Try again in a minute; if it persists, check the broker (LEADQ_BROKER_URL)."
)


@bp.app_url_value_preprocessor
def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """``/installations/99999999999999999999`` is a 404 like any unknown id, never an overflow; so is a
    path segment holding NUL, which no record id holds (PostgreSQL refuses it in any text)."""
    if values and any(
        (isinstance(v, int) and not isinstance(v, bool) and not 0 <= v <= MAX_ID)
        or (isinstance(v, str) and "\x00" in v)
        for v in values.values()
    ):
        abort(404)


@bp.errorhandler(BrokerUnavailable)
def _broker_down(_exc: Exception):
    """An admin button while the broker is down: a 503 page that says so (the app-wide handler answers
    other paths)."""
    return render_template("unavailable.html", message=BROKER_DOWN), 503, {"Retry-After": "30"}


def _send(name: str, args: list[Any], queue: str) -> None:
    services().celery.send_task(name, args=args, queue=queue)


def _state(status: str, running: bool) -> str:
    if status == installations.ACTIVE:
        return "syncing" if running else "healthy"
    return status


def _progress(cursor: SyncCursor) -> dict[str, Any]:
    total, done = cursor.total, cursor.done
    started, updated = aware(cursor.started_at), aware(cursor.updated_at)
    rate = None
    if started and updated and updated > started and done:
        rate = done / (updated - started).total_seconds()
    text = f"{done:,} / {total:,}" if total else f"{done:,}"
    if cursor.status == "done":
        text += " - done"
    elif rate:
        text += f" ({rate:,.0f}/s"
        if total and total > done:
            text += f", ETA {(total - done) / rate:,.0f} s"
        text += ")"
    return {
        "id": cursor.id,
        "name": cursor.name,
        "object_type": cursor.object_type,
        "done": done,
        "total": total,
        "status": cursor.status,
        "text": text,
    }


def _sync_facts(db: Any, installation_id: int) -> dict[str, Any]:
    cursors = list(
        db.scalars(
            select(SyncCursor)
            .where(
                SyncCursor.installation_id == installation_id, SyncCursor.name.in_(("backfill", "preview"))
            )
            .order_by(SyncCursor.id)
        )
    )
    queued = db.scalar(
        select(func.count())
        .select_from(ProcessedEvent)
        .where(ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == "queued")
    )
    last = db.scalar(
        select(func.max(ProcessedEvent.received_at)).where(
            ProcessedEvent.installation_id == installation_id, ProcessedEvent.status == "done"
        )
    )
    return {
        "cursors": [_progress(c) for c in cursors],
        "queued": queued,
        "last": aware(last).strftime("%Y-%m-%d %H:%M:%S UTC") if last else None,
        "running": any(c.status == "running" for c in cursors),
    }


@bp.get("/")
@login_required
def index():
    rows = []
    with services().sessions() as db:
        for inst in admins.installations_of(db, g.admin_id):
            facts = _sync_facts(db, inst.id)
            scored = db.scalar(
                select(func.count(func.distinct(ScoreRow.record_id))).where(
                    ScoreRow.installation_id == inst.id
                )
            )
            state = _state(inst.status, facts["running"])
            degraded = assignment_health.degraded(db, inst.id) if state == "healthy" else None
            rows.append(
                {
                    "id": inst.id,
                    "crm": inst.crm_kind,
                    "external_id": inst.external_id,
                    "state": "degraded" if degraded else state,
                    "state_label": degraded or STATE_LABELS.get(state, state),
                    "reason": inst.status_reason,
                    "scored": scored,
                    "queued": facts["queued"],
                }
            )
    return render_template("installations.html", rows=rows)


@bp.get("/installations/<int:installation_id>")
@login_required
def installation(installation_id: int):
    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        facts = _sync_facts(db, installation_id)
        latest = (
            select(func.max(ScoreRow.id).label("newest"))
            .where(ScoreRow.installation_id == installation_id)
            .group_by(ScoreRow.object_type, ScoreRow.record_id)
            .subquery()
        )
        by_tier = db.execute(
            select(ScoreRow.object_type, ScoreRow.tier, func.count())
            .join(latest, ScoreRow.id == latest.c.newest)
            .group_by(ScoreRow.object_type, ScoreRow.tier)
            .order_by(ScoreRow.object_type, ScoreRow.tier)
        ).all()
        tiers: dict[str, list[tuple[str, int]]] = {}
        for object_type, tier, n in by_tier:
            tiers.setdefault(object_type, []).append((tier, n))
        reconciled = _reconciled(db, installation_id)
        preview = _preview(db, installation_id)
        degraded = assignment_health.degraded(db, installation_id)
        errors = dead_letters.group_failures(db, installation_id)  # grouped by cause
    state = _state(inst.status, facts["running"])
    degraded = degraded if state == "healthy" else None
    return render_template(
        "installation.html",
        inst=inst,
        state="degraded" if degraded else state,
        state_label=degraded or STATE_LABELS.get(state, state),
        cursors=facts["cursors"],
        queued=facts["queued"],
        last=facts["last"],
        tiers=sorted(tiers.items(), key=lambda t: OBJECT_ORDER.get(t[0], 9)),
        scored=sum(n for _o, _t, n in by_tier),
        reconciled=reconciled,
        object_labels=OBJECT_LABELS[inst.crm_kind],
        errors=errors,
        preview=preview,
    )


OBJECT_LABELS = {
    "hubspot": {"contact": "contacts", "account": "companies"},
    "salesforce": {"lead": "leads", "contact": "contacts", "account": "accounts"},
}
OBJECT_ORDER = {"lead": 0, "contact": 1, "account": 2}


def _reconciled(db: Any, installation_id: int) -> dict[str, Any] | None:
    """The newest reconcile run, as the Sync page shows it."""
    from workers.services.reconcile import KINDS, LABELS, describe
    from workers.services.reconcile import latest as latest_run

    run = latest_run(db, installation_id)
    if run is None:
        return None
    when = aware(run.finished_at or run.started_at)
    return {
        "lines": describe(run.counts, run.checked),
        "when": when.strftime("%Y-%m-%d %H:%M UTC") if when else "",
        "trigger": {
            "scheduled": "daily check",
            "manual": "checked on request",
            "demo": "after the demo's backfill",
        }.get(run.trigger, run.trigger),
        "api_calls": run.api_calls,
        "counts": run.counts,
        "kinds": [k for k in KINDS if k == "match" or any(c.get(k) for c in run.by_object.values())],
        "labels": LABELS,
        "by_object": sorted(run.by_object.items(), key=lambda t: OBJECT_ORDER.get(t[0], 9)),
        "examples": [(k, run.examples[k]) for k in KINDS if run.examples.get(k)],
    }


REPLACED_OUTBOUND = (
    "New Endpoint URL made: the old one stopped working at once (Salesforce's messages to it are "
    "refused). Update the Endpoint URL of each outbound message (Lead, Contact, Account) in "
    "Salesforce Setup to the new URL below; until then changes arrive through the minute poll."
)


@bp.post("/installations/<int:installation_id>/outbound/replace")
@login_required
def outbound_replace(installation_id: int):
    """A leaked outbound-message URL: make a new secret, which invalidates the old URL at once."""
    from storage import outbound_secrets

    inst = installation_or_404(installation_id)
    if inst.crm_kind != "salesforce":
        abort(404)
    if request.form.get("confirm") != "replace":
        flash("Not replaced: tick the box to confirm that the current URL should stop working.")
    else:
        with services().sessions.begin() as db:
            outbound_secrets.replace(db, services().vault, installation_id)
        log.warning("salesforce.outbound.secret-replaced", extra={"installation": installation_id})
        flash(REPLACED_OUTBOUND)
    return redirect(url_for("admin.installation", installation_id=installation_id) + "#outbound")


@bp.post("/installations/<int:installation_id>/reconcile")
@login_required
def reconcile(installation_id: int):
    """Check now (and, with fix, rewrite leadq's own fields that are wrong or missing)."""
    installation_or_404(installation_id)
    fix = request.form.get("fix") == "1"
    _send("leadq.reconcile", [installation_id, "manual", fix], "backfill")
    flash(
        "Rewriting the wrong and missing fields, then checking again; refresh in a moment."
        if fix
        else "Reading leadq's fields back from the CRM; refresh in a moment."
    )
    return redirect(url_for("admin.installation", installation_id=installation_id))


@bp.get("/installations/<int:installation_id>/sync.json")
@login_required
def sync_json(installation_id: int):
    installation_or_404(installation_id)
    with services().sessions() as db:
        facts = _sync_facts(db, installation_id)
    return jsonify(facts)


@bp.post("/installations/<int:installation_id>/errors/retry")
@login_required
def retry(installation_id: int):
    installation_or_404(installation_id)
    _send("leadq.retry", [installation_id], "changes")
    flash("The failed records are being processed again; refresh in a moment.")
    return redirect(url_for("admin.installation", installation_id=installation_id))


# What a backfill visits: the people, then their companies/accounts.
PEOPLE_OBJECTS = {"hubspot": {"contact", "account"}, "salesforce": {"lead", "contact", "account"}}


def _applied_hash(inst: Installation) -> str:
    """The hash of the configuration Approve would make live (the pending one where set)."""
    from workers.services.config_hash import config_hash, config_texts

    return config_hash(*config_texts(inst, services().settings, pending=True))


def _same(recorded: Any, applied: str) -> bool:
    from workers.services.config_hash import same_hash

    return same_hash(recorded, applied)


def _preview(db: Any, installation_id: int) -> dict[str, Any] | None:
    inst = db.get(Installation, installation_id)
    rows = list(
        db.scalars(
            select(SyncCursor).where(
                SyncCursor.installation_id == installation_id, SyncCursor.name == "preview"
            )
        )
    )
    if not rows:
        return None
    fields: dict[str, dict[str, int]] = {}
    samples: list[Any] = []
    for row in rows:
        for key, actions in (row.cursor.get("preview") or {}).items():
            for action, count in actions.items():
                fields.setdefault(key, {}).setdefault(action, 0)
                fields[key][action] += count
        samples += (row.cursor.get("samples") or [])[:3]
    seen = {r.object_type for r in rows}
    applied = _applied_hash(inst)
    return {
        # done only when every object was previewed (Salesforce: leads, contacts, then accounts)
        "done": all(r.status == "done" for r in rows) and PEOPLE_OBJECTS.get(inst.crm_kind, set()) <= seen,
        "records": sum(r.done for r in rows),
        "parts": ", ".join(
            f"{r.done:,} {OBJECT_LABELS.get(inst.crm_kind, {}).get(r.object_type, r.object_type)}"
            for r in sorted(rows, key=lambda r: OBJECT_ORDER.get(r.object_type, 9))
        ),
        "fields": sorted(fields.items()),
        "samples": samples[:5],
        # computed, every page of it, from the configuration Approve would apply
        "current": all(_same(r.cursor.get("config"), applied) for r in rows),
    }


@bp.post("/installations/<int:installation_id>/backfill/preview")
@login_required
def backfill_preview(installation_id: int):
    """A dry run first: what a backfill would write, field by field; nothing is written."""
    installation_or_404(installation_id)
    with services().sessions.begin() as db:
        kept = preview_snapshot.take(db, installation_id)
        for row in db.scalars(
            select(SyncCursor).where(
                SyncCursor.installation_id == installation_id, SyncCursor.name == "preview"
            )
        ):
            row.status, row.cursor, row.done = "idle", {}, 0
    # pending=True: while a configuration awaits approval, the preview is of it (what Approve applies)
    try:
        _send("leadq.backfill", [installation_id, None, True, True], "backfill")
    except BrokerUnavailable:  # "nothing was started": the previous preview stays as it was
        with services().sessions.begin() as db:
            preview_snapshot.put_back(db, installation_id, kept)
        raise
    flash("Preview started: nothing is written until you approve it.")
    return redirect(url_for("admin.installation", installation_id=installation_id))


def _reset_preview(db: Any, installation_id: int) -> None:
    for row in db.scalars(
        select(SyncCursor).where(SyncCursor.installation_id == installation_id, SyncCursor.name == "preview")
    ):
        db.delete(row)


@bp.route("/installations/<int:installation_id>/config", methods=["GET", "POST"])
@login_required
def config(installation_id: int):
    """Edit the ICP and routing TOML. Saving validates (errors name the key), stores the text as
    pending and starts a preview; the CRM is rewritten only when the admin approves it."""
    from routing.config import RoutingConfigError, default_text, load_routing
    from scoring.icp import IcpError, load_icp

    inst = installation_or_404(installation_id)
    errors: dict[str, str] = {}
    from leadq.web import config_form

    current_icp = inst.pending_icp_toml or inst.icp_toml or ""
    current_routing = inst.pending_routing_toml or inst.routing_toml or ""
    if request.method == "POST":
        # never cut: the loaders refuse a text over their limit with a message naming it
        icp_text = request.form.get("icp", "")
        routing_text = request.form.get("routing", "")
        if request.form.get("mode") == "fields":  # the form for the common fields, merged into the files
            try:
                icp_text = config_form.apply_icp(current_icp, request.form)
            except (ValueError, TypeError, RecursionError) as exc:
                errors["icp"] = str(exc)
            try:
                routing_text = config_form.apply_routing(current_routing, request.form)
            except (ValueError, TypeError, RecursionError) as exc:
                errors["routing"] = str(exc)
        try:
            load_icp(icp_text)
        except IcpError as exc:
            errors["icp"] = str(exc)
        try:
            load_routing(routing_text)
        except RoutingConfigError as exc:
            errors["routing"] = str(exc)
        if not errors and (problems := owner_problems(installation_id, routing_text)):
            errors["routing"] = "; ".join(problems)  # reps the CRM would refuse as owners
        if not errors:
            with services().sessions.begin() as db:
                row = db.get(Installation, installation_id)
                before = row.pending_icp_toml, row.pending_routing_toml
                row.pending_icp_toml, row.pending_routing_toml = icp_text, routing_text
                kept = preview_snapshot.take(db, installation_id)
                _reset_preview(db, installation_id)
            try:
                _send("leadq.backfill", [installation_id, None, True, True], "backfill")
            except BrokerUnavailable:
                _restore_pending(installation_id, (icp_text, routing_text), before, kept)
                errors["save"] = "Not saved: " + BROKER_DOWN
        if not errors:
            flash(
                "Saved as pending: a preview of the new configuration is running. Nothing changes in the "
                "CRM until you approve it."
            )
            return redirect(url_for("admin.installation", installation_id=installation_id) + "#preview")
    else:
        from scoring.icp import default_icp_text

        icp_text = inst.pending_icp_toml or inst.icp_toml or default_icp_text()
        routing_text = inst.pending_routing_toml or inst.routing_toml or default_text()
    try:
        fields = {**config_form.icp_fields(current_icp), **config_form.routing_fields(current_routing)}
    except (ValueError, TypeError, RecursionError):
        fields = {**config_form.icp_fields(""), **config_form.routing_fields("")}
    page = render_template(
        "config.html",
        fields=fields,
        pipes=config_form.PIPES,
        inst=inst,
        icp=icp_text,
        routing=routing_text,
        errors=errors,
        pending=bool(inst.pending_icp_toml or inst.pending_routing_toml),
    )
    if "save" in errors:  # the broker is down: nothing was saved
        return page, 503, {"Retry-After": "30"}
    return page, (400 if errors else 200)


def _restore_pending(
    installation_id: int,
    saved: tuple[str | None, str | None],
    before: tuple[str | None, str | None],
    preview: list[dict[str, Any]],
) -> None:
    """Undo a save whose preview could not be started, so no configuration waits without a preview
    and the previous preview is back (unless another save replaced it meanwhile)."""
    with services().sessions.begin() as db:
        row = db.get(Installation, installation_id)
        if row is not None and (row.pending_icp_toml, row.pending_routing_toml) == saved:
            row.pending_icp_toml, row.pending_routing_toml = before
            preview_snapshot.put_back(db, installation_id, preview)


@bp.post("/installations/<int:installation_id>/backfill/approve")
@login_required
def backfill_approve(installation_id: int):
    installation_or_404(installation_id)
    with services().sessions.begin() as db:
        preview = _preview(db, installation_id)
        if preview is None or not preview["done"]:
            flash("There is no finished preview to approve yet.")
            return redirect(url_for("admin.installation", installation_id=installation_id))
        if not preview["current"]:
            flash(
                "Not approved, nothing was written: this preview was not computed from the configuration "
                "Approve would apply (it changed after the preview ran). Run the preview again."
            )
            return redirect(url_for("admin.installation", installation_id=installation_id))
        pending_routing = db.get(Installation, installation_id).pending_routing_toml
        if pending_routing and (problems := owner_problems(installation_id, pending_routing)):
            flash("Not approved, nothing was applied: " + "; ".join(problems))
            return redirect(url_for("admin.installation", installation_id=installation_id))
        inst = db.get(Installation, installation_id)
        before = (inst.icp_toml, inst.routing_toml, inst.pending_icp_toml, inst.pending_routing_toml)
        previewed = (inst.pending_icp_toml, inst.pending_routing_toml)  # what the preview was checked for
        statuses = {}
        for row in db.scalars(
            select(SyncCursor).where(
                SyncCursor.installation_id == installation_id, SyncCursor.name == "backfill"
            )
        ):
            statuses[row.id], row.status = row.status, "idle"  # start over, not resume
        # compare-and-clear: a configuration saved since the check above stays pending, with its preview
        installations.apply_pending(db, installation_id, previewed)
        saved_meanwhile = (inst.pending_icp_toml, inst.pending_routing_toml) != (None, None)
    try:
        _send("leadq.backfill", [installation_id, None, False], "backfill")
    except BrokerUnavailable:
        _unapprove(installation_id, before, statuses)  # the preview stays: Approve again later
        raise
    if saved_meanwhile:  # its save already replaced this preview with its own: keep that one
        flash(
            "Backfill approved: leadq is writing the values the preview showed. The configuration saved "
            "meanwhile stays pending, with its own preview."
        )
        return redirect(url_for("admin.installation", installation_id=installation_id))
    with services().sessions.begin() as db:
        _reset_preview(db, installation_id)
    flash("Backfill approved: leadq is writing the values the preview showed.")
    return redirect(url_for("admin.installation", installation_id=installation_id))


def _unapprove(installation_id: int, before: tuple[str | None, ...], statuses: dict[int, str]) -> None:
    """The backfill could not be started: put the configuration and the cursors back as they were."""
    with services().sessions.begin() as db:
        inst = db.get(Installation, installation_id)
        inst.icp_toml, inst.routing_toml = before[:2]
        if (inst.pending_icp_toml, inst.pending_routing_toml) == (None, None):  # not a save made since
            inst.pending_icp_toml, inst.pending_routing_toml = before[2:]
        for row_id, status in statuses.items():
            if (row := db.get(SyncCursor, row_id)) is not None and row.status == "idle":
                row.status = status


@bp.post("/installations/<int:installation_id>/backfill/cancel")
@login_required
def backfill_cancel(installation_id: int):
    installation_or_404(installation_id)
    with services().sessions.begin() as db:
        for row in db.scalars(
            select(SyncCursor).where(
                SyncCursor.installation_id == installation_id, SyncCursor.name == "preview"
            )
        ):
            db.delete(row)
        if request.form.get("discard") == "pending":  # the second button: the configuration goes too
            row = db.get(Installation, installation_id)
            row.pending_icp_toml = row.pending_routing_toml = None
            flash("Preview and pending configuration discarded; nothing was written or changed.")
            return redirect(url_for("admin.installation", installation_id=installation_id))
    flash("Preview discarded; nothing was written.")
    return redirect(url_for("admin.installation", installation_id=installation_id))


@bp.get("/installations/<int:installation_id>/model")
@login_required
def model(installation_id: int):
    """Champion and challengers with held-out AUC against the rules, calibration, lift and
    conversion by tier, the strongest factors and the training window."""
    from markupsafe import Markup

    from scoring.charts import calibration_chart, lift_chart
    from storage import models_registry

    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        versions = models_registry.history(db, installation_id)
        for v in versions:
            db.expunge(v)
    champion = next((v for v in versions if v.status == "champion"), None)
    challenger = next((v for v in versions if v.status != "champion"), None)
    charts = {}
    for label, version in (("champion", champion), ("challenger", challenger)):
        m = version.metrics if version else {}
        if m.get("calibration") and m.get("lift"):
            # Drawn server-side from numbers only (no text from the CRM): safe to inline.
            charts[label] = (Markup(calibration_chart(m["calibration"])), Markup(lift_chart(m["lift"])))  # noqa: S704
    return render_template(
        "model.html",
        inst=inst,
        champion=champion,
        challenger=challenger,
        versions=versions[:20],
        charts=charts,
    )


@bp.post("/installations/<int:installation_id>/model/retrain")
@login_required
def model_retrain(installation_id: int):
    installation_or_404(installation_id)
    _send("leadq.retrain", [installation_id], "training")
    flash("Retraining started: a challenger replaces the champion only if it wins on outcomes it never saw.")
    return redirect(url_for("admin.model", installation_id=installation_id))


@bp.get("/installations/<int:installation_id>/leads")
@login_required
def leads(installation_id: int):
    inst = installation_or_404(installation_id)
    q = request.args.get("q", "").replace("\x00", "").strip()[:64]  # PostgreSQL refuses NUL in text
    tier = request.args.get("tier", "")
    latest = (
        select(func.max(ScoreRow.id))
        .where(ScoreRow.installation_id == installation_id)
        .group_by(ScoreRow.object_type, ScoreRow.record_id)
    )
    query = select(ScoreRow).where(ScoreRow.id.in_(latest))
    if q:
        query = query.where(ScoreRow.record_id.startswith(q, autoescape=True))
    if tier in ("L1", "L2", "L3", "L4"):
        query = query.where(ScoreRow.tier == tier)
    with services().sessions() as db:
        rows = list(db.scalars(query.order_by(ScoreRow.probability.desc(), ScoreRow.fit.desc()).limit(PAGE)))
    return render_template("leads.html", inst=inst, rows=rows, q=q, tier=tier)


@bp.get("/installations/<int:installation_id>/leads/<object_type>/<record_id>")
@login_required
def lead(installation_id: int, object_type: str, record_id: str):
    inst = installation_or_404(installation_id)
    where = {"installation_id": installation_id, "object_type": object_type, "record_id": record_id}
    with services().sessions() as db:
        history = list(
            db.scalars(select(ScoreRow).filter_by(**where).order_by(ScoreRow.id.desc()).limit(100))
        )
        decisions = list(
            db.scalars(select(RoutingDecisionRow).filter_by(**where).order_by(RoutingDecisionRow.id.desc()))
        )
        ledger = list(
            db.scalars(select(LedgerEntry).filter_by(**where).order_by(LedgerEntry.id.desc()).limit(100))
        )
        feedback = list(db.scalars(select(Feedback).filter_by(**where).order_by(Feedback.id.desc())))
        failures = list(db.scalars(select(DeadLetter).filter_by(**where).order_by(DeadLetter.id.desc())))
    writes = [
        {"when": aware(e.written_at), "field": e.field_key, "text": f"wrote {e.value!r}"} for e in ledger
    ]
    for f in feedback:
        writes.append(
            {
                "when": aware(f.created_at),
                "field": f.field_key or "",
                "text": f"left as set by a person: {f.human_value!r} (leadq proposed {f.leadq_value!r})",
            }
        )
    for d in failures:
        writes.append(
            {
                "when": aware(d.last_failed_at or d.created_at),
                "field": ", ".join(d.payload.get("fields", {})),
                "text": f"refused by the CRM ({d.reason}): {d.message}",
            }
        )
    writes.sort(key=lambda w: w["when"] or datetime.min.replace(tzinfo=UTC), reverse=True)
    return render_template(
        "lead.html",
        inst=inst,
        object_type=object_type,
        record_id=record_id,
        latest=history[0] if history else None,
        history=history,
        decisions=decisions,
        writes=writes,
    )
