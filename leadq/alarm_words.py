"""The words leadq says about the alarms' evaluation and their webhook, the same in ``leadq status``,
``leadq alarms`` and the admin app: how long ago, when the alarms were last checked (or that they
never were: is beat running?), and the alarm webhook's last delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.alarm_webhook import Delivery


def ago(at: datetime, now: datetime | None = None) -> str:
    """How long ago ``at`` was, as a person says it: "just now", "12 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0.0, ((now or datetime.now(UTC)) - at).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 2 * 86_400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86_400)} days ago"


BEAT = "celery -A workers.celery_app beat"


@dataclass(frozen=True)
class Checked:
    """The alarms' evaluation as the Monitoring page and `leadq monitor` say it."""

    when: str  # "checked 12 min ago (2026-12-05 00:12 UTC)" or "never checked"
    state: str  # "no open alarm", "2 open alarms"
    stale: str  # "" or why the last check is too old and what to run
    never: bool = False


def overdue(last: datetime, interval_s: float, now: datetime) -> bool:
    """The last evaluation is older than twice beat's interval."""
    return now - last > timedelta(seconds=2 * interval_s)


def checked_words(
    last: datetime | None, interval_s: float, installation: int, now: datetime, open_count: int
) -> Checked:
    """When the alarms were last checked, how many are open, and a warning when the check is overdue
    (is celery beat running? the command that starts it, and the one that checks now)."""
    state = f"{open_count} open alarm{'s' if open_count != 1 else ''}" if open_count else "no open alarm"
    minutes = max(1, round(interval_s / 60))
    run = f"start it with `{BEAT}`, or check now (`leadq alarms check {installation}`)"
    if last is None:
        return Checked("never checked", state, f"Is celery beat running? {run}", never=True)
    stale = (
        f"The last check is older than twice beat's interval (every {minutes} min): is celery beat "
        f"running? {run}"
        if overdue(last, interval_s, now)
        else ""
    )
    return Checked(f"checked {ago(last, now)} ({last:%Y-%m-%d %H:%M} UTC)", state, stale)


def checked_line(
    last: datetime | None, interval_s: float, installation: int, now: datetime, open_count: int
) -> str:
    """`leadq status`'s word on the alarms' evaluation: when it last ran and how many alarms are open,
    or that it never ran / is overdue (beat not running?), with the command that runs it now."""
    run_now = f"run `leadq alarms check {installation}`"
    if last is None:
        return f"alarms never checked: is beat running? {run_now}"
    line = f"alarms checked {ago(last, now)}: {f'{open_count} open' if open_count else 'no open alarm'}"
    if now - last > timedelta(seconds=2 * interval_s + 300):
        minutes = max(1, round(interval_s / 60))
        line += f" (beat checks every {minutes} min: is beat running? {run_now})"
    return line


def delivery_phrase(delivery: Delivery | None, now: datetime) -> str:
    """The webhook's last delivery attempt in a few words ("last delivery failed 5 min ago (HTTP 500);
    retried at the next check")."""
    if delivery is None:
        return "nothing sent yet"
    what = "test message" if delivery.test else "delivery"
    if delivery.ok:
        return f"last {what} succeeded {ago(delivery.at, now)}"
    if delivery.test:  # nothing is kept to retry: only an alarm's delivery is tried again
        return f"last test message failed {ago(delivery.at, now)} ({delivery.failure})"
    return f"last delivery failed {ago(delivery.at, now)} ({delivery.failure}); retried at the next check"


def delivery_line(delivery: Delivery | None, installation: int, now: datetime) -> str:
    """`leadq status`'s word on the alarm webhook (set): its last delivery attempt, and how to try."""
    test = f"`leadq alarms webhook {installation} --test`"
    hint = (
        ""
        if delivery is not None and delivery.ok
        else f" ({test} {'sends a test' if delivery is None else 'tries now'})"
    )
    return f"alarm webhook: {delivery_phrase(delivery, now)}{hint}"
