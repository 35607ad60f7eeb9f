"""The admin app's blueprint and what its pages share: the id check on every URL, the 503 page for a
button pressed while the broker is down, sending a task, and the labels of states (the objects' are in
``object_names``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for
from kombu.exceptions import OperationalError as BrokerUnavailable

from leadq.web.object_names import singular
from storage.statuses import InstallationStatus

bp = Blueprint("admin", __name__)
# Every integer in an admin URL is a database id (INTEGER on PostgreSQL): larger ones name nothing.
MAX_ID = 2**31 - 1
BROKER_DOWN = (
    "The task queue (broker) is unavailable, so nothing was started and nothing was changed. "
    "Try again in a minute; if it persists, check the broker (LEADQ_BROKER_URL)."
)
STATE_LABELS = {
    "healthy": "healthy",
    "syncing": "syncing",
    InstallationStatus.THROTTLED: "throttled",
    InstallationStatus.NEEDS_REAUTH: "needs re-authorization",
    InstallationStatus.PAUSED: "paused",
    InstallationStatus.UNINSTALLED: "uninstalled",
    InstallationStatus.CANNOT_DECRYPT: "cannot decrypt tokens",
}


@bp.app_url_value_preprocessor
def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """``/installations/99999999999999999999`` is a 404 like any unknown id, never an overflow; so is a
    path segment holding NUL, which no record id holds (PostgreSQL refuses it in any text)."""
    if values and any(
        (isinstance(v, int) and not isinstance(v, bool) and not 0 <= v <= MAX_ID)
        or (isinstance(v, str) and "\x00" in v)
        for v in values.values()
    ):
        abort(404)


@bp.errorhandler(BrokerUnavailable)
def _broker_down(_exc: Exception):
    """An admin button while the broker is down: a 503 page that says so (the app-wide handler answers
    other paths)."""
    return render_template("unavailable.html", message=BROKER_DOWN), 503, {"Retry-After": "30"}


@bp.app_template_filter("record_word")
def _record_word(object_type: str, crm_kind: str) -> str:
    """``{{ r.object_type|record_word(inst.crm_kind) }}``: what the CRM calls one such record."""
    return singular(crm_kind, object_type)


def to_installation(installation_id: int, anchor: str = "") -> Any:
    """The redirect back to the installation's page (at ``anchor``, e.g. ``#preview``)."""
    return redirect(url_for("admin.installation", installation_id=installation_id) + anchor)
