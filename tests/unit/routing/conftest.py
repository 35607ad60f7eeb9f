"""A realistic team: EMEA and NA, AEs and SDRs, hours, PTO, capacities, weights
(``tests.support.routing_team``)."""

from __future__ import annotations

import pytest

from routing.config import load_routing
from tests.support.routing_team import TEAM


@pytest.fixture
def config():
    return load_routing(TEAM)
