"""Segment models (issue 20): a segmented model explains every lead exactly by the model that scored
it, stores as readable JSON, and is kept per segment only where it beats the global model on that
segment's held-out outcomes; a lead it scores says so in its reasons."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from scoring.auc_compare import compare
from scoring.encoding import CATEGORICAL, NUMERIC
from scoring.families import FAMILIES, family_of, fit_model, load_model
from scoring.icp import IcpError, load_icp
from scoring.score import score_person
from scoring.segment_config import SegmentConfig
from scoring.segment_fit import SegmentData, gate_segments, refit_segments
from scoring.segments import SEGMENT_TERM, SEGMENTED_FORMAT, SegmentedModel, segmented
from tests.builders import NOW, AccountBuilder, PersonBuilder

KINDS = {"seniority": CATEGORICAL, "industry": CATEGORICAL, "employees": NUMERIC, "visits": NUMERIC}
SENIORITY = ["vp", "director", "manager", "individual", "student"]
INDUSTRY = ["software", "retail", "financial_services", "other"]
ENTERPRISES = "enterprises (1,000+ employees)"
SMALL = "small companies (under 200 employees)"


def leads(n: int, seed: int, planted: bool) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Seeded leads, oldest first. Senior buyers, software companies and visits convert more; with
    ``planted``, at enterprises it is the other way round for seniority and visits (their deals are
    won by the managers and individuals who do the evaluation, not the VPs who visit the site)."""
    rng = np.random.default_rng(seed)
    rows, signal = [], np.zeros(n)
    for i in range(n):
        row = {
            "seniority": str(rng.choice(SENIORITY)),
            "industry": str(rng.choice(INDUSTRY)),
            "employees": int(rng.lognormal(5.5, 1.5)),
            "visits": int(rng.poisson(2)),
        }
        senior = row["seniority"] in ("vp", "director")
        hands_on = row["seniority"] in ("manager", "individual")
        signal[i] = 1.2 * senior + 0.8 * (row["industry"] == "software") + 0.35 * row["visits"]
        signal[i] -= 2.0 * (row["seniority"] == "student")
        if planted and row["employees"] >= 1000:
            signal[i] = (
                1.8 * hands_on - 1.5 * senior + 0.8 * (row["industry"] == "software") - 0.3 * row["visits"]
            )
        rows.append(row)
    labels = (rng.random(n) < 1 / (1 + np.exp(-(signal - 1.2)))).astype(int)
    return rows, labels


def fitter(family: str):
    def fit(rows, labels, weights, version, metadata):
        return fit_model(
            family,
            rows,
            labels,
            KINDS,
            version=version,
            kind="crm",
            time_ordered=True,
            sample_weight=weights,
            metadata=metadata,
        )

    return fit


def gate(rows, labels, config: SegmentConfig, family: str = "logistic", monotone=None):
    """The training's split (the newest quarter held out), the global models, and the segment gate."""
    cut = round(len(rows) * 0.75)
    fit = fitter(family)
    held_out = fit(rows[:cut], labels[:cut], None, "v1-holdout", {})
    final = fit(rows, labels, None, "v1", {"n_train": len(rows)})
    data = SegmentData(rows[:cut], labels[:cut], None, rows[:cut], labels[:cut], rows[cut:], labels[cut:])
    gated = gate_segments(data, held_out, config, fit, version="v1", monotone=monotone)
    model = refit_segments(gated, final, rows, labels, None, fit, version="v1")
    return SimpleNamespace(section=gated.section, held_out=gated.held_out, model=model), final


@pytest.fixture(scope="module")
def models() -> dict[str, SegmentedModel]:
    """Per family, a global model and an enterprises model, joined."""
    rows, labels = leads(2400, seed=4, planted=True)
    out = {}
    for family in FAMILIES:
        fit = fitter(family)
        base = fit(rows, labels, None, f"{family}-1", {"n_train": len(rows)})
        big = np.array([r["employees"] >= 1000 for r in rows])
        member = fit(
            [r for r, b in zip(rows, big, strict=True) if b],
            labels[big],
            None,
            "seg",
            {"n_train": int(big.sum())},
        )
        out[family] = segmented(base, "company_size", {ENTERPRISES: member}, rows)
    return out


category = st.one_of(st.sampled_from([*SENIORITY, *INDUSTRY]), st.text(max_size=5), st.none())
number = st.one_of(
    st.none(),
    st.integers(min_value=-10, max_value=10**7),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.sampled_from([199, 200, 999, 1000, 1001]),  # the size bands' edges
)
row_strategy = st.fixed_dictionaries(
    {"seniority": category, "industry": category, "employees": number, "visits": number}
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, min_size=1, max_size=20))
def test_a_segmented_models_contributions_add_up_to_the_logit_of_the_model_that_scored_each_lead(
    models, rows
):
    for model in models.values():
        explanation = model.explain(rows)
        assert explanation.features == model.features and explanation.features[-1] == SEGMENT_TERM
        assert explanation.contributions.shape == (len(rows), len(model.features))
        total = explanation.expected + explanation.contributions.sum(axis=1)
        for i, row in enumerate(rows):  # each lead's own model, on its own
            own = model.model_for(row).explain([row])
            assert abs(total[i] - (own.expected + own.contributions.sum())) <= 1e-9
            assert abs(explanation.probabilities[i] - own.probabilities[0]) <= 1e-12
        assert np.allclose(explanation.probabilities, 1 / (1 + np.exp(-total)), rtol=0, atol=1e-12)


def test_each_lead_is_scored_by_its_segments_model_and_the_others_by_the_global_one(models):
    rows = [
        {"seniority": "vp", "industry": "software", "employees": 5000, "visits": 4},
        {"seniority": "vp", "industry": "software", "employees": 300, "visits": 4},
        {"seniority": "vp", "industry": "software", "employees": None, "visits": 4},
    ]
    for model in models.values():
        member = model.members[ENTERPRISES]
        assert [model.segment_of(r) for r in rows] == [ENTERPRISES, None, None]
        p = model.probabilities(rows)
        assert p[0] == pytest.approx(member.probabilities(rows[:1])[0], abs=1e-12)
        assert p[1:] == pytest.approx(model.base.probabilities(rows[1:]), abs=1e-12)
        segment = model.explain(rows).contributions[:, -1]
        assert segment[0] != 0 and list(segment[1:]) == [0.0, 0.0]
        # the planted reversal: the enterprises model prefers the hands-on buyer to the VP
        hands_on = {**rows[0], "seniority": "individual"}
        assert member.probabilities([hands_on])[0] > member.probabilities(rows[:1])[0]
        assert model.probabilities([hands_on])[0] > model.probabilities(rows[:1])[0]
    logistic = models["logistic"].base  # one term per feature: the global model cannot see the reversal
    assert (
        logistic.probabilities([{**rows[0], "seniority": "individual"}])[0]
        < logistic.probabilities(rows[:1])[0]
    )


def test_a_segmented_artifact_is_readable_json_that_round_trips_to_identical_scores(models):
    probe, _ = leads(300, seed=9, planted=True)
    probe.append({"seniority": "unseen", "industry": None, "employees": -5, "visits": 1e9})
    for family, model in models.items():
        data = model.to_bytes()
        raw = json.loads(data)
        assert raw["format"] == SEGMENTED_FORMAT and raw["by"] == "company_size"
        assert raw["global"]["version"] == f"{family}-1" and [s["key"] for s in raw["segments"]] == [
            ENTERPRISES
        ]
        assert len(raw["priority_edges"]) == 99
        again = load_model(data)
        assert isinstance(again, SegmentedModel) and family_of(again) == family
        before, after = model.explain(probe), again.explain(probe)
        assert np.array_equal(before.contributions, after.contributions)
        assert np.array_equal(before.probabilities, after.probabilities)
        assert np.array_equal(model.priority(before.probabilities), again.priority(after.probabilities))
        assert again.to_bytes() == data
    raw = json.loads(models["logistic"].to_bytes())
    raw["segments"][0]["model"] = json.loads(models["boosted"].to_bytes())  # a segmented member
    with pytest.raises(ValueError, match="not segmented ones"):
        load_model(json.dumps(raw).encode())
    raw["segments"][0]["model"] = {"format": "leadq.other/1"}
    with pytest.raises(ValueError, match=r"format 'leadq\.other/1'"):
        load_model(json.dumps(raw).encode())


CONFIG = SegmentConfig(by="company_size", min_outcomes=300, min_wins=40)


@pytest.mark.parametrize("seed", [11, 12])
def test_a_planted_segment_gets_its_own_model_which_ranks_its_held_out_leads_better(seed):
    rows, labels = leads(5000, seed=seed, planted=True)
    result, _final = gate(rows, labels, CONFIG)
    section = result.section
    assert section["kept"] == [ENTERPRISES]
    enterprises = next(s for s in section["segments"] if s["segment"] == ENTERPRISES)
    assert enterprises["kept"] and enterprises["segment_auc"] >= enterprises["global_auc"] + 0.05
    assert enterprises["why"].startswith("kept: on its ")
    assert "against the model of all leads'" in enterprises["why"]
    assert enterprises["n_train"] >= 300 and enterprises["calibration"]["count"] == enterprises["n_test"]
    model = result.model
    assert isinstance(model, SegmentedModel) and set(model.members) == {ENTERPRISES}
    assert model.version == "v1" and model.metadata["segments"]["kept"] == [ENTERPRISES]
    member = model.members[ENTERPRISES]
    assert member.metadata["n_train"] == enterprises["n_train"] + enterprises["n_test"]  # refit on all
    assert isinstance(result.held_out, SegmentedModel) and result.held_out is not model
    # With the reversed enterprises in it, the global model is a little worse for the other segments
    # too, but by no more than chance explains on their few held-out leads.
    others = [row for row in section["segments"] if row["segment"] != ENTERPRISES]
    assert others and all(row["why"].startswith(("not kept: ", "too few")) for row in others)


@pytest.mark.parametrize("seed", [11, 12])
def test_segments_that_convert_like_every_other_lead_keep_the_global_model(seed):
    rows, labels = leads(5000, seed=seed, planted=False)
    result, final = gate(rows, labels, CONFIG)
    judged = [s for s in result.section["segments"] if s["segment_auc"] is not None]
    assert {s["segment"] for s in judged} >= {SMALL, ENTERPRISES}
    assert result.section["kept"] == [] and result.model is final
    assert all(s["why"].startswith("not kept: ") for s in judged)


def test_the_auc_comparison_agrees_with_sklearn_and_tells_a_real_gap_from_chance():
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(int)
    weak, strong = y * 0.3 + rng.normal(size=400), y * 1.2 + rng.normal(size=400)
    weak[:30] = np.round(weak[:30])  # ties count half
    gap = compare(y, weak, strong)
    assert gap.first == pytest.approx(roc_auc_score(y, weak), abs=1e-12)
    assert gap.second == pytest.approx(roc_auc_score(y, strong), abs=1e-12)
    assert gap.z() > 4 and compare(y, strong, weak).z() < -4
    twins = [
        compare(y, strong + rng.normal(0, 0.3, 400), strong + rng.normal(0, 0.3, 400)).z() for _ in range(200)
    ]
    assert 0.6 < float(np.std(twins)) < 1.4 and np.mean(np.array(twins) > 1.645) < 0.1


def test_segments_with_too_few_outcomes_get_no_model_and_the_report_says_what_they_lacked():
    rows, labels = leads(1200, seed=3, planted=True)
    result, final = gate(rows, labels, SegmentConfig(by="company_size", min_outcomes=400, min_wins=40))
    assert result.model is final and result.section["kept"] == []
    big = next(s for s in result.section["segments"] if s["segment"] == ENTERPRISES)
    assert big["segment_auc"] is None and big["n_train"] < 400
    assert (
        big["why"].startswith("too few outcomes for a model of its own") and "400 with 40 won" in big["why"]
    )
    off, final_off = gate(rows, labels, SegmentConfig(by="none"))
    assert off.model is final_off and off.section["segments"] == []


def test_a_rep_reads_which_segment_model_scored_the_lead(models):
    icp = load_icp()
    enterprise = AccountBuilder().with_(employees=5000).build()
    mid = AccountBuilder().with_(employees=300).build()
    person = PersonBuilder().title("Sales Manager").build()
    for model in models.values():
        scored = score_person(person, enterprise, icp, model, NOW)
        summary, items, _what_if = scored.reasons_lines()
        assert "segment" not in summary  # an itemised reason, never the summary's
        said = [i for i in items if "scored by the segment model for enterprises (1,000+ employees)" in i]
        assert (
            len(said) == 1
            and said[0][0] in "+-"
            and said[0].endswith(("its leads start above average", "its leads start below average"))
        )
        assert "its segment model for enterprises (1,000+ employees)" in scored.confidence_reason
        assert not any("segment" in i.lower() or "None" in i for i in items if i not in said)
        other = score_person(person, mid, icp, model, NOW)
        assert not any("segment model" in i for i in other.reasons_lines()[1])
        assert "segment" not in other.confidence_reason


def test_the_icps_segments_table_is_checked_and_named_by_its_key():
    assert load_icp().segments == SegmentConfig(by="company_size", min_outcomes=400, min_wins=40)
    mine = load_icp('[segments]\nby = "country"\nmin_outcomes = 150\nmin_wins = 20\n').segments
    assert (mine.by, mine.min_outcomes, mine.min_wins, mine.on) == ("country", 150, 20, True)
    assert not load_icp('[segments]\nby = "none"\n').segments.on
    with pytest.raises(IcpError) as error:
        load_icp('[segments]\nby = "region"\nmin_outcomes = 50\nmin_wins = 30\n')
    assert [p.key for p in error.value.problems] == ["segments.by", "segments.min_wins"]
    assert "'company_size', 'country', 'none'" in str(error.value) and "at most 25" in str(error.value)
    with pytest.raises(IcpError, match=r"segments\.min_outcomes: must be a whole number"):
        load_icp("[segments]\nmin_outcomes = 0\n")


def test_with_employees_monotone_there_are_no_models_per_company_size():
    rows, labels = leads(5000, seed=11, planted=True)
    result, final = gate(rows, labels, CONFIG, monotone={"employees": 1})
    assert result.model is final and result.section["segments"] == []
    assert "[model] monotone sets employees" in result.section["off"]
