"""An installation's monitoring page (issue 19): score performance by cohort month, drift, routing
health and the fairness ledger, from one ``MonitorReport``, said in words (``monitor_sections``) and
drawn as server-side SVG (``monitor_charts``).

The report comes from ``workers.services.monitor.report_for(runtime, installation_id, now)``, imported
when the page is asked for; a test (or another deployment) may put its own builder of that signature
in ``Services.extras["monitor_report_for"]``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template
from markupsafe import Markup

from leadq.web import monitor_charts, monitor_sections
from leadq.web.admin_blueprint import bp
from leadq.web.alarm_banner import Banner, banner_rows
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.monitor_notes import notes_text
from monitoring.report import MonitorReport


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


@bp.get("/installations/<int:installation_id>/monitor")
@login_required
def monitor(installation_id: int):
    """What a RevOps admin reads every Monday: are the scores and the routing still good?"""
    from workers.services.context import Runtime

    inst = installation_or_404(installation_id)
    s = services()
    build = monitor_sections.report_builder(s.extras)
    report = build(Runtime(s.settings, s.sessions, s.vault, s.redis), installation_id, datetime.now(UTC))
    return render_template(
        "monitor.html",
        inst=inst,
        report=report,
        headline=monitor_sections.headline(report),
        sections=monitor_sections.sections(report),
        charts=charts(report),
        notes=notes_text(report.notes, report.computed_at),
        no_outcomes=no_outcomes_yet(report),
        alarms=open_alarm_rows(installation_id),
    )
