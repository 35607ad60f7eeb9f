"""The demo's one evaluation of the monitoring alarms, once its backfill and reconcile are done: what
beat's hourly job does (``workers.services.alarms.evaluate_installation`` on the real monitoring
report), so the demo's store has the monitoring gauges, a last-checked time and any alarm the demo
data really raises; and the summary's line saying how many are open and where to read them.

No early retrain is asked for: the demo has just trained its model (beat's job would not ask either,
within 24 hours of a training), and its worker stops with ``--no-serve``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from leadq.demo_where import _leadq_command

if TYPE_CHECKING:
    from leadq.demo import Demo, Echo

log = logging.getLogger(__name__)


def check_alarms(demo: Demo, echo: Echo) -> None:
    """Evaluate the demo installation's alarms once; the result (or why there is none) is kept on
    ``demo.alarms`` for the summary."""
    from workers.services.alarms import evaluate_installation, report_builder
    from workers.services.context import Runtime

    echo("checking the monitoring alarms once (beat does it every hour) ...")
    services = demo.services
    runtime = Runtime(services.settings, services.sessions, services.vault, services.redis)
    try:
        demo.alarms = evaluate_installation(
            runtime, demo.installation_id, datetime.now(UTC), build_report=report_builder()
        )
    except Exception as exc:  # the demo goes on: its summary says the check failed
        log.warning("demo.alarms-check-failed", exc_info=True)
        demo.notes.append(f"alarms not checked: {type(exc).__name__}")
        demo.alarms = None


def alarms_lines(demo: Demo, serving: bool) -> list[str]:
    """The summary's line: how many alarms are open after the check, and where to read them."""
    done = demo.alarms
    inst = demo.installation_id
    where = f"`{_leadq_command()} alarms list {inst}`"
    if serving:
        where += f" or the Monitoring tab ({demo.url}/installations/{inst}/monitor)"
    if done is None:
        failed = next((n for n in demo.notes if n.startswith("alarms not checked")), "alarms not checked")
        return [
            f"  alarms:           {failed.removeprefix('alarms ')}; `leadq alarms check {inst}` tries again"
        ]
    count = len(done.raised) + len(done.kept)
    opened = f"{count} open" if count else "none open"
    kinds = (
        f" ({', '.join(sorted({key.split(' ')[0] for key in [*done.raised, *done.kept]}))})" if count else ""
    )
    every = f"beat checks every {max(1, round(demo.settings.monitor_interval_s / 60))} min"
    return [f"  alarms:           {opened}{kinds} after one check ({every}): {where}"]
