"""What the reps said, where the model's report is read: `leadq retrain` and the admin's model page
say which feedback trained the new model, how often reps disagreed per tier, and whether the new model
agrees with them more than the champion (issue 20, learning from reps)."""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner

from core.records import ObjectType
from storage import feedback as stored_feedback
from storage.tables import Feedback
from tests.support.admin import sign_in
from tests.support.sync import worker_env
from workers.services.backfill import run_backfill
from workers.services.context import build_context
from workers.services.retrain import retrain


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=62, records=1200, rate_limit=10_000)


def _closed(portal) -> set[str]:
    out: set[str] = set()
    for deal in portal.live("deals"):
        if deal.props.get("dealstage") in ("closedwon", "closedlost"):
            out.update(portal.associated("deals", deal.id, "contacts"))
    return out


def _text(page: str) -> str:
    return " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", page, flags=re.S))).split()
    )


def test_the_cli_and_the_model_page_say_what_the_reps_said(
    client, accounts, ctx, runtime, crm, sessions, leadq_settings, monkeypatch
) -> None:
    from leadq.cli import main

    mine = accounts["alice"]
    assert retrain(ctx)["promoted"]  # a champion trained before any rep said anything
    run_backfill(build_context(runtime, mine), ObjectType.CONTACT)  # scored by the champion
    portal = crm.sandbox.portals[crm.portal_id]
    tiers = {r.id: r.props["leadq_tier"] for r in portal.live("contacts")}
    rejected = sorted(i for i, t in tiers.items() if t == "L1")[:30]
    raised = sorted(i for i, t in tiers.items() if t == "L3")[:12]
    with sessions.begin() as db:  # as a batch records a rep's values over leadq's
        for record_id in rejected:
            db.add(
                Feedback(
                    installation_id=mine,
                    object_type="contact",
                    record_id=record_id,
                    kind="override",
                    field_key="leadq_verdict",
                    leadq_value="sales_ready",
                    human_value="disqualified",
                )
            )
        for record_id in raised:
            db.add(
                Feedback(
                    installation_id=mine,
                    object_type="contact",
                    record_id=record_id,
                    kind="override",
                    field_key="leadq_tier",
                    leadq_value="L3",
                    human_value="L1",
                )
            )
    with sessions() as db:
        scored = stored_feedback.scored_by_tier(db, mine)
    closed = _closed(portal)
    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    said = CliRunner().invoke(main, ["retrain", str(mine)])
    assert said.exit_code == 0, said.output
    taught = len([i for i in rejected if i not in closed]), len([i for i in raised if i not in closed])
    trained = (
        f"Reps' feedback trained it: {taught[0]} leads they rejected, each counted as 0.5 of a lost deal, "
        f"and {taught[1]} they raised, each 0.25 of a won deal"
    )
    l1 = f"L1: reps disagreed on 30 of {scored['L1']} leads ({100 * 30 / scored['L1']:.0f}%): 30 rejected."
    l3 = f"L3: reps disagreed on 12 of {scored['L3']} leads ({100 * 12 / scored['L3']:.0f}%): 12 raised."
    for line in (trained, l1, l3):
        assert line in said.output, said.output
    assert re.search(
        r"Of \d+ rejected leads? it never learned from, it puts \d+% below L2; the champion \d+%",
        said.output,
    ), said.output
    sign_in(client, "alice")
    text = _text(client.get(f"/installations/{mine}/model").get_data(as_text=True))
    assert "What the reps said" in text and l1 in text and l3 in text and trained in text, text
