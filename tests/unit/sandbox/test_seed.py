"""The seeded CRM: deterministic per seed, messy like real data, outcomes from a hidden propensity."""

from __future__ import annotations

import math

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from sandbox.clock import ManualClock
from sandbox.hubspot.store import Portal
from sandbox.seed import DEFAULT_ANCHOR, FREE_MAIL, seed_portal


def _portal(seed: int, records: int):
    portal = Portal(portal_id=1, domain="p.example.com", clock=ManualClock(DEFAULT_ANCHOR.timestamp()))
    return portal, seed_portal(portal, seed=seed, records=records)


def _snapshot(portal):
    return [
        (r.id, sorted(r.props.items())) for t in ("contacts", "companies", "deals") for r in portal.live(t)
    ]


def test_same_seed_gives_identical_data_and_another_seed_differs():
    assert _snapshot(_portal(5, 300)[0]) == _snapshot(_portal(5, 300)[0])
    assert _snapshot(_portal(5, 300)[0]) != _snapshot(_portal(6, 300)[0])


def test_data_is_messy_the_way_real_crms_are():
    portal, truth = _portal(1, 2000)
    contacts = portal.live("contacts")
    emails = [c.props.get("email", "") for c in contacts]
    assert sum(e.split("@")[-1] in FREE_MAIL for e in emails if e) > 200
    assert sum(e.endswith(".edu") or ".ac." in e for e in emails) > 20
    assert sum(not e for e in emails) > 50
    titles = {c.props.get("jobtitle", "") for c in contacts}
    assert {"Gerente de Ventas", "Founder & CEO", "Sr. Director, Demand Gen", "student"} <= titles
    assert any("Looking for" in t or "Open to work" in t for t in titles)
    sizes = {c.props.get("company_size", "") for c in contacts}
    assert any("," in s and "-" in s for s in sizes) and any(s.endswith("+") for s in sizes)
    assert any(s.endswith("k") for s in sizes)
    revenue = {c.props.get("annualrevenue", "") for c in contacts}
    assert any(r.startswith("$") and r.endswith("M") for r in revenue)
    domains = {c.props.get("domain") for c in portal.live("companies")}
    assert set(truth.competitor_domains) <= domains
    assert (
        any(o["archived"] for o in portal.owners) and len({o["teams"][0]["name"] for o in portal.owners}) == 4
    )
    assert len(truth.won) > 500 and 0.15 < sum(truth.won.values()) / len(truth.won) < 0.6


def test_outcomes_follow_the_hidden_propensity():
    _, truth = _portal(2, 3000)
    ids = list(truth.won)
    auc = roc_auc_score([truth.won[i] for i in ids], [truth.propensity[i] for i in ids])
    assert auc > 0.75


def _features(portal, record):
    p = record.props
    title = (p.get("jobtitle") or "").lower()
    email = p.get("email") or ""
    company = portal.get("companies", p["associatedcompanyid"]) if p.get("associatedcompanyid") else None
    industry = company.props.get("industry", "") if company else ""
    employees = float(company.props.get("numberofemployees") or 0) if company else 0.0
    return [
        any(k in title for k in ("vp", "vice", "chief", "head", "ceo", "cro", "cmo", "founder")),
        any(k in title for k in ("sales", "revenue", "revops", "marketing", "growth", "demand", "ventas")),
        any(k in title for k in ("student", "intern", "candidate", "looking", "open to")),
        email.split("@")[-1] in FREE_MAIL,
        email.endswith(".edu"),
        industry in ("COMPUTER_SOFTWARE", "INFORMATION_TECHNOLOGY_AND_SERVICES", "INTERNET"),
        math.log1p(employees),
        employees == 0,
        math.log1p(float(p.get("hs_analytics_num_visits") or 0)),
        float(p.get("num_conversion_events") or 0),
        float(p.get("hs_email_click") or 0),
    ]


def test_a_learned_model_beats_a_fixed_rule_on_held_out_outcomes():
    portal, truth = _portal(3, 4000)
    ids = sorted(truth.won, key=int)
    records = [portal.get("contacts", i) for i in ids]
    x = np.array([_features(portal, r) for r in records], dtype=float)
    y = np.array([truth.won[i] for i in ids])
    split = int(len(ids) * 0.7)
    model = LogisticRegression(max_iter=2000).fit(x[:split], y[:split])
    learned = roc_auc_score(y[split:], model.predict_proba(x[split:])[:, 1])
    rule = (
        x[split:, 0] + x[split:, 1] + x[split:, 5] - 2 * x[split:, 2] - x[split:, 3]
    )  # a typical points rule
    ceiling = roc_auc_score(y[split:], [truth.propensity[i] for i in ids[split:]])
    assert learned > roc_auc_score(y[split:], rule) + 0.02  # learning from outcomes pays...
    assert ceiling > learned + 0.03  # ...and the truth leaves room for better features
