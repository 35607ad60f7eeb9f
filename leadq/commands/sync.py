"""Commands for one installation's sync with its CRM: the install URL, backfill, retry of failing
records, reconciliation, retraining, and a Salesforce installation's outbound-message URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from leadq.commands.common import (
    INSTALLATION_ID,
    NO_SUCH,
    counted,
    per_page,
    preview_lines,
    sessions,
    settings,
    working_context,
)
from scoring.wording import counted as in_words

if TYPE_CHECKING:
    from core.records import ObjectType
    from workers.services.context import InstallationContext
    from workers.services.reconcile import Reconciliation


def _salesforce_install_lines(sandbox_org: bool) -> list[str]:
    config = settings()
    if not config.salesforce_client_id:
        raise click.ClickException(
            "LEADQ_SALESFORCE_CLIENT_ID is not set: register the External Client App first (README)"
        )
    return [
        f"{config.public_base_url}/install/salesforce" + ("?env=sandbox" if sandbox_org else ""),
        f"(callback URL to register in the External Client App: {config.salesforce_redirect_uri})",
        "(outbound message endpoint, optional: its URL, with the installation's own secret, is shown"
        " once the install is done and on the installation's page in the admin app)",
    ]


def _hubspot_install_lines(sandbox_org: bool) -> list[str]:
    config = settings()
    if not config.hubspot_client_id:
        raise click.ClickException(
            "LEADQ_HUBSPOT_CLIENT_ID is not set: register the HubSpot app first (README)"
        )
    return [
        f"{config.public_base_url}/install/hubspot",
        f"(redirect URL to register in the HubSpot app: {config.hubspot_redirect_uri})",
    ]


# What an admin needs to install leadq into each CRM: the link, and what to register in the CRM's app.
_INSTALL_LINES: dict[str, Callable[[bool], list[str]]] = {
    "hubspot": _hubspot_install_lines,
    "salesforce": _salesforce_install_lines,
}


@click.command("install-url", short_help="Print the link an admin opens to install leadq into a CRM.")
@click.argument("crm", type=click.Choice(["hubspot", "salesforce"]))
@click.option(
    "--sandbox-org", is_flag=True, help="Salesforce: log in at test.salesforce.com (a sandbox org)."
)
def install_url(crm: str, sandbox_org: bool) -> None:
    """Print the link an admin opens to install leadq into their CRM."""
    click.echo("\n".join(_INSTALL_LINES[crm](sandbox_org)))


# What `--objects` accepts, per CRM: the names first (the help and the errors list them), then the
# other spellings a person types. In HubSpot "leads" is its Leads object; in Salesforce, its Leads.
_OBJECT_NAMES: dict[str, dict[str, str]] = {
    "hubspot": {
        "contact": "contact",
        "leads": "pipeline_lead",
        "account": "account",
        "contacts": "contact",
        "lead": "pipeline_lead",
        "pipeline_lead": "pipeline_lead",
        "company": "account",
        "companies": "account",
        "accounts": "account",
    },
    "salesforce": {
        "lead": "lead",
        "contact": "contact",
        "account": "account",
        "leads": "lead",
        "contacts": "contact",
        "accounts": "account",
    },
}
_EXPLAINED = {"pipeline_lead": "HubSpot's Leads object"}
NO_LEADS_SCOPES = (
    "this HubSpot portal did not grant leadq the Leads scopes (crm.objects.leads.read/write): reinstall"
    " leadq (`leadq install-url hubspot`, open the link and approve the Leads access), then run the"
    " backfill again"
)


def _valid_names(crm_kind: str) -> str:
    """The names `--objects` takes for this CRM, as an error lists them."""
    names: dict[str, str] = {}
    for name, object_type in _OBJECT_NAMES.get(crm_kind, {}).items():
        names.setdefault(object_type, name)
    return ", ".join(f"{name} ({_EXPLAINED[t]})" if t in _EXPLAINED else name for t, name in names.items())


def _scored_objects(ctx: InstallationContext, objects: str) -> list[ObjectType]:
    """The object types ``objects`` names (comma-separated), each scored in this CRM, all checked
    before any backfill starts; none named: the people, then the accounts (a page of people is scored
    with their open HubSpot Leads records: ``leads`` pages through the Leads records themselves)."""
    from connector.registry import provider
    from core.records import ObjectType

    crm_kind = ctx.crm.value
    named = list(dict.fromkeys(o.strip().lower() for o in objects.split(",") if o.strip()))
    if not named:
        return [*ctx.adapter.people_objects, ObjectType.ACCOUNT]
    chosen: list[ObjectType] = []
    for name in named:
        value = _OBJECT_NAMES.get(crm_kind, {}).get(name)
        if value is None:
            raise click.ClickException(
                f"{name[:40]!r} is not scored in this CRM ({provider(crm_kind).label}); choose from "
                + _valid_names(crm_kind)
            )
        if value == ObjectType.PIPELINE_LEAD and ctx.adapter.pipeline_leads is None:
            raise click.ClickException(NO_LEADS_SCOPES)
        chosen.append(ObjectType(value))
    return list(dict.fromkeys(chosen))


def _named(crm_kind: str, obj: ObjectType) -> tuple[str, str]:
    """How the command's lines name one object and its records: the object type where it is a plain
    word ("contact", "contact records"), the name otherwise ("Leads records" for both)."""
    from leadq.web.object_names import plural

    if "_" not in obj.value:
        return obj.value, f"{obj.value} records"
    return plural(crm_kind, obj.value), plural(crm_kind, obj.value)


def _backfill(ctx: InstallationContext, obj: ObjectType, dry_run: bool, restart: bool) -> list[str]:
    """Backfill one object type with a progress display; the lines that sum it up."""
    from leadq.commands.progress import progress
    from workers.services.backfill import cursor_name, preview_of, run_backfill

    name, records = _named(ctx.crm.value, obj)
    label = f"{'previewing' if dry_run else 'backfilling'} {records}"
    if dry_run and not restart:
        from storage import cursors
        from storage.statuses import CursorStatus

        with ctx.sessions() as session:  # a preview cancelled in the admin app: this one starts over
            state = cursors.read(session, ctx.installation_id, obj.value, cursor_name(obj, dry_run=True))
        restart = state.status == CursorStatus.CANCELLED
    with progress(label) as step:
        done, report = run_backfill(ctx, obj, dry_run=dry_run, restart=restart, on_progress=per_page(step))
    if dry_run:
        preview = preview_of(ctx, obj)
        header = f"dry run: nothing was written. Per field ({preview['done']:,} records):"
        return [header, *preview_lines(preview, "  ", samples=3, crm_kind=ctx.crm.value)]
    return [
        f"{name}: {done.done:,} records, {report.written_records:,} written "
        f"({report.writes:,} fields), {report.failed:,} failed, {report.api_calls:,} write calls"
    ]


@click.command("backfill", short_help="Score every existing record and write the results back.")
@click.argument("installation", type=INSTALLATION_ID)
@click.option("--dry-run", is_flag=True, help="write nothing; show what would change")
@click.option(
    "--objects",
    default="",
    help="comma-separated: contact,leads,account (HubSpot; leads: its Leads object), "
    "lead,contact,account (Salesforce); default: all",
)
@click.option("--restart", is_flag=True, help="start over instead of resuming from the checkpoint")
def backfill_cmd(installation: int, dry_run: bool, objects: str, restart: bool) -> None:
    """Score every existing record of an installation and write the results back (resumable)."""
    ctx = working_context(installation)
    chosen = _scored_objects(ctx, objects)
    try:
        for obj in chosen:
            click.echo("\n".join(_backfill(ctx, obj, dry_run, restart)))
    except Exception:
        if dry_run:  # a preview this command gave up on is cancelled, not left "running" for no worker
            _cancel_preview(ctx, chosen)
        raise


def _cancel_preview(ctx: InstallationContext, chosen: Sequence[ObjectType]) -> None:
    from storage import cursors

    with ctx.sessions.begin() as session:
        cursors.cancel_previews(session, ctx.installation_id, [o.value for o in chosen])


@click.command("retry", short_help="Process the records the CRM refused again.")
@click.argument("installation", type=INSTALLATION_ID)
def retry_cmd(installation: int) -> None:
    """Process the records of unresolved dead letters again; resolved ones are marked so."""
    from workers.services.retry import retry_dead_letters

    retried, failing = retry_dead_letters(working_context(installation))
    click.echo(f"retried {in_words(retried, 'record')}; {failing} still failing")


def _reconcile(installation: int, fix: bool) -> tuple[str, Reconciliation]:
    """Reconcile with a progress display; the other ways it fails are the group's messages."""
    from leadq.commands.failures import REINSTALL
    from leadq.commands.progress import progress
    from workers.services.context import InstallationPaused
    from workers.services.reconcile import reconcile

    try:
        ctx = working_context(installation)
    except InstallationPaused as exc:
        raise click.ClickException(f"{exc}: install it again ({REINSTALL}), then reconcile") from None
    with progress("reading leadq's fields back from the CRM") as step:
        return ctx.crm.value, reconcile(ctx, fix=fix, on_progress=counted(step))


def _reconcile_lines(crm_kind: str, result: Reconciliation, installation: int, fix: bool) -> list[str]:
    from leadq.web.object_names import plural, singular
    from workers.services.reconcile import LABELS

    def named(object_type: str, one: bool = False) -> str:  # as ``_named``: "contact", "Leads record(s)"
        if "_" not in object_type:
            return object_type
        return singular(crm_kind, object_type) if one else plural(crm_kind, object_type)

    lines = [result.headline()]
    for object_type, counts in sorted(result.by_object.items()):
        parts = ", ".join(f"{n:,} {LABELS[k]}" for k, n in sorted(counts.items()) if k != "match")
        lines.append(
            f"  {named(object_type)}: {counts.get('match', 0):,} of {sum(counts.values()):,} match"
            + (f"; {parts}" if parts else "")
        )
    for kind, examples in result.examples.items():
        lines.append(f"{LABELS[kind]}: {in_words(f'{result.counts[kind]:,}', 'record')}, e.g.")
        for example in examples:
            fields = "; ".join(
                f"{f['field']} CRM {f.get('crm')!r}, leadq {f.get('leadq')!r}"
                + (f" (by {f['by']})" if f.get("by") else "")
                for f in example.get("fields", [])
            )
            message = f" - {example['message']}" if example.get("message") else ""
            found = fields or "not found"
            lines.append(f"  {named(example['object'], one=True)} {example['record']}: {found}{message}")
    if fix:
        lines.append(f"fixed: {in_words(f'{result.fixed:,}', 'record')} rewritten")
    elif result.counts["wrong"] or result.counts["never_written"]:
        lines.append(f"rewrite the wrong and missing fields: `leadq reconcile {installation} --fix`")
    lines.append(f"CRM API calls: {result.api_calls:,}")
    return lines


@click.command("reconcile", short_help="Compare leadq's fields in the CRM with what leadq decided.")
@click.argument("installation", type=INSTALLATION_ID)
@click.option("--fix", is_flag=True, help="rewrite leadq's own fields that are wrong or missing")
def reconcile_cmd(installation: int, fix: bool) -> None:
    """Read leadq's fields back from the CRM and compare them with what leadq decided and wrote."""
    crm_kind, result = _reconcile(installation, fix)
    click.echo("\n".join(_reconcile_lines(crm_kind, result, installation, fix)))


def _retrain_line(outcome: dict[str, Any]) -> str:
    if not outcome.get("ready"):
        return f"no model yet: {outcome.get('why')}"
    verdict = "promoted" if outcome["promoted"] else "kept the champion"
    family = outcome.get("family")
    return (
        f"{outcome['version']}{f' ({family})' if family else ''}: AUC {outcome['auc']:.3f} vs. rules "
        f"{outcome['rule_auc']:.3f} on {outcome['outcomes']} outcomes; {verdict} ({outcome['reason']})"
    )


@click.command("retrain", short_help="Train a challenger model now; it replaces a worse champion.")
@click.argument("installation", type=INSTALLATION_ID)
def retrain_cmd(installation: int) -> None:
    """Train a challenger on the CRM's outcomes now; it replaces the champion only if it wins."""
    from leadq.commands.progress import progress
    from leadq.web.reps_words import reps_lines
    from leadq.web.segment_words import headline, segment_lines
    from scoring.family_gate import family_words
    from workers.services.retrain import retrain

    ctx = working_context(installation)
    with progress("reading the CRM's outcomes and training a challenger"):
        outcome = retrain(ctx)
    click.echo(_retrain_line(outcome))
    for line in family_words(outcome):  # each family's held-out AUC and which one the gate chose
        click.echo(f"  {line}")
    for line in reps_lines(outcome.get("reps")):  # what the reps' feedback taught it, and how they disagreed
        click.echo(f"  {line}")
    if outcome.get("segments"):  # the segment models: which were kept, and each segment's verdict
        click.echo(f"  {headline(outcome['segments'])}")
        for line in segment_lines(outcome["segments"]):
            click.echo(f"    {line}")


def _outbound_secret(installation: int, replace: bool) -> str:
    """The installation's outbound-message secret (a new one with ``replace``)."""
    from connector.registry import provider
    from storage import installations, outbound_secrets
    from storage.vault import Vault, VaultError

    try:
        vault = Vault(settings().fernet_keys())
        with sessions().begin() as db:
            row = installations.get(db, installation)
            if row is None:
                raise click.ClickException(NO_SUCH.format(installation))
            if not provider(row.crm_kind).outbound_messages:
                raise click.ClickException(
                    f"installation {installation} is a {row.crm_kind} installation: only Salesforce"
                    " installations have an outbound-message URL"
                )
            made = outbound_secrets.replace if replace else outbound_secrets.ensure
            return made(db, vault, installation)
    except VaultError:
        raise click.ClickException(
            "the stored secret cannot be decrypted with LEADQ_ENCRYPTION_KEYS; `leadq outbound-url"
            f" {installation} --replace` makes a new one"
        ) from None


@click.command("outbound-url", short_help="Print a Salesforce installation's outbound-message URL.")
@click.argument("installation", type=INSTALLATION_ID)
@click.option(
    "--replace",
    is_flag=True,
    help="Make a new URL (the current one stops working at once): for a leaked URL.",
)
def outbound_url_cmd(installation: int, replace: bool) -> None:
    """Print a Salesforce installation's outbound-message Endpoint URL; --replace makes a new one."""
    from storage import outbound_secrets

    secret = _outbound_secret(installation, replace)
    click.echo(outbound_secrets.endpoint_url(settings().public_base_url, secret))
    if replace:
        click.echo(
            "New URL made: the old one stopped working now. Update the Endpoint URL of each outbound"
            " message (Lead, Contact, Account) in Salesforce Setup to the URL above; until then changes"
            " arrive through the minute poll."
        )


COMMANDS = (install_url, backfill_cmd, retry_cmd, reconcile_cmd, retrain_cmd, outbound_url_cmd)
