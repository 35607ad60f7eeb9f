"""``leadq status`` and ``leadq errors``: what every installation is doing, and the records a CRM
keeps refusing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from leadq.commands.common import sessions
from leadq.commands.monitor import INSTALLATION, OneLineErrors
from scoring.wording import counted

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
    said = f"{degraded or f'{state}{reason}'}{_alarm_count(db, inst.id)}"
    lines = [f"#{inst.id} {inst.crm_kind} {inst.tenant_id}: {said}"]
    for c in reports.progress_cursors(db, inst.id):
        total = f"{c.total:,}" if c.total else "?"
        lines.append(f"    {c.name} {_word(inst.crm_kind, c.object_type)}: {c.done:,}/{total} {c.status}")
    lines.extend(_tier_lines(db, inst))
    held = reports.held_changes(db, inst.id)
    changes = counted(held.get(EventStatus.QUEUED, 0), "queued change")
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
    lines.append(f"    {changes}, {counted(failing, 'failing record')}, {model}{pending}")
    run = latest_reconcile(db, inst.id)
    if run is not None:
        when = run.finished_at or run.started_at
        described = describe(run.counts, run.checked)
        more = "".join(f";{line[1:]}" for line in described[1:])
        lines.append(f"    {described[0]} ({when:%Y-%m-%d %H:%M} UTC){more}")
    lines.extend(_alarm_lines(db, inst.id))
    return lines


def _alarm_count(db: Session, installation_id: int) -> str:
    """ " · 3 open alarms" beside the state (nothing without an open alarm)."""
    from storage.alarms import open_alarms

    n = len(open_alarms(db, installation_id))
    return f" · {n} open alarm{'s' if n != 1 else ''}" if n else ""


def _alarm_lines(db: Session, installation_id: int) -> list[str]:
    """The installation's monitoring alarms: when they were last checked (or that they never were),
    the open ones (what moved, since when), and the alarm webhook's last delivery."""
    from storage.alarms import label, open_alarms

    rows = open_alarms(db, installation_id)
    return [
        *_checked_lines(db, installation_id, len(rows)),
        *(
            f"    ALARM {label(row)}: {row.cause} (since {row.since or row.raised_at:%Y-%m-%d %H:%M} UTC)"
            for row in rows
        ),
    ]


def _checked_lines(db: Session, installation_id: int, open_count: int) -> list[str]:
    """When the alarms were last evaluated (a working installation only: beat checks no other), and
    the webhook's last delivery when one is set; both are kept in Redis."""
    from datetime import UTC, datetime

    from leadq.alarm_words import checked_line, delivery_line
    from leadq.commands.common import settings
    from storage import alarm_webhook, installations, monitor_snapshot
    from storage.db import UNAVAILABLE
    from storage.redis_namespace import connect

    inst = installations.get(db, installation_id)
    webhook = inst is not None and inst.alarm_webhook_ciphertext is not None
    if inst is None or (inst.status not in installations.WORKING and not webhook):
        return []
    config, now = settings(), datetime.now(UTC)
    client = connect(config.redis_url, config.redis_prefix)
    try:
        last = monitor_snapshot.last_checked(client, installation_id)
        delivery = alarm_webhook.last_delivery(client, installation_id) if webhook else None
    except UNAVAILABLE:
        return ["    alarms: when they were last checked is unknown (Redis cannot be reached)"]
    finally:
        client.close()
    lines = []
    if inst.status in installations.WORKING:
        lines.append(f"    {checked_line(last, config.monitor_interval_s, installation_id, now, open_count)}")
    if webhook:
        lines.append(f"    {delivery_line(delivery, installation_id, now)}")
    return lines


def _word(crm_kind: str, object_type: str) -> str:
    """An object type in a status line: itself where it is a plain word ("contact"), else its name
    ("Leads records")."""
    from leadq.web.object_names import plural

    return object_type if "_" not in object_type else plural(crm_kind, object_type)


def _tier_lines(db: Session, inst: Installation) -> list[str]:
    """The records scored per tier (each record's newest score), one line per object type: contacts,
    HubSpot's Leads records apart from them, then companies or accounts."""
    from leadq.web.object_names import ordered, plural
    from storage import lead_pages

    counts: dict[str, dict[str, int]] = {}
    for object_type, tier, n in lead_pages.tier_counts(db, inst.id):
        counts.setdefault(object_type, {})[tier] = n
    lines = []
    for object_type in ordered(list(counts)):
        by_tier = counts[object_type]
        tiers = ", ".join(f"{tier} {n:,}" for tier, n in sorted(by_tier.items()))
        name = plural(inst.crm_kind, object_type)
        lines.append(f"    {name} scored: {sum(by_tier.values()):,} ({tiers})")
    return lines or ["    nothing scored yet"]


def status_lines(installation: int | None = None) -> list[str]:
    """The lines `leadq status` prints: every installation (or the one asked for), or how to make the
    first."""
    from leadq.commands.common import NO_SUCH
    from storage import installations

    with sessions()() as db:
        rows = installations.list_all(db)
        if installation is not None:
            rows = [r for r in rows if r.id == installation]
            if not rows:
                raise click.ClickException(NO_SUCH.format(installation))
        if not rows:
            return ["no installation yet: `leadq install-url hubspot|salesforce`"]
        return [line for inst in rows for line in _installation_lines(db, inst)]


@click.command(
    "status", cls=OneLineErrors, short_help="Installations: state, progress, scores, queue, errors, model."
)
@click.argument("installation", type=INSTALLATION, required=False)
def status_cmd(installation: int | None) -> None:
    """Every installation (or INSTALLATION): status and reason, backfill progress, records scored per
    tier (contacts, HubSpot's Leads records and companies apart), queued changes, errors, model."""
    click.echo("\n".join(status_lines(installation)))


def _errors(installation: int, cause: int | None) -> list[str]:
    from leadq.error_report import error_report

    with sessions()() as session:
        try:
            return error_report(session, installation, cause)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None


@click.command("errors", cls=OneLineErrors, short_help="Records the CRM keeps refusing, grouped by cause.")
@click.argument("installation", type=INSTALLATION)
@click.option("--cause", type=int, default=None, help="list every record of this cause (its number)")
def errors_cmd(installation: int, cause: int | None) -> None:
    """Records the CRM keeps refusing (dead letters), grouped by cause with the CRM's message."""
    click.echo("\n".join(_errors(installation, cause)))


COMMANDS = (status_cmd, errors_cmd)
