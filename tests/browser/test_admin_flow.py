"""In a real browser, on one stack for the module (300 sandbox contacts, leadq served with a real
worker): first an admin signs in, connects the sandbox HubSpot, previews and approves the backfill,
watches it finish, opens a lead and reads its reasons; then, on that backfilled data, the Leads list
pages through with its total, finds a company's people by the company's name, filters by tier, says
so when a filter names no tier, and opens a lead. The steps run in file order; each later step backfills
first if it runs alone (``-k``). Full-page screenshots land in ``var/test-artifacts/leads/``."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, module_stack
from tests.support.admin import PASSWORD

SHOTS = ARTIFACTS / "leads"
pytestmark = pytest.mark.db  # its own database, on the backend under test (``make test`` runs both)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, migrated_template) -> Iterator[tuple[str, Any]]:
    """leadq served on 300 sandbox contacts (seed 88) with a worker: (its URL, the sandbox)."""
    with module_stack(
        tmp_path_factory.mktemp("admin-flow"), migrated_template, "changes,backfill", seed=88, records=300
    ) as running:
        yield running


@pytest.fixture
def served(stack) -> str:
    return stack[0]


@pytest.fixture
def live(stack) -> Any:
    return stack[1]


@pytest.mark.redis
def test_admin_connects_watches_the_backfill_and_reads_a_leads_reasons(page, served, live) -> None:
    page.goto(f"{served}/")
    assert page.url.startswith(f"{served}/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served}/")
    assert page.locator("text=No installation yet").is_visible()

    page.click("text=Connect HubSpot")  # -> the CRM's consent -> leadq's callback
    page.wait_for_selector("text=leadq is connected to HubSpot")
    page.goto(f"{served}/")
    page.click("text=Open")
    page.wait_for_selector("#preview-start")

    page.click("#preview-start")  # a dry run first: nothing is written
    deadline = time.monotonic() + 60
    while not page.locator("#approve").count():
        assert time.monotonic() < deadline, "the preview did not finish"
        time.sleep(0.5)
        page.reload()
    assert page.locator("text=Nothing has been written").is_visible()
    assert not live.requests.entries(lambda e: e.path.endswith("/batch/update"))

    page.click("#approve")
    page.wait_for_selector(
        ".progress-text:has-text('300 / 300 - done')", timeout=90_000
    )  # refreshed by script
    assert live.requests.entries(lambda e: e.path.endswith("/batch/update"))

    page.click("nav.tabs >> text=Leads")
    page.wait_for_selector("table tbody tr td a")
    page.locator("table tbody tr td a").first.click()
    page.wait_for_selector("h3:has-text('Why')")
    reasons = page.locator("table.reasons tbody tr")
    assert reasons.count() > 0
    assert re.search(r"[+-]\d+\.\d\d", reasons.first.inner_text())


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _backfilled(page, served: str) -> None:
    """Sign in and open the installation, its backfill done: the first step did it; run alone, this
    connects the sandbox HubSpot, previews and approves the backfill and waits for it to end."""
    page.goto(f"{served}/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served}/")
    if page.locator("text=No installation yet").is_visible():
        page.click("text=Connect HubSpot")
        page.wait_for_selector("text=leadq is connected to HubSpot")
        page.goto(f"{served}/")
        page.click("text=Open")
        page.click("#preview-start")
        deadline = time.monotonic() + 90
        while not page.locator("#approve").count():
            assert time.monotonic() < deadline, "the preview did not finish"
            time.sleep(0.5)
            page.reload()
        page.click("#approve")
    else:
        page.click("text=Open")
    page.wait_for_selector(".progress-text:has-text('300 / 300 - done')", timeout=120_000)


def _hrefs(page) -> list[str]:
    links = page.locator("table.leads tbody tr td:first-child a")
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


def _company_cells(page) -> list[str]:
    return [
        t.split("\n")[0].strip()
        for t in page.locator("table.leads tbody tr td:nth-child(2)").all_inner_texts()
    ]


@pytest.mark.redis
def test_an_admin_pages_searches_and_filters_the_leads(page, served, live) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    _backfilled(page, served)
    page.click("nav.tabs >> text=Leads")
    page.wait_for_selector("#leads-count")
    assert page.inner_text("#leads-count") == "1-50 of 300 leads"
    assert page.locator("table.leads tbody tr").count() == 50
    first_rows = page.locator("table.leads tbody tr td:first-child a").all_inner_texts()
    first_links = _hrefs(page)
    assert not any(re.fullmatch(r"contact \d+", t) for t in first_rows[:10]), "people by name, not by id"
    _shot(page, "01-leads-page-1")

    page.click("nav.pager >> text=Next")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.inner_text("#leads-count") == "51-100 of 300 leads"
    assert len(_hrefs(page)) == 50 and not set(_hrefs(page)) & set(first_links)
    _shot(page, "02-leads-page-2")

    companies = Counter(c for c in _company_cells(page) if c != "-" and " " in c)
    company = companies.most_common(1)[0][0] if companies else _company_cells(page)[0]
    page.fill("input[name=q]", company.lower())
    page.click("#leads-search button[type=submit]")
    page.wait_for_url(re.compile(r"q="))
    found = _company_cells(page)
    assert found and all(company.lower() in c.lower() for c in found), (company, found)
    assert re.fullmatch(
        rf"1-{len(found)} of {len(found)} leads? matching \"{re.escape(company.lower())}\"",
        page.inner_text("#leads-count"),
    )
    _shot(page, "03-leads-search-company")

    page.click("text=Clear")
    page.select_option("select[name=tier]", "L2")
    page.click("#leads-search button[type=submit]")
    page.wait_for_url(re.compile(r"tier=L2"))
    tiers = set(page.locator("table.leads tbody tr td:nth-child(4)").all_inner_texts())
    assert tiers == {"L2"}
    total = int(re.search(r"of ([\d,]+) leads?", page.inner_text("#leads-count")).group(1).replace(",", ""))
    assert 0 < total < 300
    _shot(page, "04-leads-tier-L2")
    if total > 50:
        page.click("nav.pager >> text=Next")
        page.wait_for_url(re.compile(r"page=2"))
        assert "tier=L2" in page.url and set(
            page.locator("table.leads tbody tr td:nth-child(4)").all_inner_texts()
        ) == {"L2"}

    page.click("table.leads thead >> text=Company")
    page.wait_for_url(re.compile(r"sort=company"))
    cells = [c for c in _company_cells(page) if c != "-"]
    assert cells == sorted(cells, key=str.lower) and "tier=L2" in page.url
    _shot(page, "05-leads-tier-L2-by-company")

    page.goto(re.sub(r"\?.*", "", page.url) + "?tier=L5")
    assert page.locator("text=Unknown tier 'L5'").is_visible()
    assert page.inner_text("#leads-count") == "No leads shown: fix the filter above."
    _shot(page, "06-leads-unknown-tier")

    listing = re.sub(r"\?.*", "", page.url)
    page.goto(listing)
    page.locator("table.leads tbody tr td:first-child a").first.click()
    page.wait_for_selector("h3:has-text('Why')")
    _shot(page, "07-lead")
    page.goto(f"{listing}?verdict=disqualified")
    assert page.locator("table.leads tbody tr td:first-child a").count() > 0, (
        "the seed has disqualified leads"
    )
    page.locator("table.leads tbody tr td:first-child a").first.click()
    # The click starts a navigation: wait for the lead's page before reading it (is_visible() does
    # not wait, and read the listing once on a loaded CI machine).
    page.wait_for_url(re.compile(r"/leads/[a-z_]+/[^/?]+$"))
    page.wait_for_selector("h3:has-text('Why')")
    assert page.locator("table.reasons .dq-badge").first.is_visible()
    assert "+0.00" not in page.inner_text("table.reasons")
    _shot(page, "08-lead-disqualified")
    page.goto(re.sub(r"/leads/.*", "/leads/contact/999999", page.url))
    assert page.locator("text=No such lead").is_visible()
    _shot(page, "09-lead-missing")
