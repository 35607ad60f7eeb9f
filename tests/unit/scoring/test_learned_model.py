"""The learned model on the sandbox CRM: beats the rules, is calibrated, explains itself faithfully."""

from __future__ import annotations

import numpy as np
import pytest

from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.features import person_features
from scoring.icp import load_icp
from scoring.leadmodel import LeadModel
from scoring.registry import decide_promotion
from scoring.score import score_person
from scoring.training import holdout_auc, readiness, train_crm_model
from tests.builders import NOW, sandbox_examples, sandbox_people

ICP = load_icp('[disqualifiers]\ncompetitor_domains = ["rivalscore.io", "leadrank.com", "qualifyly.ai"]')


@pytest.fixture(scope="module")
def portal():
    portal = Portal(portal_id=1, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=2, records=4000)
    return portal


@pytest.fixture(scope="module")
def trained(portal):
    return train_crm_model(sandbox_examples(portal), ICP, version="m-test")


def test_the_learned_model_beats_the_rules_on_newer_outcomes_and_is_calibrated(trained):
    report = trained.report
    assert trained.ready and report["split"] == "(time-ordered)"
    assert report["auc"] > report["rule_auc"] + 0.03
    assert report["brier"] < 0.2
    calibration = report["calibration"]
    assert len(calibration) == 10
    gaps = [abs(row["mean_predicted"] - row["observed_rate"]) for row in calibration]
    assert np.mean(gaps) < 0.1  # predicted probabilities track observed rates
    assert report["window"]["test_from"] > report["window"]["train_from"]


def test_reasons_are_the_models_exact_additive_contributions(portal, trained):
    model = trained.model
    people = sandbox_people(portal)[:300]
    rows = [person_features(p, a, ICP, NOW).model_row() for p, a in people]
    explanation = model.explain(rows)
    logit = np.log(explanation.probabilities / (1 - explanation.probabilities))
    assert np.allclose(explanation.expected + explanation.contributions.sum(axis=1), logit, atol=1e-9)
    matrix = model.encoder.transform(rows)
    assert np.allclose(explanation.probabilities, model.model.predict_proba(matrix)[:, 1], atol=1e-12)
    for (person, account), p in zip(people[:50], explanation.probabilities, strict=False):
        score = score_person(person, account, ICP, model, NOW)
        assert score.probability == pytest.approx(p, abs=1e-4)
        model_reasons = [r for r in score.reasons if r.factor.startswith("model.")]
        assert model_reasons and all(r.text for r in model_reasons)
        sizes = [abs(r.contribution) for r in model_reasons]
        assert sizes == sorted(sizes, reverse=True)


def test_with_a_model_confidence_is_higher_and_the_version_is_stamped(portal, trained):
    person, account = next((p, a) for p, a in sandbox_people(portal) if p.title and p.email and a)
    score = score_person(person, account, ICP, trained.model, NOW)
    assert score.model_version == "m-test" and score.confidence in ("high", "medium")


def test_too_few_outcomes_fall_back_to_rules_and_say_why(portal):
    examples = sandbox_examples(portal)[:150]
    ready, why = readiness(examples, ICP)
    result = train_crm_model(examples, ICP, version="thin")
    assert not ready and result.model is None and "at least 200" in why
    person, account = sandbox_people(portal)[0]
    score = score_person(person, account, ICP, None, NOW, model_note=why)
    assert score.confidence == "low" and "at least 200" in score.confidence_reason


def test_the_artifact_is_json_and_round_trips_exactly(portal, trained):
    data = trained.model.to_bytes()
    assert data.startswith(b"{") and b"pickle" not in data
    again = LeadModel.from_bytes(data)
    rows = [person_features(p, a, ICP, NOW).model_row() for p, a in sandbox_people(portal)[:200]]
    assert np.array_equal(again.probabilities(rows), trained.model.probabilities(rows))
    with pytest.raises(ValueError, match="not a leadq model"):
        LeadModel.from_bytes(b'{"format": "other"}')


def test_a_challenger_is_promoted_only_if_it_wins_on_the_same_window(portal, trained):
    examples = sorted(sandbox_examples(portal), key=lambda e: e.decided_at)
    window = examples[int(len(examples) * 0.75) :]
    champion_auc = holdout_auc(trained.model, window, ICP)
    assert not decide_promotion(champion_auc, champion_auc + 0.001, margin=0.005).promote
    assert decide_promotion(champion_auc, champion_auc + 0.01, margin=0.005).promote
    assert decide_promotion(None, 0.6).promote
