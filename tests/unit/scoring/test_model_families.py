"""Every model family explains itself exactly, stores as readable JSON, and honours weights and
monotonicity (issue 20)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.boosted import BOOSTED_FORMAT, BoostedModel
from scoring.boosted_fit import BoostedSettings, _fit_ebm, _matrix, export_ebm
from scoring.encoding import CATEGORICAL, NUMERIC
from scoring.families import FAMILIES, fit_model, load_model
from scoring.leadmodel import LeadModel

KINDS = {
    "seniority": CATEGORICAL,
    "industry": CATEGORICAL,
    "employees": NUMERIC,
    "visits": NUMERIC,
    "country": CATEGORICAL,
}
SENIORITY = ["vp", "director", "manager", "individual", "student"]
INDUSTRY = ["software", "retail", "finance", "other"]
COUNTRY = ["US", "DE", "FR", "IN"]


def leads(n: int, seed: int) -> tuple[list[dict], np.ndarray]:
    """Seeded leads (oldest first) whose outcome depends on each feature and on seniority x size."""
    rng = np.random.default_rng(seed)
    rows, signal = [], np.zeros(n)
    for i in range(n):
        row = {
            "seniority": rng.choice(SENIORITY),
            "industry": rng.choice([*INDUSTRY, None]),
            "employees": None if rng.random() < 0.1 else int(rng.lognormal(5, 1.5)),
            "visits": int(rng.poisson(2)),
            "country": rng.choice(COUNTRY),
        }
        big = (row["employees"] or 0) >= 200
        signal[i] = (
            (row["seniority"] in ("vp", "director")) * 1.0
            + (row["industry"] == "software") * 0.8
            + 0.3 * row["visits"]
            + 1.5 * (row["seniority"] == "vp" and big)
            - 2.0 * (row["seniority"] == "student")
        )
        rows.append(row)
    labels = (rng.random(n) < 1 / (1 + np.exp(-(signal - 1.5)))).astype(int)
    return rows, labels


@pytest.fixture(scope="module")
def models() -> dict[str, object]:
    rows, labels = leads(1500, seed=3)
    return {
        family: fit_model(family, rows, labels, KINDS, version=f"{family}-1", kind="crm", time_ordered=True)
        for family in FAMILIES
    }


def independent_logit(model: object, rows: list[dict]) -> np.ndarray:
    """The calibrated logit computed without the contributions: the logistic model's own decision
    function over the encoded rows, the boosted model's intercept plus its raw term scores."""
    if isinstance(model, LeadModel):
        return model.model.decision_function(model.encoder.sparse_transform(rows))
    assert isinstance(model, BoostedModel)
    return model.logit(rows)


category = st.one_of(
    st.sampled_from([*SENIORITY, *INDUSTRY, *COUNTRY]),  # seen (in some feature)
    st.text(max_size=6),  # unseen, including ""
    st.none(),
)
number = st.one_of(
    st.none(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["12", "lots", ""]),  # text in a numeric column
)
row_strategy = st.fixed_dictionaries(
    {
        "seniority": category,
        "industry": category,
        "employees": number,
        "visits": number,
        "country": category,
    }
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, min_size=1, max_size=20))
def test_every_familys_contributions_and_intercept_add_up_to_its_logit(models, rows):
    for model in models.values():
        explanation = model.explain(rows)
        assert explanation.contributions.shape == (len(rows), len(model.features))
        assert explanation.features == model.features
        total = explanation.expected + explanation.contributions.sum(axis=1)
        assert np.all(np.isfinite(total))
        assert np.abs(total - independent_logit(model, rows)).max() <= 1e-9
        assert np.allclose(explanation.probabilities, 1 / (1 + np.exp(-total)), rtol=0, atol=1e-12)


def test_the_boosted_model_has_pair_terms_and_scores_as_interpret_does():
    rows, labels = leads(1200, seed=5)
    small = BoostedSettings(outer_bags=2, n_jobs=1)
    ebm = _fit_ebm(_matrix(rows, KINDS), labels, np.ones(len(labels)), KINDS, {}, small)
    model = export_ebm(ebm, KINDS, (1.0, 0.0))
    assert any(" & " in name for name in model.features)
    probe, _ = leads(400, seed=6)
    probe += [
        {"seniority": "astronaut", "industry": "", "employees": 10**12, "visits": -4, "country": None},
        {"seniority": None, "industry": None, "employees": None, "visits": None, "country": "ZZ"},
    ]
    cuts = model.inputs[list(KINDS).index("employees")].cuts[0]
    probe += [{**probe[0], "employees": c} for c in cuts]  # values exactly on a bin edge
    theirs = ebm.decision_function(_matrix(probe, KINDS))
    assert np.abs(model.logit(probe) - theirs).max() < 1e-12


def test_each_familys_artifact_is_readable_json_and_round_trips_to_identical_scores(models):
    probe, _ = leads(300, seed=9)
    probe.append({"seniority": "unseen", "industry": None, "employees": -5, "visits": 1e9, "country": ""})
    for family, model in models.items():
        data = model.to_bytes()
        raw = json.loads(data)
        again = load_model(data)
        assert type(again) is type(model)
        assert again.features == model.features and again.version == f"{family}-1"
        before, after = model.explain(probe), again.explain(probe)
        assert np.array_equal(before.contributions, after.contributions)
        assert np.array_equal(before.probabilities, after.probabilities)
        assert before.expected == after.expected
        assert np.array_equal(model.priority(before.probabilities), again.priority(after.probabilities))
        assert again.to_bytes() == data
    raw = json.loads(models["boosted"].to_bytes())
    assert raw["format"] == BOOSTED_FORMAT
    size = next(f for f in raw["inputs"] if f["name"] == "employees")
    assert size["kind"] == NUMERIC and size["cuts"][0] == sorted(size["cuts"][0])
    seniority = next(f for f in raw["inputs"] if f["name"] == "seniority")
    assert set(seniority["categories"][0]) == set(SENIORITY)
    pair = next(t for t in raw["terms"] if " & " in t["name"])
    assert len(pair["features"]) == 2 and isinstance(pair["scores"][0], list)
    assert len(raw["calibration"]) == 2 and len(raw["priority_edges"]) == 99


def test_an_artifact_of_no_family_is_refused_with_its_format(models):
    with pytest.raises(ValueError, match=r"format 'leadq\.other/1'"):
        load_model(b'{"format": "leadq.other/1"}')
    raw = json.loads(models["boosted"].to_bytes())
    raw["terms"][0]["scores"] = raw["terms"][0]["scores"][:-1]
    with pytest.raises(ValueError, match="shape"):
        load_model(json.dumps(raw).encode())
    rows, labels = leads(50, 1)
    with pytest.raises(ValueError, match="unknown model family 'forest'"):
        fit_model("forest", rows, labels, KINDS, version="v", kind="crm", time_ordered=False)


def bumpy(n: int, seed: int) -> tuple[list[dict], np.ndarray]:
    """Leads whose conversion rate peaks at mid-sized companies and falls for the largest."""
    rng = np.random.default_rng(seed)
    rows = [{"employees": float(rng.uniform(1, 2000)), "country": rng.choice(COUNTRY)} for _ in range(n)]
    size = np.array([r["employees"] for r in rows])
    p = np.where(size < 800, 0.1 + size / 1000, np.maximum(0.05, 0.9 - (size - 800) / 800))
    return rows, (rng.random(n) < p).astype(int)


def probabilities_by_size(model: object, sizes: np.ndarray) -> np.ndarray:
    return model.probabilities([{"employees": float(s), "country": "US"} for s in sizes])


@pytest.mark.parametrize("direction", [1, -1])
@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_honours_a_monotone_feature(family, direction):
    rows, labels = bumpy(3000, seed=4)
    kinds = {"employees": NUMERIC, "country": CATEGORICAL}
    sizes = np.linspace(0, 2500, 400)
    free = fit_model(family, rows, labels, kinds, version="v", kind="crm", time_ordered=False)
    steps = np.diff(probabilities_by_size(free, sizes))
    assert (steps * direction < -1e-6).any()  # unconstrained, the bump shows both ways
    bound = fit_model(
        family,
        rows,
        labels,
        kinds,
        version="v",
        kind="crm",
        time_ordered=False,
        monotone={"employees": direction},
    )
    steps = np.diff(probabilities_by_size(bound, sizes))
    assert (steps * direction >= -1e-12).all()
    assert not any(" & " in name and "employees" in name for name in bound.features)


def test_a_monotone_entry_for_a_category_or_a_missing_feature_is_left_alone_by_every_family():
    rows, labels = bumpy(600, seed=4)
    kinds = {"employees": NUMERIC, "country": CATEGORICAL}
    probe = [{"employees": float(s), "country": c} for s in (10, 900, 1900) for c in COUNTRY]
    for family in FAMILIES:
        plain = fit_model(family, rows, labels, kinds, version="v", kind="crm", time_ordered=False)
        asked = fit_model(
            family,
            rows,
            labels,
            kinds,
            version="v",
            kind="crm",
            time_ordered=False,
            monotone={"country": 1, "revenue": -1},
        )
        assert np.array_equal(plain.probabilities(probe), asked.probabilities(probe))
    with pytest.raises(ValueError, match="must be \\+1 or -1"):
        fit_model(
            "boosted",
            rows,
            labels,
            kinds,
            version="v",
            kind="crm",
            time_ordered=False,
            monotone={"employees": 2},
        )


def test_the_boosted_family_learns_from_the_weighted_rows():
    rng = np.random.default_rng(8)
    rows = [{"seniority": rng.choice(["vp", "manager"]), "country": rng.choice(COUNTRY)} for _ in range(2000)]
    first = np.arange(2000) < 1000
    vp = np.array([r["seniority"] == "vp" for r in rows])
    # In the first half VPs convert and managers do not; in the second half the other way round.
    labels = np.where(first, vp, ~vp).astype(int)
    kinds = {"seniority": CATEGORICAL, "country": CATEGORICAL}
    probe = [{"seniority": "vp", "country": "US"}, {"seniority": "manager", "country": "US"}]
    for weights, vp_wins in ((first.astype(float), True), ((~first).astype(float), False)):
        model = fit_model(
            "boosted", rows, labels, kinds, version="v", kind="crm", time_ordered=False, sample_weight=weights
        )
        p_vp, p_manager = model.probabilities(probe)
        assert (p_vp > p_manager + 0.3) if vp_wins else (p_manager > p_vp + 0.3)


def test_leadq_score_says_a_crm_boosted_model_cannot_score_a_csv(tmp_path, models):
    from click.testing import CliRunner

    from leadq.cli import main

    artifact, data = tmp_path / "boosted.json", tmp_path / "leads.csv"
    artifact.write_bytes(models["boosted"].to_bytes())
    data.write_text("Job Title,Converted\nCEO,1\n")
    result = CliRunner().invoke(
        main, ["score", str(data), "--model", str(artifact), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a message, no traceback
    assert "is a boosted model of leadq's CRM features" in result.output
    assert "'leadq score' scores a CSV with a model written by 'leadq train'" in result.output
    assert "Traceback" not in result.output


def test_loading_and_scoring_a_boosted_model_never_imports_interpret(tmp_path, models):
    import subprocess
    import sys

    artifact = tmp_path / "boosted.json"
    artifact.write_bytes(models["boosted"].to_bytes())
    code = (
        "import sys; from pathlib import Path; from scoring.families import load_model; "
        f"m = load_model(Path({str(artifact)!r}).read_bytes()); "
        "print(m.explain([{'seniority': 'vp', 'employees': 300}]).probabilities[0]); "
        "print('interpret' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    probability, imported = done.stdout.split()
    assert 0 < float(probability) < 1 and imported == "False"
