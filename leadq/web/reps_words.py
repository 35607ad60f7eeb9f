"""What the reps said, in the words of the model page and ``leadq retrain``: which of their judgments
trained the model, how often they disagreed with leadq per tier, and whether the new model agrees
with them more than the champion on leads it never learned them from (``scoring.learning``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.wording import counted

KINDS = (
    ("rejected", "rejected"),
    ("lowered", "lowered"),
    ("upgraded", "raised"),
    ("owner", "given another owner"),
)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.0f}%"


def trained_line(reps: Mapping[str, Any]) -> str | None:
    learning, trained = reps.get("learning") or {}, reps.get("trained_on") or {}
    if not learning:
        return None
    if not learning.get("use_overrides"):
        return "Reps' feedback did not train it ([learning] use_overrides = false in the ICP)."
    rejected, raised = trained.get("rejected", 0), trained.get("upgraded", 0)
    lost, won = learning.get("rejected_weight", 0), learning.get("upgrade_weight", 0)
    return (
        f"Reps' feedback trained it: {counted(rejected, 'lead')} they rejected, each counted as {lost:g} "
        f"of a lost deal, and {raised} they raised, each {won:g} of a won deal (a lead with a closed deal "
        "counts by its deal)."
    )


def tier_lines(reps: Mapping[str, Any]) -> list[str]:
    """One line per tier leadq gave: how many of its leads reps disagreed with, and how."""
    lines = []
    for tier, row in sorted((reps.get("by_tier") or {}).items()):
        if not row.get("scored") and not row.get("disagreed"):
            continue
        how = ", ".join(f"{row[key]} {words}" for key, words in KINDS if row.get(key))
        lines.append(
            f"{tier}: reps disagreed on {row.get('disagreed', 0)} of {counted(row.get('scored', 0), 'lead')} "
            f"({_percent(row.get('share'))}){': ' + how if how else ''}."
        )
    return lines


def agreement_lines(reps: Mapping[str, Any]) -> list[str]:
    """Whether the new model agrees with the reps more than the champion, on the held-out quarter of
    the leads they judged (the new model never learned from those)."""
    held = reps.get("held_out") or {}
    new, champion = held.get("new") or {}, held.get("champion") or {}
    lines = []
    for signal, placed in (("rejected", "below L2"), ("upgraded", "in L1 or L2")):
        mine = new.get(signal) or {}
        if not mine.get("leads"):
            continue
        theirs = (champion.get(signal) or {}).get("agreed")
        versus = f"; the champion {_percent(theirs)}" if theirs is not None else ""
        words = "rejected" if signal == "rejected" else "raised"
        share = _percent(mine.get("agreed"))
        leads = counted(mine["leads"], f"{words} lead")
        lines.append(f"Of {leads} it never learned from, it puts {share} {placed}{versus}.")
    return lines


def reps_lines(reps: Mapping[str, Any] | None) -> list[str]:
    """Everything said about the reps' feedback for one model (nothing for a model trained before)."""
    if not reps:
        return []
    rows = (reps.get("by_tier") or {}).values()
    if not any(row.get("disagreed") for row in rows) and not any((reps.get("trained_on") or {}).values()):
        return [  # of the outcomes this model learned from: a rep's edit since counts at the next training
            "When this model was trained, no rep had changed leadq's tier, verdict or owner of a lead, or "
            "rejected one; edits made since count at the next training."
        ]
    first = trained_line(reps)
    return [*([first] if first else []), *tier_lines(reps), *agreement_lines(reps)]
