"""``leadq monitor INSTALLATION [--json] [--weeks N]``: the monitoring page's sections as aligned
plain text for a terminal, or JSON; bad input is one line and exit code 2, never a traceback.

The report comes from ``workers.services.monitor.report_for(runtime, installation_id, now)``; here a
module holding a hand-made report's builder stands in for it, so the command's own lookup is used."""

from __future__ import annotations

import json
import math
import re
import sys
import types
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from leadq.web.monitor_notes import notes_text
from tests.support.admin_web import cli, people, web_settings  # noqa: F401 - fixtures
from tests.support.monitor_report import computed_report, monitor_report, performance


@pytest.fixture
def calls(monkeypatch) -> list[tuple[Any, int, datetime]]:
    """``report_for`` answering the hand-made report; the calls it got."""
    made: list[tuple[Any, int, datetime]] = []

    def report_for(runtime: Any, installation_id: int, now: datetime) -> Any:
        made.append((runtime, installation_id, now))
        base = monitor_report(installation_id)
        return replace(base, performance=replace(performance(), top30_capture=math.nan))

    module = types.ModuleType("workers.services.monitor")
    module.report_for = report_for  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "workers.services.monitor", module)
    return made


def test_the_sections_as_aligned_tables(web_settings, people, calls, monkeypatch) -> None:  # noqa: F811
    one = people["one"]
    result = cli(web_settings, monkeypatch, ["monitor", str(one)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert calls[0][1] == one and calls[0][2].tzinfo is not None
    assert out.startswith(
        f"Monitoring of hubspot 20007000 (installation {one}), computed 2026-11-30 07:00 UTC"
    )
    for title in ("AT A GLANCE", "SCORE PERFORMANCE", "DRIFT", "ROUTING HEALTH", "FAIRNESS LEDGER"):
        assert f"\n{title}\n" in out, title
    lines = out.splitlines()
    # the cohort table: a header, a rule, one row a month, columns aligned under their header
    header = next(i for i, line in enumerate(lines) if line.split()[:5] == ["Month", "L1", "L2", "L3", "L4"])
    assert set(lines[header + 1].replace(" ", "")) == {"-"}
    row = lines[header + 2]
    assert row.split() == ["September", "2026", "240", "410", "690", "1,020", "2,360", "28.8x", "71.0%"]
    assert row.index("1,020") + len("1,020") == lines[header].index("L4") + len("L4"), "numbers right-aligned"
    assert "September 2026  25.4% (61 of 240; 20.3-31.3%)  11.7% (48 of 410; 8.9-15.2%)" in out
    assert re.search(r"November 2026(  +no outcomes yet){4}\n", out), "no decided outcome is not 0.0%"
    assert (
        "under 5 points is good; flagged over 10. On 1,245 deals a perfectly calibrated model would "
        "still show about 1.8 pts by chance."
    ) in out
    assert re.search(r"Won deals from the top 30% of scores +no outcomes yet", out), "nan said in words"
    assert re.search(r"Recent leads: won against predicted +9\.4% won, 11\.2% predicted \(312 deals\)", out)
    assert re.search(
        r"emea +Chloé Martin +no +off +25\.0% +31\.0% +33\.0% +\+8\.0 pts +120 +14\.0 +<- worth a look", out
    )
    assert "1. job_title_level: empty 2.0% -> 61.0% (PSI 0.42, a major shift)" in out
    for python in ("None", "nan", "Rate(", "{", "Traceback"):
        assert python not in out, python


def test_weeks_and_json(web_settings, people, calls, monkeypatch) -> None:  # noqa: F811
    one = str(people["one"])
    text = cli(web_settings, monkeypatch, ["monitor", one, "--weeks", "2"]).output
    assert "week of 16 Nov 2026" in text and "week of 23 Nov 2026" in text, "weeks said as dates"
    assert "week of 9 Nov 2026" not in text and "2026-W4" not in text
    result = cli(web_settings, monkeypatch, ["monitor", one, "--json", "--weeks", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["installation_id"] == people["one"] and data["records"] == 7072
    assert data["computed_at"] == "2026-11-30T07:00:00+00:00"
    assert data["performance"]["top30_capture"] is None, "nan is null"
    assert data["performance"]["cohorts"][0]["conversion"]["L1"]["hits"] == 61
    assert [w[0] for w in data["drift"]["weekly_share_l1l2"]] == ["2026-W47", "2026-W48"]
    assert data["fairness"]["rows"][2]["within_tolerance"] is False
    assert data["routing"]["parked_by_queue"] == {"unassigned-emea": 201, "catch-all": 44}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["999"], "there is no installation 999: `leadq status` lists them"),
        (["abc"], "INSTALLATION must be a number like 1 (see `leadq status`)"),
        (["0"], "INSTALLATION must be a number like 1 (see `leadq status`)"),
        (["-1"], "INSTALLATION must be a number like 1 (see `leadq status`)"),
        (["{one}", "--weeks", "many"], "--weeks must be a number of weeks from 1 to 520"),
        (["{one}", "--weeks", "0"], "--weeks must be a number of weeks from 1 to 520"),
        (["{one}", "--jsn"], "No such option '--jsn'. Did you mean '--json'?"),
        ([], "Missing argument 'INSTALLATION'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(web_settings, people, calls, monkeypatch, args, said) -> None:  # noqa: F811
    args = [a.format(one=people["one"]) for a in args]
    result = cli(web_settings, monkeypatch, ["monitor", *args])
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: "), result.output
    assert calls == []


def test_a_computed_report_prints_and_serialises(web_settings, people, monkeypatch) -> None:  # noqa: F811
    """What ``monitoring.compute.monitor`` makes (nan where nothing could be computed, numpy-free
    numbers) prints as text and as strict JSON."""
    report = computed_report(people["one"])
    module = types.ModuleType("workers.services.monitor")
    module.report_for = lambda _runtime, _installation, _now: report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "workers.services.monitor", module)
    one = str(people["one"])
    text = cli(web_settings, monkeypatch, ["monitor", one])
    assert text.exit_code == 0, text.output
    assert f"Scored leads monitored                   {report.records:,}" in text.output
    for note in notes_text(report.notes, report.computed_at):
        assert f"  - {note}" in text.output
    assert "undefined" not in text.output, "the notes said in plain words"
    data = json.loads(cli(web_settings, monkeypatch, ["monitor", one, "--json"]).output)
    assert data["records"] == report.records
    assert data["performance"]["calibration"]["n"] == report.performance.calibration.n
    assert len(data["drift"]["weekly_share_l1l2"]) == min(8, len(report.drift.weekly_share_l1l2))


def test_json_says_null_where_the_text_says_not_known_yet(web_settings, people, monkeypatch) -> None:  # noqa: F811
    """A tier none of whose leads was won or lost reads "no outcomes yet" in the text and has a null
    rate (and interval) in the JSON, its hits, n and decided kept; tier inflation that needs more weeks
    reads "not enough weeks yet" and is null; an interval bound of floating noise is 0."""
    from monitoring.report import Note, Rate

    base = monitor_report(people["one"])
    noisy = base.performance.cohorts[0]
    conversion = dict(noisy.conversion, L4=Rate(9, 1020, 9 / 1020, 8.67e-19, 0.0167))
    cohorts = [replace(noisy, conversion=conversion), *base.performance.cohorts[1:]]
    undefined = Note(
        "inflation_undefined",
        "tier inflation is undefined: it needs scores in each of the last 6 full weeks",
        {"weeks": 6},
    )
    report = replace(
        base,
        performance=replace(base.performance, cohorts=cohorts),
        drift=replace(base.drift, tier_inflation=False),
        notes=(*base.notes, undefined),
    )
    module = types.ModuleType("workers.services.monitor")
    module.report_for = lambda _runtime, _installation, _now: report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "workers.services.monitor", module)
    one = str(people["one"])
    text = cli(web_settings, monkeypatch, ["monitor", one]).output
    november = next(line for line in text.splitlines() if line.strip().startswith("November 2026"))
    assert "no outcomes yet" in november, november
    assert re.search(r"Tier inflation\s+not enough weeks yet", text), text
    data = json.loads(cli(web_settings, monkeypatch, ["monitor", one, "--json"]).output)
    undecided = data["performance"]["cohorts"][2]
    assert undecided["month"] == "2026-11" and undecided["decided"]["L1"] == 0
    assert undecided["conversion"]["L1"] == {"hits": 0, "n": 251, "rate": None, "low": None, "high": None}
    decided = data["performance"]["cohorts"][0]["conversion"]
    assert decided["L1"]["rate"] == 61 / 240 and decided["L1"]["low"] > 0, "a known rate stays"
    assert decided["L4"]["low"] == 0.0, "8.67e-19 is floating noise"
    assert data["drift"]["tier_inflation"] is None
    assert "e-1" not in json.dumps(data), "no floating noise anywhere"
