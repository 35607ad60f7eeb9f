"""In a real browser: sign in, connect the sandbox HubSpot, preview and approve the backfill,
watch it finish, open a lead and read its reasons."""

from __future__ import annotations

import re
import time

import pytest

from tests.support.admin import PASSWORD


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
