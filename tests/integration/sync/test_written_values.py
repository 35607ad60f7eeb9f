"""Every value written is the value decided (HubSpot): scores that are multiples of ten land whole.

The scores go through the real write path (write-back formatting, write policy, the adapter's
batch update against the sandbox); only their fit and engagement are set to the values under test.
"""

from __future__ import annotations

import dataclasses

import pytest

from core.records import ObjectType, Tier, Verdict
from scoring.score import score_people
from workers.services import people_plan, sync

FITS = (100, 80, 50, 0, 10)
ENGAGEMENTS = tuple(range(0, 101, 10))


def _with_values(monkeypatch: pytest.MonkeyPatch, chosen: dict[str, tuple[float, float]], **extra) -> None:
    def scored(pairs, *args, **kwargs):
        real = score_people(pairs, *args, **kwargs)
        return [
            dataclasses.replace(
                s,
                fit=chosen[p.ref.record_id][0],
                engagement=chosen[p.ref.record_id][1],
                **extra.get(p.ref.record_id, {}),
            )
            for (p, _a), s in zip(pairs, real, strict=True)
        ]

    monkeypatch.setattr(people_plan, "score_people", scored)


def test_fit_and_engagement_land_in_hubspot_exactly(ctx, crm, monkeypatch) -> None:
    portal = crm.sandbox.portals[crm.portal_id]
    ids = [r.id for r in portal.live("contacts")][: len(ENGAGEMENTS)]
    chosen = {i: (float(FITS[n % len(FITS)]), float(ENGAGEMENTS[n])) for n, i in enumerate(ids)}
    _with_values(monkeypatch, chosen)
    pairs = ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids)
    report = sync.process_people(ctx, pairs)
    assert report.failed == 0 and report.written_records == len(ids)
    for record_id, (fit, engagement) in chosen.items():
        props = portal.get("contacts", record_id).props
        assert props["leadq_fit_score"] == str(int(fit)), (record_id, props["leadq_fit_score"])
        assert props["leadq_engagement_score"] == str(int(engagement))
    # Read back through the API, the CRM's values equal the decided ones: a re-run writes nothing.
    again = sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids))
    assert again.writes == 0


PROBABILITIES = {0: (0.9043, "90.43"), 1: (0.1, "10"), 2: (1.0, "100"), 3: (0.5, "50"), 4: (0.0, "0")}


def decided(ids: list[str]) -> tuple[dict[str, tuple[float, float]], dict[str, dict]]:
    """Probabilities written as percentages; the last record is disqualified with a high probability."""
    chosen = dict.fromkeys(ids, (50.0, 10.0))
    extra: dict[str, dict] = {
        ids[n]: {"probability": p, "tier": Tier.L3, "verdict": Verdict.NURTURE}
        for n, (p, _t) in PROBABILITIES.items()
    }
    extra[ids[5]] = {"probability": 0.7972, "tier": Tier.L4, "verdict": Verdict.DISQUALIFIED}
    return chosen, extra


def test_the_probability_is_a_percentage_and_empty_when_disqualified(ctx, crm, monkeypatch) -> None:
    portal = crm.sandbox.portals[crm.portal_id]
    ids = [r.id for r in portal.live("contacts")][:6]
    chosen, extra = decided(ids)
    _with_values(monkeypatch, chosen, **extra)
    report = sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids))
    assert report.failed == 0
    for n, (_p, text) in PROBABILITIES.items():
        assert portal.get("contacts", ids[n]).props["leadq_probability"] == text
    assert portal.properties["contacts"]["leadq_probability"]["numberDisplayHint"] == "percentage"
    disqualified = portal.get("contacts", ids[5]).props
    assert disqualified["leadq_verdict"] == "disqualified" and not disqualified.get("leadq_probability")
    again = sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.CONTACT, ids))
    assert again.writes == 0


def test_a_tie_is_written_rounded_half_up_and_its_change_is_kept_in_history(
    ctx, crm, monkeypatch, sessions
) -> None:
    from sqlalchemy import select

    from storage.tables import ScoreRow

    portal = crm.sandbox.portals[crm.portal_id]
    record_id = next(r.id for r in portal.live("contacts"))
    shown = []
    for fit in (80.5, 80.4):
        _with_values(monkeypatch, {record_id: (fit, 20.0)})
        sync.process_people(ctx, ctx.adapter.read_with_accounts(ObjectType.CONTACT, [record_id]))
        shown.append(portal.get("contacts", record_id).props["leadq_fit_score"])
    assert shown == ["81", "80"]
    with sessions() as session:
        fits = [r.fit for r in session.scalars(select(ScoreRow).where(ScoreRow.record_id == record_id))]
    assert fits == [80.5, 80.4], "the history records each value the CRM was given"
