"""Is a rep available now? Working hours in their own time zone, PTO, the active flag."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from routing.types import Rep


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def availability(rep: Rep, now: datetime) -> tuple[bool, str]:
    """(available, why not) at ``now`` (timezone-aware)."""
    if not rep.active:
        return False, f"{rep.name} is inactive"
    local = now.astimezone(_zone(rep.timezone))
    today = local.date()
    for first, last in rep.pto:
        if first <= today <= last:
            until = f" until {last.isoformat()}" if last > first else ""
            return False, f"{rep.name} on PTO{until}"
    hours = rep.hours
    if hours is None:
        return True, ""
    clock = local.time().replace(tzinfo=None)
    if hours.start < hours.end:
        on = local.weekday() in hours.days and hours.start <= clock < hours.end
    else:  # an overnight shift: it belongs to the day it starts
        on = (local.weekday() in hours.days and clock >= hours.start) or (
            (local.weekday() - 1) % 7 in hours.days and clock < hours.end
        )
    if not on:
        return False, f"{rep.name} off hours at {local:%H:%M} {rep.timezone}"
    return True, ""
