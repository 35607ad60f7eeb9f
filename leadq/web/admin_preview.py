"""The backfill preview on an installation's page: start one (a dry run: what a backfill would write,
field by field), approve it (the configuration it was computed from goes live and the backfill
writes it) or discard it.

A button whose task cannot be started (the broker is down) answers 503 and leaves everything as it
was: the preview rows it cleared are put back, and so are the configuration and the cursors.
"""

from __future__ import annotations

from typing import Any

from flask import flash, request
from kombu.exceptions import OperationalError as BrokerUnavailable

from connector.registry import provider
from leadq.web.admin_blueprint import OBJECT_ORDER, bp, to_installation
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.owner_gate import owner_problems
from storage import cursors, installations, pending_config
from storage.db import Session
from storage.statuses import CursorStatus
from workers import dispatch


def _applied_hash(inst: Any) -> str:
    """The hash of the configuration Approve would make live (the pending one where set)."""
    from workers.services.config_hash import config_hash, config_texts

    return config_hash(*config_texts(inst, services().settings, pending=True))


def preview_summary(db: Session, installation_id: int) -> dict[str, Any] | None:
    """The installation's preview as its page shows it and Approve checks it; None if there is none."""
    from workers.services.config_hash import same_hash

    inst = installations.get(db, installation_id)
    totals = cursors.preview_totals(db, installation_id)
    if inst is None or totals is None:
        return None
    rows = totals.rows
    seen = {r.object_type for r in rows}
    applied = _applied_hash(inst)
    labels = provider(inst.crm_kind).object_names
    return {
        # done only when every object was previewed (Salesforce: leads, contacts, then accounts)
        "done": all(r.status == CursorStatus.DONE for r in rows)
        and {obj.value for obj in provider(inst.crm_kind).synced_objects} <= seen,
        "records": sum(r.done for r in rows),
        "parts": ", ".join(
            f"{r.done:,} {labels.get(r.object_type, r.object_type)}"
            for r in sorted(rows, key=lambda r: OBJECT_ORDER.get(r.object_type, 9))
        ),
        "fields": totals.fields,
        "samples": totals.samples,
        # computed, every page of it, from the configuration Approve would apply
        "current": all(same_hash(config, applied) for config in totals.configs),
    }


def start_preview(installation_id: int) -> None:
    """Send the preview task. pending=True: while a configuration awaits approval, the preview is of
    it (what Approve applies)."""
    dispatch.enqueue_backfill(services().celery, installation_id, dry_run=True, pending=True)


@bp.post("/installations/<int:installation_id>/backfill/preview")
@login_required
def backfill_preview(installation_id: int):
    """A dry run first: what a backfill would write, field by field; nothing is written."""
    installation_or_404(installation_id)
    with services().sessions.begin() as db:
        kept = cursors.take_previews(db, installation_id)
        cursors.clear_previews(db, installation_id)
    try:
        start_preview(installation_id)
    except BrokerUnavailable:  # "nothing was started": the previous preview stays as it was
        with services().sessions.begin() as db:
            cursors.put_back_previews(db, installation_id, kept)
        raise
    flash("Preview started: nothing is written until you approve it.")
    return to_installation(installation_id)


def _approvable(db: Session, installation_id: int) -> str | None:
    """Why the installation's preview cannot be approved now (None: it can)."""
    preview = preview_summary(db, installation_id)
    if preview is None or not preview["done"]:
        return "There is no finished preview to approve yet."
    if not preview["current"]:
        return (
            "Not approved, nothing was written: this preview was not computed from the configuration "
            "Approve would apply (it changed after the preview ran). Run the preview again."
        )
    pending_routing = pending_config.pending(db, installation_id)[1]
    if pending_routing and (problems := owner_problems(installation_id, pending_routing)):
        return "Not approved, nothing was applied: " + "; ".join(problems)
    return None


@bp.post("/installations/<int:installation_id>/backfill/approve")
@login_required
def backfill_approve(installation_id: int):
    installation_or_404(installation_id)
    with services().sessions.begin() as db:
        if refused := _approvable(db, installation_id):
            flash(refused)
            return to_installation(installation_id)
        before = pending_config.live_and_pending(db, installation_id)
        previewed = before[2], before[3]  # what the preview was checked for
        statuses = cursors.restart_backfills(db, installation_id)  # start over, not resume
        # compare-and-clear: a configuration saved since the check above stays pending, with its preview
        installations.apply_pending(db, installation_id, previewed)
        saved_meanwhile = pending_config.pending(db, installation_id) != (None, None)
    try:
        dispatch.enqueue_backfill(services().celery, installation_id)
    except BrokerUnavailable:
        _unapprove(installation_id, before, statuses)  # the preview stays: Approve again later
        raise
    if saved_meanwhile:  # its save already replaced this preview with its own: keep that one
        flash(
            "Backfill approved: leadq is writing the values the preview showed. The configuration saved "
            "meanwhile stays pending, with its own preview."
        )
        return to_installation(installation_id)
    with services().sessions.begin() as db:
        cursors.delete_previews(db, installation_id)
    flash("Backfill approved: leadq is writing the values the preview showed.")
    return to_installation(installation_id)


def _unapprove(installation_id: int, before: tuple[str | None, ...], statuses: dict[int, str]) -> None:
    """The backfill could not be started: put the configuration and the cursors back as they were."""
    with services().sessions.begin() as db:
        pending_config.undo_approve(db, installation_id, before)
        cursors.restore_statuses(db, statuses)


@bp.post("/installations/<int:installation_id>/backfill/cancel")
@login_required
def backfill_cancel(installation_id: int):
    installation_or_404(installation_id)
    with services().sessions.begin() as db:
        cursors.delete_previews(db, installation_id)
        if request.form.get("discard") == "pending":  # the second button: the configuration goes too
            installations.discard_pending(db, installation_id)
            flash("Preview and pending configuration discarded; nothing was written or changed.")
            return to_installation(installation_id)
    flash("Preview discarded; nothing was written.")
    return to_installation(installation_id)
