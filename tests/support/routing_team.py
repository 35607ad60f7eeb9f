"""A realistic team for the routing tests: EMEA and NA, AEs and SDRs, hours, PTO, capacities,
weights; the clock they run at, and a lead to route."""

from __future__ import annotations

from datetime import UTC, datetime

from core.records import Tier, Verdict
from routing.types import RoutingLead

TEAM = """
[teams.emea]
queue = "emea"
[teams.na]
queue = "na"

[queues.emea]
owner_id = "q-emea"
name = "EMEA queue"
[queues.na]
owner_id = "q-na"
name = "NA queue"

[[reps]]
owner_id = "101"
name = "Dana"
team = "emea"
role = "ae"
countries = ["DE", "GB", "FR"]
industries = ["healthcare", "software"]
timezone = "Europe/Berlin"
working_hours = { start = "08:00", end = "23:00" }
open_capacity = 20

[[reps]]
owner_id = "102"
name = "Sam"
team = "emea"
role = "ae"
countries = ["DE", "GB", "FR"]
industries = ["healthcare"]
timezone = "Europe/London"
open_capacity = 20

[[reps]]
owner_id = "103"
name = "Lee"
team = "emea"
role = "ae"
countries = ["DE", "GB", "FR"]
timezone = "Europe/Berlin"
working_hours = { start = "09:00", end = "18:00" }

[[reps]]
owner_id = "104"
name = "Kim"
team = "emea"
role = "ae"
countries = ["DE", "GB", "FR"]
weight = 2.0
pto = ["2026-12-24..2026-12-31"]

[[reps]]
owner_id = "201"
name = "Ana"
team = "na"
role = "ae"
countries = ["US", "CA"]
segments = ["mid", "enterprise"]
timezone = "America/New_York"

[[reps]]
owner_id = "301"
name = "Sid"
team = "na"
role = "sdr"
countries = ["US", "CA"]
weekly_capacity = 3

[[reps]]
owner_id = "302"
name = "Old Rep"
team = "na"
role = "sdr"
active = false
"""

NOW = datetime(2026, 11, 23, 21, 10, tzinfo=UTC)  # 22:10 in Berlin, 16:10 in New York (a Monday)


def lead(
    record_id: str = "1", tier: Tier = Tier.L1, verdict: Verdict = Verdict.SALES_READY, **fields
) -> RoutingLead:
    base = {
        "country": "DE",
        "industry": "healthcare",
        "employees": 300,
        "email_domain": "acme.io",
        "company_name": "Acme",
    }
    return RoutingLead(record_id, tier, verdict, **(base | fields))
