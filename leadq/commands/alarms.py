"""``leadq alarms``: the monitoring alarms (open ones, checking them now, and where they are announced).

``leadq alarms webhook INSTALLATION URL`` keeps the Slack-compatible incoming-webhook URL the alarms
are POSTed to, encrypted (the URL is a secret: it is never printed back in full); ``--clear`` forgets
it; ``--test`` POSTs a test message now and says whether it was delivered. ``leadq alarms list
[INSTALLATION]`` prints the open alarms. ``leadq alarms check [INSTALLATION]`` runs the evaluation beat
runs hourly, now, and prints what was raised, cleared and kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from leadq.commands.common import NO_SUCH, runtime, sessions, settings
from leadq.commands.monitor import INSTALLATION, BadInput, OneLineErrors

if TYPE_CHECKING:
    from workers.services.alarms import Evaluation
    from workers.services.context import Runtime


def checked_url(url: str) -> str:
    """The URL once it is an https URL with a host and a valid port (anything else stops the
    command, not echoed)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme != "https" or not host or any(c.isspace() for c in url):
        raise click.ClickException(
            "the webhook URL must be an https:// URL with a host (a Slack-compatible incoming webhook); "
            "nothing was saved"
        )
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise click.ClickException(
            "the webhook URL's port is not a number from 1 to 65535 (leave it out for https' 443); "
            "nothing was saved"
        ) from None
    if parts.port == 0:
        raise click.ClickException("the webhook URL's port must be from 1 to 65535; nothing was saved")
    return url


@click.group("alarms", short_help="Monitoring alarms: the open ones, checking now, the webhook.")
def alarms_group() -> None:
    """Monitoring alarms: evaluated on beat (LEADQ_MONITOR_INTERVAL_S), or now with `leadq alarms
    check`; thresholds in the ICP file's [monitoring] table (docs/monitoring.md)."""


def _forget_delivery(installation: int) -> None:
    """A new (or no) URL: the previous URL's delivery result says nothing any more (Redis down: it
    stays until the next delivery replaces it)."""
    from storage import alarm_webhook
    from storage.db import UNAVAILABLE
    from storage.redis_namespace import connect

    config = settings()
    client = connect(config.redis_url, config.redis_prefix)
    try:
        alarm_webhook.forget_delivery(client, installation)
    except UNAVAILABLE:
        pass
    finally:
        client.close()


def _save_url(installation: int, url: str | None, clear: bool) -> None:
    from storage import alarm_webhook
    from storage.vault import Vault

    vault = Vault(settings().fernet_keys())
    with sessions().begin() as db:
        try:
            if clear:
                had = alarm_webhook.clear(db, installation)
            else:
                alarm_webhook.set_url(db, vault, installation, checked_url(url or ""))
        except alarm_webhook.NoSuchInstallation:
            raise BadInput(NO_SUCH.format(installation)) from None
    _forget_delivery(installation)
    if clear:
        click.echo(f"installation {installation}: alarm webhook {'cleared' if had else 'was not set'}")
    else:
        shown = alarm_webhook.masked(url or "")
        click.echo(f"installation {installation}: alarms will be POSTed to {shown} (stored encrypted)")


def _failure_advice(installation: int, failure: str) -> str:
    """What to do about a test delivery that failed, for its cause."""
    replace = f"`leadq alarms webhook {installation} URL` replaces it"
    if failure == "SSLError":
        return (
            "its certificate is not trusted: a self-signed or internal-CA certificate needs that CA's "
            "bundle in LEADQ_CA_BUNDLE (a PEM file; restart leadq and its workers after setting it); "
            f"else check the URL ({replace})"
        )
    if failure.startswith("HTTP 4"):
        return f"the webhook refused it: check the URL is the incoming webhook's, in full ({replace})"
    return f"check the URL and that this host can reach it ({replace})"


def _send_test(installation: int, saved: bool = False) -> None:
    """POST a test message now; a failure (or no URL) stops the command with exit code 1."""
    from storage import alarm_webhook, installations
    from workers.services.alarms import send_test

    rt = runtime()
    with rt.sessions() as db:
        if installations.get(db, installation) is None:
            raise BadInput(NO_SUCH.format(installation))
        shown = alarm_webhook.masked_url(db, rt.vault, installation)
    delivery = send_test(rt, installation, datetime.now(UTC))
    if delivery is None:
        raise click.ClickException(
            f"installation {installation}: no alarm webhook to test "
            f"({shown or 'not set'}): set one with `leadq alarms webhook {installation} URL`"
        )
    if not delivery.ok:
        advice = _failure_advice(installation, delivery.failure)
        if saved:
            raise click.ClickException(
                f"installation {installation}: saved, but the test delivery failed: the test message was "
                f"NOT delivered to {shown} ({delivery.failure}): {advice}"
            )
        raise click.ClickException(
            f"installation {installation}: the test message was NOT delivered to {shown} "
            f"({delivery.failure}): {advice}"
        )
    click.echo(f"installation {installation}: test message delivered to {shown}")


def _show(installation: int) -> None:
    """The webhook as it is: its URL (masked) and its last delivery attempt."""
    from leadq.alarm_words import delivery_phrase
    from storage import alarm_webhook, installations
    from storage.db import UNAVAILABLE

    rt = runtime()
    with rt.sessions() as db:
        if installations.get(db, installation) is None:
            raise BadInput(NO_SUCH.format(installation))
        shown = alarm_webhook.masked_url(db, rt.vault, installation)
    if shown is None:
        click.echo(
            f"installation {installation}: no alarm webhook set (alarms are shown in leadq only); "
            f"set one with `leadq alarms webhook {installation} URL`"
        )
        return
    try:
        said = delivery_phrase(alarm_webhook.last_delivery(rt.redis, installation), datetime.now(UTC))
    except UNAVAILABLE:
        said = "last delivery unknown (Redis cannot be reached)"
    click.echo(f"installation {installation}: alarms are POSTed to {shown}; {said}")
    click.echo(
        f"  `leadq alarms webhook {installation} URL` replaces it, --test sends a test message, "
        "--clear forgets it"
    )


@alarms_group.command(
    "webhook", cls=OneLineErrors, short_help="Show, set (or --clear, or --test) the URL alarms are POSTed to."
)
@click.argument("installation", type=INSTALLATION)
@click.argument("url", required=False)
@click.option("--clear", is_flag=True, help="forget the URL: alarms are no longer POSTed")
@click.option("--test", "test", is_flag=True, help="POST a test message now and say whether it arrived")
def webhook_cmd(installation: int, url: str | None, clear: bool, test: bool) -> None:
    """Keep URL (https, a Slack-compatible incoming webhook), encrypted, for INSTALLATION's alarms;
    each alarm raised and cleared is POSTed to it. --test POSTs a test message to it now (with URL:
    once it is saved). Without URL or an option: the current URL (masked) and its last delivery."""
    if clear and (url or test):
        raise BadInput("--clear takes no URL and no --test (see `leadq alarms webhook --help`)")
    if not (url or clear or test):
        _show(installation)
        return
    if url or clear:
        _save_url(installation, url, clear)
    if test:
        _send_test(installation, saved=bool(url))


def alarm_lines(installation: int | None = None) -> list[str]:
    """One line per open alarm: its kind in words and subject by name, what moved, since when, what to
    check."""
    from storage import alarms

    with sessions()() as db:
        rows = alarms.open_alarms(db, installation)
        return [
            f"#{row.installation_id} alarm {alarms.label(row)}: "
            f"{row.cause}; since {row.since or row.raised_at:%Y-%m-%d %H:%M} UTC; check {row.check_hint}"
            for row in rows
        ]


def alarm_json(installation: int | None = None) -> str:
    """The open alarms as JSON: the raw kind and subject (``inactive_owner``, the owner id) beside
    their words."""
    import json

    from storage import alarms

    with sessions()() as db:
        rows = alarms.open_alarms(db, installation)
        return json.dumps(
            [
                {
                    "installation": row.installation_id,
                    "kind": row.kind,
                    "kind_words": alarms.kind_words(row.kind),
                    "subject": row.subject,
                    "subject_words": alarms.subject_words(row),
                    "cause": row.cause,
                    "check": row.check_hint,
                    "since": (row.since or row.raised_at).isoformat(),
                    "raised_at": row.raised_at.isoformat(),
                    "details": row.details or {},
                }
                for row in rows
            ],
            indent=2,
        )


def known(installation: int | None) -> None:
    """Stop (exit 2) when INSTALLATION was given and does not exist."""
    from storage import installations

    if installation is None:
        return
    with sessions()() as db:
        if installations.get(db, installation) is None:
            raise BadInput(NO_SUCH.format(installation))


@alarms_group.command("list", cls=OneLineErrors, short_help="The open alarms.")
@click.argument("installation", type=INSTALLATION, required=False)
@click.option("--json", "as_json", is_flag=True, help="print them as JSON (the raw kind and subject too)")
def list_cmd(installation: int | None, as_json: bool) -> None:
    """The open alarms (of INSTALLATION, or of every installation)."""
    known(installation)
    if as_json:
        click.echo(alarm_json(installation))
        return
    click.echo("\n".join(alarm_lines(installation)) or "no open alarm")


def evaluation_lines(done: Evaluation, name: str) -> list[str]:
    """What one evaluation did, one line per alarm raised, cleared or kept ("no alarm" when none),
    then the webhook's delivery and the early retrain."""
    inst = done.installation_id
    head = f"#{inst} {name}:"
    lines = [
        f"{head} {what} {done.labels.get(key, key)}: {done.causes.get(key, '')}"
        for what, keys in (("raised", done.raised), ("cleared", done.cleared), ("kept", done.kept))
        for key in keys
    ]
    lines += [
        f"{head} switched off {done.labels.get(key, key)} (its kind is in [monitoring] off, so it is no "
        f"longer checked; the condition may still hold): {done.causes.get(key, '')}"
        for key in done.switched_off
    ]
    lines = lines or [f"{head} no alarm"]
    if done.delivery is not None:
        sent = done.announced + done.unannounced
        lines.append(
            f"{head} alarm webhook: {done.announced} of {sent} message(s) delivered"
            if done.delivery.ok
            else f"{head} alarm webhook: delivery failed ({done.delivery.failure}), {done.unannounced} "
            f"message(s) kept for the next check; `leadq alarms webhook {inst} --test` tries now"
        )
    if done.retrain:
        lines.append(f"{head} a new drift alarm: retrain queued early (the champion/challenger gate decides)")
    elif done.retrain_error:
        lines.append(
            f"{head} a new drift alarm, but its early retrain was not queued ({done.retrain_error}): "
            f"`leadq retrain {inst}` runs it here"
        )
    return lines


def _retrain(rt: Runtime) -> Any:
    """Beat's early retrain: a ``leadq.retrain`` task for the workers (a broker that does not take it
    is said in the evaluation's lines)."""
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from workers import dispatch
    from workers.celery_app import make_celery
    from workers.services.alarms import RetrainNotQueued

    celery = make_celery(rt.settings)

    def retrain(installation_id: int) -> None:
        try:
            dispatch.enqueue_retrain(celery, installation_id)
        except (BrokerUnavailable, OSError) as exc:
            raise RetrainNotQueued(f"the broker cannot be reached: {type(exc).__name__}") from None

    return retrain


def _targets(rt: Runtime, installation: int | None) -> dict[int, str]:
    """The installations to evaluate (id -> "hubspot 20007000"): the one asked for, or every working
    one, as beat does."""
    from storage import installations

    with rt.sessions() as db:
        rows = installations.list_all(db)
    names = {row.id: f"{row.crm_kind} {row.tenant_id}" for row in rows}
    if installation is None:
        return {row.id: names[row.id] for row in rows if row.status in installations.WORKING}
    row = next((r for r in rows if r.id == installation), None)
    if row is None:
        raise BadInput(NO_SUCH.format(installation))
    if row.status not in installations.WORKING:
        raise click.ClickException(
            f"installation {installation} is {row.status}: its alarms are checked only while it works "
            "(`leadq status` says why)"
        )
    return {installation: names[installation]}


@alarms_group.command("check", cls=OneLineErrors, short_help="Evaluate the alarms now, as beat does hourly.")
@click.argument("installation", type=INSTALLATION, required=False)
def check_cmd(installation: int | None) -> None:
    """Evaluate the alarms of INSTALLATION (or of every working installation) now, exactly as beat's
    hourly job does: compute the monitoring report, raise, keep and clear alarms, POST them to the
    webhook, ask for the retrain early on a new drift alarm; print what was raised, cleared and kept."""
    from workers.services.alarms import evaluate_installation, monitor_all, report_builder

    rt = runtime()
    targets = _targets(rt, installation)
    if not targets:
        click.echo("no working installation: nothing to check")
        return
    now = datetime.now(UTC)
    retrain = _retrain(rt)
    if installation is None:
        done = list(monitor_all(rt, now, build_report=report_builder(), retrain=retrain))
    else:
        done = [evaluate_installation(rt, installation, now, build_report=report_builder(), retrain=retrain)]
    for evaluation in done:
        for line in evaluation_lines(evaluation, targets[evaluation.installation_id]):
            click.echo(line)
    failed = sorted(set(targets) - {e.installation_id for e in done})
    for installation_id in failed:
        click.echo(
            f"#{installation_id} {targets[installation_id]}: the evaluation failed (the warning above)"
        )
    if failed:
        raise click.exceptions.Exit(1)


COMMANDS = (alarms_group,)
