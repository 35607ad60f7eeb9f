"""An installation's configuration page: the ICP and routing TOML, edited as text or through the form
for the common fields. Saving validates (errors name the key), stores the texts as pending and
starts a preview of them; the CRM is rewritten only when the admin approves that preview.
"""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from kombu.exceptions import OperationalError as BrokerUnavailable

from leadq.web import config_form
from leadq.web.admin_blueprint import BROKER_DOWN, bp, to_installation
from leadq.web.admin_preview import start_preview
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.owner_gate import owner_problems
from storage import cursors, pending_config

FORM_ERRORS = (ValueError, TypeError, RecursionError)  # what the form's merge into the TOML raises
SAVED = (
    "Saved as pending: a preview of the new configuration is running. Nothing changes in the "
    "CRM until you approve it."
)


def _submitted(current_icp: str, current_routing: str, errors: dict[str, str]) -> tuple[str, str]:
    """The ICP and routing texts the form sent, validated: a problem goes into ``errors`` by part."""
    from routing.config import RoutingConfigError, load_routing
    from scoring.icp import IcpError, load_icp

    # never cut: the loaders refuse a text over their limit with a message naming it
    icp_text = request.form.get("icp", "")
    routing_text = request.form.get("routing", "")
    if request.form.get("mode") == "fields":  # the form for the common fields, merged into the files
        try:
            icp_text = config_form.apply_icp(current_icp, request.form)
        except FORM_ERRORS as exc:
            errors["icp"] = str(exc)
        try:
            routing_text = config_form.apply_routing(current_routing, request.form)
        except FORM_ERRORS as exc:
            errors["routing"] = str(exc)
    try:
        load_icp(icp_text)
    except IcpError as exc:
        errors["icp"] = str(exc)
    try:
        load_routing(routing_text)
    except RoutingConfigError as exc:
        errors["routing"] = str(exc)
    return icp_text, routing_text


def _save(installation_id: int, texts: tuple[str, str]) -> bool:
    """Store ``texts`` as pending and start their preview; False (and nothing changed) when the
    preview could not be started."""
    with services().sessions.begin() as db:
        before = pending_config.save(db, installation_id, texts)
        kept = cursors.take_previews(db, installation_id)
        cursors.delete_previews(db, installation_id)
    try:
        start_preview(installation_id)
    except BrokerUnavailable:
        _restore_pending(installation_id, texts, before, kept)
        return False
    return True


@bp.route("/installations/<int:installation_id>/config", methods=["GET", "POST"])
@login_required
def config(installation_id: int):
    """Edit the ICP and routing TOML; a valid save becomes pending, with its preview."""
    from routing.config import default_text
    from scoring.icp import default_icp_text

    inst = installation_or_404(installation_id)
    errors: dict[str, str] = {}
    current_icp = inst.pending_icp_toml or inst.icp_toml or ""
    current_routing = inst.pending_routing_toml or inst.routing_toml or ""
    if request.method == "POST":
        icp_text, routing_text = _submitted(current_icp, current_routing, errors)
        if not errors and (problems := owner_problems(installation_id, routing_text)):
            errors["routing"] = "; ".join(problems)  # reps the CRM would refuse as owners
        if not errors and not _save(installation_id, (icp_text, routing_text)):
            errors["save"] = "Not saved: " + BROKER_DOWN
        if not errors:
            flash(SAVED)
            return to_installation(installation_id, "#preview")
    else:
        icp_text = inst.pending_icp_toml or inst.icp_toml or default_icp_text()
        routing_text = inst.pending_routing_toml or inst.routing_toml or default_text()
    try:
        fields = {**config_form.icp_fields(current_icp), **config_form.routing_fields(current_routing)}
    except FORM_ERRORS:
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
        if pending_config.undo_save(db, installation_id, saved, before):
            cursors.put_back_previews(db, installation_id, preview)
