"""The banner of open monitoring alarms on every installation page: at most ``SHOWN`` of them, one line
each (cause, since when, what to check in short), "and N more", and a link to the installation's
monitoring page, which lists them all with the full hint (on that page itself: no link, "listed
below"). Only for a signed-in admin granted the
installation (an error page for another installation shows nothing of it). The configuration page
also shows the installation's alarm webhook, masked, and its last delivery attempt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request

from leadq.web.admin_blueprint import bp
from leadq.web.auth import services
from storage import admins, alarm_webhook
from storage.alarms import label, open_alarms
from storage.db import Session

SHOWN = 3  # alarms the banner names; the monitoring page lists them all


SHORT_CHECK = 90  # characters of "what to check" the banner shows


@dataclass(frozen=True)
class Banner:
    cause: str
    since: str
    check: str
    link: str
    kind: str = ""
    subject: str = ""
    label: str = ""  # "Inactive rep (Bo)": the kind in words, the subject by name

    @property
    def short_check(self) -> str:
        """What to check, in short: its first clause, at most ``SHORT_CHECK`` characters."""
        text = self.check
        for stop in ("; ", ": ", ". "):
            text = text.split(stop, 1)[0]
        return text if len(text) <= SHORT_CHECK else text[: SHORT_CHECK - 1].rstrip() + "…"


@dataclass(frozen=True)
class BannerView:
    """What the banner shows: the first ``SHOWN`` alarms, how many more, and where all are."""

    shown: list[Banner]
    total: int
    link: str  # "" on the monitoring page itself: they are listed below

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def banner_rows(db: Session, installation_id: int) -> list[Banner]:
    """Every open alarm of the installation, oldest first."""
    return [
        Banner(
            row.cause,
            f"{row.since or row.raised_at:%Y-%m-%d %H:%M} UTC",
            row.check_hint,
            f"/installations/{installation_id}/monitor",
            row.kind,
            row.subject or "",
            label(row),
        )
        for row in open_alarms(db, installation_id)
    ]


def _banner() -> BannerView | None:
    installation_id = _granted()
    if installation_id is None:
        return None
    with services().sessions() as db:
        rows = banner_rows(db, installation_id)
    if not rows:
        return None
    here = request.endpoint == "admin.monitor"
    link = "" if here else f"/installations/{installation_id}/monitor#open-alarms"
    return BannerView(rows[:SHOWN], len(rows), link)


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


def _webhook_delivery() -> Delivered | None:
    """The alarm webhook's last delivery attempt, in words (None: no webhook, or Redis is down)."""
    from datetime import UTC, datetime

    from leadq.alarm_words import delivery_phrase
    from storage.db import UNAVAILABLE

    installation_id = _granted()
    if installation_id is None:
        return None
    with services().sessions() as db:
        if installation_id not in alarm_webhook.installations_with_url(db):
            return None
    try:
        delivery = alarm_webhook.last_delivery(services().redis, installation_id)
    except UNAVAILABLE:
        return None
    phrase = delivery_phrase(delivery, datetime.now(UTC))
    words = "Nothing was sent to it yet" if delivery is None else f"Its {phrase}"
    return Delivered(words, delivery is not None and not delivery.ok)


@dataclass(frozen=True)
class Delivered:
    words: str
    failing: bool


@bp.app_context_processor
def _alarm_banner() -> dict[str, Any]:
    return {
        "alarm_banner": _banner,
        "alarm_webhook_shown": _webhook_shown,
        "alarm_webhook_delivery": _webhook_delivery,
    }
