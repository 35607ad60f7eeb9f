"""The ``leadq`` command line. Commands are thin: they parse, call one function, print."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from core.settings import SettingsError, load_settings


def _settings():
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """leadq: open-source lead qualification for HubSpot and Salesforce."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to LEADQ_DATABASE_URL."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    settings = _settings()
    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    click.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


@main.group()
def keys() -> None:
    """Encryption keys for stored tokens."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new Fernet key (put it first in LEADQ_ENCRYPTION_KEYS)."""
    from storage.vault import Vault

    click.echo(Vault.generate_key())


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token under the newest key in LEADQ_ENCRYPTION_KEYS."""
    from storage import outbound_secrets
    from storage.db import make_engine, make_session_factory, transaction
    from storage.migrate import upgrade
    from storage.tokens import rotate_all
    from storage.vault import Vault, VaultError

    settings = _settings()
    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    vault = Vault(settings.fernet_keys())
    try:
        with transaction(make_session_factory(engine)) as session:
            rotated, current = rotate_all(session, vault)
            secrets_rotated, _ = outbound_secrets.rotate_all(session, vault)
    except VaultError as exc:
        raise click.ClickException(
            f"{exc}: keep the old key in LEADQ_ENCRYPTION_KEYS until rotation ran"
        ) from None
    click.echo(f"re-encrypted {rotated} token(s) under the newest key; {current} already current")
    if secrets_rotated:
        click.echo(f"re-encrypted {secrets_rotated} outbound-message endpoint secret(s) under the newest key")
    if len(settings.fernet_keys()) > 1:
        click.echo(
            "every token now uses the newest key: older keys can be removed from LEADQ_ENCRYPTION_KEYS"
        )


@main.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--records", default=2000, show_default=True, type=int, help="contacts per portal")
@click.option("--portals", default=1, show_default=True, type=int)
@click.option("--client-id", default=None, help="the app's client id (default: generated)")
@click.option("--client-secret", default=None, help="the app's client secret (default: generated)")
@click.option("--https", is_flag=True, help="serve over HTTPS with a generated certificate")
@click.option("--rate-429", default=0.0, type=float, help="share of API calls answered 429")
@click.option("--rate-5xx", default=0.0, type=float, help="share of API calls answered 5xx")
@click.option("--latency-ms", default=0.0, type=float, help="latency added to each API call")
@click.option("--rate-limit", default=110, show_default=True, type=int, help="API calls per 10 s per portal")
@click.option("--json", "as_json", is_flag=True, help="print connection details as JSON")
def sandbox_cmd(
    host: str,
    port: int,
    seed: int,
    records: int,
    portals: int,
    client_id: str | None,
    client_secret: str | None,
    https: bool,
    rate_429: float,
    rate_5xx: float,
    latency_ms: float,
    as_json: bool,
    rate_limit: int = 110,
) -> None:
    """Run the sandbox CRM (a local HubSpot) until Ctrl-C."""
    from sandbox.faults import Faults
    from sandbox.server import create_sandbox, dump_summary, serve, to_json

    faults = Faults(rate_429=rate_429, rate_5xx=rate_5xx, latency_ms=latency_ms, seed=seed)
    running = serve(
        create_sandbox(
            seed=seed,
            records=records,
            portals=portals,
            client_id=client_id,
            client_secret=client_secret,
            faults=faults,
            rate_limit=rate_limit,
        ),
        host,
        port,
        https=https,
    )
    click.echo(to_json(running) if as_json else dump_summary(running), nl=True)
    sys.stdout.flush()
    _wait_for_interrupt()
    running.stop()


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


@main.command("demo")
@click.option(
    "--crm",
    default="hubspot",
    show_default=True,
    type=click.Choice(["hubspot", "salesforce"]),
    help="which side of the sandbox CRM: a HubSpot account or a Salesforce org",
)
@click.option(
    "--records", default=2000, show_default=True, type=click.IntRange(min=1), help="people in the sandbox CRM"
)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--serve/--no-serve",
    "keep_serving",
    default=True,
    show_default=True,
    help="keep serving the admin app, the worker and the sandbox until Ctrl-C",
)
def demo(crm: str, records: int, seed: int, keep_serving: bool) -> None:
    """The whole product on the sandbox CRM: install, train, backfill, route, write back, reconcile,
    summary."""
    from leadq import demo as flow

    try:
        run = flow.start(records, seed, click.echo, crm)
    except flow.DemoError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        flow.install(run, click.echo)
        flow.train_and_backfill(run, click.echo)
        for line in flow.summary(run):
            click.echo(line)
        if keep_serving:
            click.echo(f"\nserving the admin app at {run.url}/ until Ctrl-C")
            _wait_for_interrupt()
    except flow.DemoError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        run.stop()


@main.command("backfill")
@click.argument("installation", type=int)
@click.option("--dry-run", is_flag=True, help="write nothing; show what would change")
@click.option(
    "--objects",
    default="",
    help="comma-separated: contact,account (HubSpot), lead,contact,account (Salesforce); default: all",
)
@click.option("--restart", is_flag=True, help="start over instead of resuming from the checkpoint")
def backfill_cmd(installation: int, dry_run: bool, objects: str, restart: bool) -> None:
    """Score every existing record of an installation and write the results back (resumable)."""
    from core.records import ObjectType
    from workers.services.backfill import preview_of, run_backfill
    from workers.services.context import InstallationGone, InstallationPaused, Runtime, build_context

    runtime = Runtime.from_settings(_settings())
    try:
        ctx = build_context(runtime, installation)
    except (InstallationGone, InstallationPaused) as exc:
        raise click.ClickException(str(exc)) from None
    scored = [o.value for o in (*ctx.adapter.people_objects, ObjectType.ACCOUNT)]  # people, then accounts
    names = [o.strip() for o in objects.split(",") if o.strip()] or scored
    for name in names:
        if name not in scored:
            raise click.ClickException(
                f"{name!r} is not scored in this CRM; choose from " + ", ".join(scored)
            )
        obj = ObjectType(name)

        def show(progress, label=name):
            total = progress.total or 0
            width = 30
            filled = int(width * progress.done / total) if total else 0
            eta = f", ETA {progress.eta_s:.0f}s" if progress.eta_s else ""
            click.echo(
                f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {progress.done}/{total or '?'} "
                f"({progress.rate:.0f}/s{eta})",
                nl=False,
            )

        progress, report = run_backfill(ctx, obj, dry_run=dry_run, restart=restart, on_progress=show)
        click.echo()
        if dry_run:
            preview = preview_of(ctx, obj)
            click.echo(f"dry run: nothing was written. Per field ({preview['done']} records):")
            for key, actions in sorted(preview["fields"].items()):
                click.echo(f"  {key}: " + ", ".join(f"{a} {n}" for a, n in sorted(actions.items())))
            for sample in preview["samples"][:3]:
                click.echo(
                    f"  e.g. record {sample['record']}: "
                    + "; ".join(
                        f"{k} {v['before']!r} -> {v['after']!r}"
                        for k, v in list(sample["changes"].items())[:3]
                    )
                )
        else:
            click.echo(
                f"{name}: {progress.done} records, {report.written_records} written "
                f"({report.writes} fields), {report.failed} failed, {report.api_calls} write calls"
            )


@main.command("errors")
@click.argument("installation", type=int)
@click.option("--cause", type=int, default=None, help="list every record of this cause (its number)")
def errors_cmd(installation: int, cause: int | None) -> None:
    """Records the CRM keeps refusing (dead letters), grouped by cause with the CRM's message."""
    from leadq.error_report import error_report

    with _admin_sessions()() as session:
        try:
            lines = error_report(session, installation, cause)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo("\n".join(lines))


@main.command("prune")
@click.option("--keep-days", type=int, default=None, help="default: LEADQ_RETENTION_DAYS")
@click.option("--installation", type=int, default=None, help="only this installation")
def prune_cmd(keep_days: int | None, installation: int | None) -> None:
    """Delete history older than the retention period that leadq no longer uses (each record keeps
    its newest score and routing decision; events stay at least 7 days, for the CRMs' redeliveries)."""
    from storage.db import make_engine, make_session_factory
    from storage.retention import prune

    settings = _settings()
    sessions = make_session_factory(make_engine(settings.sqlalchemy_url))
    days = keep_days or settings.retention_days
    if days < 1:
        raise click.UsageError("--keep-days must be at least 1")
    gone = prune(sessions, days, installation)
    click.echo(
        f"older than {days} days: {gone.events:,} processed events, {gone.scores:,} scores, "
        f"{gone.routing_decisions:,} routing decisions deleted"
    )


@main.command("retry")
@click.argument("installation", type=int)
def retry_cmd(installation: int) -> None:
    """Process the records of unresolved dead letters again; resolved ones are marked so."""
    from workers.services.context import Runtime, build_context
    from workers.services.retry import retry_dead_letters

    ctx = build_context(Runtime.from_settings(_settings()), installation)
    retried, failing = retry_dead_letters(ctx)
    click.echo(f"retried {retried} record(s); {failing} still failing")


@main.command("reconcile")
@click.argument("installation", type=int)
@click.option("--fix", is_flag=True, help="rewrite leadq's own fields that are wrong or missing")
def reconcile_cmd(installation: int, fix: bool) -> None:
    """Read leadq's fields back from the CRM and compare them with what leadq decided and wrote."""
    from connector.errors import CrmError
    from oauth.errors import OAuthError
    from storage.vault import VaultError
    from workers.services.context import InstallationGone, InstallationPaused, Runtime, build_context
    from workers.services.reconcile import LABELS, reconcile

    try:
        ctx = build_context(Runtime.from_settings(_settings()), installation)
        result = reconcile(ctx, fix=fix)
    except InstallationGone:
        raise click.ClickException(
            f"there is no installation {installation} (`leadq status` lists them)"
        ) from None
    except InstallationPaused as exc:
        raise click.ClickException(f"{exc}: reinstall it, then reconcile") from None
    except VaultError:
        raise click.ClickException(
            "the installation's tokens cannot be decrypted with LEADQ_ENCRYPTION_KEYS: use the keys it was "
            "installed with"
        ) from None
    except (CrmError, OAuthError) as exc:
        raise click.ClickException(f"the CRM could not be read: {exc}") from None
    click.echo(result.headline())
    for object_type, counts in sorted(result.by_object.items()):
        parts = ", ".join(f"{n:,} {LABELS[k]}" for k, n in sorted(counts.items()) if k != "match")
        click.echo(
            f"  {object_type}: {counts.get('match', 0):,} of {sum(counts.values()):,} match"
            + (f"; {parts}" if parts else "")
        )
    for kind, examples in result.examples.items():
        click.echo(f"{LABELS[kind]}: {result.counts[kind]:,} record(s), e.g.")
        for example in examples:
            fields = "; ".join(
                f"{f['field']} CRM {f.get('crm')!r}, leadq {f.get('leadq')!r}"
                + (f" (by {f['by']})" if f.get("by") else "")
                for f in example.get("fields", [])
            )
            message = f" - {example['message']}" if example.get("message") else ""
            click.echo(f"  {example['object']} {example['record']}: {fields or 'not found'}{message}")
    if fix:
        click.echo(f"fixed: {result.fixed:,} record(s) rewritten")
    elif result.counts["wrong"] or result.counts["never_written"]:
        click.echo(f"rewrite the wrong and missing fields: `leadq reconcile {installation} --fix`")
    click.echo(f"CRM API calls: {result.api_calls:,}")


@main.command("status")
def status_cmd() -> None:
    """Every installation: status and reason, backfill progress, queued changes, errors, model."""
    from sqlalchemy import func, select

    from storage import assignment_health, dead_letters, installations, models_registry
    from storage.tables import ProcessedEvent, SyncCursor
    from workers.services.reconcile import describe
    from workers.services.reconcile import latest as latest_reconcile

    with _admin_sessions()() as db:
        rows = installations.list_all(db)
        if not rows:
            click.echo("no installation yet: `leadq install-url hubspot|salesforce`")
        for inst in rows:
            reason = f" ({inst.status_reason})" if inst.status_reason else ""
            degraded = (
                assignment_health.degraded(db, inst.id) if inst.status == installations.ACTIVE else None
            )
            state = degraded or f"{inst.status}{reason}"
            click.echo(f"#{inst.id} {inst.crm_kind} {inst.external_id}: {state}")
            for c in db.scalars(select(SyncCursor).where(SyncCursor.installation_id == inst.id)):
                if c.name in ("backfill", "preview"):
                    click.echo(f"    {c.name} {c.object_type}: {c.done:,}/{c.total or '?'} {c.status}")
            counts = dict(
                db.execute(
                    select(ProcessedEvent.status, func.count())
                    .where(
                        ProcessedEvent.installation_id == inst.id,
                        ProcessedEvent.status.in_(("queued", "paused")),
                    )
                    .group_by(ProcessedEvent.status)
                ).all()
            )
            changes = f"{counts.get('queued', 0)} queued change(s)"
            if counts.get("paused"):  # kept while the installation cannot work; resumed, never dropped
                changes += f", {counts['paused']} kept until it works again"
            failing = dead_letters.failing_records(db, inst.id)
            champion = models_registry.champion(db, inst.id)
            model = (
                f"model {champion.version} AUC {champion.metrics.get('auc', 0):.3f}"
                if champion
                else "ICP rules (no model yet)"
            )
            pending = (
                ", configuration pending approval"
                if inst.pending_icp_toml or inst.pending_routing_toml
                else ""
            )
            click.echo(f"    {changes}, {failing} failing record(s), {model}{pending}")
            run = latest_reconcile(db, inst.id)
            if run is not None:
                when = run.finished_at or run.started_at
                lines = describe(run.counts, run.checked)
                click.echo(
                    f"    {lines[0]} ({when:%Y-%m-%d %H:%M} UTC)"
                    + "".join(f";{line[1:]}" for line in lines[1:])
                )


@main.command("config")
@click.argument("installation", type=int)
@click.option("--icp", "icp_path", type=click.Path(exists=True, dir_okay=False), help="ICP TOML file")
@click.option(
    "--routing", "routing_path", type=click.Path(exists=True, dir_okay=False), help="routing TOML file"
)
def config_cmd(installation: int, icp_path: str | None, routing_path: str | None) -> None:
    """Save a new ICP/routing configuration as pending and preview it; `leadq approve` applies it."""
    from routing.config import RoutingConfigError, load_routing
    from scoring.icp import IcpError, load_icp
    from storage import installations

    if not icp_path and not routing_path:
        raise click.ClickException("give --icp FILE and/or --routing FILE")
    icp_text = Path(icp_path).read_text(encoding="utf-8") if icp_path else None
    routing_text = Path(routing_path).read_text(encoding="utf-8") if routing_path else None
    try:
        load_icp(icp_text)
        load_routing(routing_text)
    except (IcpError, RoutingConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    with _admin_sessions()() as db:
        if installations.get(db, installation) is None:
            raise click.ClickException(f"there is no installation {installation}")
    _check_owners(installation, routing_text)
    with _admin_sessions().begin() as db:
        row = installations.get(db, installation)
        assert row is not None  # checked above; installations are never deleted
        row.pending_icp_toml, row.pending_routing_toml = icp_text, routing_text
    click.echo("saved as pending; previewing what it would change (nothing is written) ...")
    _preview(installation, pending=True)
    click.echo(f"apply: `leadq approve {installation}`; discard: `leadq approve {installation} --cancel`")


def _check_owners(installation: int, routing_text: str | None, outcome: str = "nothing was saved") -> None:
    """Refuse a routing configuration whose reps the CRM would refuse as owners (nothing is saved)."""
    from workers.services.context import Runtime
    from workers.services.owner_check import routing_owner_problems

    if routing_text is None:
        return
    problems = routing_owner_problems(Runtime.from_settings(_settings()), installation, routing_text)
    if problems:
        raise click.ClickException(f"refused, {outcome}:\n  " + "\n  ".join(problems))


def _preview(installation: int, pending: bool) -> None:
    from workers.services.backfill import preview_of, run_backfill
    from workers.services.context import Runtime, build_context

    ctx = build_context(Runtime.from_settings(_settings()), installation, pending=pending)
    for obj in ctx.adapter.people_objects:
        run_backfill(ctx, obj, dry_run=True, restart=True)
        preview = preview_of(ctx, obj)
        click.echo(f"  {obj.value} ({preview['done']} records):")
        for key, actions in sorted(preview["fields"].items()):
            click.echo(f"    {key}: " + ", ".join(f"{a} {n}" for a, n in sorted(actions.items())))


@main.command("retrain")
@click.argument("installation", type=int)
def retrain_cmd(installation: int) -> None:
    """Train a challenger on the CRM's outcomes now; it replaces the champion only if it wins."""
    from workers.services.context import InstallationGone, InstallationPaused, Runtime, build_context
    from workers.services.retrain import retrain

    try:
        ctx = build_context(Runtime.from_settings(_settings()), installation)
    except (InstallationGone, InstallationPaused) as exc:
        raise click.ClickException(str(exc)) from None
    outcome = retrain(ctx)
    if not outcome.get("ready"):
        click.echo(f"no model yet: {outcome.get('why')}")
        return
    verdict = "promoted" if outcome["promoted"] else "kept the champion"
    click.echo(
        f"{outcome['version']}: AUC {outcome['auc']:.3f} vs. rules {outcome['rule_auc']:.3f} on "
        f"{outcome['outcomes']} outcomes; {verdict} ({outcome['reason']})"
    )


@main.command("approve")
@click.argument("installation", type=int)
@click.option("--cancel", is_flag=True, help="discard the pending configuration instead")
def approve_cmd(installation: int, cancel: bool) -> None:
    """Apply the pending ICP/routing configuration (then `leadq backfill` writes what changed)."""
    from storage import installations

    with _admin_sessions().begin() as db:
        row = installations.get(db, installation)
        if row is None:
            raise click.ClickException(f"there is no installation {installation}")
        if cancel:
            row.pending_icp_toml = row.pending_routing_toml = None
            click.echo("pending configuration discarded; nothing changed")
            return
        _check_owners(installation, row.pending_routing_toml, "nothing was applied")
        if row.pending_icp_toml or row.pending_routing_toml:
            _check_previewed(db, row)
        if not installations.apply_pending(db, installation):
            raise click.ClickException("nothing is pending: save one with `leadq config` or in the admin app")
    click.echo(f"applied; `leadq backfill {installation}` writes what changed (and nothing else)")


def _check_previewed(db, row) -> None:
    """Approve only what was previewed: a finished preview (`leadq config`, or the admin app's)
    computed from exactly the pending configuration, as the admin app's Approve requires."""
    from sqlalchemy import select

    from storage.tables import SyncCursor
    from workers.services.config_hash import config_hash, config_texts, same_hash

    applied = config_hash(*config_texts(row, _settings(), pending=True))
    previews = db.scalars(
        select(SyncCursor).where(SyncCursor.installation_id == row.id, SyncCursor.name == "preview")
    ).all()
    if not previews or any(p.status != "done" for p in previews):
        raise click.ClickException(
            f"refused, nothing was applied: the pending configuration has no finished preview; "
            f"run `leadq config {row.id} --icp FILE --routing FILE` (or Preview in the admin app) first"
        )
    if not all(same_hash(p.cursor.get("config"), applied) for p in previews):
        raise click.ClickException(
            "refused, nothing was applied: the pending configuration changed after its preview "
            f"(saved again elsewhere?); preview it again with `leadq config {row.id} ...` or in the admin app"
        )


INSTALLATION_ID = click.IntRange(min=1, max=2**31 - 1)  # what the database's integer ids can hold


@main.group("admin")
def admin_group() -> None:
    """Admin accounts for the web app (self-hosting; CRM sign-in comes with installs)."""


def _admin_sessions():
    from storage.db import make_engine, make_session_factory

    return make_session_factory(make_engine(_settings().sqlalchemy_url))


def _read_password(from_stdin: bool) -> str:
    """A new password from standard input or a hidden prompt (never from the command line)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _admin_named(db, username: str):
    """A local admin (names are lower case) or a CRM user's admin (``crm:tenant:user``, exact)."""
    from sqlalchemy import select

    from storage import admins
    from storage.tables import Admin

    exact = db.scalars(select(Admin).where(Admin.username == username.strip())).first()
    admin = exact or admins.by_name(db, username)
    if admin is None:
        raise click.ClickException(f"there is no admin {username.strip().lower()!r}")
    return admin


@admin_group.command("create")
@click.argument("username")
@click.option(
    "--installation",
    "grants",
    type=INSTALLATION_ID,
    multiple=True,
    help="installation id it may manage (repeat)",
)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def admin_create(username: str, grants: tuple[int, ...], password_stdin: bool) -> None:
    """Create a local admin; it sees only the installations granted to it."""
    from storage import admins, installations

    password = _read_password(password_stdin)
    with _admin_sessions().begin() as db:
        try:
            admin = admins.create(db, username, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        for installation_id in grants:
            if installations.get(db, installation_id) is None:
                raise click.ClickException(f"there is no installation {installation_id}")
            admins.grant(db, admin.id, installation_id)
        name = admin.username
    click.echo(
        f"admin {name!r} created"
        + (f"; may manage installation(s) {', '.join(map(str, grants))}" if grants else "")
    )


@admin_group.command("grant")
@click.argument("username")
@click.argument("installation", type=INSTALLATION_ID)
def admin_grant(username: str, installation: int) -> None:
    """Let an admin manage one more installation."""
    from sqlalchemy import select

    from storage import admins, installations
    from storage.tables import Admin

    with _admin_sessions().begin() as db:
        admin = db.scalars(select(Admin).where(Admin.username == username.strip().lower())).first()
        if admin is None:
            raise click.ClickException(f"there is no admin {username!r}")
        if installations.get(db, installation) is None:
            raise click.ClickException(f"there is no installation {installation}")
        admins.grant(db, admin.id, installation)
    click.echo(f"{username} may now manage installation {installation}")


@admin_group.command("revoke")
@click.argument("username")
@click.argument("installation", type=INSTALLATION_ID)
def admin_revoke(username: str, installation: int) -> None:
    """Stop an admin managing one installation (from their next request on)."""
    from storage import admins, installations

    with _admin_sessions().begin() as db:
        admin = _admin_named(db, username)
        if installations.get(db, installation) is None:
            raise click.ClickException(f"there is no installation {installation}")
        if not admins.revoke(db, admin.id, installation):
            raise click.ClickException(f"{admin.username} was not granted installation {installation}")
        name = admin.username
    click.echo(f"{name} may no longer manage installation {installation}")


@admin_group.command("remove")
@click.argument("username")
def admin_remove(username: str) -> None:
    """Delete an admin, their grants and their sessions (signed out at once)."""
    from storage import admins

    with _admin_sessions().begin() as db:
        admin = _admin_named(db, username)
        name = admin.username
        ended = admins.remove(db, admin)
    click.echo(f"admin {name!r} removed; {ended} session(s) ended")


@admin_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the new password from standard input")
def admin_passwd(username: str, password_stdin: bool) -> None:
    """Set a local admin's password; every session of theirs ends (they sign in again)."""
    from storage import admins

    with _admin_sessions()() as db:
        admin = _admin_named(db, username)
        if admin.crm_user:
            raise click.ClickException(f"{admin.username} signs in through the CRM and has no password")
    password = _read_password(password_stdin)
    with _admin_sessions().begin() as db:
        admin = _admin_named(db, username)
        name = admin.username
        try:
            ended = admins.set_password(db, admin, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"password of {name!r} changed; {ended} session(s) ended")


@admin_group.command("allow")
@click.argument("installation", type=INSTALLATION_ID)
@click.argument("crm_user_id")
def admin_allow(installation: int, crm_user_id: str) -> None:
    """Let a CRM user of this installation sign in through the CRM and manage it."""
    from storage import admins, installations

    with _admin_sessions().begin() as db:
        row = installations.get(db, installation)
        if row is None:
            raise click.ClickException(f"there is no installation {installation}")
        admins.allow_crm_user(db, row.crm_kind, row.external_id, crm_user_id.strip(), installation)
        crm = row.crm_kind
    click.echo(f"{crm_user_id} may sign in through {crm} and manage installation {installation}")


@main.command("outbound-url")
@click.argument("installation", type=int)
@click.option(
    "--replace",
    is_flag=True,
    help="Make a new URL (the current one stops working at once): for a leaked URL.",
)
def outbound_url_cmd(installation: int, replace: bool) -> None:
    """Print a Salesforce installation's outbound-message Endpoint URL; --replace makes a new one."""
    from storage import installations, outbound_secrets
    from storage.vault import Vault, VaultError

    settings = _settings()
    try:
        vault = Vault(settings.fernet_keys())
        with _admin_sessions().begin() as db:
            row = installations.get(db, installation)
            if row is None:
                raise click.ClickException(f"there is no installation {installation}")
            if row.crm_kind != "salesforce":
                raise click.ClickException(
                    f"installation {installation} is a {row.crm_kind} installation: only Salesforce"
                    " installations have an outbound-message URL"
                )
            made = outbound_secrets.replace if replace else outbound_secrets.ensure
            secret = made(db, vault, installation)
    except VaultError:
        raise click.ClickException(
            "the stored secret cannot be decrypted with LEADQ_ENCRYPTION_KEYS; `leadq outbound-url"
            f" {installation} --replace` makes a new one"
        ) from None
    click.echo(outbound_secrets.endpoint_url(settings.public_base_url, secret))
    if replace:
        click.echo(
            "New URL made: the old one stopped working now. Update the Endpoint URL of each outbound"
            " message (Lead, Contact, Account) in Salesforce Setup to the URL above; until then changes"
            " arrive through the minute poll."
        )


@main.command("install-url")
@click.argument("crm", type=click.Choice(["hubspot", "salesforce"]))
@click.option(
    "--sandbox-org", is_flag=True, help="Salesforce: log in at test.salesforce.com (a sandbox org)."
)
def install_url(crm: str, sandbox_org: bool) -> None:
    """Print the link an admin opens to install leadq into their CRM."""
    settings = _settings()
    if crm == "salesforce":
        if not settings.salesforce_client_id:
            raise click.ClickException(
                "LEADQ_SALESFORCE_CLIENT_ID is not set: register the External Client App first (README)"
            )
        click.echo(f"{settings.public_base_url}/install/salesforce" + ("?env=sandbox" if sandbox_org else ""))
        click.echo(
            f"(callback URL to register in the External Client App: {settings.salesforce_redirect_uri})"
        )
        click.echo(
            "(outbound message endpoint, optional: its URL, with the installation's own secret, is shown"
            " once the install is done and on the installation's page in the admin app)"
        )
        return
    if not settings.hubspot_client_id:
        raise click.ClickException(
            "LEADQ_HUBSPOT_CLIENT_ID is not set: register the HubSpot app first (README)"
        )
    click.echo(f"{settings.public_base_url}/install/{crm}")
    click.echo(f"(redirect URL to register in the HubSpot app: {settings.hubspot_redirect_uri})")


def _read_icp(path: str | None):
    from scoring.icp import IcpError, load_icp

    try:
        return load_icp(open(path, encoding="utf-8").read() if path else None)
    except (OSError, IcpError) as exc:
        raise click.ClickException(f"ICP {path}: {exc}") from None


def _read_data(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None


_CSV_OPTIONS = [
    click.argument("data", type=click.Path(dir_okay=False)),
    click.option("--target", required=True, help="the outcome column"),
    click.option("--positive", default=None, help="the value of TARGET that means converted/won"),
    click.option("--time-column", default=None, help="train on older rows, test on newer ones"),
    click.option("--exclude", default="", help="comma-separated columns to leave out"),
]


def _csv_options(func):
    for option in reversed(_CSV_OPTIONS):
        func = option(func)
    return func


def _excluded(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


@main.command("evaluate")
@_csv_options
@click.option("--icp", "icp_path", default=None, type=click.Path(dir_okay=False), help="ICP TOML file")
@click.option(
    "--json", "json_out", default=None, type=click.Path(dir_okay=False), help="write the report as JSON"
)
@click.option(
    "--charts", default=None, type=click.Path(file_okay=False), help="write lift and calibration SVGs here"
)
def evaluate_cmd(
    data: str,
    target: str,
    positive: str | None,
    time_column: str | None,
    exclude: str,
    icp_path: str | None,
    json_out: str | None,
    charts: str | None,
) -> None:
    """Train on a holdout split of a CSV of leads and report how well leadq would score them."""
    import json
    from pathlib import Path

    from scoring.charts import calibration_chart, lift_chart
    from scoring.csvflow import evaluate_csv
    from scoring.evaluate import summary_text
    from scoring.table import TableError

    try:
        report = evaluate_csv(
            _read_data(data),
            target,
            positive=positive,
            time_column=time_column,
            exclude=_excluded(exclude),
            icp=_read_icp(icp_path),
        )
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    for note in report["notes"]:
        click.echo(f"note: {note}")
    click.echo(summary_text(report))
    if json_out:
        Path(json_out).write_text(json.dumps(report, indent=2, default=str))
        click.echo(f"report written to {json_out}")
    if charts:
        folder = Path(charts)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "lift.svg").write_text(lift_chart(report["lift"]))
        (folder / "calibration.svg").write_text(calibration_chart(report["calibration"]))
        click.echo(f"charts written to {folder}/lift.svg and {folder}/calibration.svg")


@main.command("train")
@_csv_options
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="where to write the model (JSON)")
def train_cmd(
    data: str, target: str, positive: str | None, time_column: str | None, exclude: str, out: str
) -> None:
    """Train a model on every row of a CSV and save it as a portable JSON artifact."""
    from pathlib import Path

    from scoring.csvflow import train_csv
    from scoring.table import TableError

    try:
        model = train_csv(
            _read_data(data), target, positive=positive, time_column=time_column, exclude=_excluded(exclude)
        )
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    Path(out).write_bytes(model.to_bytes())
    click.echo(
        f"model {model.version} trained on {model.metadata['n_train']:,} rows "
        f"({len(model.features)} features) written to {out}"
    )


@main.command("score")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--icp", "icp_path", default=None, type=click.Path(dir_okay=False))
def score_cmd(data: str, model_path: str, out: str, icp_path: str | None) -> None:
    """Score a CSV of leads with a trained model: adds score, probability, tier, verdict, reasons."""
    import csv

    from scoring.csvflow import scored_rows
    from scoring.leadmodel import LeadModel
    from scoring.table import TableError

    try:
        model = LeadModel.from_bytes(_read_data(model_path))
        delimiter, rows = scored_rows(_read_data(data), model, _read_icp(icp_path))
    except (TableError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        with open(out, "w", encoding="utf-8", newline="") as handle:  # row by row, not one big string
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow(next(rows))
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"scored {count:,} rows into {out}")


if __name__ == "__main__":
    main()
