"""An installation's monitoring page (issue 19): score performance by cohort month, drift, routing
health and the fairness ledger, from one ``MonitorReport``, said in words (``monitor_sections``) and
drawn as server-side SVG (``monitor_charts``).

The report comes from ``workers.services.monitor.report_for(runtime, installation_id, now)``, imported
when the page is asked for; a test (or another deployment) may put its own builder of that signature
in ``Services.extras["monitor_report_for"]``."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, url_for
from markupsafe import Markup

from leadq.alarm_words import Checked, checked_words
from leadq.web import monitor_charts, monitor_sections
from leadq.web.admin_blueprint import bp
from leadq.web.alarm_banner import Banner, banner_rows
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.monitor_notes import notes_text
from monitoring.report import MonitorReport
from storage import installations, monitor_snapshot
from storage.db import UNAVAILABLE
from storage.model_names import friendly_names, renamed

log = logging.getLogger("leadq.web.admin")


def no_outcomes_yet(report: MonitorReport) -> bool:
    """No cohort cell has a won or lost outcome to show a conversion of."""
    cells = [row.decided.get(t) for row in report.performance.cohorts for t in row.conversion]
    return bool(cells) and all(n == 0 for n in cells)


def open_alarm_rows(installation_id: int) -> list[Banner]:
    """Every open alarm of the installation, with its cause, since when and what to check."""
    with services().sessions() as db:
        return banner_rows(db, installation_id)


def charts(report: MonitorReport) -> dict[str, Markup]:
    """The page's charts by section, each drawn only when it has something to show. Drawn from numbers
    and escaped names only, so safe to inline."""
    drawn: dict[str, Markup] = {}
    p, d, r = report.performance, report.drift, report.routing
    if p.cohorts:
        drawn["cohorts"] = Markup(monitor_charts.cohort_conversion_chart(p.cohorts))  # noqa: S704
    if p.calibration.bins:
        drawn["calibration"] = Markup(monitor_charts.reliability_chart(p.calibration.bins))  # noqa: S704
    if d.weekly_share_l1l2:
        drawn["weekly"] = Markup(monitor_charts.weekly_share_chart(d.weekly_share_l1l2))  # noqa: S704
    if r.created_to_assigned.n or r.assigned_to_first_touch.n:
        drawn["times"] = Markup(monitor_charts.routing_times_chart(r))  # noqa: S704
    if r.load:
        drawn["load"] = Markup(monitor_charts.load_chart(r.load))  # noqa: S704
    return drawn


def named(value: Any, names: dict[str, str]) -> Any:
    """``value`` (a section, fact, table, list or text) with every model version id said by its name
    as the Model tab says it."""
    if isinstance(value, str):
        return renamed(value, names)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: named(getattr(value, f.name), names) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [named(v, names) for v in value]
    if isinstance(value, tuple):
        return tuple(named(v, names) for v in value)
    return value


def alarm_check(installation_id: int, open_count: int) -> Checked | None:
    """When the alarms were last checked, how many are open, and whether the check is overdue; None
    when Redis cannot be reached (the page says so)."""
    s = services()
    try:
        last = monitor_snapshot.last_checked(s.redis, installation_id)
    except UNAVAILABLE:
        return None
    return checked_words(last, s.settings.monitor_interval_s, installation_id, datetime.now(UTC), open_count)


@bp.get("/installations/<int:installation_id>/monitor")
@login_required
def monitor(installation_id: int):
    """What a RevOps admin reads every Monday: are the scores and the routing still good?"""
    from workers.services.context import Runtime

    inst = installation_or_404(installation_id)
    s = services()
    build = monitor_sections.report_builder(s.extras)
    report = build(Runtime(s.settings, s.sessions, s.vault, s.redis), installation_id, datetime.now(UTC))
    with s.sessions() as db:
        names = friendly_names(db, installation_id)
    alarms = open_alarm_rows(installation_id)
    return render_template(
        "monitor.html",
        inst=inst,
        report=report,
        headline=named(monitor_sections.headline(report), names),
        sections=named(monitor_sections.sections(report), names),
        charts=charts(report),
        notes=named(notes_text(report.notes, report.computed_at), names),
        no_outcomes=no_outcomes_yet(report),
        alarms=alarms,
        checked=alarm_check(installation_id, len(alarms)),
        working=inst.status in installations.WORKING,
        config_interval_min=max(1, round(s.settings.monitor_interval_s / 60)),
    )


def _said(done: Any) -> str:
    """What one evaluation did, in a sentence for the flash."""
    parts = [
        f"{what}: {', '.join(done.labels.get(k, k) for k in keys)}"
        for what, keys in (
            ("raised", done.raised),
            ("cleared", done.cleared),
            ("switched off", done.switched_off),
            ("still open", done.kept),
        )
        if keys
    ]
    return "Alarms checked just now: " + ("; ".join(parts) if parts else "no open alarm") + "."


@bp.post("/installations/<int:installation_id>/monitor/check")
@login_required
def check_alarms(installation_id: int):
    """Run the alarms' evaluation now, exactly as beat's job does (``evaluate_installation``), and
    come back to the monitoring page with what it found."""
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from workers import dispatch
    from workers.services.alarms import RetrainNotQueued, evaluate_installation
    from workers.services.context import Runtime

    inst = installation_or_404(installation_id)
    back = redirect(url_for("admin.monitor", installation_id=installation_id) + "#open-alarms")
    if inst.status not in installations.WORKING:
        flash(f"Not checked: the installation is {inst.status}; its alarms are checked only while it works.")
        return back
    s = services()

    def retrain(target: int) -> None:
        try:
            dispatch.enqueue_retrain(s.celery, target)
        except (BrokerUnavailable, OSError) as exc:  # the broker cannot be reached
            raise RetrainNotQueued(f"the broker cannot be reached: {type(exc).__name__}") from None

    runtime = Runtime(s.settings, s.sessions, s.vault, s.redis)
    try:
        done = evaluate_installation(
            runtime,
            installation_id,
            datetime.now(UTC),
            build_report=monitor_sections.report_builder(s.extras),
            retrain=retrain,
        )
    except Exception as exc:  # said on the page, logged with its type (never a traceback to the admin)
        log.exception("alarms.check-now-failed", extra={"installation": installation_id})
        flash(f"The alarms could not be checked ({type(exc).__name__}); the log has the details.")
        return back
    said = _said(done)
    if done.delivery is not None and not done.delivery.ok:
        said += f" The webhook delivery failed ({done.delivery.failure}); it is retried at the next check."
    flash(said)
    return back
