"""The monitoring page (issue 19): a signed-in admin reads score performance, drift, routing health and
the fairness ledger of one installation, from the report a builder makes (the app calls
``workers.services.monitor.report_for(runtime, installation_id, now)``; here a hand-made report is
put in its place through ``Services.extras``)."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from leadq.web.monitor_notes import notes_text
from leadq.web.monitor_sections import BUILDER_KEY
from monitoring.report import Note
from tests.support.admin_web import make_app, people, sign_in, web_settings  # noqa: F401 - fixtures
from tests.support.monitor_report import computed_report, empty_report, fairness, monitor_report, routing


def visible(page: str) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def app(web_settings):  # noqa: F811 - the fixture imported above
    return make_app(web_settings)


def serve_report(app: Any, report_of: Any) -> list[tuple[Any, int, datetime]]:
    """Make ``report_of(installation_id)`` the page's report; returns the calls the page made."""
    calls: list[tuple[Any, int, datetime]] = []

    def build(runtime: Any, installation_id: int, now: datetime) -> Any:
        calls.append((runtime, installation_id, now))
        return report_of(installation_id)

    app.extensions["leadq"].extras[BUILDER_KEY] = build
    return calls


def test_the_monday_report_reads_in_words_and_charts(app, people) -> None:  # noqa: F811
    calls = serve_report(app, monitor_report)
    client = app.test_client()
    sign_in(client, "alice")
    one = people["one"]
    sync_page = client.get(f"/installations/{one}").get_data(as_text=True)
    assert f'href="/installations/{one}/monitor">Monitoring</a>' in sync_page, "the tab beside the others"

    answer = client.get(f"/installations/{one}/monitor")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    text = visible(page)
    runtime, installation_id, now = calls[0]
    assert installation_id == one and now.tzinfo is not None and runtime.sessions is not None
    # the headline numbers, formatted for people
    assert "Scored leads monitored 7,072" in text
    assert "Won deals from the top 30% of scores 68.5%" in text and "the bar is 60.0%" in text
    assert "Calibration error (ECE) 2.1 pts" in text
    assert "Parked in fallback queues 13.4% worth a look" in text
    assert "routing decisions meant for a rep that matched none (leads sent to a nurture" in text
    # score performance: leads and conversion per tier per cohort month, with the interval
    assert "September 2026 240 410 690 1,020 2,360 28.8x 71.0%" in text
    assert (
        "September 2026 25.4% (61 of 240; 20.3-31.3%) 11.7% (48 of 410; 8.9-15.2%) "
        "3.6% (25 of 690; 2.5-5.3%) 0.9% (9 of 1,020; 0.5-1.7%)"
    ) in text, "each conversion with what it counts, so it reconciles with the leads table"
    assert "November 2026 251 402 688 1,011 2,352 no outcomes yet no outcomes yet" in text
    assert "November 2026 no outcomes yet no outcomes yet no outcomes yet no outcomes yet" in text, "not 0.0%"
    assert "Leads whose outcome the model had seen when it scored them are left out" in text
    assert (
        "under 5 points is good; flagged over 10. On 1,245 deals a perfectly calibrated model would "
        "still show about 1.8 pts by chance."
    ) in text
    # the champion's recent leads beside its earlier ones, and the top 30% against its training figure
    assert "Recent leads: won against predicted 9.4% won, 11.2% predicted (312 deals)" in text
    assert "Leads m-2026-10-05 scored in the last 6 weeks whose deal is decided." in text
    assert "Its earlier leads: 10.1% won, 10.8% predicted (933 deals)." in text
    assert "On its test when trained, m-2026-10-05 had 72.0%; an alarm is raised when the newest" in text
    assert "Brier score 0.087" in text and "10 130 27.2% 28.8% +1.6 pts" in text
    # drift
    assert "job_title_level: empty 2.0% -> 61.0% (PSI 0.42, a major shift)" in text
    assert "job_title_level 61.0% 2.0% +59.0 pts" in text
    assert "Tier inflation yes: more L1/L2 without more conversions" in text
    assert "week of 23 Nov 2026 36.0% no outcomes yet" in text and "2026-W48" not in text
    assert "Score shift, the newest full week (week of 23 Nov 2026) against the week before" in text
    assert "Empty fields in the newest full week (week of 23 Nov 2026)" in text
    # routing health
    assert "Created to assigned half in 1.5 min, 90% in 12 min" in text
    assert "Assigned to first touch half in 1.6 h, 90% in 29.0 h" in text
    assert "unassigned-emea 201 82.0%" in text and "SLA breaches 37" in text
    assert "Inactive reps still holding open leads" in text and "Chloé Martin 7" in text
    assert "Ana Ortiz yes 38 40 22 25" in text
    # fairness ledger
    assert "Reps outside the tolerance 2 of 4" in text
    assert "emea Chloé Martin no off 25.0% 31.0% 33.0% +8.0 pts 120 14.0" in text
    assert "inbound-na Ana Ortiz yes 0.90x to 1.10x 50.0% 52.0% 53.0% +3.0 pts 412 61.3" in text
    assert "Performance multipliers within floor and cap yes (0.80x to 1.25x)" in text
    assert "626 leads have none yet" in text, "what could not be computed is said"
    # five charts, each drawn inline
    for chart in ("cohorts", "calibration", "weekly", "times", "load"):
        assert re.search(rf'id="chart-{chart}"><svg ', page), chart
    assert page.count("<svg") == 5
    assert "Conversion per tier, by cohort month" in text and "perfect calibration" in page
    for python in ("None", "nan", "Rate(", "MonitorReport", "inf"):
        assert not re.search(rf"\b{re.escape(python)}(?!\w)", text), python


def test_a_new_installation_says_what_is_missing(app, people) -> None:  # noqa: F811
    serve_report(app, empty_report)
    client = app.test_client()
    sign_in(client, "alice")
    page = client.get(f"/installations/{people['one']}/monitor").get_data(as_text=True)
    text = visible(page)
    assert "Won deals from the top 30% of scores no outcomes yet" in text
    assert "Nothing scored yet." in text and "No lead parked." in text
    assert "No lead routed through a weighted pool yet." in text
    assert "Created to assigned no data yet" in text
    assert "No inactive rep holds an open lead." in text
    assert "<svg" not in page, "no empty chart"
    assert not re.search(r"\b(None|nan)\b", text)


def test_names_from_the_crm_are_text_not_markup(app, people) -> None:  # noqa: F811
    hostile = "<script>alert(1)</script>"

    def report(installation_id: int) -> Any:
        base = monitor_report(installation_id)
        load = [replace(row, name=hostile) for row in routing().load]
        rows = [replace(row, name=hostile, pool="<b>pool</b>") for row in fairness().rows]
        return replace(
            base, routing=replace(base.routing, load=load), fairness=replace(base.fairness, rows=rows)
        )

    serve_report(app, report)
    client = app.test_client()
    sign_in(client, "alice")
    page = client.get(f"/installations/{people['one']}/monitor").get_data(as_text=True)
    assert hostile not in page and "<b>pool</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_granted_installations(app, people) -> None:  # noqa: F811
    calls = serve_report(app, monitor_report)
    client = app.test_client()
    sign_in(client, "frank")
    assert client.get(f"/installations/{people['two']}/monitor").status_code == 404
    assert client.get("/installations/999999/monitor").status_code == 404
    assert calls == [], "no report is computed for an installation the admin may not see"
    signed_out = app.test_client().get(f"/installations/{people['one']}/monitor")
    assert signed_out.status_code in (302, 303) and "/login" in signed_out.headers["Location"]


def test_a_report_monitoring_computed_reads_the_same(app, people) -> None:  # noqa: F811
    """``monitoring.compute.monitor`` on a seeded installation: every number the page shows is the
    report's, said in words, and every chart with something to draw is drawn."""
    from leadq.web import admin_monitor, monitor_sections

    report = computed_report(people["one"])
    serve_report(app, lambda _id: report)
    client = app.test_client()
    sign_in(client, "alice")
    page = client.get(f"/installations/{people['one']}/monitor").get_data(as_text=True)
    text = visible(page)
    assert f"Scored leads monitored {report.records:,}" in text
    for section in monitor_sections.sections(report):
        for fact in section.facts:
            assert f"{fact.label} {fact.value}" in text, fact
        for table in section.tables:
            for row in table.rows:
                assert " ".join(row) in text, row
    first = report.performance.cohorts[0]
    l1 = first.conversion["L1"]
    assert f"{100 * l1.rate:.1f}% ({l1.hits:,} of {l1.n:,}; {100 * l1.low:.1f}-" in text
    for note in notes_text(report.notes, report.computed_at):
        assert note in text
    for key in admin_monitor.charts(report):
        assert f'id="chart-{key}"><svg ' in page, key
    assert len(admin_monitor.charts(report)) == 5
    assert not re.search(r"\b(None|nan)\b", text)


def fresh_after_backfill(installation_id: int) -> Any:
    """Right after a backfill: leads scored, none of their outcomes unseen by the model, only this week
    scored, routing times in days (a CRM's old leads), a rep known only by their owner id."""
    from tests.support.monitor_report import cohort, rate

    base = monitor_report(installation_id)
    no_outcome = {t: rate(0, 0) for t in ("L1", "L2", "L3", "L4")}
    performance = replace(
        base.performance,
        cohorts=[
            cohort("2026-11", {"L1": (0, 316), "L2": (0, 481), "L3": (0, 547), "L4": (0, 1008)}, None, 0)
        ],
        calibration=replace(
            base.performance.calibration, n=0, bins=[], ece=None, brier=None, by_tier=no_outcome
        ),
        top30_capture=None,
    )
    routing_health = replace(
        base.routing,
        created_to_assigned=replace(
            base.routing.created_to_assigned, p50_minutes=209.9 * 1440, p90_minutes=604.9 * 1440
        ),
        load=[replace(base.routing.load[0], name=""), *base.routing.load[1:]],
    )
    notes = (  # as monitoring writes them: the words its computation says, with the figures
        Note("inflation_undefined", "tier inflation is undefined: it needs ...", {"weeks": 6}),
        Note("score_training_first_week", "score drift ... against 2026-W45 ...", {"week": "2026-W45"}),
        Note(
            "score_week_undefined",
            "score drift week over week is undefined: 2026-W47 or 2026-W48 has no scores",
            {"before": "2026-W47", "now": "2026-W48"},
        ),
    )
    return replace(
        base,
        performance=performance,
        routing=routing_health,
        drift=replace(base.drift, tier_inflation=False),
        notes=notes,
    )


def test_right_after_a_backfill_it_says_no_outcomes_yet_not_zero(app, people) -> None:  # noqa: F811
    serve_report(app, fresh_after_backfill)
    client = app.test_client()
    sign_in(client, "alice")
    page = client.get(f"/installations/{people['one']}/monitor").get_data(as_text=True)
    text = visible(page)
    assert "November 2026 no outcomes yet no outcomes yet no outcomes yet no outcomes yet" in text
    assert "0.0%" not in text.split("Conversion per tier")[1].split("Drift")[0], "never 0% for no outcome"
    for tier in ("L1", "L2", "L3", "L4"):
        assert f"{tier} 0 0 no outcomes yet" in text, "win rate per tier: no outcomes, not no leads"
    assert "no leads" not in text
    chart = page.split('id="chart-cohorts"')[1].split("</figure>")[0]
    assert "<circle" not in chart, "no dot at 0% for a tier with no outcome"
    assert "no outcomes yet" in chart and "No outcomes yet: no lead the model had not seen" in visible(chart)
    # the notes in plain words, with dates
    notes = text.split("Not shown yet, and why")[1].split("Score performance")[0]
    assert "undefined" not in notes and "sample of" not in notes
    assert "Tier inflation: not enough weeks yet" in notes
    assert (
        "trained on deals from before leadq scored anything, so the score shift is measured against the "
        "first week leadq scored (week of 2 Nov 2026)"
    ) in notes, notes
    assert "two full weeks in a row: it appears from 14 Dec 2026" in notes
    assert "Tier inflation not enough weeks yet" in text, "not 'no' while it cannot be told"
    # a rep with no name is shown by their owner id
    assert "501 yes 38 40 22 25" in text


def test_the_routing_times_axis_covers_the_slowest(app, people) -> None:  # noqa: F811
    serve_report(app, fresh_after_backfill)
    client = app.test_client()
    sign_in(client, "alice")
    page = client.get(f"/installations/{people['one']}/monitor").get_data(as_text=True)
    chart = page.split('id="chart-times"')[1].split("</figure>")[0]
    widths = [float(w) for w in re.findall(r'<rect x="140" y="[\d.]+" width="([\d.]+)"', chart)]
    p50, p90 = widths[:2]  # created to assigned: 210 days and 605 days
    assert p90 > p50 + 10, (p50, p90)
    assert "p50 209.9 days" in chart and "p90 604.9 days" in chart
    assert "1 year" in chart or "3 years" in chart, "the axis reaches past the slowest"


def test_right_after_the_demo_each_empty_card_says_why(app, people) -> None:  # noqa: F811
    """Everything scored this week (a Wednesday), nothing in the newest full week, and every routing
    decision for a record created before leadq was installed: the drift card names the one week it
    means and when this week's leads count; created-to-assigned says only new leads count, since when."""
    from monitoring.report import Times

    def right_after_the_demo(installation_id: int) -> Any:
        report = monitor_report(installation_id)
        return replace(
            report,
            computed_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
            drift=replace(report.drift, current="2026-W48", missing_rates={}, features=[], top_moved=[]),
            routing=replace(
                report.routing,
                created_to_assigned=Times(None, None, 0),
                decisions=2352,
                installed_at=datetime(2026, 12, 2, 8, 10, tzinfo=UTC),
            ),
        )

    serve_report(app, right_after_the_demo)
    client = app.test_client()
    sign_in(client, "alice")
    text = visible(client.get(f"/installations/{people['one']}/monitor").get_data(as_text=True))
    drift = text.split("Whether the leads scored now look like")[1].split("Routing health")[0]
    assert (
        "Weekly figures are of the newest full week (week of 23 Nov 2026), Monday to Sunday (UTC)." in drift
    )
    assert "Score shift, the newest full week (week of 23 Nov 2026) against the week before" in drift
    assert "Empty fields in the newest full week (week of 23 Nov 2026)" in drift
    assert (
        "No lead scored in the newest full week (week of 23 Nov 2026). Leads scored this week "
        "(since 30 Nov 2026) count here from 7 Dec 2026, when their week is full."
    ) in drift, drift
    assert "this week" not in drift.replace("Leads scored this week", ""), "one notion of the week"
    assert "Created to assigned no new lead yet" in text
    assert (
        "Only leads created in the CRM since leadq was installed (2 Dec 2026) count, and none of the last "
        "4 weeks' 2,352 routing decisions gave one an owner"
    ) in text
    assert "(0 leads)" not in text
