"""The Leads list's storage: each record's newest score with who the record is (the lead directory the
scoring path fills), paged with a total, searched by name, e-mail, company or domain, filtered by tier,
verdict and owner, sorted by every column in a stable order. Runs on SQLite and, with
``LEADQ_TEST_DB=postgres``, on PostgreSQL (``db``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from core.records import CrmKind
from storage import history, installations, lead_pages
from storage.db import transaction
from storage.history import BatchHistory
from storage.lead_directory import LeadFacts
from storage.lead_pages import NO_OWNER, LeadQuery
from storage.scores import NewScore

AT = datetime(2026, 12, 2, 14, 27, tzinfo=UTC)
TIERS = ("L1", "L2", "L3", "L4")
VERDICTS = ("sales_ready", "nurture", "nurture", "disqualified")
COMPANIES = ("Acme Analytics", "Globex", "Initech", "Umbrella Health", "Hooli")
OWNERS = (("601", "Hiro Schmidt"), ("602", "Ada Brown"), ("", ""))
N = 130


def _score(i: int, tier: str | None = None, at: datetime = AT) -> NewScore:
    t = tier or TIERS[i % 4]
    return NewScore(
        "contact",
        str(1000 + i),
        "2026-08-11T00:00:00.000Z",
        float(50 + i % 7),
        3.0,
        round(0.10 + (i % 9) * 0.1, 2),  # nine probabilities: many ties
        t,
        VERDICTS[TIERS.index(t)],
        "high",
        [["model.function", 0.4, "VP-level buyer"]],
        "rules",
        at + timedelta(minutes=i),
    )


def _facts(i: int, company: str | None = None) -> LeadFacts:
    owner_id, owner_name = OWNERS[i % 3]
    name = f"Person{i:03d} Example" if i % 10 else ""  # every tenth has no name in the CRM
    comp = company or COMPANIES[i % 5]
    domain = comp.split()[0].lower() + ".example"
    return LeadFacts("contact", str(1000 + i), name, f"p{i}@{domain}", comp, domain, owner_id, owner_name)


@pytest.fixture
def installation(sessions) -> int:
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "leadlist").id
    scores = [_score(i) for i in range(N)]
    for start in range(0, N, 50):  # recorded as the scoring path records a batch
        chunk = range(start, min(N, start + 50))
        history.record_batch(
            sessions,
            inst,
            BatchHistory(scores=[scores[i] for i in chunk], directory=[_facts(i) for i in chunk]),
        )
    return inst


def _page(sessions, inst: int, **kw) -> lead_pages.LeadsPage:
    with sessions() as session:
        return lead_pages.leads_page(session, inst, LeadQuery(**kw))


def _ids(page: lead_pages.LeadsPage) -> list[str]:
    return [r.score.record_id for r in page.rows]


def test_pages_carry_the_total_and_together_hold_every_record_once(sessions, installation) -> None:
    seen: list[str] = []
    for number in (1, 2, 3):
        page = _page(sessions, installation, page=number)
        assert page.total == N
        seen += _ids(page)
    assert [len(_ids(_page(sessions, installation, page=n))) for n in (1, 2, 3, 4)] == [50, 50, 30, 0]
    assert sorted(seen) == sorted(str(1000 + i) for i in range(N)), "no record twice, none left out"
    probabilities = [r.score.probability for r in _page(sessions, installation, page=1).rows]
    assert probabilities == sorted(probabilities, reverse=True), "likeliest first by default"


def test_search_by_name_email_company_domain_or_record_id(sessions, installation) -> None:
    by_company = _page(sessions, installation, q="umbrella", size=200)
    assert by_company.total == N // 5 and {r.who.company for r in by_company.rows} == {"Umbrella Health"}
    assert _ids(_page(sessions, installation, q="Person007")) == ["1007"]
    assert _ids(_page(sessions, installation, q="P7@INITECH.example")) == ["1007"], "any letter case"
    assert _ids(_page(sessions, installation, q="p8@initech.example")) == [], "p8 is at Umbrella"
    assert _page(sessions, installation, q="globex.example").total == N // 5
    assert _ids(_page(sessions, installation, q="1129")) == ["1129"]
    assert _page(sessions, installation, q="%").total == 0, "a wildcard is a character, not 'anything'"
    assert _page(sessions, installation, q="_").total == 0
    assert _page(sessions, installation, q="nobody-like-this").total == 0


def test_filters_by_tier_verdict_and_owner(sessions, installation) -> None:
    l2 = _page(sessions, installation, tier="L2", size=200)
    assert l2.total == len([i for i in range(N) if i % 4 == 1]) and {r.score.tier for r in l2.rows} == {"L2"}
    dq = _page(sessions, installation, verdict="disqualified", size=200)
    assert {r.score.tier for r in dq.rows} == {"L4"} and dq.total == len([i for i in range(N) if i % 4 == 3])
    hiro = _page(sessions, installation, owner="601", size=200)
    assert hiro.total == len(range(0, N, 3)) and {r.who.owner_name for r in hiro.rows} == {"Hiro Schmidt"}
    nobody = _page(sessions, installation, owner=NO_OWNER, size=200)
    assert nobody.total == len(range(2, N, 3)) and {r.who.owner_id for r in nobody.rows} == {""}
    both = _page(sessions, installation, tier="L1", owner="602", q="hooli", size=200)
    expected = [i for i in range(N) if i % 4 == 0 and i % 3 == 1 and i % 5 == 4]
    assert sorted(_ids(both)) == sorted(str(1000 + i) for i in expected) and both.total == len(expected)
    with sessions() as session:
        assert lead_pages.owners(session, installation) == {"601": "Hiro Schmidt", "602": "Ada Brown"}


@pytest.mark.parametrize("sort", lead_pages.SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_both_ways_in_a_stable_order(sessions, installation, sort, descending) -> None:
    pages = [_page(sessions, installation, sort=sort, descending=descending, page=n) for n in (1, 2, 3)]
    rows = [r for p in pages for r in p.rows]
    assert len({r.score.record_id for r in rows}) == N, "paging a sorted list neither repeats nor skips"
    key = {
        "name": lambda r: r.who.name,
        "company": lambda r: r.who.company,
        "owner": lambda r: r.who.owner_name,
        "tier": lambda r: r.score.tier,
        "verdict": lambda r: r.score.verdict,
        "score": lambda r: r.score.probability,
        "scored": lambda r: r.score.scored_at,
    }[sort]
    values = [key(r) for r in rows]
    if sort == "score":  # a disqualified lead shows no score: last either way, like a blank
        dq = [r.score.verdict == "disqualified" for r in rows]
        assert dq == sorted(dq), "disqualified leads come after every scored one"
        values = [v for v, out in zip(values, dq, strict=True) if not out]
    if sort in ("name", "company", "owner"):  # blanks (unknown) come last either way
        filled = [v for v in values if v]
        assert values == filled + [""] * (len(values) - len(filled))
        values = filled
        assert values == sorted(values, key=str.lower, reverse=descending) or values == sorted(
            values, reverse=descending
        )
    else:
        assert values == sorted(values, reverse=descending)
    again = [
        r.score.record_id
        for n in (1, 2, 3)
        for r in _page(sessions, installation, sort=sort, descending=descending, page=n).rows
    ]
    assert again == [r.score.record_id for r in rows], "the same order every time"


def test_the_newest_score_and_the_newest_facts_are_shown(sessions, installation) -> None:
    history.record_batch(
        sessions,
        installation,
        BatchHistory(
            scores=[_score(5, tier="L4", at=AT + timedelta(days=1))],
            directory=[_facts(5, company="Renamed Corp")],
        ),
    )
    assert _page(sessions, installation).total == N, "a re-scored record is still one row"
    row = _page(sessions, installation, q="renamed").rows
    assert [(r.score.record_id, r.score.tier, r.who.company) for r in row] == [("1005", "L4", "Renamed Corp")]
    assert _page(sessions, installation, q="acme", size=200).total == N // 5 - 1, "its old company is gone"


def test_a_record_scored_before_names_were_kept_is_listed_without_one(sessions, installation) -> None:
    history.record_batch(sessions, installation, BatchHistory(scores=[_score(500)]))
    page = _page(sessions, installation, q="1500")
    assert [(r.score.record_id, r.who) for r in page.rows] == [("1500", None)]
    assert _page(sessions, installation).total == N + 1


def test_people_and_companies_apart(sessions, installation) -> None:
    company = NewScore("account", "77", "", 70.0, 5.0, None, "L2", "nurture", "high", [], "rules", AT)
    facts = LeadFacts("account", "77", "Globex", "", "Globex", "globex.example", "601", "Hiro Schmidt")
    history.record_batch(sessions, installation, BatchHistory(scores=[company], directory=[facts]))
    assert _ids(_page(sessions, installation, object_types=("account",))) == ["77"]
    assert _page(sessions, installation, object_types=("contact",)).total == N
    assert _page(sessions, installation, object_types=("lead", "contact")).total == N
    assert _page(sessions, installation).total == N + 1


def test_2500_records_take_two_queries_a_page_and_little_time(sessions, engine) -> None:
    with transaction(sessions) as session:
        inst = installations.upsert_installation(session, CrmKind.HUBSPOT, "big").id
    for start in range(0, 2500, 500):
        chunk = range(start, start + 500)
        history.record_batch(
            sessions,
            inst,
            BatchHistory(scores=[_score(i) for i in chunk], directory=[_facts(i) for i in chunk]),
        )
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        page = _page(sessions, inst, q="umbrella", sort="company", page=3)
        last = _page(sessions, inst, tier="L3", sort="name", descending=True, page=13)
        elapsed = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 4, "one query for the page and one for the total, each time"
    assert page.total == 500 and len(page.rows) == 50 and last.total == 625 and len(last.rows) == 25
    assert elapsed < 3.0, f"two pages of 2,500 records took {elapsed:.2f} s"
    assert _page(sessions, inst, q="hooli", size=1000).total == 500
