"""``GET /metrics``: what an operator watches, in Prometheus' text format.

Off unless ``LEADQ_METRICS_TOKEN`` is set; then the scraper sends it as a bearer token
(``Authorization: Bearer <token>``, the scheme in any case; compared in constant time). Counts and
figures only: no record, token or tenant name leaves through here (monitoring's gauges name model
inputs, pools and rep owner ids, as the alarms do). The broker's figures come from the broker
itself (``LEADQ_BROKER_URL``, Redis or RabbitMQ), not from the Redis that holds locks and limits.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, request

from leadq.web.broker_queues import BrokerUnreachable, queue_lengths
from storage import alarm_webhook, installations, monitor_snapshot
from storage.alarms import counts as open_alarm_labels
from storage.db import UNAVAILABLE
from storage.operator_figures import figures
from workers.dispatch import QUEUES

bp = Blueprint("metrics", __name__)


def _authorised() -> bool:
    token = current_app.extensions["leadq"].settings.metrics_token.get_secret_value()
    if not token:
        return False
    scheme, _, sent = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":  # RFC 7235: the scheme is case-insensitive; no scheme, no entry
        return False
    return hmac.compare_digest(sent.strip().encode(), token.encode())


class _Families:
    """Samples grouped per metric family: ``# HELP`` and ``# TYPE`` once, before the family's
    samples (Prometheus text format 0.0.4 ignores or refuses a repeated declaration)."""

    def __init__(self) -> None:
        self._help: dict[str, str] = {}
        self._samples: dict[str, list[str]] = {}

    def add(self, name: str, value: float, help_text: str, labels: dict[str, str] | None = None) -> None:
        label_text = ",".join(f'{k}="{v}"' for k, v in (labels or {}).items())
        self._help.setdefault(name, help_text)
        sample = f"{name}{{{label_text}}} {value}" if label_text else f"{name} {value}"
        self._samples.setdefault(name, []).append(sample)

    def text(self) -> str:
        lines: list[str] = []
        for name, help_text in self._help.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *self._samples[name]]
        return "\n".join(lines) + "\n"


def _label(value: str) -> str:
    """A label value in Prometheus' text format: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _alarm_gauges(out: _Families, alarms: dict[int, list[tuple[str, str]]], ids: list[int]) -> None:
    """``leadq_alarm_open`` 1 per open monitoring alarm; ``leadq_alarms_open`` their count for every
    installation (0: none open)."""
    for installation_id in sorted(set(ids) | set(alarms)):
        open_ = sorted(alarms.get(installation_id, []))
        for kind, subject in open_:
            labels = {"installation": str(installation_id), "kind": kind, "subject": _label(subject)}
            out.add("leadq_alarm_open", 1, "an open monitoring alarm (what moved: leadq status)", labels)
        out.add(
            "leadq_alarms_open", len(open_), "open monitoring alarms", {"installation": str(installation_id)}
        )


def _monitor_gauges(out: _Families, client: Any, ids: list[int], webhooks: set[int]) -> None:
    """Each installation's figures from its last monitoring evaluation (beat, hourly by default), when
    that evaluation ran, and whether its alarm webhook's last delivery failed."""
    try:
        saved = monitor_snapshot.load(client, ids)
        checked = monitor_snapshot.last_checked_all(client, ids)
        deliveries = alarm_webhook.last_deliveries(client, sorted(webhooks & set(ids)))
    except UNAVAILABLE:  # Redis down: the other metrics still answer
        return
    for installation_id, at in sorted(checked.items()):
        out.add(
            "leadq_alarms_last_checked_timestamp_seconds",
            round(at.timestamp(), 3),
            "when the installation's alarms were last evaluated (Unix time; absent: never)",
            {"installation": str(installation_id)},
        )
    for installation_id in sorted(ids):
        delivery = deliveries.get(installation_id)
        out.add(
            "leadq_alarm_webhook_failing",
            int(delivery is not None and not delivery.ok),
            "1 when the last POST to the installation's alarm webhook failed (retried at the next check)",
            {"installation": str(installation_id)},
        )
    for installation_id, found in sorted(saved.items()):
        for g in found:
            labels = {"installation": str(installation_id), **{k: _label(v) for k, v in g.labels}}
            out.add(g.name, round(g.value, 6), g.help, labels)


@bp.get("/metrics")
def metrics():
    if not _authorised():
        abort(404)
    services = current_app.extensions["leadq"]
    now = datetime.now(UTC)
    out = _Families()
    with services.sessions() as session:
        counts = figures(session)
        alarms = open_alarm_labels(session)
        ids = [row.id for row in installations.list_all(session)]
        webhooks = alarm_webhook.installations_with_url(session)
    for status, count in sorted(counts.installations.items()):
        out.add("leadq_installations", count, "installations by status", {"status": status})
    for status, count in sorted(counts.events.items()):
        out.add("leadq_change_events", count, "change events by status", {"status": status})
    oldest = counts.oldest_queued
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    out.add("leadq_oldest_queued_change_seconds", round(age, 1), "age of the oldest unprocessed change")
    out.add("leadq_dead_letters", counts.dead_letters, "records the CRM refused, waiting for a retry")
    running = counts.running_backfills
    out.add("leadq_backfills_running", len(running), "backfills in progress")
    remaining = sum(max(0, (total or 0) - done) for done, total in running)
    out.add(
        "leadq_backfill_records_remaining", remaining, "records the running backfills still have to visit"
    )
    _alarm_gauges(out, alarms, ids)
    _monitor_gauges(out, services.redis, ids, webhooks)
    try:
        lengths = queue_lengths(
            services.settings.celery_broker_url, QUEUES, prefix=services.settings.redis_prefix
        )
    except BrokerUnreachable:  # the broker being down is itself the metric
        out.add("leadq_broker_up", 0, "whether the broker answered")
    else:
        for queue in QUEUES:
            out.add("leadq_queue_length", lengths[queue], "tasks waiting in the broker", {"queue": queue})
        out.add("leadq_broker_up", 1, "whether the broker answered")
    return Response(out.text(), content_type="text/plain; version=0.0.4")
