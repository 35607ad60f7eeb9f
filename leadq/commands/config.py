"""``leadq config`` and ``leadq approve``: an installation's ICP/routing configuration is saved as
pending, previewed (what it would change, nothing written), then applied or discarded. A change of the
ICP's [monitoring] table alone (alarm thresholds: no score changes) applies at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from leadq.commands.common import (
    INSTALLATION_ID,
    NO_SUCH,
    per_page,
    preview_lines,
    runtime,
    sessions,
    settings,
    working_context,
)

if TYPE_CHECKING:
    from storage.db import Session
    from storage.installations import Installation


def _check_owners(installation: int, routing_text: str | None, outcome: str = "nothing was saved") -> None:
    """Refuse a routing configuration whose reps the CRM would refuse as owners (nothing is saved)."""
    from workers.services.owner_check import routing_owner_problems

    if routing_text is None:
        return
    problems = routing_owner_problems(runtime(), installation, routing_text)
    if problems:
        raise click.ClickException(f"refused, {outcome}:\n  " + "\n  ".join(problems))


def _checked_text(path: str | None, what: str) -> str | None:
    """The file's text once it reads as UTF-8 and parses as an ICP or routing configuration (None
    without a file); a file that does not stops the command naming it."""
    from monitoring.thresholds import MonitoringConfigError
    from monitoring.thresholds import check as check_thresholds
    from routing.config import RoutingConfigError, load_routing
    from scoring.icp import IcpError, load_icp

    if not path:
        return None
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(
            f"the {what} file {path} is not UTF-8 text (a binary file, or another encoding such as "
            "UTF-16): save it as UTF-8 and run the command again"
        ) from None
    if not text.strip():
        default = "scoring/data/default_icp.toml" if what == "ICP" else "routing/data/default_routing.toml"
        raise click.ClickException(
            f"the {what} file {path} is empty, nothing was saved: write in it the keys that differ from "
            f"the defaults ({default})"
        )
    try:
        if what == "ICP":
            check_thresholds(load_icp(text).monitoring)  # the [monitoring] table's alarm thresholds too
        else:
            load_routing(text)
    except (IcpError, RoutingConfigError, MonitoringConfigError) as exc:
        problem = str(exc).removeprefix("(file): ")
        raise click.ClickException(f"{path} was refused, nothing was saved: {problem}") from None
    return text


def _save_pending(installation: int, icp_path: str | None, routing_path: str | None) -> bool:
    """Check the files (and the routing's reps with the CRM), then save them as pending; False when
    they changed only the ICP's [monitoring] table, applied at once instead (no score changes)."""
    from storage import installations
    from workers.services.monitoring_only import apply_monitoring, only_monitoring_changes

    if not icp_path and not routing_path:
        raise click.UsageError("give --icp FILE and/or --routing FILE")
    icp_text = _checked_text(icp_path, "ICP")
    routing_text = _checked_text(routing_path, "routing")
    with sessions()() as db:
        row = installations.get(db, installation)
        if row is None:
            raise click.ClickException(NO_SUCH.format(installation))
        monitoring_only = only_monitoring_changes(row, settings(), icp_text, routing_text)
    if monitoring_only and icp_text is not None:
        with sessions().begin() as db:
            if apply_monitoring(db, installation, icp_text, row):
                return False
    _check_owners(installation, routing_text)
    with sessions().begin() as db:
        installations.save_pending(db, installation, icp_text, routing_text)
    return True


def _preview(installation: int) -> Iterator[str]:
    """Dry-run the pending configuration over the objects the admin app's preview covers (the people,
    then their accounts: ``synced_objects``); its lines, object by object. The previous preview goes
    first and every object's row is asked for at once, as the admin app does, so its Sync page follows
    this preview and counts it finished only when all its objects are."""
    from connector.registry import provider
    from leadq.commands.progress import progress
    from storage import cursors
    from workers.services.backfill import preview_of, run_backfill

    ctx = working_context(installation, pending=True)
    objects = provider(ctx.crm.value).synced_objects
    with ctx.sessions.begin() as db:
        cursors.delete_previews(db, installation)
        cursors.request_previews(db, installation, [o.value for o in objects])
    for obj in objects:
        with progress(f"previewing {obj.value} records") as step:
            run_backfill(ctx, obj, dry_run=True, restart=True, on_progress=per_page(step))
        preview = preview_of(ctx, obj)
        yield f"  {obj.value} ({preview['done']} records):"
        yield from preview_lines(preview, "    ", crm_kind=ctx.crm.value)


@click.command("config", short_help="Save a new ICP/routing configuration as pending; preview it.")
@click.argument("installation", type=INSTALLATION_ID)
@click.option("--icp", "icp_path", type=click.Path(exists=True, dir_okay=False), help="ICP TOML file")
@click.option(
    "--routing", "routing_path", type=click.Path(exists=True, dir_okay=False), help="routing TOML file"
)
def config_cmd(installation: int, icp_path: str | None, routing_path: str | None) -> None:
    """Save a new ICP/routing configuration as pending and preview it; `leadq approve` applies it."""
    if not _save_pending(installation, icp_path, routing_path):
        click.echo(
            "applied at once: only the alarm thresholds (the ICP file's [monitoring] table) changed, which "
            f"changes no score, tier or route (no preview needed); `leadq alarms check {installation}` uses "
            "them now"
        )
        return
    click.echo("saved as pending; previewing what it would change (nothing is written) ...")
    for line in _preview(installation):
        click.echo(line)
    click.echo(f"apply: `leadq approve {installation}`; discard: `leadq approve {installation} --cancel`")


def _check_previewed(db: Session, row: Installation) -> None:
    """Approve only what was previewed: a finished preview (`leadq config`, or the admin app's)
    computed from exactly the pending configuration, over every object the admin app previews, as
    its Approve requires."""
    from connector.registry import provider
    from storage import cursors
    from storage.statuses import CursorStatus
    from workers.services.config_hash import config_hash, config_texts, same_hash

    applied = config_hash(*config_texts(row, settings(), pending=True))
    previews = cursors.named(db, row.id, cursors.PREVIEW)
    covered = {p.object_type for p in previews} >= {o.value for o in provider(row.crm_kind).synced_objects}
    if not covered or any(p.status != CursorStatus.DONE for p in previews):
        raise click.ClickException(
            f"refused, nothing was applied: the pending configuration has no finished preview; "
            f"run `leadq config {row.id} --icp FILE --routing FILE` (or Preview in the admin app) first"
        )
    if not all(same_hash(p.cursor.get("config"), applied) for p in previews):
        raise click.ClickException(
            "refused, nothing was applied: the pending configuration changed after its preview "
            f"(saved again elsewhere?); preview it again with `leadq config {row.id} ...` or in the admin app"
        )


def _approve(installation: int, cancel: bool) -> str:
    """Apply (or with ``cancel`` discard) the pending configuration; the line that says so. Its
    preview goes with it either way, as the admin app's Approve and Discard do: no finished or
    half-run preview of a configuration that is no longer pending stays on the Sync page."""
    from storage import cursors, installations

    with sessions().begin() as db:
        row = installations.get(db, installation)
        if row is None:
            raise click.ClickException(NO_SUCH.format(installation))
        if cancel:
            if not (row.pending_icp_toml or row.pending_routing_toml):
                raise click.ClickException("nothing is pending: there is no configuration to discard")
            installations.discard_pending(db, installation)
            cursors.delete_previews(db, installation)
            return "pending configuration discarded with its preview; nothing changed"
        _check_owners(installation, row.pending_routing_toml, "nothing was applied")
        if row.pending_icp_toml or row.pending_routing_toml:
            _check_previewed(db, row)
        if not installations.apply_pending(db, installation):
            raise click.ClickException("nothing is pending: save one with `leadq config` or in the admin app")
        cursors.delete_previews(db, installation)
    return f"applied; `leadq backfill {installation}` writes what changed (and nothing else)"


@click.command("approve", short_help="Apply (or --cancel) the pending ICP/routing configuration.")
@click.argument("installation", type=INSTALLATION_ID)
@click.option("--cancel", is_flag=True, help="discard the pending configuration instead")
def approve_cmd(installation: int, cancel: bool) -> None:
    """Apply the pending ICP/routing configuration (then `leadq backfill` writes what changed)."""
    click.echo(_approve(installation, cancel))


COMMANDS = (config_cmd, approve_cmd)
