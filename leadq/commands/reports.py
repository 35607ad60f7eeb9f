"""``leadq status`` and ``leadq errors``: what every installation is doing, and the records a CRM
keeps refusing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from leadq.commands.common import INSTALLATION_ID, sessions

if TYPE_CHECKING:
    from storage.db import Session
    from storage.installations import Installation


def _installation_lines(db: Session, inst: Installation) -> list[str]:
    """One installation: its state, backfill/preview progress, held changes, failures, model and the
    newest reconciliation."""
    from storage import assignment_health, dead_letters, installations, models_registry, reports
    from storage.reconcile_runs import latest as latest_reconcile
    from storage.statuses import EventStatus
    from workers.services.reconcile import describe

    reason = f" ({inst.status_reason})" if inst.status_reason else ""
    degraded = assignment_health.degraded(db, inst.id) if inst.status == installations.ACTIVE else None
    state = "healthy" if inst.status == installations.ACTIVE else inst.status  # as the admin app says
    lines = [f"#{inst.id} {inst.crm_kind} {inst.tenant_id}: {degraded or f'{state}{reason}'}"]
    for c in reports.progress_cursors(db, inst.id):
        total = f"{c.total:,}" if c.total else "?"
        lines.append(f"    {c.name} {c.object_type}: {c.done:,}/{total} {c.status}")
    held = reports.held_changes(db, inst.id)
    changes = f"{held.get(EventStatus.QUEUED, 0)} queued change(s)"
    if held.get(EventStatus.PAUSED):  # kept while the installation cannot work; resumed, never dropped
        changes += f", {held[EventStatus.PAUSED]} kept until it works again"
    failing = dead_letters.failing_records(db, inst.id)
    champion = models_registry.champion(db, inst.id)
    model = (
        f"model {champion.version} AUC {champion.metrics.get('auc', 0):.3f}"
        if champion
        else "ICP rules (no model yet)"
    )
    pending = ", configuration pending approval" if inst.pending_icp_toml or inst.pending_routing_toml else ""
    lines.append(f"    {changes}, {failing} failing record(s), {model}{pending}")
    run = latest_reconcile(db, inst.id)
    if run is not None:
        when = run.finished_at or run.started_at
        described = describe(run.counts, run.checked)
        more = "".join(f";{line[1:]}" for line in described[1:])
        lines.append(f"    {described[0]} ({when:%Y-%m-%d %H:%M} UTC){more}")
    return lines


def status_lines() -> list[str]:
    """The lines `leadq status` prints: every installation, or how to make the first."""
    from storage import installations

    with sessions()() as db:
        rows = installations.list_all(db)
        if not rows:
            return ["no installation yet: `leadq install-url hubspot|salesforce`"]
        return [line for inst in rows for line in _installation_lines(db, inst)]


@click.command("status", short_help="Every installation: its state, progress, queue, errors, model.")
def status_cmd() -> None:
    """Every installation: status and reason, backfill progress, queued changes, errors, model."""
    click.echo("\n".join(status_lines()))


def _errors(installation: int, cause: int | None) -> list[str]:
    from leadq.error_report import error_report

    with sessions()() as session:
        try:
            return error_report(session, installation, cause)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None


@click.command("errors", short_help="Records the CRM keeps refusing, grouped by cause.")
@click.argument("installation", type=INSTALLATION_ID)
@click.option("--cause", type=int, default=None, help="list every record of this cause (its number)")
def errors_cmd(installation: int, cause: int | None) -> None:
    """Records the CRM keeps refusing (dead letters), grouped by cause with the CRM's message."""
    click.echo("\n".join(_errors(installation, cause)))


COMMANDS = (status_cmd, errors_cmd)
