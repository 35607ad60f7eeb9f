"""Every admin page on a phone (390 px wide), on the demo's stack (``tour_stack``) with one alarm
open: the page never scrolls sideways (a wide table scrolls inside its own visible frame), the dark
header spans the whole page, and the alarm banner shows its whole cause, wrapped, never cut with an
ellipsis. Full-page screenshots are kept in ``var/test-artifacts/phone/``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS

SHOTS = ARTIFACTS / "phone"
PHONE = 390
CAUSE = (
    "Chloé Rossi (owner 60000696) is inactive in the CRM but still owns 31 open leads routed by "
    "leadq in the last 14 days"
)
pytestmark = pytest.mark.redis


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    cause: str
    check_hint: str
    since: datetime | None = None
    details: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def phone(tour_stack, chromium) -> Iterator[tuple[Any, Any]]:
    """A phone signed in to the demo, with one alarm open (as beat's check raises it)."""
    from storage import alarms

    run, _summary = tour_stack
    now = datetime.now(UTC)
    since = now - timedelta(hours=2)
    found = [Finding("inactive_owner", "60000696", CAUSE, "the rep's status in the CRM", since)]
    with run.services.sessions.begin() as db:
        alarms.sync(db, run.installation_id, found, now)
    context = chromium.new_context(viewport={"width": PHONE, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{run.url}/login")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", run.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{run.url}/")
    try:
        yield run, page
    finally:
        context.close()
        with run.services.sessions.begin() as db:
            alarms.sync(db, run.installation_id, [], now)


def _fits(page: Any, name: str) -> None:
    """The page as a phone shows it: kept as ``name``, no sideways scroll, the header full width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= PHONE, f"{name}: the page scrolls sideways ({wide} px wide on a {PHONE} px phone)"
    header = page.locator("body > header").bounding_box()
    assert header is not None and header["width"] >= PHONE - 1, f"{name}: the header stops short ({header})"
    frames = page.evaluate(
        """() => [...document.querySelectorAll('main table')].filter(t => {
            const r = t.getBoundingClientRect();
            if (r.right <= window.innerWidth + 1) return false;
            const f = t.closest('.table-scroll');
            return !f || f.getBoundingClientRect().right > window.innerWidth + 1;
        }).map(t => t.id || t.className || t.parentElement.id)"""
    )
    assert not frames, f"{name}: tables run off the screen outside a scroll frame: {frames}"


def test_the_installations_list_fits_a_phone(phone) -> None:
    run, page = phone
    page.goto(f"{run.url}/")
    _fits(page, "installations")


def test_the_banner_shows_the_whole_cause_wrapped(phone) -> None:
    run, page = phone
    page.goto(f"{run.url}/installations/{run.installation_id}")
    cause = page.locator("#alarms li .cause").first
    assert " ".join(cause.inner_text().split()) == CAUSE
    style = cause.evaluate("e => [getComputedStyle(e).overflowX, getComputedStyle(e).textOverflow]")
    assert style == ["visible", "clip"], f"the cause can be cut short ({style})"
    box, banner = cause.bounding_box(), page.locator("#alarms").bounding_box()
    assert box is not None and banner is not None and box["x"] + box["width"] <= banner["x"] + banner["width"]
    assert box["height"] > 30, "a long cause wraps onto more lines"
    _fits(page, "sync")


def test_a_lead_page_fits_a_phone(phone) -> None:
    run, page = phone
    page.goto(f"{run.url}/installations/{run.installation_id}/leads")
    _fits(page, "leads")
    page.locator("main table a[href*='/leads/contact/']").first.click()
    page.wait_for_selector("h3:has-text('Why')")
    _fits(page, "lead")


def test_the_monitoring_page_with_an_open_alarm_fits_a_phone(phone) -> None:
    run, page = phone
    page.goto(f"{run.url}/installations/{run.installation_id}/monitor")
    assert CAUSE in " ".join(page.locator("#open-alarms").inner_text().split())
    _fits(page, "monitor")
    page.locator("#open-alarms").screenshot(path=str(SHOTS / "monitor-open-alarms.png"))


@pytest.mark.parametrize("tab", ["model", "config", "errors"])
def test_the_other_tabs_fit_a_phone(phone, tab) -> None:
    run, page = phone
    answer = page.goto(f"{run.url}/installations/{run.installation_id}/{tab}")
    assert answer is not None and answer.status == 200, tab
    _fits(page, tab)
