"""A training that trains no model (too few closed deals) says so on the model page and in the demo,
instead of leaving an admin (or the demo) waiting for a model that will never come."""

from __future__ import annotations

import html

import pytest

from tests.support.admin import sign_in


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=62, records=150, rate_limit=10_000)


def test_a_training_with_too_few_outcomes_says_why_on_the_model_page(client, accounts, ctx) -> None:
    from workers.services.retrain import retrain

    mine = accounts["alice"]
    sign_in(client, "alice")
    before = html.unescape(client.get(f"/installations/{mine}/model").get_data(as_text=True))
    assert "No model yet" in before and "trained no model" not in before
    outcome = retrain(ctx)
    assert outcome["ready"] is False, outcome
    page = html.unescape(client.get(f"/installations/{mine}/model").get_data(as_text=True))
    shown = " ".join(page.split('id="not-trained">')[1].split("</p>")[0].replace("<strong>", "").split())
    assert "trained no model:" in shown and outcome["why"] in shown, shown
    assert "No model yet" in page
