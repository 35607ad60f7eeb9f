"""Every value written is the value decided (HubSpot): scores that are multiples of ten land whole.

The scores go through the real write path (write-back formatting, write policy, the adapter's
batch update against the sandbox); only their fit and engagement are set to the values under test.
"""

from __future__ import annotations

import dataclasses

import pytest

from leadq.records import ObjectType
from scoring.score import score_people
from workers.services import sync

FITS = (100, 80, 50, 0, 10)
ENGAGEMENTS = tuple(range(0, 101, 10))


def _with_values(monkeypatch: pytest.MonkeyPatch, chosen: dict[str, tuple[float, float]]) -> None:
    def scored(pairs, *args, **kwargs):  # type: ignore[no-untyped-def]
        real = score_people(pairs, *args, **kwargs)
        return [
            dataclasses.replace(s, fit=chosen[p.ref.record_id][0], engagement=chosen[p.ref.record_id][1])
            for (p, _a), s in zip(pairs, real, strict=True)
        ]

    monkeypatch.setattr(sync, "score_people", scored)


def test_fit_and_engagement_land_in_hubspot_exactly(ctx, crm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
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
