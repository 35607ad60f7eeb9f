"""The ICP's ``[model] monotone`` option: validated with every problem named by its key, and respected
by the trained CRM model (more employees never lowers a lead's chance when the admin says so)."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from core.records import Engagement
from scoring.features import person_features
from scoring.icp import IcpError, load_icp
from scoring.leadmodel import LeadModel
from scoring.training import CRM_KINDS, Example, train_crm_model
from tests.builders import NOW, AccountBuilder, PersonBuilder

SWEEP = [int(x) for x in np.geomspace(5, 60_000, 80)]


def test_the_monotone_option_is_read_as_directions():
    icp = load_icp('[model]\nmonotone = { employees = "increasing", days_since_activity = "Decreasing" }')
    assert icp.monotone == {"employees": 1, "days_since_activity": -1}
    assert load_icp().monotone == {}, "nothing is monotone unless the admin says so"


@pytest.mark.parametrize(
    ("text", "key", "said"),
    [
        ('[model]\nmonotone = { size = "increasing" }', "model.monotone.size", "unknown feature; use one of"),
        ('[model]\nmonotone = { employees = "up" }', "model.monotone.employees", 'must be "increasing" or'),
        ("[model]\nmonotone = { revenue = 1 }", "model.monotone.revenue", 'must be "increasing" or'),
        (
            '[model]\nmonotone = { industry = "increasing" }',
            "model.monotone.industry",
            "industry is a category with no order",
        ),
        ('[model]\nmonotone = "employees"', "model.monotone", "must be a table"),
    ],
)
def test_each_problem_with_the_option_names_its_key(text, key, said):
    with pytest.raises(IcpError) as caught:
        load_icp(text)
    assert caught.value.key == key and str(caught.value).startswith(f"{key}: "), str(caught.value)
    assert said in str(caught.value)


def test_every_problem_of_the_option_is_reported():
    text = '[model]\nmonotone = { size = "increasing", country = "increasing", forms = "more" }'
    with pytest.raises(IcpError) as caught:
        load_icp(text)
    assert [p.key for p in caught.value.problems] == [
        "model.monotone.size",
        "model.monotone.country",
        "model.monotone.forms",
    ]


def test_the_features_that_may_be_monotone_are_the_models_numeric_ones():
    from scoring.monotone import ORDERED_FEATURES, UNORDERED_FEATURES

    assert set(ORDERED_FEATURES) == {f for f, kind in CRM_KINDS.items() if kind == "numeric"}
    assert set(UNORDERED_FEATURES) == {f for f, kind in CRM_KINDS.items() if kind == "categorical"}


def _win_chance(employees: int, senior: bool, visits: int) -> float:
    """Mid-size companies convert best, the biggest less (yet more than small ones): more employees
    is not always better in this data."""
    size = 0.0 if employees < 200 else 1.4 if employees < 1000 else 0.9 if employees < 5000 else 0.4
    return 1 / (1 + math.exp(-(-0.6 + size + 0.9 * senior + 0.25 * visits - 0.8)))


def planted_examples(n: int = 1600, seed: int = 4) -> list[Example]:
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        employees = int(math.exp(rng.uniform(math.log(5), math.log(60_000))))
        senior = rng.random() < 0.4
        visits = rng.randint(0, 8)
        person = (
            PersonBuilder(str(i))
            .title("VP Sales" if senior else "Sales Analyst")
            .email(f"p{i}@acme{i}.io")
            .engagement(site_visits=visits, last_visit_at=NOW - timedelta(days=rng.randint(1, 60)))
            .build()
        )
        account = AccountBuilder(str(10_000 + i)).with_(employees=employees, domain=f"acme{i}.io").build()
        won = rng.random() < _win_chance(employees, senior, visits)
        examples.append(Example(person, account, won, NOW - timedelta(days=n - i)))
    return examples


def _sweep(model: LeadModel, icp) -> np.ndarray:
    """A lead's chance as only its company's size grows."""
    person = PersonBuilder("sweep").engagement(site_visits=3, last_visit_at=NOW - timedelta(days=2)).build()
    account = AccountBuilder("sweep").build()
    rows = [person_features(person, replace(account, employees=e), icp, NOW).model_row() for e in SWEEP]
    return model.probabilities(rows)


@pytest.fixture(scope="module")
def examples():
    return planted_examples()


def test_without_the_option_the_model_follows_the_data_down_for_big_companies(examples):
    icp = load_icp()
    trained = train_crm_model(examples, icp, version="free")
    assert trained.ready, trained.why
    chances = _sweep(trained.model, icp)
    assert np.min(np.diff(chances)) < -0.05, "the planted drop for the biggest companies is learnt"


def test_with_employees_increasing_more_employees_never_lowers_the_chance(examples):
    icp = load_icp('[model]\nmonotone = { employees = "increasing" }')
    trained = train_crm_model(examples, icp, version="monotone")
    assert trained.ready, trained.why
    chances = _sweep(trained.model, icp)
    assert np.all(np.diff(chances) >= -1e-12), np.diff(chances).min()
    assert chances[-1] > chances[0] + 0.1, "still learns that bigger than small companies convert more"
    assert trained.model.metadata["monotone"] == {"employees": 1}
    assert trained.report["auc"] > 0.6
    # contributions stay the model's exact arithmetic
    rows = [person_features(e.person, e.account, icp, NOW).model_row() for e in examples[:200]]
    explanation = trained.model.explain(rows)
    logit = np.log(explanation.probabilities / (1 - explanation.probabilities))
    assert np.allclose(explanation.expected + explanation.contributions.sum(axis=1), logit, atol=1e-9)
    again = LeadModel.from_bytes(trained.model.to_bytes())
    assert np.array_equal(_sweep(again, icp), chances), "the saved artifact scores the same"


def test_decreasing_is_respected_too(examples):
    icp = load_icp('[model]\nmonotone = { employees = "decreasing" }')
    chances = _sweep(train_crm_model(examples, icp, version="down").model, icp)
    assert np.all(np.diff(chances) <= 1e-12)


def test_engagement_stays_free_when_only_employees_is_monotone(examples):
    icp = load_icp('[model]\nmonotone = { employees = "increasing" }')
    model = train_crm_model(examples, icp, version="m").model
    person = PersonBuilder("v").build()
    rows = [
        person_features(
            replace(person, engagement=Engagement(site_visits=v, last_visit_at=NOW - timedelta(days=2))),
            AccountBuilder("v").build(),
            icp,
            NOW,
        ).model_row()
        for v in range(9)
    ]
    chances = model.probabilities(rows)
    assert chances[-1] > chances[0] + 0.1, "visits still raise the chance as the data says"
