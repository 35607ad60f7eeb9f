"""The admin's installations: the list, each installation's Sync page (state, backfill progress,
scores by tier, the last reconcile, errors by cause, the preview) and its figures as JSON, which
the page's script polls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, jsonify, render_template

from connector.registry import provider
from leadq.web.admin_blueprint import STATE_LABELS, bp
from leadq.web.admin_preview import live_preview
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.dead_letter_pages import causes_context
from leadq.web.field_words import field_label, value_words
from leadq.web.install import configured_crms
from leadq.web.object_names import OBJECT_ORDER, object_names, plural, singular
from storage import admins, alarms, assignment_health, cursors, dead_letters, lead_pages
from storage.db import Session
from storage.stamps import aware
from storage.statuses import CursorStatus, InstallationStatus


def _state(status: str, running: bool) -> str:
    if status == InstallationStatus.ACTIVE:
        return "syncing" if running else "healthy"
    return status


def _progress(cursor: Any, labels: Mapping[str, str]) -> dict[str, Any]:
    total, done = cursor.total, cursor.done
    started, updated = aware(cursor.started_at), aware(cursor.updated_at)
    rate = None
    if started and updated and updated > started and done:
        rate = done / (updated - started).total_seconds()
    text = f"{done:,} / {total:,}" if total else f"{done:,}"
    if cursor.status == CursorStatus.DONE:
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
        "label": f"Backfill of {labels.get(cursor.object_type, cursor.object_type)}",
        "done": done,
        "total": total,
        "status": cursor.status,
        "text": text,
    }


def _sync_facts(db: Session, installation_id: int, crm_kind: str) -> dict[str, Any]:
    """The backfill's progress (the preview has its own section and status), the queue, the last
    change handled."""
    rows = [c for c in cursors.progress_rows(db, installation_id) if c.name == cursors.BACKFILL]
    last = aware(lead_pages.last_change_handled(db, installation_id))
    labels = object_names(crm_kind)
    return {
        "cursors": [_progress(c, labels) for c in rows],
        "queued": lead_pages.queued_changes(db, installation_id),
        "last": last.strftime("%Y-%m-%d %H:%M:%S UTC") if last else None,
        "running": any(c.status == CursorStatus.RUNNING for c in rows),
    }


@bp.get("/")
@login_required
def index():
    rows = []
    with services().sessions() as db:
        open_alarms = alarms.counts(db)  # installation -> its open alarms
        for inst in admins.installations_of(db, g.admin_id):
            facts = _sync_facts(db, inst.id, inst.crm_kind)
            failing = dead_letters.failing_records(db, inst.id)
            state, label = _badge(db, inst, facts["running"], failing)
            rows.append(
                {
                    "id": inst.id,
                    "crm": inst.crm_kind,
                    "tenant_id": inst.tenant_id,
                    "state": state,
                    "state_label": label,
                    "reason": inst.status_reason,
                    "scored": lead_pages.scored_records(db, inst.id),
                    "queued": facts["queued"],
                    "failing": failing,
                    "alarms": len(open_alarms.get(inst.id, [])),
                }
            )
    return render_template("installations.html", rows=rows, crms=configured_crms(services().settings))


def _badge(db: Session, inst: Any, running: bool, failing: int) -> tuple[str, str]:
    """The installation's state and its words: never "healthy" while records are failing."""
    state = _state(inst.status, running)
    if state not in ("healthy", "syncing"):
        return state, STATE_LABELS.get(state, state)
    if state == "healthy" and (degraded := assignment_health.degraded(db, inst.id)):
        return "degraded", degraded
    if failing:
        words = f"{failing:,} record{'s' if failing != 1 else ''} failing"
        return "failing", (f"syncing, {words}" if state == "syncing" else words)
    return state, STATE_LABELS.get(state, state)


@bp.get("/installations/<int:installation_id>")
@login_required
def installation(installation_id: int):
    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        facts = _sync_facts(db, installation_id, inst.crm_kind)
        by_tier = lead_pages.tier_counts(db, installation_id)
        reconciled = _reconciled(db, installation_id)
        preview = live_preview(db, installation_id)
        errors = dead_letters.group_failures(db, installation_id)  # grouped by cause
        state, state_label = _badge(db, inst, facts["running"], sum(g.count for g in errors))
    tiers: dict[str, list[tuple[str, int]]] = {}
    for object_type, tier, n in by_tier:
        tiers.setdefault(object_type, []).append((tier, n))
    shown = sorted(tiers.items(), key=lambda t: OBJECT_ORDER.get(t[0], 9))
    scored_by = [  # "400 contacts, 12 Leads records, 1 company"
        f"{n:,} {(singular if n == 1 else plural)(inst.crm_kind, t)}"
        for t, n in ((t, sum(n for _tier, n in counts)) for t, counts in shown)
    ]
    crm = provider(inst.crm_kind)
    return render_template(
        "installation.html",
        inst=inst,
        state=state,
        state_label=state_label,
        cursors=facts["cursors"],
        queued=facts["queued"],
        last=facts["last"],
        tiers=shown,
        scored_by=scored_by if len(scored_by) > 1 else [],
        scored=sum(n for _o, _t, n in by_tier),
        reconciled=reconciled,
        object_plural=lambda t: plural(inst.crm_kind, t),
        object_word=lambda t: singular(inst.crm_kind, t),
        outbound_messages=crm.outbound_messages,  # the page shows the installation's endpoint URL
        **causes_context(errors, inst),
        preview=preview,
        field_label=field_label,
        value_words=lambda key, value: value_words(key, value, {}),
    )


def _reconciled(db: Session, installation_id: int) -> dict[str, Any] | None:
    """The newest reconcile run, as the Sync page shows it."""
    from storage.reconcile_runs import latest as latest_run
    from workers.services.reconcile import KINDS, LABELS, describe

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


@bp.get("/installations/<int:installation_id>/sync.json")
@login_required
def sync_json(installation_id: int):
    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        facts = _sync_facts(db, installation_id, inst.crm_kind)
    return jsonify(facts)
