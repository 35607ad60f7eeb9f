"""The model page: champion with held-out AUC against the rules, charts drawn server-side,
conversion by tier, strongest factors, training window; Retrain queues a training task."""

from __future__ import annotations

import html
import re

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
    assert re.search(r"Champion: model 1 \(trained \d{1,2} \w{3} \d{4}, \d\d:\d\d\) <span", page)
    assert f"(id {outcome['version']})" in page, "the id is still there for support"
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


RAW_FEATURES = (
    "email_kind",
    "engagement_points",
    "days_since_activity",
    "tech_matches",
    "email_clicks",
    "lead_source",
)


def _visible(page: str) -> str:
    """The page's text as read: tags, the charts' SVG and the model ids left out."""
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    page = re.sub(r'<span class="muted model-id">.*?</span>', " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_model_page_speaks_plain_language(client, accounts, ctx) -> None:
    from leadq.web.model_words import FACTORS
    from workers.services.retrain import retrain

    mine = accounts["alice"]
    sign_in(client, "alice")
    assert retrain(ctx)["promoted"]
    text = _visible(client.get(f"/installations/{mine}/model").get_data(as_text=True))
    tiers = re.findall(
        r"(L[1-4]): (about \d+ in \d+|almost all|none|fewer than 1 in 100) convert \(\d+% of", text
    )
    assert len(tiers) >= 2 and any(" in 10" in said for _, said in tiers), text
    assert "Take one lead that converted and one that did not: about" in text and "times in 100" in text
    assert "Calibration checks that the chances can be taken at face value" in text
    assert "percentage point" in text
    named = [name for name, _ in FACTORS.values() if name in text]
    assert len(named) >= 3, text
    assert "on a lead's page, \u201c" in text, "factors quoted as the lead page says them"
    for raw in RAW_FEATURES:
        assert raw not in text, raw
    assert "log-odds" not in text and "None" not in text
    assert re.search(r"converted \d+\.\d times as often as average", text)


def test_a_rejected_challenger_says_why(client, accounts, ctx) -> None:
    from workers.services.retrain import retrain

    mine = accounts["alice"]
    sign_in(client, "alice")
    assert retrain(ctx)["promoted"]
    second = retrain(ctx)
    assert not second["promoted"]
    text = _visible(client.get(f"/installations/{mine}/model").get_data(as_text=True))
    assert "Latest challenger (not promoted): model 2 (trained" in text
    assert "Why it was not promoted: Only 0 outcomes decided since the champion was trained" in text, text
    assert "History Model Family Status" in text and "in use (champion)" in text
    assert "logistic in use (champion)" in text  # the family of each model in the history
