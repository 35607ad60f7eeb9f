"""``leadq admin``: the web app's admin accounts, their installation grants and their sessions."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from leadq.commands.common import INSTALLATION_ID, NO_SUCH, sessions
from leadq.commands.help import SummaryGroup
from scoring.wording import counted

# An unknown admin, and the fix (an admin who signs in through the CRM is listed by their CRM name).
NO_ADMIN = "there is no admin {!r}: `leadq admin create NAME` makes a local one"

if TYPE_CHECKING:
    from storage.admins import Admin
    from storage.db import Session


@click.group("admin", cls=SummaryGroup, short_help="Manage the web app's admin accounts and their grants.")
def admin_group() -> None:
    """Admin accounts for the web app (self-hosting; CRM sign-in comes with installs)."""


def _read_password(from_stdin: bool) -> str:
    """A new password from standard input or a hidden prompt (never from the command line)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _admin_named(db: Session, username: str) -> Admin:
    """A local admin (names are lower case) or a CRM user's admin (``crm:tenant:user``, exact)."""
    from storage import admins

    admin = admins.by_exact_or_lower_name(db, username)
    if admin is None:
        raise click.ClickException(NO_ADMIN.format(username.strip().lower()))
    return admin


def _require_installation(db: Session, installation: int) -> None:
    from storage import installations

    if installations.get(db, installation) is None:
        raise click.ClickException(NO_SUCH.format(installation))


def _create(username: str, password: str, grants: tuple[int, ...]) -> str:
    """Create the admin with its grants; its stored (lower-case) name."""
    from storage import admins

    with sessions().begin() as db:
        try:
            admin = admins.create(db, username, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        for installation_id in grants:
            _require_installation(db, installation_id)
            admins.grant(db, admin.id, installation_id)
        return admin.username


@admin_group.command("create", short_help="Create a local admin who sees only the granted installations.")
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
    name = _create(username, _read_password(password_stdin), grants)
    click.echo(
        f"admin {name!r} created"
        + (f"; may manage installation(s) {', '.join(map(str, grants))}" if grants else "")
    )


def _grant(username: str, installation: int) -> None:
    from storage import admins

    with sessions().begin() as db:
        _require_installation(db, installation)
        admin = admins.by_name(db, username)
        if admin is None:
            raise click.ClickException(NO_ADMIN.format(username))
        admins.grant(db, admin.id, installation)


@admin_group.command("grant")
@click.argument("username")
@click.argument("installation", type=INSTALLATION_ID)
def admin_grant(username: str, installation: int) -> None:
    """Let an admin manage one more installation."""
    _grant(username, installation)
    click.echo(f"{username} may now manage installation {installation}")


def _revoke(username: str, installation: int) -> str:
    from storage import admins

    with sessions().begin() as db:
        admin = _admin_named(db, username)
        _require_installation(db, installation)
        if not admins.revoke(db, admin.id, installation):
            raise click.ClickException(f"{admin.username} was not granted installation {installation}")
        return admin.username


@admin_group.command("revoke", short_help="Stop an admin managing one installation.")
@click.argument("username")
@click.argument("installation", type=INSTALLATION_ID)
def admin_revoke(username: str, installation: int) -> None:
    """Stop an admin managing one installation (from their next request on)."""
    name = _revoke(username, installation)
    click.echo(f"{name} may no longer manage installation {installation}")


def _remove(username: str) -> tuple[str, int]:
    from storage import admins

    with sessions().begin() as db:
        admin = _admin_named(db, username)
        name = admin.username
        return name, admins.remove(db, admin)


@admin_group.command("remove", short_help="Delete an admin, their grants and their sessions.")
@click.argument("username")
def admin_remove(username: str) -> None:
    """Delete an admin, their grants and their sessions (signed out at once)."""
    name, ended = _remove(username)
    click.echo(f"admin {name!r} removed; {counted(ended, 'session')} ended")


def _set_password(username: str, password_stdin: bool) -> tuple[str, int]:
    """Check the admin has a password before asking for the new one, then set it."""
    from storage import admins

    with sessions()() as db:
        admin = _admin_named(db, username)
        if admin.crm_user:
            raise click.ClickException(f"{admin.username} signs in through the CRM and has no password")
    password = _read_password(password_stdin)
    with sessions().begin() as db:
        admin = _admin_named(db, username)
        name = admin.username
        try:
            return name, admins.set_password(db, admin, password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None


@admin_group.command("passwd", short_help="Set a local admin's password (their sessions end).")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the new password from standard input")
def admin_passwd(username: str, password_stdin: bool) -> None:
    """Set a local admin's password; every session of theirs ends (they sign in again)."""
    name, ended = _set_password(username, password_stdin)
    click.echo(f"password of {name!r} changed; {counted(ended, 'session')} ended")


def _allow(installation: int, crm_user_id: str) -> str:
    """Allow the CRM user; the installation's CRM."""
    from storage import admins, installations

    with sessions().begin() as db:
        row = installations.get(db, installation)
        if row is None:
            raise click.ClickException(NO_SUCH.format(installation))
        admins.allow_crm_user(db, row.crm_kind, row.tenant_id, crm_user_id.strip(), installation)
        return row.crm_kind


@admin_group.command("allow", short_help="Let a CRM user sign in through the CRM and manage it.")
@click.argument("installation", type=INSTALLATION_ID)
@click.argument("crm_user_id")
def admin_allow(installation: int, crm_user_id: str) -> None:
    """Let a CRM user of this installation sign in through the CRM and manage it."""
    crm = _allow(installation, crm_user_id)
    click.echo(f"{crm_user_id} may sign in through {crm} and manage installation {installation}")


COMMANDS = (admin_group,)
