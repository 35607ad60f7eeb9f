"""The monitoring report's notes (``MonitorReport.notes``: what could not be computed, each a
``monitoring.report.Note`` with its kind and figures) said for people: what is missing, why, and
when it will appear or what to do. A note of a kind this module does not know is shown in the
computation's own words, its ISO weeks said as dates."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from leadq.web.monitor_words import day_text, weeks_text
from monitoring.report import Note

RETRAIN = "starts after the next retrain (leadq retrain)"
Facts = Mapping[str, str | int]
Said = Callable[[Facts, datetime], str]


def _monday(now: datetime, weeks_on: int) -> str:
    """The Monday ``weeks_on`` weeks after the one of ``now``'s week, said as a date."""
    start = now.date() - timedelta(days=now.weekday())
    return day_text(start + timedelta(weeks=weeks_on))


def months_text(months: object) -> str:
    """ "2026-11, 2026-12" as "November 2026, December 2026"."""

    def one(m: re.Match[str]) -> str:
        month = int(m["month"])
        return f"{calendar.month_name[month]} {m['year']}" if 1 <= month <= 12 else m[0]

    return re.sub(r"\b(?P<year>\d{4})-(?P<month>\d{2})\b", one, str(months))


SAYINGS: dict[str, Said] = {
    "lift_undefined": lambda f, _now: (
        f"L1/L4 lift for {months_text(f['months'])}: it needs leads in both L1 and L4 and at least one "
        "won deal among the L4 leads; it appears as those deals close."
    ),
    "capture_undefined": lambda f, _now: (
        f"Won deals from the top 30% for {months_text(f['months'])}: no deal of those leads has been "
        "won yet; it appears as deals close."
    ),
    "calibration_undefined": lambda _f, _now: (
        "Calibration needs won or lost deals the model had not seen when it scored them. Right after a "
        "backfill every known outcome was part of the model's training, so it appears as the deals of "
        "newly scored leads close."
    ),
    "calibration_thin": lambda f, _now: (
        f"Calibration rests on only {f['outcomes']} won or lost deals (fewer than 10): read it as a "
        "rough guide until more deals close."
    ),
    "score_week_undefined": lambda _f, now: (
        "The week-over-week score shift needs scores in two full weeks in a row: it appears from "
        f"{_monday(now, 2)} if leads keep being scored."
    ),
    "score_training_no_model": lambda _f, _now: (
        "The score shift against the training window needs a trained model: it appears after the "
        "first training (leadq retrain)."
    ),
    "score_training_first_week": lambda f, _now: (
        "The model was trained on deals from before leadq scored anything, so the score shift is "
        f"measured against the first week leadq scored ({weeks_text(str(f['week']))})."
    ),
    "score_training_undefined": lambda _f, _now: (
        "The model's training window predates leadq's scores (or nothing was scored this week), so "
        f"the score shift against it {RETRAIN}."
    ),
    "inputs_no_full_week": lambda _f, now: (
        f"Input drift needs a full week of scored leads' inputs: it appears from {_monday(now, 1)}."
    ),
    "inputs_one_window": lambda _f, now: (
        f"Input drift needs a second week of scores: it appears from {_monday(now, 1)}."
    ),
    "inflation_undefined": lambda f, now: (
        f"Tier inflation: not enough weeks yet. It needs scores in each of the last {f['weeks']} full "
        f"weeks: it appears from {_monday(now, int(f['weeks']))} if leads keep being scored."
    ),
    "fairness_zero_weights": lambda f, _now: (
        f"{f['decisions']} routing decisions are left out of the fairness ledger: every rep of their "
        "pool had weight 0. Check the weights in the routing file."
    ),
    "fairness_no_decisions": lambda _f, _now: (
        "The fairness ledger needs leads routed through a weighted pool: none yet. It fills as leads "
        "are routed."
    ),
    "fairness_no_probabilities": lambda f, _now: (
        f"Pool {f['pools']}: its leads were routed without a predicted chance, so the expected share "
        "is their share of leads."
    ),
    "no_scored_records": lambda _f, _now: (
        "Nothing scored yet: the monthly tables appear once leadq has scored leads (after the backfill)."
    ),
    "records_left_out": lambda f, _now: (
        f"{f['records']} scored records have no first-score time or tier (a damaged score row) and "
        "are left out of the monthly tables."
    ),
    "routing_no_decisions": lambda f, _now: (
        f"No lead was routed in the last {f['days']} days: routing times and queues appear once "
        "routing is on and leads arrive."
    ),
}


def note_text(note: Note, now: datetime) -> str:
    """One note said for people."""
    said = SAYINGS.get(note.kind)
    if said is not None:
        return said(note.facts, now)
    plain = weeks_text(note.text)
    return plain[:1].upper() + plain[1:]


def notes_text(notes: Sequence[Note], now: datetime) -> list[str]:
    return [note_text(n, now) for n in notes]


def inflation_undefined(notes: Sequence[Note]) -> bool:
    return any(n.kind == "inflation_undefined" for n in notes)
