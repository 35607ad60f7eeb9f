"""Segment models in the words of the model page and ``leadq retrain``: what cuts leads into segments,
which segments got a model of their own, and per segment what it had and why its model was kept or
not (the report's ``segments`` section, ``scoring.segment_fit``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leadq.web.calibration_words import verdict

TOO_FEW = "too few outcomes for a model of its own"  # scoring.segment_fit's words for a small segment


def headline(section: Mapping[str, Any] | None) -> str:
    """One sentence: the rule, and which segment models score leads."""
    if not section:
        return ""
    if section.get("off"):
        off = str(section["off"])
        return f"{off[:1].upper()}{off[1:]}: one model scores every lead."
    if section.get("by") == "none":
        return 'Segment models are off ([segments] by = "none" in the ICP): one model scores every lead.'
    rule = (
        f"Leads are cut into segments by {section.get('by_words', section.get('by'))}; a segment with at "
        f"least {int(section.get('min_outcomes') or 0):,} outcomes before the held-out window "
        f"({int(section.get('min_wins') or 0):,} won and as many lost) gets a model of its own, kept only "
        "where it ranks the segment's held-out leads better than the model of all leads, by the margin a "
        "new model needs and by more than chance explains."
    )
    kept = [str(row["words"]) for row in section.get("segments") or [] if row.get("kept")]
    if not kept:
        return rule + " No segment model was kept: the model of all leads scores every lead."
    named = kept[0] if len(kept) == 1 else f"{', '.join(kept[:-1])} and {kept[-1]}"
    return rule + f" Segments with a model of their own: {named}; the model of all leads scores the rest."


def segment_lines(section: Mapping[str, Any] | None) -> list[str]:
    """Per segment, biggest first: what it had, and the gate's verdict in words."""
    lines = []
    for row in (section or {}).get("segments") or []:
        had = (
            f"{int(row['n_train']):,} outcomes before the held-out window ({int(row['won']):,} won), "
            f"{int(row['n_test']):,} held out ({int(row['test_won']):,} won)"
        )
        words, why = str(row["words"]), str(row["why"])
        if why.startswith(TOO_FEW):  # the rule is in the headline, the counts just above
            why = "too few outcomes for a model of its own: the model of all leads scores it"
        line = f"{words[:1].upper()}{words[1:]}: {had}. {why[:1].upper()}{why[1:]}."
        calibration = row.get("calibration") if row.get("kept") else None  # else: the table above says it
        if calibration and calibration.get("mean_predicted") is not None:
            line += (
                f" Calibration on its held-out leads: chance given "
                f"{float(calibration['mean_predicted']):.0%}, converted "
                f"{float(calibration['observed_rate']):.0%}: {verdict(calibration)}."
            )
        lines.append(line)
    return lines
