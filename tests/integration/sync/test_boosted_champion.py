"""A boosted champion scores in the product: the backfill writes its probabilities and version to the
CRM, and the reasons a rep reads there include its pairwise terms, phrased for a rep."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, seed_portal
from scoring.boosted import BoostedModel
from scoring.families import fit_model
from scoring.features import person_features
from scoring.icp import load_icp
from scoring.training import CRM_KINDS
from storage import models_registry
from tests.builders import sandbox_examples
from workers.services.backfill import run_backfill
from workers.services.context import build_context

pytestmark = pytest.mark.backend(
    "sqlite",
    reason="its subject is what the model learns; the outcomes, feedback and models it stores are "
    "read and written on PostgreSQL by the retrain and storage tests",
)

# A pair's reason joins who the buyer is (or what they did) with the company they are at.
PAIR_LINE = re.compile(r"^[+-] .+,? at (a|an) (company |\S+ employee company|[a-z ]+ company)")


@pytest.fixture(scope="module")
def boosted():
    """A boosted model trained on a larger seeded CRM's closed deals (enough for real pairs)."""
    portal = Portal(portal_id=9, domain="train.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    seed_portal(portal, seed=2, records=12_000)
    icp = load_icp()
    examples = sorted(sandbox_examples(portal), key=lambda e: e.decided_at)
    rows = [person_features(e.person, e.account, icp, e.decided_at).model_row() for e in examples]
    labels = np.array([int(e.won) for e in examples])
    model = fit_model("boosted", rows, labels, CRM_KINDS, version="boosted-7", kind="crm", time_ordered=True)
    return model, examples[-1].decided_at


@pytest.fixture
def crm(sandbox_factory):
    return sandbox_factory(seed=63, records=400, rate_limit=10_000)


def test_a_boosted_champion_scores_the_crm_with_pair_reasons(runtime, installed, crm, sessions, boosted):
    model, trained_to = boosted
    with sessions.begin() as session:
        models_registry.save_version(
            session, installed, model.version, model.to_bytes(), {"auc": 0.85}, window_end=trained_to
        )
        models_registry.promote(session, installed, model.version, "boosted challenger won")
    ctx = build_context(runtime, installed)
    assert isinstance(ctx.model, BoostedModel) and ctx.model.version == "boosted-7"
    run_backfill(ctx)
    contacts = crm.sandbox.portals[crm.portal_id].live("contacts")
    assert {r.props.get("leadq_model_version") for r in contacts} == {"boosted-7"}
    shown = [float(r.props["leadq_probability"]) for r in contacts if r.props.get("leadq_probability")]
    assert len(shown) > len(contacts) / 2 and all(0 <= p <= 100 for p in shown)  # none when disqualified
    lines = [line for r in contacts for line in r.props["leadq_reasons"].splitlines()[1:]]
    pairs = [line for line in lines if PAIR_LINE.match(line)]
    assert len(pairs) >= 10, lines[:40]
    assert not any("&" in line or "None" in line for line in lines)
