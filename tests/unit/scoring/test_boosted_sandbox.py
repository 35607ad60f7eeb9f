"""The boosted family on the sandbox CRM's seeded outcomes: it ranks newer outcomes as well as the
logistic family, and scores people through ``score_people`` with reasons a rep can read, pairs
included ("VP-level buyer at a 200-1,000 employee company")."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.families import fit_model
from scoring.features import person_features
from scoring.icp import load_icp
from scoring.score import score_people
from scoring.training import CRM_KINDS
from tests.builders import NOW, sandbox_examples, sandbox_people

ICP = load_icp()
# What a rep reads of each part of a pair (scoring/explain.py's words), whatever its value.
WORDS = {
    "seniority": ("buyer", "student", "intern", "job seeker", "job title unknown"),
    "function": ("works in", "role unknown"),
    "email_kind": ("e-mail address", "role address"),
    "industry": ("industry", "industries", " company"),
    "employees": ("employee", "of unknown size"),
    "revenue": ("revenue",),
    "country": ("based in", "unknown country"),
    "tech_matches": ("target tools", "tech stack"),
    "engagement_points": ("engagement",),
    "days_since_activity": ("active", "activity"),
    "visits": ("website",),
    "email_clicks": ("marketing e-mail",),
    "forms": ("form",),
    "lead_source": ("came in through", "lead source unknown"),
}


@pytest.fixture(scope="module")
def sandbox():
    portal = Portal(portal_id=1, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=2, records=12_000)  # enough outcomes (about 4,500) for real pairs
    examples = sorted(sandbox_examples(portal), key=lambda e: e.decided_at)
    rows = [person_features(e.person, e.account, ICP, e.decided_at).model_row() for e in examples]
    labels = np.array([int(e.won) for e in examples])
    return portal, rows, labels


def test_the_boosted_family_ranks_newer_outcomes_as_well_as_the_logistic_one(sandbox):
    _portal, rows, labels = sandbox
    cut = int(len(labels) * 0.75)
    auc = {}
    for family in ("logistic", "boosted"):
        model = fit_model(
            family, rows[:cut], labels[:cut], CRM_KINDS, version="v", kind="crm", time_ordered=True
        )
        auc[family] = roc_auc_score(labels[cut:], model.probabilities(rows[cut:]))
    assert auc["boosted"] > 0.8
    assert auc["boosted"] >= auc["logistic"] - 0.02, auc


def test_a_boosted_model_scores_people_with_reasons_that_phrase_its_pairs(sandbox):
    portal, rows, labels = sandbox
    model = fit_model("boosted", rows, labels, CRM_KINDS, version="boosted-1", kind="crm", time_ordered=True)
    pairs = [name for name in model.features if " & " in name]
    assert 1 <= len(pairs) <= 8
    people = sandbox_people(portal)[:2000]
    scores = score_people(people, ICP, model, NOW)
    explanation = model.explain([person_features(p, a, ICP, NOW).model_row() for p, a in people])
    assert [s.probability for s in scores] == [round(float(p), 4) for p in explanation.probabilities]
    assert all((s.model_version == "boosted-1" and s.confidence != "low") or s.missing for s in scores)
    shown = 0
    for score in scores:
        _summary, items, _what_if = score.reasons_lines()
        for reason in score.reasons:
            if not reason.factor.startswith("model.") or " & " not in reason.factor:
                continue
            text = reason.text
            for part in reason.factor.removeprefix("model.").split(" & "):
                assert any(w in text for w in WORDS[part]), (part, text)
            assert not re.search(r"\b(None|nan|inf)\b|[&_]", text), text  # no raw names or values
            shown += any(text in item for item in items)
    assert shown >= 20  # pairs are among the reasons reps see on many leads
