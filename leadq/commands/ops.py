"""Commands for whoever runs leadq: database schema, encryption keys, retention, the sandbox CRM and
the demo."""

from __future__ import annotations

import sys

import click

from leadq.commands.common import (
    INSTALLATION_ID,
    NO_SUCH,
    database_url,
    sessions,
    settings,
    wait_for_interrupt,
)
from leadq.commands.help import SummaryGroup
from scoring.wording import counted


@click.group(cls=SummaryGroup, short_help="Create or upgrade the database (`leadq db upgrade`).")
def db() -> None:
    """Database schema."""


@db.command("upgrade", short_help="Create the database or apply its pending migrations.")
def db_upgrade() -> None:
    """Apply every pending migration to LEADQ_DATABASE_URL."""
    from leadq.commands.failures import database_message
    from storage.database_check import Problem, check_database
    from storage.db import make_engine
    from storage.migrate import upgrade

    config = settings()
    problem = check_database(config.sqlalchemy_url)
    if problem is not None and problem.problem == Problem.UNREACHABLE:
        raise click.ClickException(database_message(problem, config))
    engine = make_engine(config.sqlalchemy_url)
    upgrade(engine)
    click.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


@click.group(cls=SummaryGroup, short_help="Encryption keys of the stored tokens: generate, rotate.")
def keys() -> None:
    """Encryption keys for stored tokens."""


@keys.command("generate", short_help="Print a new key (put it first in LEADQ_ENCRYPTION_KEYS).")
def keys_generate() -> None:
    """Print a new Fernet key (put it first in LEADQ_ENCRYPTION_KEYS)."""
    from storage.vault import Vault

    click.echo(Vault.generate_key())


def _rotate(keys: list[str]) -> tuple[int, int, int]:
    """Re-encrypt the stored tokens and outbound-message secrets under the newest key: (tokens
    re-encrypted, tokens already current, secrets re-encrypted)."""
    from storage import alarm_webhook, outbound_secrets
    from storage.db import make_engine, make_session_factory, transaction
    from storage.migrate import upgrade
    from storage.tokens import rotate_all
    from storage.vault import Vault, VaultError

    engine = make_engine(database_url(behind_ok=True))  # an older schema is upgraded first
    upgrade(engine)
    vault = Vault(keys)
    try:
        with transaction(make_session_factory(engine)) as session:
            rotated, current = rotate_all(session, vault)
            secrets_rotated, _ = outbound_secrets.rotate_all(session, vault)
            secrets_rotated += alarm_webhook.rotate_all(session, vault)
    except VaultError as exc:
        raise click.ClickException(
            f"{exc}: keep the old key in LEADQ_ENCRYPTION_KEYS until rotation ran"
        ) from None
    return rotated, current, secrets_rotated


@keys.command("rotate", short_help="Re-encrypt every stored token under the newest key.")
def keys_rotate() -> None:
    """Re-encrypt every stored token under the newest key in LEADQ_ENCRYPTION_KEYS."""
    database_url(behind_ok=True)  # no key file is made to find there is no database
    fernet_keys = settings().fernet_keys()
    rotated, current, secrets_rotated = _rotate(fernet_keys)
    click.echo(f"re-encrypted {counted(rotated, 'token')} under the newest key; {current} already current")
    if secrets_rotated:
        click.echo(
            f"re-encrypted {secrets_rotated} outbound-message endpoint secret(s) and alarm webhook URL(s) "
            "under the newest key"
        )
    if len(fernet_keys) > 1:
        click.echo(
            "every token now uses the newest key: older keys can be removed from LEADQ_ENCRYPTION_KEYS"
        )


@click.command("prune", short_help="Delete history older than the retention period.")
@click.option("--keep-days", type=click.IntRange(min=1), default=None, help="default: LEADQ_RETENTION_DAYS")
@click.option("--installation", type=INSTALLATION_ID, default=None, help="only this installation")
def prune_cmd(keep_days: int | None, installation: int | None) -> None:
    """Delete history older than the retention period that leadq no longer uses (each record keeps
    its newest score and routing decision; events stay at least 7 days, for the CRMs' redeliveries)."""
    from storage import installations
    from storage.retention import prune

    factory = sessions()
    if installation is not None:
        with factory() as db:
            if installations.get(db, installation) is None:
                raise click.ClickException(NO_SUCH.format(installation))
    days = keep_days if keep_days is not None else settings().retention_days
    if days < 1:
        raise click.ClickException(
            f"LEADQ_RETENTION_DAYS is {days}: set it to at least 1, or pass --keep-days"
        )
    gone = prune(factory, days, installation)
    click.echo(
        f"older than {days} days: {gone.events:,} processed events, {gone.scores:,} scores, "
        f"{gone.routing_decisions:,} routing decisions deleted"
    )


@click.command("sandbox", short_help="Run the sandbox CRM (a local HubSpot) until Ctrl-C.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--records", default=2000, show_default=True, type=click.IntRange(min=1), help="contacts per portal"
)
@click.option("--portals", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--client-id", default=None, help="the app's client id (default: generated)")
@click.option("--client-secret", default=None, help="the app's client secret (default: generated)")
@click.option("--https", is_flag=True, help="serve over HTTPS with a generated certificate")
@click.option("--rate-429", default=0.0, type=click.FloatRange(0, 1), help="share of API calls answered 429")
@click.option("--rate-5xx", default=0.0, type=click.FloatRange(0, 1), help="share of API calls answered 5xx")
@click.option(
    "--latency-ms", default=0.0, type=click.FloatRange(min=0), help="latency added to each API call"
)
@click.option(
    "--rate-limit",
    default=110,
    show_default=True,
    type=click.IntRange(min=1),
    help="API calls per 10 s per portal",
)
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
    sandbox = create_sandbox(
        seed=seed,
        records=records,
        portals=portals,
        client_id=client_id,
        client_secret=client_secret,
        faults=faults,
        rate_limit=rate_limit,
    )
    try:
        running = serve(sandbox, host, port, https=https)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on {host}:{port} ({exc.strerror or exc}): choose another --port or --host"
        ) from None
    click.echo(to_json(running) if as_json else dump_summary(running), nl=True)
    sys.stdout.flush()
    wait_for_interrupt()
    running.stop()


@click.command("demo", short_help="Run the whole product on the sandbox CRM, then sum it up.")
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
    click.echo("starting the demo (about a minute; each step says what it does) ...")
    from leadq import demo as flow

    try:
        run = flow.start(records, seed, click.echo, crm)
    except flow.DemoError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        flow.install(run, click.echo)
        flow.train_and_backfill(run, click.echo)
        for line in flow.summary(run, serving=keep_serving):
            click.echo(line)
        if keep_serving:
            click.echo(f"\nserving the admin app at {run.url}/ until Ctrl-C")
            wait_for_interrupt()
    except flow.DemoError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        run.stop()


COMMANDS = (db, keys, prune_cmd, sandbox_cmd, demo)
