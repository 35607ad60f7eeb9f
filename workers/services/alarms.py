"""The "monitor" beat job: per working installation, build its monitoring report, evaluate the alarm
thresholds of its ICP file's ``[monitoring]`` table, keep the alarms in the store (raised, kept,
cleared), announce raises and clearings to the installation's alarm webhook (Slack-compatible JSON),
and when a drift alarm is newly raised ask for the retrain early (the champion/challenger gate decides).

A POST that fails is logged without the URL and tried again on the next evaluation (the alarm stays
unannounced in the store until one succeeds); the result of each evaluation's delivery attempt (and of
``send_test``) is kept (``storage.alarm_webhook.last_delivery``), and each evaluation's time
(``storage.monitor_snapshot.last_checked``): ``leadq status``, ``/metrics`` and the admin app say
whether alarms are being checked and delivered. ``leadq alarms check`` runs ``evaluate_installation``
(or ``monitor_all``) now, as beat does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import requests

from monitoring.alarms import DRIFT_KINDS, AlarmFinding, evaluate
from monitoring.gauges import gauges
from monitoring.report import MonitorReport
from monitoring.routing_alarms import IN_CRM, IN_FILE, with_inactive_causes
from monitoring.thresholds import Thresholds, parse
from scoring.icp import load_icp
from storage import alarm_webhook, installations, monitor_snapshot, training_attempts
from storage import alarms as alarm_store
from storage.db import UNAVAILABLE
from storage.model_names import friendly_names, renamed
from storage.vault import VaultError
from workers.services.config_hash import config_texts
from workers.services.connections import http_session
from workers.services.context import Runtime
from workers.services.monitor import report_for

log = logging.getLogger(__name__)
ReportBuilder = Callable[[Runtime, int, datetime], MonitorReport]
Post = Callable[[str, dict[str, object]], None]  # (url, body): raises on failure
Retrain = Callable[[int], None]


class RetrainNotQueued(RuntimeError):
    """What a ``Retrain`` raises when the broker would not take the task (its message: why)."""


RETRAIN_QUIET = timedelta(hours=24)  # no early retrain when one ran (or was asked for) this recently


@dataclass
class Evaluation:
    installation_id: int
    raised: list[str] = field(default_factory=list)  # "kind subject"
    cleared: list[str] = field(default_factory=list)  # its condition ended
    switched_off: list[str] = field(default_factory=list)  # closed: its kind was switched off
    labels: dict[str, str] = field(default_factory=dict)  # "kind subject" -> "Inactive rep (Bo)"
    still: int = 0
    kept: list[str] = field(default_factory=list)  # the alarms that were open and still are
    causes: dict[str, str] = field(default_factory=dict)  # "kind subject" -> what moved
    announced: int = 0
    unannounced: int = 0
    retrain: bool = False
    retrain_error: str = ""  # the early retrain could not be queued: the error's type
    delivery: alarm_webhook.Delivery | None = None  # this evaluation's POSTs (None: nothing to send)


def report_builder() -> ReportBuilder:
    """``workers.services.monitor.report_for``: what the report is made with (tests swap it)."""
    return report_for


def thresholds_of(runtime: Runtime, installation_id: int) -> Thresholds:
    """The installation's thresholds; a file with problems (refused when it was saved, so only a file
    named in the settings) keeps the defaults for the keys in question, and says so in the log."""
    with runtime.sessions() as session:
        row = installations.get(session, installation_id)
        icp_text = config_texts(row, runtime.settings, pending=False)[0] if row is not None else None
    thresholds, problems = parse(load_icp(icp_text).monitoring)
    if problems:
        log.warning(
            "alarms.threshold-problems",
            extra={"installation": installation_id, "problems": [str(p) for p in problems]},
        )
    return thresholds


def message(row: alarm_store.AlarmRow, link: str, tenant: str) -> dict[str, object]:
    """The Slack-compatible body announcing an alarm raised, cleared when ``row.cleared_at``, or
    switched off (its kind was switched off in the ``[monitoring]`` table: never said cleared)."""
    since = f"{row.since:%Y-%m-%d %H:%M} UTC" if row.since else "unknown"
    if row.cleared_at is None:
        title = f"leadq alarm: {alarm_store.label(row)} on {tenant}"
        lines = [f"*What moved:* {row.cause}", f"*Since:* {since}", f"*What to check:* {row.check_hint}"]
    elif alarm_store.switched_off(row):
        title = f"leadq alarm switched off: {alarm_store.label(row)} on {tenant}"
        lines = [
            f"*Was:* {row.cause}",
            f"*From* {since} *to* {row.cleared_at:%Y-%m-%d %H:%M} UTC: this kind of alarm was switched "
            "off in the ICP file's [monitoring] table, so it is no longer checked; the condition may "
            "still hold.",
        ]
    else:
        title = f"leadq alarm cleared: {alarm_store.label(row)} on {tenant}"
        lines = [
            f"*Was:* {row.cause}",
            f"*From* {since} *to* {row.cleared_at:%Y-%m-%d %H:%M} UTC: the condition ended.",
        ]
    return {
        "text": f"{title}: {row.cause}" if row.cleared_at is None else title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|Open monitoring in leadq>"}},
        ],
    }


def http_post(runtime: Runtime) -> Post:
    session = http_session(runtime.settings)

    def post(url: str, body: dict[str, object]) -> None:
        answer = session.post(url, json=body, timeout=min(runtime.settings.http_timeout_s, 10.0))
        answer.raise_for_status()

    return post


def _webhook(runtime: Runtime, installation_id: int) -> str | None:
    with runtime.sessions() as session:
        try:
            return alarm_webhook.get_url(session, runtime.vault, installation_id)
        except VaultError:
            log.warning("alarms.webhook-undecryptable", extra={"installation": installation_id})
            return None


def _failure(exc: BaseException) -> tuple[int | None, str]:
    """The HTTP status (when the webhook answered) and the error's type: never its text, which may
    hold the URL."""
    return getattr(getattr(exc, "response", None), "status_code", None), type(exc).__name__


def _record(runtime: Runtime, installation_id: int, delivery: alarm_webhook.Delivery) -> None:
    try:
        alarm_webhook.record_delivery(runtime.redis, installation_id, delivery)
    except UNAVAILABLE:  # Redis down: the alarms themselves are in the database
        log.warning("alarms.delivery-not-recorded", extra={"installation": installation_id})


def notify(
    runtime: Runtime, installation_id: int, now: datetime, post: Post
) -> tuple[int, int, alarm_webhook.Delivery | None]:
    """POST every unannounced raise and clearing; (announced, still unannounced, the attempt's result:
    None when there was nothing to send or no webhook)."""
    url = _webhook(runtime, installation_id)
    if url is None:
        return 0, 0, None
    link = f"{runtime.settings.public_base_url.rstrip('/')}/installations/{installation_id}/monitor"
    announced = failed = 0
    first_failure: tuple[int | None, str] | None = None
    with runtime.sessions.begin() as session:
        row = installations.get(session, installation_id)
        tenant = f"{row.crm_kind} {row.tenant_id}" if row is not None else f"installation {installation_id}"
        raised, cleared = alarm_store.to_notify(session, installation_id)
        for alarm in [*raised, *cleared]:
            try:
                post(url, message(alarm, link, tenant))
            except (requests.RequestException, OSError) as exc:
                failed += 1  # never the URL or the exception's text (it may hold the URL) in the log
                status, error = _failure(exc)
                first_failure = first_failure or (status, error)
                log.warning(
                    "alarms.webhook-failed",
                    extra={"installation": installation_id, "error": error, "status": status},
                )
                continue
            alarm_store.mark_notified(alarm, now)
            announced += 1
    if not announced and not failed:
        return 0, 0, None
    delivery = (
        alarm_webhook.Delivery(now, True)
        if first_failure is None
        else alarm_webhook.Delivery(now, False, first_failure[0], first_failure[1])
    )
    _record(runtime, installation_id, delivery)
    return announced, failed, delivery


def trial_message(tenant: str, link: str) -> dict[str, object]:
    """The Slack-compatible body of ``leadq alarms webhook --test``."""
    text = f"leadq test message: the monitoring alarms of {tenant} are posted here"
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|Open monitoring in leadq>"}},
        ],
    }


def send_test(
    runtime: Runtime, installation_id: int, now: datetime, post: Post | None = None
) -> alarm_webhook.Delivery | None:
    """POST a test message to the installation's webhook now and keep the result as the last delivery
    attempt; None when no webhook is set (or it cannot be decrypted)."""
    url = _webhook(runtime, installation_id)
    if url is None:
        return None
    with runtime.sessions() as session:
        row = installations.get(session, installation_id)
        tenant = f"{row.crm_kind} {row.tenant_id}" if row is not None else f"installation {installation_id}"
    link = f"{runtime.settings.public_base_url.rstrip('/')}/installations/{installation_id}/monitor"
    try:
        (post or http_post(runtime))(url, trial_message(tenant, link))
    except (requests.RequestException, OSError) as exc:
        status, error = _failure(exc)
        log.info("alarms.webhook-test-failed", extra={"installation": installation_id, "error": error})
        delivery = alarm_webhook.Delivery(now, False, status, error, test=True)
    else:
        delivery = alarm_webhook.Delivery(now, True, test=True)
    _record(runtime, installation_id, delivery)
    return delivery


def _early_retrain(
    runtime: Runtime, installation_id: int, now: datetime, retrain: Retrain
) -> tuple[bool, str]:
    """Ask for the retrain now, unless one ran or was asked for in the last 24 hours; (asked, the
    error's type when the broker would not take it)."""
    attempt = training_attempts.latest(runtime.redis, installation_id)
    asked = alarm_store.early_retrain_at(runtime.redis, installation_id)
    recent = [at for at in (attempt.at if attempt else None, asked) if at is not None]
    if any(now - at < RETRAIN_QUIET for at in recent):
        return False, ""
    try:
        retrain(installation_id)
    except RetrainNotQueued as exc:  # not marked: the next new drift alarm asks again
        log.warning("alarms.early-retrain-failed", extra={"installation": installation_id, "error": str(exc)})
        return False, str(exc)
    alarm_store.mark_early_retrain(runtime.redis, installation_id, now)
    log.info("alarms.early-retrain", extra={"installation": installation_id})
    return True, ""


def _inactive_where(runtime: Runtime, installation_id: int, owners: Sequence[str]) -> dict[str, str]:
    """Each of these inactive reps -> ``IN_FILE`` when the routing file itself marks them inactive,
    else ``IN_CRM`` (the report found them inactive: their user is deactivated in the CRM); empty when
    the file cannot be read. What the inactive-rep alarm's hint says."""
    from routing.config import RoutingConfigError, load_routing

    with runtime.sessions() as session:
        row = installations.get(session, installation_id)
        routing_text = config_texts(row, runtime.settings, pending=False)[1] if row is not None else None
    try:
        config = load_routing(routing_text)
    except RoutingConfigError:
        return {}
    in_file = {r.owner_id for r in config.reps if not r.active}
    return {owner: IN_FILE if owner in in_file else IN_CRM for owner in owners}


def _findings(
    runtime: Runtime, installation_id: int, report: MonitorReport
) -> tuple[list[AlarmFinding], Thresholds]:
    """What holds now, said for people: the inactive rep's cause, model versions by their names."""
    thresholds = thresholds_of(runtime, installation_id)
    findings = evaluate(report, thresholds)
    if any(f.kind == "inactive_owner" for f in findings):
        minutes = max(1, round(runtime.settings.reroute_interval_s / 60))
        owners = [f.subject for f in findings if f.kind == "inactive_owner"]
        findings = with_inactive_causes(findings, _inactive_where(runtime, installation_id, owners), minutes)
    with runtime.sessions() as session:
        names = friendly_names(session, installation_id)
    findings = [
        replace(f, cause=renamed(f.cause, names), check_hint=renamed(f.check_hint, names)) for f in findings
    ]
    return findings, thresholds


def evaluate_installation(
    runtime: Runtime,
    installation_id: int,
    now: datetime,
    *,
    build_report: ReportBuilder,
    post: Post | None = None,
    retrain: Retrain | None = None,
) -> Evaluation:
    """One evaluation of one installation's alarms (see the module's docstring)."""
    report = build_report(runtime, installation_id, now)
    monitor_snapshot.save(runtime.redis, installation_id, gauges(report))  # what /metrics shows
    findings, thresholds = _findings(runtime, installation_id, report)
    result = Evaluation(installation_id)
    with runtime.sessions.begin() as session:
        raised, closed, still = alarm_store.sync(session, installation_id, findings, now, thresholds.off)
        off = [r for r in closed if alarm_store.switched_off(r)]
        cleared = [r for r in closed if not alarm_store.switched_off(r)]

        def key(r: alarm_store.AlarmRow) -> str:
            return f"{r.kind} {r.subject}".strip()

        result.raised = [key(r) for r in raised]
        result.cleared = [key(r) for r in cleared]
        result.switched_off = [key(r) for r in off]
        result.still = len(still)
        result.kept = [key(r) for r in still]
        result.causes = {key(r): r.cause or "" for r in [*raised, *closed, *still]}
        result.labels = {key(r): alarm_store.label(r) for r in [*raised, *closed, *still]}
        drift = any(r.kind in DRIFT_KINDS for r in raised)
    if result.raised or result.cleared or result.switched_off:
        log.info(
            "alarms.changed",
            extra={
                "installation": installation_id,
                "raised": result.raised,
                "cleared": result.cleared,
                "switched_off": result.switched_off,
            },
        )
    monitor_snapshot.mark_checked(runtime.redis, installation_id, now)  # "alarms checked N min ago"
    result.announced, result.unannounced, result.delivery = notify(
        runtime, installation_id, now, post or http_post(runtime)
    )
    if drift and retrain is not None:
        result.retrain, result.retrain_error = _early_retrain(runtime, installation_id, now, retrain)
    return result


def monitor_all(
    runtime: Runtime,
    now: datetime,
    *,
    build_report: ReportBuilder | None = None,
    post: Post | None = None,
    retrain: Retrain | None = None,
) -> Sequence[Evaluation]:
    """Evaluate every working installation; one that fails is logged and the others go on."""
    with runtime.sessions() as session:
        working = [i.id for i in installations.list_all(session) if i.status in installations.WORKING]
    builder = build_report or report_builder()
    done: list[Evaluation] = []
    for installation_id in working:
        try:
            done.append(
                evaluate_installation(
                    runtime, installation_id, now, build_report=builder, post=post, retrain=retrain
                )
            )
        except Exception as exc:  # one installation's failure must not stop the others
            log.exception(
                "alarms.evaluate-failed", extra={"installation": installation_id, "error": type(exc).__name__}
            )
    return done
