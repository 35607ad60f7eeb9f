"""``leadq alarms``: the monitoring alarms (open ones, and where they are announced).

``leadq alarms webhook INSTALLATION URL`` keeps the Slack-compatible incoming-webhook URL the alarms
are POSTed to, encrypted (the URL is a secret: it is never printed back in full); ``--clear`` forgets
it. ``leadq alarms list [INSTALLATION]`` prints the open alarms.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from leadq.commands.common import INSTALLATION_ID, NO_SUCH, sessions, settings


def checked_url(url: str) -> str:
    """The URL once it is an https URL with a host (anything else stops the command, not echoed)."""
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
    return url


@click.group("alarms", short_help="Monitoring alarms: the open ones, and the webhook they go to.")
def alarms_group() -> None:
    """Monitoring alarms: evaluated on beat (LEADQ_MONITOR_INTERVAL_S), thresholds in the ICP file's
    [monitoring] table (docs/monitoring.md)."""


@alarms_group.command("webhook", short_help="Set (or --clear) the URL alarms are POSTed to.")
@click.argument("installation", type=INSTALLATION_ID)
@click.argument("url", required=False)
@click.option("--clear", is_flag=True, help="forget the URL: alarms are no longer POSTed")
def webhook_cmd(installation: int, url: str | None, clear: bool) -> None:
    """Keep URL (https, a Slack-compatible incoming webhook), encrypted, for INSTALLATION's alarms;
    each alarm raised and cleared is POSTed to it."""
    from storage import alarm_webhook
    from storage.vault import Vault

    if clear == bool(url):
        raise click.UsageError("give the webhook URL, or --clear (not both)")
    vault = Vault(settings().fernet_keys())
    with sessions().begin() as db:
        try:
            if clear:
                had = alarm_webhook.clear(db, installation)
            else:
                alarm_webhook.set_url(db, vault, installation, checked_url(url or ""))
        except alarm_webhook.NoSuchInstallation:
            raise click.ClickException(NO_SUCH.format(installation)) from None
    if clear:
        click.echo(f"installation {installation}: alarm webhook {'cleared' if had else 'was not set'}")
    else:
        shown = alarm_webhook.masked(url or "")
        click.echo(f"installation {installation}: alarms will be POSTed to {shown} (stored encrypted)")


def alarm_lines(installation: int | None = None) -> list[str]:
    """One line per open alarm: what moved, since when, what to check."""
    from storage import alarms

    with sessions()() as db:
        rows = alarms.open_alarms(db, installation)
        return [
            f"#{row.installation_id} alarm {row.kind}{f' ({row.subject})' if row.subject else ''}: "
            f"{row.cause}; since {row.since or row.raised_at:%Y-%m-%d %H:%M} UTC; check {row.check_hint}"
            for row in rows
        ]


@alarms_group.command("list", short_help="The open alarms.")
@click.argument("installation", type=INSTALLATION_ID, required=False)
def list_cmd(installation: int | None) -> None:
    """The open alarms (of INSTALLATION, or of every installation)."""
    click.echo("\n".join(alarm_lines(installation)) or "no open alarm")


COMMANDS = (alarms_group,)
