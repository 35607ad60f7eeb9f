"""The backfill preview on an installation's page: start one (a dry run: what a backfill would write,
field by field), approve it (the configuration it was computed from goes live and the backfill
writes it) or discard it.

A button whose task cannot be started (the broker is down) answers 503 and leaves everything as it
was: the preview rows it cleared are put back, and so are the configuration and the cursors.
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, request
from kombu.exceptions import OperationalError as BrokerUnavailable

from connector.registry import provider
from leadq.web import preview_status
from leadq.web.admin_blueprint import bp, to_installation
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.owner_gate import owner_problems
from storage import cursors, installations, pending_config
from storage.db import Session
from workers import dispatch


def _applied_hash(inst: Any) -> str:
    """The hash of the configuration Approve would make live (the pending one where set)."""
    from workers.services.config_hash import config_hash, config_texts

    return config_hash(*config_texts(inst, services().settings, pending=True))


def preview_summary(db: Session, installation_id: int) -> dict[str, Any] | None:
    """The installation's preview as its page shows it and Approve checks it; None if there is none."""
    inst = installations.get(db, installation_id)
    if inst is None:
        return None
    return preview_status.preview_summary(db, installation_id, _applied_hash(inst))


def live_preview(db: Session, installation_id: int) -> dict[str, Any] | None:
    """The preview with its state told apart (waiting, running, no worker picking it up) and the
    sentence the page shows; None if there is none."""
    summary = preview_summary(db, installation_id)
    if summary is None:
        return None
    settings = services().settings
    return preview_status.add_liveness(
        summary, services().redis, installation_id, settings.worker_lost_after_s
    )


def start_preview(installation_id: int) -> None:
    """Make the preview's rows (asked for now: the page can tell when no worker picks it up), then
    send its task. pending=True: while a configuration awaits approval, the preview is of it (what
    Approve applies)."""
    with services().sessions.begin() as db:
        inst = installations.get(db, installation_id)
        if inst is not None:
            objects = [o.value for o in provider(inst.crm_kind).synced_objects]
            cursors.request_previews(db, installation_id, objects)
    dispatch.enqueue_backfill(services().celery, installation_id, dry_run=True, pending=True)


@bp.get("/installations/<int:installation_id>/backfill/preview.json")
@login_required
def preview_json(installation_id: int):
    """The preview's status, which the page's script polls: state, n of total, per object, sentence."""
    installation_or_404(installation_id)
    with services().sessions() as db:
        preview = live_preview(db, installation_id)
    if preview is None:
        return jsonify({"state": "none", "done": False, "records": 0, "total": None, "objects": []})
    return jsonify(preview_status.public(preview))


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
    return to_installation(installation_id, "#preview")


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
        writes = (preview_summary(db, installation_id) or {}).get("writes", 0)
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
    if writes:
        flash("Backfill approved: leadq is writing the values the preview showed.")
    elif any(previewed):
        flash("Approved: the new configuration is live. The preview found nothing to write in the CRM.")
    else:
        flash("Approved. The preview found nothing to write in the CRM, so no record changes.")
    return to_installation(installation_id)


def _unapprove(installation_id: int, before: tuple[str | None, ...], statuses: dict[int, str]) -> None:
    """The backfill could not be started: put the configuration and the cursors back as they were."""
    with services().sessions.begin() as db:
        pending_config.undo_approve(db, installation_id, before)
        cursors.restore_statuses(db, statuses)


@bp.post("/installations/<int:installation_id>/backfill/preview/cancel")
@login_required
def preview_cancel(installation_id: int):
    """Stop a preview that is waiting or running: its task stops at its next page, nothing follows,
    and the page says it was cancelled (a new preview can be started)."""
    inst = installation_or_404(installation_id)
    objects = [o.value for o in provider(inst.crm_kind).synced_objects]
    with services().sessions.begin() as db:
        cancelled = cursors.cancel_previews(db, installation_id, objects)
    with services().sessions() as db:
        preview = preview_summary(db, installation_id)
    if not cancelled or preview is None:
        flash("There was no preview running to cancel.")
    else:
        records = preview["records"]
        flash(
            f"Preview cancelled after {records:,} record{'s' if records != 1 else ''} looked at. "
            "Nothing was written."
        )
    return to_installation(installation_id, "#preview")


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
