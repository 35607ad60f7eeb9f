"""The banner of open monitoring alarms on every installation page: each alarm's cause, since when,
and a link to the installation's monitoring page. Only for a signed-in admin granted the
installation (an error page for another installation shows nothing of it). The configuration page
also shows the installation's alarm webhook, masked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request

from leadq.web.admin_blueprint import bp
from leadq.web.auth import services
from storage import admins, alarm_webhook
from storage.alarms import open_alarms


@dataclass(frozen=True)
class Banner:
    cause: str
    since: str
    check: str
    link: str


def _banner() -> list[Banner]:
    installation_id = _granted()
    if installation_id is None:
        return []
    with services().sessions() as db:
        return [
            Banner(
                row.cause,
                f"{row.since or row.raised_at:%Y-%m-%d %H:%M} UTC",
                row.check_hint,
                f"/installations/{installation_id}/monitor",
            )
            for row in open_alarms(db, installation_id)
        ]


def _granted() -> int | None:
    """The installation of this page when the signed-in admin was granted it."""
    installation_id = (request.view_args or {}).get("installation_id")
    if not isinstance(installation_id, int) or not g.get("admin_id"):
        return None
    with services().sessions() as db:
        return installation_id if admins.may_use(db, g.admin_id, installation_id) else None


def _webhook_shown() -> str:
    """The installation's alarm webhook, masked (the URL is a secret), or "not set"."""
    installation_id = _granted()
    if installation_id is None:
        return "not set"
    with services().sessions() as db:
        return alarm_webhook.masked_url(db, services().vault, installation_id) or "not set"


@bp.app_context_processor
def _alarm_banner() -> dict[str, Any]:
    return {"alarm_banner": _banner, "alarm_webhook_shown": _webhook_shown}
