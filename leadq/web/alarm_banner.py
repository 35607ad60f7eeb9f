"""The banner of open monitoring alarms on every installation page: each alarm's cause, since when,
and a link to the installation's monitoring page. Only for a signed-in admin granted the
installation (an error page for another installation shows nothing of it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request

from leadq.web.admin_blueprint import bp
from leadq.web.auth import services
from storage import admins
from storage.alarms import open_alarms


@dataclass(frozen=True)
class Banner:
    cause: str
    since: str
    check: str
    link: str


def _banner() -> list[Banner]:
    installation_id = (request.view_args or {}).get("installation_id")
    if not isinstance(installation_id, int) or not g.get("admin_id"):
        return []
    with services().sessions() as db:
        if not admins.may_use(db, g.admin_id, installation_id):
            return []
        return [
            Banner(
                row.cause,
                f"{row.since or row.raised_at:%Y-%m-%d %H:%M} UTC",
                row.check_hint,
                f"/installations/{installation_id}/monitor",
            )
            for row in open_alarms(db, installation_id)
        ]


@bp.app_context_processor
def _alarm_banner() -> dict[str, Any]:
    return {"alarm_banner": _banner}
