"""Issue 19's acceptance scenarios, end to end on leadq's store (SQLite and PostgreSQL).

Weeks of go-live are simulated by ``tests.support.monitor_sim`` (the seeded sandbox's people scored
by the real model, stored, routed on the Redis routing state and logged, reps' first touches,
outcomes from the hidden propensity); each evaluation is the monitor beat job's own function
(``workers.services.alarms.evaluate_installation``) on the report the product builds from the store.
Every change is planted, evaluated at the next Monday's run, then fixed and evaluated again.
"""

from __future__ import annotations

import pytest

from storage.vault import Vault
from tests.support import monitor_sim
from tests.support.monitor_sim import Sim
from workers.services.context import Runtime

pytestmark = [pytest.mark.redis]
SEED = 2


@pytest.fixture
def runtime(settings, sessions, redis_client):
    return Runtime(settings, sessions, Vault(settings.fernet_keys()), redis_client)


@pytest.fixture
def sim(sessions, redis_client) -> Sim:
    return monitor_sim.start(sessions, redis_client, SEED)


def weeks(sim: Sim, runtime: Runtime, n: int) -> list[monitor_sim.Outcome]:
    """Play ``n`` weeks, the beat job evaluating after each (as it does every Monday)."""
    out = []
    for _ in range(n):
        sim.play()
        out.append(monitor_sim.evaluate(sim, runtime))
    return out


def raised(outcomes: list[monitor_sim.Outcome]) -> set[str]:
    return {name for o in outcomes for name in o.raised}


TITLE = "field: job title"  # the CRM field, as the stored inputs record whether it arrived filled
TITLE_INPUTS = {TITLE, "seniority", "function"}  # it, and what the model reads from it


def test_a_job_title_arriving_empty_raises_the_missing_field_alarm_naming_it_and_clears_when_it_returns(
    sim, runtime
):
    """From week 7 the form's job title mapping breaks: every new lead arrives without a title. The
    next Monday's evaluation raises the missing-value alarm naming the field; a week after the
    mapping is repaired, the alarms on the title (and the model inputs read from it) are cleared."""
    weeks(sim, runtime, 6)
    sim.blank = frozenset({"title"})
    broken = weeks(sim, runtime, 1)[0]
    assert f"missing_rate {TITLE}" in broken.raised, broken.open
    cause = next(c for k, s, c in broken.open if (k, s) == ("missing_rate", TITLE))
    assert "arrives empty" in cause and "100%" in cause
    sim.blank = frozenset()  # the mapping is repaired
    fixed = weeks(sim, runtime, 1)[0]
    assert f"missing_rate {TITLE}" in fixed.cleared
    assert not {s for k, s, _c in fixed.open if k in ("missing_rate", "input_drift")} & TITLE_INPUTS


def _gaps(outcome: monitor_sim.Outcome) -> tuple[float | None, float | None]:
    """The champion's won-minus-predicted on its last six weeks' leads and on its earlier ones."""
    trend = outcome.report.performance.recent
    return (trend.recent.gap, trend.before.gap) if trend is not None else (None, None)


def _calibration(outcome: monitor_sim.Outcome) -> tuple[str, str] | None:
    return next(((k, c) for k, s, c in outcome.open if k in ("calibration", "lift")), None)


def test_b_a_shift_in_the_propensity_raises_the_calibration_alarm_and_a_retrain_clears_it(sim, runtime):
    """From week 6 new leads convert as if the market cooled (their hidden log-odds down 1.5): the
    model, trained before, now over-predicts. The evidence arrives with the outcomes (2-8 weeks after
    scoring); the alarm must fire within the six weekly evaluations that follow, say it is the
    calibration and where (a decile's predicted against won), and clear once the model is retrained
    on the outcomes decided since the shift (the honest fix: the world changed, not the model's
    code; in the product the early retrain runs and the champion/challenger gate decides)."""
    before = weeks(sim, runtime, 6)
    assert not [o for o in before if _calibration(o)], [o.open for o in before]
    shifted_at = sim.now()
    sim.propensity_shift = -1.5
    after = weeks(sim, runtime, 6)
    fired = [i for i, o in enumerate(after) if _calibration(o)]
    assert fired, [_gaps(o) for o in after]
    kind, cause = _calibration(after[fired[0]]) or ("", "")
    assert kind == "calibration" and "the probabilities are off" in cause, cause
    assert "scored in the last 6 weeks won" in cause and "predicted" in cause and "decile" in cause
    sim.retrain(since=shifted_at)
    later = weeks(sim, runtime, 10)  # the old model's leads still decide for 8 weeks
    assert "calibration" in after[-1].kinds()  # still open when the retrain runs
    assert "calibration" not in later[0].kinds(), [_gaps(o) for o in later]  # the new champion's
    assert "calibration" not in raised(later), [_gaps(o) for o in later]


def test_c_an_inactive_rep_with_open_leads_is_named_and_cleared_once_they_are_rerouted(sim, runtime):
    weeks(sim, runtime, 3)
    leaving, name = sim.world.owners[2]
    sim.stalled.add(leaving)  # the rep stops working their leads (they are leaving)
    sim.play()
    sim.set_routing(monitor_sim.team_text(sim.world.owners, inactive=leaving))  # marked inactive
    flagged = monitor_sim.evaluate(sim, runtime)
    assert f"inactive_owner {leaving}" in flagged.raised
    cause = next(c for k, s, c in flagged.open if k == "inactive_owner")
    assert name in cause and "open lead" in cause
    assert sim.reroute_inactive() > 0  # the re-routing pass redistributes their open leads
    fixed = monitor_sim.evaluate(sim, runtime)
    assert f"inactive_owner {leaving}" in fixed.cleared
    assert "inactive_owner" not in fixed.kinds()


def test_d_a_pool_that_parks_leads_raises_the_parked_share_alarm_naming_the_queue(sim, runtime):
    sim.set_routing(monitor_sim.team_text(sim.world.owners, capacity=3))
    weeks(sim, runtime, 3)
    sim.stalled.update(oid for oid, _n in sim.world.owners)  # the team stops working leads: at capacity
    parked = weeks(sim, runtime, 2)
    assert "parked_share" in raised(parked), [o.report.routing.parked_share for o in parked]
    cause = next(c for o in parked for k, s, c in o.open if k == "parked_share")
    assert "unassigned" in cause
    sim.stalled.clear()  # capacity returns: the backlog is worked, new leads reach reps again
    back = weeks(sim, runtime, 5)  # the share is over the last 4 weeks of decisions
    assert "parked_share" not in back[-1].kinds()


@pytest.mark.backend(
    "sqlite",
    reason="a false-alarm rate of the shipped thresholds over 10 seeds; the store under it is the same "
    "one scenarios a to d and f exercise on both backends",
)
@pytest.mark.parametrize("seed", range(1, 11))
def test_e_no_alarm_fires_on_the_unchanged_seed_over_12_weeks(sessions, redis_client, runtime, seed):
    """The unchanged seed, 12 weeks of go-live evaluated every Monday, shipped thresholds: no alarm.

    Measured false-alarm rate: 0 of 10 seeds, 0 raisings in 120 weekly evaluations (every alarm
    kind). The alarms fire on what moved: calibration on the champion's recent leads against its
    earlier ones (seeds 4, 6 and 9 are off by 10-14 points from the first week, the same before and
    after: the page shows it, no alarm), the top 30%'s share of conversions against the model's
    held-out figure (52-59% here, under MadKudu's 60% bar from the start), tier inflation on the two
    newest weeks against the four before at four standard errors (seed 3 rose 6 points, 3.3 standard
    errors, for two weeks). Before these rules 9 of 10 seeds raised at least one alarm."""
    sim = monitor_sim.start(sessions, redis_client, seed)
    seen = raised(weeks(sim, runtime, 12))
    assert not seen, sorted(seen)


def test_f_the_fairness_ledger_gives_each_rep_their_weights_share_of_expected_conversions(sim, runtime):
    """12 weeks through the weighted round robin (weights 1, 1.5 and 2; performance step on, no
    outcomes fed to it): each rep's share of the pool's expected conversions (sum of the calibrated
    probabilities of the leads they received) is within the configured tolerance of their weight's
    share, and the ledger says so."""
    outcomes = weeks(sim, runtime, 12)
    ledger = outcomes[-1].report.fairness
    weights = dict(zip((oid for oid, _n in sim.world.owners), monitor_sim.WEIGHTS, strict=False))
    total = sum(weights.values())
    rows = {row.owner_id: row for row in ledger.rows if row.pool == "all"}
    assert set(rows) == set(weights)
    for owner, row in rows.items():
        assert row.weight_share == pytest.approx(weights[owner] / total, abs=1e-6)
        assert abs(row.expected_share - row.weight_share) <= ledger.tolerance
        assert row.within_tolerance and row.leads > 0 and row.expected_conversions > 0
    assert "fairness_drift" not in raised(outcomes)


def test_f_with_performance_routing_every_multiplier_stays_within_floor_and_cap(
    sessions, redis_client, runtime
):
    """Performance routing fed each rep's won/decided record by segment (``route_and_commit``'s
    ``performance``: the product's sync and re-routing pass read it from the stored outcomes joined
    with the routing log, ``workers.services.rep_performance``; the simulation feeds its own record
    here), with a tight floor and cap (0.9, 1.1) and a light prior so the clamp is reached: every applied
    multiplier lies in [floor, cap], some are at a bound, and the ledger says the bounds held."""
    owners = monitor_sim.world(SEED).owners
    text = monitor_sim.team_text(owners, floor_cap=(0.9, 1.1))
    sim = monitor_sim.start(sessions, redis_client, SEED, routing=text)
    sim.performance = True
    outcomes = weeks(sim, runtime, 12)
    ledger = outcomes[-1].report.fairness
    assert (ledger.floor, ledger.cap) == (0.9, 1.1)
    applied = [(r.multiplier_min, r.multiplier_max) for r in ledger.rows if r.multiplier_min is not None]
    assert applied and all(0.9 - 1e-9 <= low <= high <= 1.1 + 1e-9 for low, high in applied)
    assert any(low < 1.0 or high > 1.0 for low, high in applied)  # the step did weigh the reps
    assert any(abs(low - 0.9) < 1e-9 or abs(high - 1.1) < 1e-9 for low, high in applied), applied
    assert ledger.within_floor_and_cap
    assert "multiplier_bounds" not in raised(outcomes)
