"""A tour of every admin page in a real browser, on the demo's stack with 2,000 sandbox contacts
scored, routed and written back: sign-in, installations, the Sync page, the leads list, a lead, the
model, the ICP and routing page, a backfill preview, and the failing records. Each step checks what
the page shows against the run's own numbers (the database, the sandbox CRM) and saves a full-page
screenshot to ``var/test-artifacts/tour/<name>.png``, kept on success too.

One stack serves the whole module (``tour_stack``: ``leadq.demo``'s own start, install, training
and backfill, so the tour sees what ``make demo`` shows); the steps run in file order and each is
one test function: adding a page to the tour is adding a function. The step that breaks the CRM
(the failing records) comes last.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from sqlalchemy import select

from tests.browser.conftest import TOUR_ARTIFACTS

TIERS = ("L1", "L2", "L3", "L4")
PLURAL = {"contact": "contacts", "account": "companies"}  # leadq's object types -> the sandbox's
pytestmark = pytest.mark.redis


@dataclass
class Tour:
    """The demo's running stack and a browser signed in as its admin."""

    run: Any  # leadq.demo.Demo
    page: Any  # playwright Page
    summary: str  # the demo's printed summary

    @property
    def url(self) -> str:
        return self.run.url

    @property
    def inst(self) -> str:
        return f"{self.url}/installations/{self.run.installation_id}"

    @property
    def scored(self) -> int:
        """Contacts, companies and HubSpot Leads records scored, as the demo's summary printed them."""
        found = re.findall(r"(?:records|companies) scored:\s+([\d,]+)", self.summary)
        assert len(found) == 2, self.summary
        leads = re.findall(r"Leads records:\s+([\d,]+) open ones scored", self.summary)
        assert len(leads) == 1, self.summary  # the demo's portal has HubSpot's Leads object
        return sum(_number(n) for n in (*found, *leads))

    @property
    def portal(self) -> Any:
        return self.run.crm.sandbox.portals[self.run.crm.portal_id]

    def visit(self, name: str, path: str) -> Any:
        """Open ``path`` (relative to the app) and keep its screenshot as ``name``."""
        answer = self.page.goto(path if path.startswith("http") else f"{self.url}{path}")
        assert answer is not None and answer.status == 200, f"{path}: {answer and answer.status}"
        return self.shot(name)

    def shot(self, name: str) -> Any:
        """A full-page screenshot of the page as it is now, then the page (to assert on)."""
        TOUR_ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(TOUR_ARTIFACTS / f"{name}.png"), full_page=True)
        return self.page

    def read(self, query: Callable[..., Any]) -> Any:
        with self.run.services.sessions() as db:
            return query(db)

    def text(self, selector: str = "main") -> str:
        return " ".join(self.page.locator(selector).inner_text().split())


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _wait_until(
    check: Callable[[], Any], seconds: float, what: str | Callable[[], str], reload: Any = None
) -> Any:
    """``what``: what is awaited, or a function saying it with what the page shows at the time."""
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what() if callable(what) else what}"
        time.sleep(0.5)
        if reload is not None:
            reload.reload()
    return found


@pytest.fixture(scope="module")
def tour(tour_stack, chromium) -> Iterator[Tour]:
    run, summary = tour_stack
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{run.url}/login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", run.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{run.url}/")
    yield Tour(run, page, summary)
    context.close()


@pytest.fixture(autouse=True)
def keep_the_page_of_a_failed_step(request, tour) -> Iterator[None]:
    """A step that fails keeps the page as it was at the failure: ``<step>-failed.png``."""
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed > failed:  # the step's call was reported failed before teardown
        tour.shot(f"{request.node.name}-failed")


def test_sign_in_refuses_a_wrong_password_and_lets_the_demo_admin_in(tour_stack, chromium) -> None:
    run, _summary = tour_stack
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{run.url}/installations/{run.installation_id}")
        assert page.url.startswith(f"{run.url}/login"), "an admin page must ask for a sign-in first"
        tour = Tour(run, page, "")
        tour.shot("login")
        page.fill("input[name=username]", "demo")
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit]")
        assert page.locator("[role=alert]").inner_text() == "Unknown username or wrong password."
        tour.shot("login-refused")
        page.fill("input[name=username]", "demo")
        page.fill("input[name=password]", run.admin_password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{run.url}/**")
        assert page.locator("header form.logout span").inner_text() == "demo"
    finally:
        context.close()


def test_installations_lists_the_demos_hubspot_account_healthy_with_every_record_scored(tour) -> None:
    page = tour.visit("installations", "/")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    row = " ".join(rows.first.inner_text().split())
    assert str(tour.portal.portal_id) in row and re.search(r"hubspot", row, re.I), row
    assert "healthy" in row.lower(), row
    assert re.search(rf"\b{tour.scored:,}\b|\b{tour.scored}\b", row), f"{tour.scored:,} scored: {row}"
    rows.first.locator("a", has_text="Open").click()
    page.wait_for_url(tour.inst)


def test_sync_shows_the_finished_backfill_the_tiers_of_the_summary_and_the_reconcile(tour) -> None:
    tour.visit("sync", f"/installations/{tour.run.installation_id}")
    sync = tour.text("section.card:has(h2:text-is('Sync'))")
    assert "2,000 / 2,000 - done" in sync, sync
    printed = re.search(r"records scored:.*\((L1 [\d,]+, L2 [\d,]+, L3 [\d,]+, L4 [\d,]+)\)", tour.summary)
    assert printed, tour.summary
    for tier, n in re.findall(r"(L[1-4]) ([\d,]+)", printed.group(1)):
        assert f"{tier}: {n}" in sync, f"{tier} {n} (the demo's summary) not on the Sync page: {sync}"
    assert f"Records scored {tour.scored:,}" in sync, sync
    reconcile = tour.text("#reconcile")
    assert f"{tour.scored:,} of {tour.scored:,} records match" in reconcile.lower(), reconcile
    assert "No record is failing." in tour.text("#errors")


def _record(link: Any) -> tuple[str, str]:
    """(object type, record id) of a link to a lead page."""
    found = re.search(r"/leads/(contact|account)/(\d+)$", link.get_attribute("href") or "")
    assert found, link.get_attribute("href")
    return found[1], found[2]


def test_leads_lists_scored_records_with_the_tier_the_crm_holds_and_human_verdicts(tour) -> None:
    page = tour.visit("leads", f"/installations/{tour.run.installation_id}/leads")
    rows = page.locator("main table tbody tr")
    assert rows.count() > 0
    verdicts = {"Sales-ready", "Nurture", "Disqualified", "Needs info"}
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
        object_type, record_id = _record(rows.nth(i).locator("a").first)
        crm = tour.portal.get(PLURAL[object_type], record_id).props
        assert crm["leadq_tier"] in cells, (cells, crm["leadq_tier"])
        assert set(cells) & verdicts, f"a verdict as a person reads it: {cells}"


def _leads_total(tour: Tour) -> int:
    found = re.search(r"of ([\d,]+) leads?", tour.text("#leads-count"))
    assert found, tour.text("#leads-count")
    return _number(found[1])


def test_leads_pages_through_all_2000_searches_by_company_and_filters_by_tier(tour) -> None:
    page = tour.visit("leads-page-1", f"/installations/{tour.run.installation_id}/leads")
    assert tour.text("#leads-count") == "1-50 of 2,000 leads"
    first = page.locator("table.leads tbody tr td:first-child a").evaluate_all("ls => ls.map(l => l.href)")
    page.click("nav.pager >> text=Next")
    page.wait_for_url(re.compile(r"page=2"))
    tour.shot("leads-page-2")
    assert tour.text("#leads-count") == "51-100 of 2,000 leads"
    second = page.locator("table.leads tbody tr td:first-child a").evaluate_all("ls => ls.map(l => l.href)")
    assert len(second) == 50 and not set(first) & set(second)

    crm_companies = [c.props.get("company") for c in tour.portal.live("contacts")]
    company = max((c for c in crm_companies if c and " " in c), key=crm_companies.count)
    page.fill("input[name=q]", company)
    page.click("#leads-search button[type=submit]")
    page.wait_for_url(re.compile(r"q="))
    tour.shot("leads-search-company")
    cells = page.locator("table.leads tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and all(company.lower() in c.lower() for c in cells), (company, cells)
    assert _leads_total(tour) >= crm_companies.count(company), "every contact of that company is found"

    page.click("text=Clear")
    page.select_option("select[name=tier]", "L1")
    page.click("#leads-search button[type=submit]")
    page.wait_for_url(re.compile(r"tier=L1"))
    tour.shot("leads-tier-L1")
    assert set(page.locator("table.leads tbody tr td:nth-child(4)").all_inner_texts()) == {"L1"}
    in_crm = sum(1 for c in tour.portal.live("contacts") if c.props.get("leadq_tier") == "L1")
    assert _leads_total(tour) == in_crm, "the filter's total is the CRM's count of L1 contacts"


def test_a_lead_shows_its_tier_verdict_and_reasons_as_the_crm_holds_them(tour) -> None:
    page = tour.page
    page.goto(f"{tour.inst}/leads")
    contacts = page.locator("main table tbody tr").filter(has=page.locator("a[href*='/leads/contact/']"))
    link = contacts.filter(has_text="Sales-ready").first.locator("a").first
    _object_type, record_id = _record(link)
    link.click()
    page.wait_for_selector("h3:has-text('Why')")
    tour.shot("lead")
    crm = tour.portal.get("contacts", record_id).props
    heading = tour.text("h2:has-text('Latest score')")
    assert heading == f"Latest score: {crm['leadq_tier']}, Sales-ready", (heading, crm["leadq_tier"])
    assert crm["leadq_verdict"] == "sales_ready"
    reasons = page.locator("table.reasons tbody tr")
    assert reasons.count() >= 2
    for i in range(reasons.count()):
        _factor, contribution, text = reasons.nth(i).locator("td").all_inner_texts()
        assert re.fullmatch(r"[+-]\d+\.\d\d", contribution.strip()) and text.strip(), (contribution, text)
    written = tour.text("main section.card:has(h2:text-is('What leadq wrote or left alone'))")
    assert f"leadq tier wrote '{crm['leadq_tier']}'" in written, written
    assert "leadq_" not in written, "fields are named by their labels, not their keys"


def test_a_routed_lead_shows_its_routing_path_step_by_step(tour) -> None:
    from storage.tables import RoutingDecisionRow

    def routed(db: Any) -> Any:
        return db.scalars(
            select(RoutingDecisionRow)
            .where(
                RoutingDecisionRow.installation_id == tour.run.installation_id,
                RoutingDecisionRow.owner_id.is_not(None),
            )
            .order_by(RoutingDecisionRow.id)
            .limit(1)
        ).one()

    decision = tour.read(routed)
    path = f"/installations/{tour.run.installation_id}/leads/{decision.object_type}/{decision.record_id}"
    page = tour.visit("lead-routed", path)
    routing = page.locator("main section.card:has(h2:text-is('Routing'))")
    steps = routing.locator("ol li").all_inner_texts()
    assert steps == list(decision.path), (steps, decision.path)
    crm = tour.portal.get(PLURAL[decision.object_type], decision.record_id).props
    assert crm["hubspot_owner_id"] == str(decision.owner_id), "the CRM holds the owner leadq chose"


def test_model_shows_the_champion_the_demo_trained(tour) -> None:
    from storage import models_registry

    champion = tour.read(lambda db: models_registry.champion(db, tour.run.installation_id))
    page = tour.visit("model", f"/installations/{tour.run.installation_id}/model")
    text = tour.text()
    assert champion is not None and champion.version in text, text
    assert f"{champion.metrics['auc']:.3f}" in text, "the champion's held-out AUC"
    assert page.locator("main .charts svg").count() >= 2, "the calibration and lift charts"
    assert f"Expected calibration error (ECE): {champion.metrics['ece'] * 100:.1f} percentage points" in text
    reliability = page.locator("#champion-reliability tbody tr")
    assert reliability.count() == len(champion.metrics["calibration"]) == 10
    assert reliability.first.is_visible(), "the reliability table is on the page, not folded away"
    tiers = page.locator("#champion-calibration-tiers tbody tr td:first-child").all_inner_texts()
    assert tiers == [row["group"] for row in champion.metrics["calibration_by_tier"]]
    sizes = page.locator("#champion-calibration-segments tbody tr td:first-child").all_inner_texts()
    assert sizes == [row["group"] for row in champion.metrics["calibration_by_segment"]]


def test_config_shows_the_live_icp_and_routing(tour) -> None:
    from scoring.icp import default_icp_text

    page = tour.visit("config", f"/installations/{tour.run.installation_id}/config")
    icp = page.locator("textarea#icp").input_value()
    assert icp.strip() == default_icp_text().strip(), "the demo runs on the shipped ICP"
    assert page.locator("textarea#routing").input_value().strip()
    for tier in TIERS:
        assert page.locator(f"select[name=pool_{tier}]").input_value()
    assert _number(page.locator("input[name=employees_min]").input_value()) >= 0


def test_a_configuration_error_is_shown_next_to_its_line_with_the_text_kept(tour) -> None:
    page = tour.visit("config-before-error", f"/installations/{tour.run.installation_id}/config")
    bad = (
        page.locator("textarea#icp")
        .input_value()
        .replace("[firmographics]", "[firmographics]\nsize_band = 7", 1)
    )
    assert "size_band = 7" in bad, "the shipped ICP has a [firmographics] table"
    page.fill("textarea#icp", bad)
    page.click("form.config button[type=submit]")
    page.wait_for_selector("#icp-error")
    tour.shot("config-error")
    shown = " ".join(page.locator("#icp-error").inner_text().split())
    line = bad.splitlines().index("size_band = 7") + 1
    assert f"Line {line}: size_band = 7" in shown and "size_band" in shown, shown
    assert page.locator("textarea#icp").input_value() == bad, "what was typed is kept"
    page.goto(f"{tour.inst}/config")
    assert "size_band" not in page.locator("textarea#icp").input_value(), "nothing was saved"


def test_backfill_preview_shows_what_would_change_and_writes_nothing(tour) -> None:
    page = tour.visit("sync", f"/installations/{tour.run.installation_id}")
    writes = len(tour.run.crm.requests.entries(lambda e: e.path.endswith("/batch/update")))
    page.click("#preview-start")
    assert "nothing is written until you approve it" in tour.text("p.flash")
    _wait_until(lambda: page.locator("#preview-nothing").count(), 120, "the preview", reload=page)
    page.locator("#preview").scroll_into_view_if_needed()
    tour.shot("preview")
    preview = tour.text("#preview")
    assert "Preview of 2,000 contacts" in preview and "Nothing has been written" in preview, preview
    assert re.search(r"leadq tier\s+already right: 2,?000\b", preview), "a re-run that day changes nothing"
    assert "Nothing would change" in preview and not page.locator("#approve").count(), "nothing to approve"
    assert len(tour.run.crm.requests.entries(lambda e: e.path.endswith("/batch/update"))) == writes
    page.click("#discard-preview")
    assert "Preview discarded; nothing was written." in tour.text("p.flash")


def test_failing_records_are_listed_with_the_crms_message(tour) -> None:
    """Last: an admin deletes leadq's reasons property in HubSpot, then reps retitle three contacts;
    their re-scores are refused and the errors page lists them."""
    tour.portal.properties["contacts"]["leadq_reasons"]["archived"] = True
    edited = [r.id for r in tour.portal.live("contacts")[:3]]
    for record_id in edited:
        answer = requests.post(
            f"{tour.run.crm.base_url}/_sandbox/hubspot/portals/{tour.portal.portal_id}/ui-edit",
            json={
                "objectType": "contacts",
                "id": record_id,
                "properties": {"jobtitle": "Chief Revenue Officer"},
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
    page = tour.page
    page.goto(tour.inst)
    _wait_until(
        lambda: "3 records failing" in tour.text("#errors"),
        60,
        lambda: f"three failing records; the Sync page says: {tour.text('#errors')}",
        reload=page,
    )
    page.locator("#errors").scroll_into_view_if_needed()
    tour.shot("sync-errors")
    page = tour.visit("errors", f"/installations/{tour.run.installation_id}/errors")
    text = tour.text()
    assert "3 failing records" in text, text
    assert "leadq_reasons" in text, "the CRM's message names the property"
    for record_id in edited:
        assert page.locator(f"main table.records a:text-is('contact {record_id}')").count() == 1
    page.locator("main table a:text-is('cause 1')").first.click()
    page.wait_for_url(re.compile(r".*/errors\?cause=1$"))
    tour.shot("errors-cause")
    cause = tour.text("main section.card h2")
    assert cause.startswith("3 records: leadq_reasons PROPERTY_DOESNT_EXIST"), cause
    assert "retrying will not fix this" in tour.text(".hint"), "a configuration error says what to fix"
