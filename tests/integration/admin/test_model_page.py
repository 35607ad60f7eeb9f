"""The model page: champion with held-out AUC against the rules, charts drawn server-side,
conversion by tier, strongest factors, training window; Retrain queues a training task."""

from __future__ import annotations

import html

import pytest

from tests.support.admin import FakeCelery, csrf_of, sign_in


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=62, records=1200, rate_limit=10_000)


def test_model_page_shows_the_champion(client, accounts, ctx) -> None:
    from workers.services.retrain import retrain

    mine = accounts["alice"]
    sign_in(client, "alice")
    empty = client.get(f"/installations/{mine}/model").get_data(as_text=True)
    assert "No model yet" in empty
    outcome = retrain(ctx)
    assert outcome["promoted"], outcome
    page = html.unescape(client.get(f"/installations/{mine}/model").get_data(as_text=True))
    assert f"Champion: {outcome['version']}" in page
    assert (
        f"Held-out AUC <strong>{outcome['auc']:.3f}</strong>" in page
        and f"against the ICP rules' {outcome['rule_auc']:.3f}" in page
    )
    assert page.count("<svg") == 2 and "Lift by decile" in page
    assert "Conversion by tier" in page and "Strongest factors" in page and "Training window" in page
    client.application.extensions["leadq"].__dict__["celery"] = fake = FakeCelery()
    client.post(f"/installations/{mine}/model/retrain", data={"csrf_token": csrf_of(page)})
    assert fake.sent == [("leadq.retrain", [mine], "training")]
    other = accounts["bob"]
    assert client.get(f"/installations/{other}/model").status_code == 404
    assert (
        client.post(f"/installations/{other}/model/retrain", data={"csrf_token": csrf_of(page)}).status_code
        == 404
    )


def test_retrain_from_the_command_line(leadq_settings, installed, monkeypatch) -> None:
    from click.testing import CliRunner

    from leadq.cli import main
    from tests.support.sync import worker_env

    for key, value in worker_env(leadq_settings).items():
        if key.startswith("LEADQ_"):
            monkeypatch.setenv(key, value)
    first = CliRunner().invoke(main, ["retrain", str(installed)])
    assert first.exit_code == 0 and "promoted" in first.output and "vs. rules" in first.output, first.output
    again = CliRunner().invoke(main, ["retrain", str(installed)])
    assert again.exit_code == 0 and "kept the champion" in again.output, again.output
