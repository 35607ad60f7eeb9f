"""The buttons on an installation's pages that start work or change a secret: check (and fix) the
CRM's fields, retry the failed records, retrain the model, replace a leaked Salesforce
outbound-message URL."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, request, url_for

from leadq.web.admin_blueprint import bp, to_installation
from leadq.web.auth import installation_or_404, login_required, services
from workers import dispatch

log = logging.getLogger("leadq.web.admin")
REPLACED_OUTBOUND = (
    "New Endpoint URL made: the old one stopped working at once (Salesforce's messages to it are "
    "refused). Update the Endpoint URL of each outbound message (Lead, Contact, Account) in "
    "Salesforce Setup to the new URL below; until then changes arrive through the minute poll."
)


@bp.post("/installations/<int:installation_id>/outbound/replace")
@login_required
def outbound_replace(installation_id: int):
    """A leaked outbound-message URL: make a new secret, which invalidates the old URL at once."""
    from connector.registry import provider
    from storage import outbound_secrets

    inst = installation_or_404(installation_id)
    if not provider(inst.crm_kind).outbound_messages:
        abort(404)
    if request.form.get("confirm") != "replace":
        flash("Not replaced: tick the box to confirm that the current URL should stop working.")
    else:
        with services().sessions.begin() as db:
            outbound_secrets.replace(db, services().vault, installation_id)
        log.warning("salesforce.outbound.secret-replaced", extra={"installation": installation_id})
        flash(REPLACED_OUTBOUND)
    return to_installation(installation_id, "#outbound")


@bp.post("/installations/<int:installation_id>/reconcile")
@login_required
def reconcile(installation_id: int):
    """Check now (and, with fix, rewrite leadq's own fields that are wrong or missing)."""
    installation_or_404(installation_id)
    fix = request.form.get("fix") == "1"
    dispatch.enqueue_reconcile(services().celery, installation_id, trigger="manual", fix=fix)
    flash(
        "Rewriting the wrong and missing fields, then checking again; refresh in a moment."
        if fix
        else "Reading leadq's fields back from the CRM; refresh in a moment."
    )
    return to_installation(installation_id)


@bp.post("/installations/<int:installation_id>/errors/retry")
@login_required
def retry(installation_id: int):
    installation_or_404(installation_id)
    dispatch.enqueue_retry(services().celery, installation_id)
    flash("The failed records are being processed again; refresh in a moment.")
    return to_installation(installation_id)


@bp.post("/installations/<int:installation_id>/model/retrain")
@login_required
def model_retrain(installation_id: int):
    installation_or_404(installation_id)
    dispatch.enqueue_retrain(services().celery, installation_id)
    flash("Retraining started: a challenger replaces the champion only if it wins on outcomes it never saw.")
    return redirect(url_for("admin.model", installation_id=installation_id))
