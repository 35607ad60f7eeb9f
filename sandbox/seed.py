"""Deterministic seeded CRM data whose deal outcomes follow a hidden propensity.

The propensity is known only to the sandbox (``Truth``): it depends on
seniority, function, industry, company size (a sweet spot, not a line),
country, engagement with recency, and a few interactions, with hard penalties
for personal/student emails, job seekers and competitors. A learned model can
therefore beat fixed rules, and both can be checked against the truth.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.hubspot.store import Portal, Source, iso_ms
from sandbox.seed_leads import seed_leads
from sandbox.seed_vocab import (
    COMPETITOR_DOMAINS,
    COUNTRIES,
    COUNTRY_SPELLINGS,
    DAY_MS,
    DEFAULT_ANCHOR,
    FIRST,
    FREE_MAIL,
    FUNCTION_W,
    INDUSTRY_FIT,
    LAST,
    SENIORITY_W,
    SOURCES,
    STUDENT_MAIL,
    SYLLABLES,
    TEAMS,
    TITLES,
)


@dataclass
class Truth:
    """What only the sandbox knows: each contact's real propensity and the labels."""

    propensity: dict[str, float] = field(default_factory=dict)  # contact id -> p(win)
    won: dict[str, bool] = field(default_factory=dict)  # contact id -> outcome, if a deal closed
    competitor_domains: tuple[str, ...] = COMPETITOR_DOMAINS
    free_mail_domains: tuple[str, ...] = FREE_MAIL
    # lead id -> its contact, final stage and when it got there, label and who set it, owner
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _size_effect(employees: int) -> float:
    # A sweet spot around 50-1,000 employees on a log scale: a bell, not a line.
    x = math.log10(max(employees, 1))
    return 1.1 * math.exp(-((x - 2.4) ** 2) / 0.6) - 0.5


def _company_name(rng: random.Random) -> str:
    parts = rng.sample(SYLLABLES, rng.choice((2, 2, 3)))
    base = "".join(parts).capitalize()
    return base + rng.choice(("", "", " Inc", " GmbH", " Ltd", " Labs", " Systems", " Group", " SA"))


def _domain(name: str, rng: random.Random, taken: set[str]) -> str:
    stem = "".join(ch for ch in name.lower().split(" ")[0] if ch.isalnum()) or "co"
    tld = rng.choice((".com", ".com", ".com", ".io", ".de", ".co.uk", ".fr", ".ai", ".net"))
    domain = stem + tld
    while domain in taken:
        domain = f"{stem}{rng.randint(2, 99)}{tld}"
    taken.add(domain)
    return domain


def _messy_size(employees: int, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.25:
        low = max(1, int(employees * 0.6))
        return f"{low:,}-{int(employees * 1.5):,}"
    if style < 0.4:
        return f"{employees}+"
    if style < 0.5 and employees >= 1000:
        return f"{employees // 1000}k"
    if style < 0.6:
        return ""
    return str(employees)


def _messy_revenue(revenue: float, rng: random.Random) -> str:
    style = rng.random()
    if style < 0.3:
        return f"${revenue / 1e6:.1f}M"
    if style < 0.45:
        return f"{revenue / 1e3:,.0f}k"
    if style < 0.6:
        return ""
    return str(int(revenue))


def seed_portal(portal: Portal, *, seed: int, records: int, anchor: datetime = DEFAULT_ANCHOR) -> Truth:
    """Fill an empty portal with ``records`` contacts, ~records/4 companies, owners and deals."""
    rng = random.Random(seed)
    truth = Truth()
    anchor_ms = int(anchor.timestamp() * 1000)
    _seed_owners(portal, rng, anchor_ms)
    active_owners = [o for o in portal.owners if not o["archived"]]
    owner_ids = [o["id"] for o in active_owners]
    rep_sources = [Source("CRM_UI", f"userId:{o['userId']}", user_id=o["userId"]) for o in active_owners]
    import_source = Source("IMPORT", "import:19023", label="Trade show list")
    form_source = Source("FORM", "form:4b1c", label="Demo request form")
    other_app = Source("INTEGRATION", "7749201", label="Enrichment app")
    system = Source("ANALYTICS", "")

    companies = []
    taken: set[str] = set(COMPETITOR_DOMAINS)
    weights = [c[3] for c in COUNTRIES]
    for index in range(max(3, records // 4)):
        name = _company_name(rng)
        competitor = index < len(COMPETITOR_DOMAINS)
        domain = COMPETITOR_DOMAINS[index] if competitor else _domain(name, rng, taken)
        country = rng.choices(COUNTRIES, weights=weights)[0]
        employees = max(1, int(math.exp(rng.gauss(4.6, 1.8))))
        revenue = employees * rng.uniform(60_000, 250_000)
        industry = "COMPUTER_SOFTWARE" if competitor else rng.choice(tuple(INDUSTRY_FIT))
        created = anchor_ms - rng.randint(200, 900) * DAY_MS
        props = {
            "name": name,
            "domain": domain,
            "website": f"https://www.{domain}" if rng.random() < 0.8 else "",
            "industry": industry if rng.random() < 0.9 else "",
            "numberofemployees": str(employees) if rng.random() < 0.85 else "",
            "annualrevenue": str(int(revenue)) if rng.random() < 0.7 else "",
            "country": rng.choice(COUNTRY_SPELLINGS.get(country[0], (country[1],))),
            "state": rng.choice(country[2]),
            "city": "",
            "web_technologies": ";".join(
                sorted(
                    rng.sample(
                        (
                            "google_analytics",
                            "hubspot",
                            "salesforce",
                            "segment",
                            "snowflake",
                            "stripe",
                            "wordpress",
                            "shopify",
                            "zendesk",
                            "aws",
                            "react",
                            "slack",
                        ),
                        rng.randint(0, 5),
                    )
                )
            ),
            "hubspot_owner_id": rng.choice(owner_ids) if rng.random() < 0.5 else "",
        }
        source = rng.choice(rep_sources + [import_source, other_app])
        record = portal.create("companies", props, source, created_ms=created, notify=False)
        companies.append((record.id, props, country, employees, industry, competitor))

    for _ in range(records):
        company = rng.choice(companies) if rng.random() < 0.88 else None
        title, seniority, function = rng.choice(TITLES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        roll = rng.random()
        personal = student = False
        if company and roll < 0.68:
            domain = company[1]["domain"]
            if rng.random() < 0.05:
                local = rng.choice(("info", "sales", "contact", "hello"))  # a role address
            email = f"{local}@{domain}"
        elif roll < 0.86:
            email, personal = f"{local}{rng.randint(1, 99)}@{rng.choice(FREE_MAIL)}", True
        elif roll < 0.92:
            email, student = f"{local}@{rng.choice(STUDENT_MAIL)}", True
        else:
            email = ""
        if student and seniority not in ("student", "intern"):
            title, seniority, function = "student", "student", "none"
        created = anchor_ms - rng.randint(1, 720) * DAY_MS
        age_days = (anchor_ms - created) / DAY_MS
        intent = rng.random()
        visits = int(rng.expovariate(1 / (2 + 10 * intent)))
        last_visit = created + int(rng.uniform(0, max(1, anchor_ms - created))) if visits else None
        recency_days = (anchor_ms - last_visit) / DAY_MS if last_visit else 999.0
        opens = int(rng.expovariate(1 / (1 + 6 * intent)))
        clicks = int(opens * rng.uniform(0, 0.5))
        forms = int(rng.random() < 0.2 + 0.5 * intent) + int(rng.random() < 0.2 * intent)
        country = company[2] if company else rng.choices(COUNTRIES, weights=weights)[0]
        employees = company[3] if company else 0
        industry = company[4] if company else ""
        competitor = bool(company and company[5]) and not personal
        served = country[4]

        logit = -1.4
        logit += SENIORITY_W[seniority] + FUNCTION_W[function]
        logit += 1.2 * INDUSTRY_FIT.get(industry, -0.3)
        logit += 1.3 * _size_effect(employees) if employees else -0.6
        logit += 0.5 if served else -1.2
        engagement = (
            math.log1p(visits) * math.exp(-recency_days / 60) + 0.4 * math.log1p(clicks) + 0.6 * forms
        )
        logit += 0.55 * engagement
        if seniority in ("vp", "head", "c_level") and INDUSTRY_FIT.get(industry, 0) >= 0.8:
            logit += 0.7  # interaction: senior buyer at a core-industry account
        if employees and employees < 50:
            logit += 0.25 * engagement  # small companies buy when engaged, not on fit
        if personal:
            logit -= 1.5
        if student:
            logit -= 2.0
        if competitor:
            logit -= 4.0
        propensity = _sigmoid(logit)

        props = {
            "email": email,
            "firstname": first if rng.random() < 0.95 else "",
            "lastname": last,
            "jobtitle": title if rng.random() < 0.9 else "",
            "company": (company[1]["name"] if company else "") if rng.random() < 0.9 else "",
            "website": company[1]["website"] if company and rng.random() < 0.3 else "",
            "phone": f"+1 555 01{rng.randint(10, 99)}" if rng.random() < 0.5 else "",
            "country": rng.choice(COUNTRY_SPELLINGS.get(country[0], (country[1],)))
            if rng.random() < 0.8
            else "",
            "state": rng.choice(country[2]) if rng.random() < 0.5 else "",
            "company_size": _messy_size(employees, rng) if employees else "",
            "annualrevenue": _messy_revenue(employees * 120_000, rng)
            if employees and rng.random() < 0.5
            else "",
            "lifecyclestage": "lead" if rng.random() < 0.7 else "marketingqualifiedlead",
            "hs_lead_status": rng.choice(("NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "")),
            "hubspot_owner_id": rng.choice(owner_ids) if rng.random() < 0.35 else "",
            "associatedcompanyid": company[0] if company else "",
        }
        source = rng.choice([form_source, import_source] + rep_sources[:3] + [other_app])
        record = portal.create("contacts", props, source, created_ms=created, notify=False)
        analytics = {
            "hs_analytics_source": rng.choice(SOURCES),
            "hs_analytics_num_visits": str(visits),
            "hs_analytics_num_page_views": str(visits * rng.randint(1, 6)),
            "hs_analytics_last_visit_timestamp": str(last_visit) if last_visit else "",
            "hs_email_open": str(opens),
            "hs_email_click": str(clicks),
            "hs_email_last_open_date": str(anchor_ms - rng.randint(0, 200) * DAY_MS) if opens else "",
            "hs_email_last_click_date": str(anchor_ms - rng.randint(0, 200) * DAY_MS) if clicks else "",
            "num_conversion_events": str(forms),
            "recent_conversion_date": str(created + rng.randint(0, int(age_days)) * DAY_MS) if forms else "",
        }
        portal.update("contacts", record.id, analytics, system, at_ms=created + DAY_MS, notify=False)
        if props["jobtitle"] and rng.random() < 0.15:
            # A rep corrected the title later: the newest history entry is a UI edit.
            rep = rng.choice(rep_sources)
            portal.update(
                "contacts",
                record.id,
                {"jobtitle": props["jobtitle"] + " "},
                rep,
                at_ms=created + 2 * DAY_MS,
                notify=False,
            )
            portal.update(
                "contacts",
                record.id,
                {"jobtitle": props["jobtitle"]},
                rep,
                at_ms=created + 3 * DAY_MS,
                notify=False,
            )
        if company:
            portal.associate("contacts", record.id, "companies", company[0], type_ids={1, 279})
        truth.propensity[record.id] = propensity

        # Older contacts that reached a deal have a closed outcome drawn from the propensity.
        if age_days > 90 and rng.random() < 0.45:
            won = rng.random() < propensity
            truth.won[record.id] = won
            close_ms = created + int(rng.uniform(20, min(age_days, 200))) * DAY_MS
            _make_deal(
                portal,
                rng,
                record.id,
                company,
                "closedwon" if won else "closedlost",
                close_ms,
                rng.choice(rep_sources),
            )
            if won:
                portal.update(
                    "contacts",
                    record.id,
                    {"lifecyclestage": "customer"},
                    rng.choice(rep_sources),
                    at_ms=close_ms,
                    notify=False,
                )
        elif age_days <= 90 and rng.random() < 0.1:
            _make_deal(
                portal,
                rng,
                record.id,
                company,
                rng.choice(("appointmentscheduled", "qualifiedtobuy")),
                anchor_ms + 30 * DAY_MS,
                rng.choice(rep_sources),
                created_ms=created + DAY_MS,
            )
    # Leads come last, from their own random stream, so everything above is unchanged by them.
    truth.leads = seed_leads(portal, seed=seed, anchor_ms=anchor_ms)
    return truth


def _make_deal(
    portal: Portal,
    rng: random.Random,
    contact_id: str,
    company,
    stage: str,
    close_ms: int,
    source: Source,
    created_ms: int | None = None,
) -> None:
    employees = company[3] if company else 10
    amount = round(max(1_000.0, employees * rng.uniform(30, 120)), -2)
    props = {
        "dealname": f"{company[1]['name'] if company else 'Direct'} - New Business",
        "amount": str(int(amount)),
        "dealstage": stage,
        "pipeline": "default",
        "closedate": str(close_ms),
        "hs_is_closed": "true" if stage in ("closedwon", "closedlost") else "false",
        "hs_is_closed_won": "true" if stage == "closedwon" else "false",
    }
    deal = portal.create(
        "deals", props, source, created_ms=created_ms or close_ms - 20 * DAY_MS, notify=False
    )
    portal.associate("deals", deal.id, "contacts", contact_id, type_ids={3})
    if company:
        portal.associate("deals", deal.id, "companies", company[0], type_ids={5, 341})


def _seed_owners(portal: Portal, rng: random.Random, anchor_ms: int) -> None:
    names = rng.sample([(first, last) for first in FIRST for last in LAST], 10)
    for index, (first, last) in enumerate(names):
        owner_id = str(60_000_000 + index * 7919 + rng.randint(0, 999))
        created = iso_ms(anchor_ms - 800 * DAY_MS)
        portal.owners.append(
            {
                "id": owner_id,
                "email": f"{first}.{last}@{portal.domain}".lower().replace(" ", "").replace("'", ""),
                "type": "PERSON",
                "firstName": first,
                "lastName": last,
                "userId": 9_000_000 + index,
                "userIdIncludingInactive": 9_000_000 + index,
                "createdAt": created,
                "updatedAt": created,
                "archived": index == 9,  # a rep who left: deactivated users show up archived
                "teams": [{"id": str(100 + index % 4), "name": TEAMS[index % 4], "primary": True}],
            }
        )
