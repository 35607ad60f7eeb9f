"""The monitoring report's notes (``MonitorReport.notes``: what could not be computed, in the
computation's terms) said for people: what is missing, why, and when it will appear or what to do.
A note this module does not know is shown as it is, its ISO weeks said as dates."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from leadq.web.monitor_words import day_text, weeks_text

INFLATION_UNDEFINED = "tier inflation is undefined"
RETRAIN = "starts after the next retrain (leadq retrain)"

Said = Callable[[re.Match[str], datetime], str]


def _monday(now: datetime, weeks_on: int) -> str:
    """The Monday ``weeks_on`` weeks after the one of ``now``'s week, said as a date."""
    start = now.date() - timedelta(days=now.weekday())
    return day_text(start + timedelta(weeks=weeks_on))


RULES: list[tuple[re.Pattern[str], Said]] = [
    (
        re.compile(r"lift of L1 over L4 is undefined for (?P<months>.+?) \("),
        lambda m, _now: (
            f"L1/L4 lift for {m['months']}: it needs leads in both L1 and L4 and at least one won "
            "deal among the L4 leads; it appears as those deals close."
        ),
    ),
    (
        re.compile(r"top-30% capture is undefined for (?P<months>.+?) \("),
        lambda m, _now: (
            f"Won deals from the top 30% for {m['months']}: no deal of those leads has been won "
            "yet; it appears as deals close."
        ),
    ),
    (
        re.compile(r"calibration is undefined"),
        lambda _m, _now: (
            "Calibration needs won or lost deals the model had not seen when it scored them. "
            "Right after a backfill every known outcome was part of the model's training, so it appears as "
            "the deals of newly scored leads close."
        ),
    ),
    (
        re.compile(r"calibration rests on (?P<n>\d+) outcomes only"),
        lambda m, _now: (
            f"Calibration rests on only {m['n']} won or lost deals (fewer than 10): read it as a "
            "rough guide until more deals close."
        ),
    ),
    (
        re.compile(r"score drift week over week is undefined"),
        lambda _m, now: (
            "The week-over-week score shift needs scores in two full weeks in a row: it "
            f"appears from {_monday(now, 2)} if leads keep being scored."
        ),
    ),
    (
        re.compile(r"score drift against the training window is undefined: no model"),
        lambda _m, _now: (
            "The score shift against the training window needs a trained model: it appears "
            "after the first training (leadq retrain)."
        ),
    ),
    (
        re.compile(r"score drift against the training window is undefined"),
        lambda _m, _now: (
            "The model's training window predates leadq's scores (or nothing was scored this "
            f"week), so the score shift against it {RETRAIN}."
        ),
    ),
    (
        re.compile(r"input drift is undefined: no full week"),
        lambda _m, now: (
            f"Input drift needs a full week of scored leads' inputs: it appears from {_monday(now, 1)}."
        ),
    ),
    (
        re.compile(r"input drift is undefined: .+ is the only window sampled"),
        lambda _m, now: f"Input drift needs a second week of scores: it appears from {_monday(now, 1)}.",
    ),
    (
        re.compile(r"input drift is undefined: the sample of training window"),
        lambda _m, _now: (
            f"The model's training window predates leadq's scores, so input drift against it {RETRAIN}."
        ),
    ),
    (
        re.compile(r"input drift is undefined: the sample of (?P<week>.+) holds no rows"),
        lambda m, now: (
            f"No lead was scored in the {weeks_text(m['week'])}, so input drift has nothing to "
            f"compare: it appears from {_monday(now, 1)} if leads keep being scored."
        ),
    ),
    (
        re.compile(INFLATION_UNDEFINED + r": it needs scores in each of the last (?P<n>\d+) full weeks"),
        lambda m, now: (
            f"Tier inflation: not enough weeks yet. It needs scores in each of the last {m['n']} "
            f"full weeks: it appears from {_monday(now, int(m['n']))} if leads keep being scored."
        ),
    ),
    (
        re.compile(r"fairness: (?P<n>\d+) decisions whose candidates' weights sum to 0"),
        lambda m, _now: (
            f"{m['n']} routing decisions are left out of the fairness ledger: every rep of their "
            "pool had weight 0. Check the weights in the routing file."
        ),
    ),
    (
        re.compile(r"fairness ledger: no decisions in a weighted pool yet"),
        lambda _m, _now: (
            "The fairness ledger needs leads routed through a weighted pool: none yet. It fills "
            "as leads are routed."
        ),
    ),
    (
        re.compile(r"fairness: no probabilities in pool\(s\) (?P<pools>.+): expected share"),
        lambda m, _now: (
            f"Pool {m['pools']}: its leads were routed without a predicted chance, so the "
            "expected share is their share of leads."
        ),
    ),
    (
        re.compile(r"no scored records yet"),
        lambda _m, _now: (
            "Nothing scored yet: the monthly tables appear once leadq has scored leads (after the backfill)."
        ),
    ),
    (
        re.compile(r"routing health: no routing decisions in the last (?P<days>\d+) days"),
        lambda m, _now: (
            f"No lead was routed in the last {m['days']} days: routing times and queues appear "
            "once routing is on and leads arrive."
        ),
    ),
]


def note_text(note: str, now: datetime) -> str:
    """One note said for people."""
    for pattern, said in RULES:
        m = pattern.search(note)
        if m is not None:
            return said(m, now)
    plain = weeks_text(note)
    return plain[:1].upper() + plain[1:]


def notes_text(notes: Sequence[str], now: datetime) -> list[str]:
    return [note_text(n, now) for n in notes]


def inflation_undefined(notes: Sequence[str]) -> bool:
    return any(n.startswith(INFLATION_UNDEFINED) for n in notes)
