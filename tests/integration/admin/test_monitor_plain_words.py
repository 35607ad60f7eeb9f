"""What the monitoring page and ``leadq monitor`` say where a newcomer misread them: a rep without a cap
is "no cap" (not "none", read as a cap of zero), the load chart's legend names the cap mark only when
one is drawn, and cohort months read "December 2026" (``--json`` keeps the report's "2026-12")."""

from __future__ import annotations

import json
import re
import sys
import types
from dataclasses import replace
from typing import Any

import pytest

from leadq.web.monitor_sections import BUILDER_KEY
from monitoring.report import Note
from tests.support.admin_web import cli, make_app, people, sign_in, web_settings  # noqa: F401 - fixtures
from tests.support.monitor_report import cohort, monitor_report, routing
from tests.support.monitor_report import performance as hand_made_performance

LIFT_NOTE = Note("lift_undefined", "L1/L4 lift is undefined for 2026-12", {"months": "2026-12"})


def december_report(installation_id: int, capped: bool = True) -> Any:
    """The hand-made report with a December cohort and a note naming it; without ``capped``, no rep
    has an open-lead or weekly cap."""
    base = monitor_report(installation_id)
    december = cohort("2026-12", {"L1": (3, 40), "L2": (2, 60), "L3": (1, 80), "L4": (1, 120)})
    performance = replace(hand_made_performance(), cohorts=[*hand_made_performance().cohorts, december])
    load = routing().load
    if not capped:
        load = [replace(row, open_capacity=None, weekly_capacity=None) for row in load]
    return replace(
        base,
        performance=performance,
        routing=replace(base.routing, load=load),
        notes=(*base.notes, LIFT_NOTE),
    )


def visible(page: str) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("&#39;", "'").replace("&amp;", "&")


@pytest.fixture
def app(web_settings):  # noqa: F811 - the fixture imported above
    return make_app(web_settings)


def page_of(app: Any, people: dict[str, int], capped: bool = True) -> str:  # noqa: F811
    app.extensions["leadq"].extras[BUILDER_KEY] = lambda _rt, inst, _now: december_report(inst, capped)
    client = app.test_client()
    sign_in(client, "alice")
    answer = client.get(f"/installations/{people['one']}/monitor")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def load_table(text: str) -> str:
    return text.split("Load per rep against capacity")[-1].split("Fairness ledger")[0]


def test_a_rep_without_a_cap_says_no_cap_on_the_page(app, people) -> None:  # noqa: F811
    text = visible(page_of(app, people))
    table = load_table(text)
    assert "Rep Active Open leads Open cap Assigned this week Weekly cap" in table
    assert "Chloé Martin no 7 no cap 0 no cap" in table
    assert "Ana Ortiz yes 38 40 22 25" in table
    assert not re.search(r"\bnone\b", table), "never 'none' for a missing cap"


def test_the_load_chart_names_the_cap_mark_only_when_it_draws_one(app, people) -> None:  # noqa: F811
    capped = page_of(app, people).split('id="chart-load"')[1].split("</figure>")[0]
    assert "black mark: the open-lead cap" in capped
    assert "7 (no cap)" in capped, "the rep without a cap, among reps with one"

    uncapped = page_of(app, people, capped=False).split('id="chart-load"')[1].split("</figure>")[0]
    assert "black mark" not in uncapped and "cap mark" not in uncapped
    assert "bar: open leads; no rep has an open-lead cap" in uncapped
    assert 'stroke-width="2"' not in uncapped, "no cap mark drawn"
    assert "Ana Ortiz yes 38 no cap 22 no cap" in load_table(visible(page_of(app, people, capped=False)))


def test_cohort_months_read_as_month_and_year_on_the_page(app, people) -> None:  # noqa: F811
    page = page_of(app, people)
    text = visible(page)
    assert "December 2026 40 60 80 120 300" in text
    assert "December 2026 7.5% (3 of 40;" in text
    assert "September 2026 240 410 690 1,020" in text
    assert "L1/L4 lift for December 2026" in text.split("Not shown yet, and why")[1]
    chart = page.split('id="chart-cohorts"')[1].split("</figure>")[0]
    assert ">Dec 2026<" in chart and ">Sep 2026<" in chart, "the chart's month labels"
    assert "December 2026 L1: 7.5% of 40 leads won" in chart
    assert not re.search(r"\b2026-(09|10|11|12)\b(?!-)", text), "no machine month left on the page"


@pytest.fixture
def cli_report(monkeypatch) -> None:
    module = types.ModuleType("workers.services.monitor")
    module.report_for = lambda _runtime, inst, _now: december_report(inst)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "workers.services.monitor", module)


def test_leadq_monitor_says_months_and_no_cap(web_settings, people, cli_report, monkeypatch) -> None:  # noqa: F811
    result = cli(web_settings, monkeypatch, ["monitor", str(people["one"])])
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(
        r"\nDecember 2026 +40 +60 +80 +120 +300 ", "\n" + "\n".join(line.strip() for line in out.splitlines())
    ), out
    assert re.search(r"Chloé Martin +no +7 +no cap +0 +no cap +<- worth a look", out), out
    assert "  - L1/L4 lift for December 2026" in out
    assert not re.search(r"\b2026-(09|10|11|12)\b(?!-)", out), "no machine month in the text"
    assert not re.search(r"\bnone\b", out.split("Load per rep against capacity")[1].split("FAIRNESS")[0])

    data = json.loads(cli(web_settings, monkeypatch, ["monitor", str(people["one"]), "--json"]).output)
    assert [c["month"] for c in data["performance"]["cohorts"]][-1] == "2026-12", (
        "JSON keeps the machine form"
    )
    assert data["routing"]["load"][2]["open_capacity"] is None
