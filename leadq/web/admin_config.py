"""An installation's configuration page: the ICP and routing TOML, edited as text or through the form
for the common fields. Saving validates (errors name the key), stores the texts as pending and
starts a preview of them; the CRM is rewritten only when the admin approves that preview. A save that
changes only the ICP's [monitoring] table (alarm thresholds: no score changes) applies at once
(``workers.services.monitoring_only``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import flash, render_template, request
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.config_text import ConfigProblem
from leadq.web import config_errors, config_form
from leadq.web.admin_blueprint import BROKER_DOWN, bp, to_installation
from leadq.web.admin_preview import start_preview
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.config_errors import Shown
from leadq.web.owner_gate import owner_problems
from storage import cursors, pending_config

FORM_ERRORS = (ValueError, TypeError, RecursionError)  # what the form's merge into the TOML raises
SAVED = (
    "Saved as pending: a preview of the new configuration is running. Nothing changes in the "
    "CRM until you approve it."
)
APPLIED = (
    "Saved and applied: only the alarm thresholds (the ICP file's [monitoring] table) changed, which "
    "changes no score, tier or route, so no preview is needed. The next alarm check uses them."
)


@dataclass
class Problems:
    """What the page shows next to what the admin typed: problems by form field, and problems of
    each file with the line they concern."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    icp: list[Shown] = field(default_factory=list)
    routing: list[Shown] = field(default_factory=list)
    save: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.icp or self.routing or self.save)

    def add_field(self, name: str, problem: str) -> None:
        self.fields.setdefault(name, []).append(problem)


def _validate(which: str, text: str, problems: Problems, *, by_field: bool) -> None:
    """Check one file; its problems go next to their form field (``by_field``) or their line."""
    from monitoring.thresholds import check as check_thresholds
    from routing.config import load_routing
    from scoring.icp import load_icp

    try:
        if which == "icp":
            check_thresholds(load_icp(text).monitoring)  # the [monitoring] table's alarm thresholds too
        else:
            load_routing(text)
    except ConfigProblem as exc:
        for shown in config_errors.problems_in(text, exc):
            name = config_errors.field_of(shown.key) if by_field else None
            if name:
                problems.add_field(name, shown.problem)
            else:  # the form's merged text is not on the page: no line to quote
                getattr(problems, which).append(Shown(shown.message) if by_field else shown)


def _merged(which: str, current: str, problems: Problems) -> str | None:
    """The form's fields written into the ``current`` file (None: a field is refused)."""
    apply = config_form.apply_icp if which == "icp" else config_form.apply_routing
    try:
        return apply(current, request.form)
    except config_form.FieldErrors as exc:
        for name, problem in exc.fields.items():
            problems.add_field(name, problem)
        if exc.text is not None:  # the other fields, written in, are checked too
            _validate(which, exc.text, problems, by_field=True)
    except FORM_ERRORS as exc:
        getattr(problems, which).append(Shown(str(exc)))
    return None


def _submitted(current_icp: str, current_routing: str, problems: Problems) -> tuple[str, str]:
    """The ICP and routing texts the form sent, validated; the problems go into ``problems``."""
    # never cut: the loaders refuse a text over their limit with a message naming it
    if request.form.get("mode") != "fields":
        icp_text, routing_text = request.form.get("icp", ""), request.form.get("routing", "")
        _validate("icp", icp_text, problems, by_field=False)
        _validate("routing", routing_text, problems, by_field=False)
        return icp_text, routing_text
    # the form for the common fields, merged into the files
    merged_icp = _merged("icp", current_icp, problems)
    merged_routing = _merged("routing", current_routing, problems)
    if merged_icp is not None:
        _validate("icp", merged_icp, problems, by_field=True)
    if merged_routing is not None:
        _validate("routing", merged_routing, problems, by_field=True)
    return merged_icp or current_icp, merged_routing or current_routing


def _monitoring_only(installation_id: int, inst: Any, texts: tuple[str, str]) -> bool:
    """Apply at once a save that changes only the ICP's [monitoring] table (no preview: no score
    changes); False when the save changes more (or anything is pending)."""
    from workers.services.monitoring_only import apply_monitoring, only_monitoring_changes

    if not only_monitoring_changes(inst, services().settings, *texts):
        return False
    with services().sessions.begin() as db:
        return apply_monitoring(db, installation_id, texts[0], inst)


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
    problems = Problems()
    current_icp = inst.pending_icp_toml or inst.icp_toml or ""
    current_routing = inst.pending_routing_toml or inst.routing_toml or ""
    icp_text = current_icp or default_icp_text()
    routing_text = current_routing or default_text()
    if request.method == "POST":
        texts = _submitted(current_icp, current_routing, problems)
        if not problems and _monitoring_only(installation_id, inst, texts):  # routing unchanged
            flash(APPLIED)
            return to_installation(installation_id)
        if not problems and (refused := owner_problems(installation_id, texts[1])):
            shown = texts[1] if request.form.get("mode") != "fields" else routing_text  # the text on the page
            problems.routing += config_errors.messages_in(shown, refused)  # reps the CRM refuses
        if not problems and not _save(installation_id, texts):
            problems.save = "Not saved: " + BROKER_DOWN
        if not problems:
            flash(SAVED)
            return to_installation(installation_id, "#preview")
        if request.form.get("mode") != "fields":  # what was typed stays in the text boxes
            icp_text, routing_text = texts
    page = render_template(
        "config.html",
        fields=_fields(current_icp, current_routing),
        pipes=config_form.PIPES,
        industries=_industries(current_icp),
        inst=inst,
        icp=icp_text,
        routing=routing_text,
        problems=problems,
        pending=bool(inst.pending_icp_toml or inst.pending_routing_toml),
    )
    if problems.save:  # the broker is down: nothing was saved
        return page, 503, {"Retry-After": "30"}
    return page, (400 if problems else 200)


def _fields(current_icp: str, current_routing: str) -> dict[str, Any]:
    """The common fields: as typed when the form was sent, else as the current files set them."""
    try:
        stored = {**config_form.icp_fields(current_icp), **config_form.routing_fields(current_routing)}
    except FORM_ERRORS:
        stored = {**config_form.icp_fields(""), **config_form.routing_fields("")}
    if request.method == "POST" and request.form.get("mode") == "fields":
        return {**stored, **config_form.typed_fields(request.form)}
    return stored


def _industries(current_icp: str) -> list[str]:
    """The industry keys a target industry may name (the current ICP's, else the default's)."""
    from scoring.icp import IcpError, load_icp

    try:
        return list(load_icp(current_icp or None).industry_synonyms)
    except IcpError:
        return list(load_icp().industry_synonyms)


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
