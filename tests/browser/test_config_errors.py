"""In a real browser: an admin edits the ICP with mistakes and sees each one under the text box,
naming and quoting its line, with everything typed still there; the common-fields form shows its
errors under the field typed into; and the model page, once trained, speaks plain language.
Full-page screenshots land in ``var/test-artifacts/config/``."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.browser.conftest import ARTIFACTS, module_stack
from tests.support.admin import PASSWORD

SHOTS = ARTIFACTS / "config"
BAD_ICP = (
    "[firmographics]\n"
    'target_industries = ["software", "widgets"]\n'
    'countries = ["US", "Germany"]\n'
    "\n"
    "[firmographics.employees]\n"
    "min = -5\n"
)
pytestmark = pytest.mark.db  # its own database, on the backend under test (``make test`` runs both)


@pytest.fixture(scope="module")
def served_training(tmp_path_factory, migrated_template) -> Iterator[str]:
    """leadq served on 1,200 sandbox contacts (seed 62) with a worker that also takes the training
    queue (Retrain now), once for the module: the first test's edits are all refused (nothing is
    saved), so the second sees the shipped configuration. A training task may still be finishing
    when the worker stops: it gets a minute."""
    with module_stack(
        tmp_path_factory.mktemp("config-errors"),
        migrated_template,
        "changes,backfill,training",
        stop_wait_s=60,
        seed=62,
        records=1200,
    ) as (url, _live):
        yield url


def _connect(page, url: str) -> None:
    """Sign in and open the installation, connecting the sandbox HubSpot first if nobody has yet."""
    page.goto(f"{url}/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    if page.locator("text=No installation yet").is_visible():
        page.click("text=Connect HubSpot")
        page.wait_for_selector("text=leadq is connected to HubSpot")
        page.goto(f"{url}/")
    page.click("text=Open")
    page.wait_for_selector("#preview-start")


def _below(page, upper: str, lower: str) -> float:
    """How far below ``upper``'s bottom edge ``lower`` starts, in pixels."""
    top = page.locator(upper).bounding_box()
    bottom = page.locator(lower).bounding_box()
    assert top and bottom
    return bottom["y"] - (top["y"] + top["height"])


@pytest.mark.redis
def test_config_errors_are_shown_next_to_their_line_with_the_text_kept(page, served_training) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    _connect(page, served_training)
    page.click("nav.tabs >> text=ICP and routing")
    page.wait_for_selector("textarea#icp")

    page.fill("textarea#icp", BAD_ICP)
    page.click("form.config button[type=submit]")
    page.wait_for_selector("#icp-error")
    shown = " ".join(page.locator("#icp-error").inner_text().split())
    assert shown.startswith("3 problems in the ICP file:"), shown
    assert 'Line 2: target_industries = ["software", "widgets"]' in shown
    assert "'widgets' is not an industry of this ICP; use one of software, it_services" in shown
    assert 'Line 3: countries = ["US", "Germany"]' in shown and "'Germany' is not a two-letter" in shown
    assert "Line 6: min = -5 firmographics.employees.min: must be at least 0, got -5" in shown
    assert page.locator("textarea#icp").input_value() == BAD_ICP, "the text typed is kept"
    assert 0 <= _below(page, "textarea#icp", "#icp-error") < 40, "right under the ICP box"
    assert page.locator("#config-problems").is_visible()
    page.screenshot(path=str(SHOTS / "config-toml-errors.png"), full_page=True)

    page.fill("input[name=industries]", "software, widgets")
    page.fill("input[name=employees_min]", "abc")
    page.click("#save-fields")
    page.wait_for_selector("#employees_min-error")
    assert page.locator("input[name=employees_min]").input_value() == "abc"
    assert page.locator("input[name=industries]").input_value() == "software, widgets"
    assert (
        "must be a whole number of employees, you typed 'abc'"
        in page.locator("#employees_min-error").inner_text()
    )
    assert 0 <= _below(page, "input[name=employees_min]", "#employees_min-error") < 40
    assert "'widgets' is not an industry" in page.locator("#industries-error").inner_text(), "all at once"
    assert "target_industries" in page.locator("textarea#icp").input_value(), "the ICP box is not emptied"
    page.screenshot(path=str(SHOTS / "config-field-errors.png"), full_page=True)

    page.fill("input[name=employees_min]", "5")
    page.click("#save-fields")
    page.wait_for_selector("#industries-error")
    assert "'widgets' is not an industry" in page.locator("#industries-error").inner_text()
    assert 0 <= _below(page, "#industries-help", "#industries-error") < 30, "under the industries field"
    assert page.locator("input[name=employees_min]").input_value() == "5"


@pytest.mark.redis
def test_the_model_page_reads_in_plain_language(page, served_training) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    _connect(page, served_training)
    page.click("nav.tabs >> text=Model")
    page.wait_for_selector("#retrain")
    page.click("#retrain")
    deadline = time.monotonic() + 180
    while not page.locator("#champion").count():
        assert time.monotonic() < deadline, "no model was trained"
        time.sleep(2)
        page.reload()
    text = page.locator("#champion").inner_text()
    assert "in 10 convert" in text or "in 100 convert" in text, text
    assert "Take one lead that converted and one that did not" in text
    assert "Calibration checks that the chances can be taken at face value" in text
    assert "on a lead's page, \u201c" in text and "email_kind" not in text and "log-odds" not in text
    assert page.locator("#champion figure.chart svg").count() == 2
    page.screenshot(path=str(SHOTS / "model.png"), full_page=True)
