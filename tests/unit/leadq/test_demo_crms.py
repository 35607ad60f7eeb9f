"""The demo's per-CRM pieces: every side the CLI offers exists, and the summary's words read well."""

from __future__ import annotations

import click
import pytest

from leadq.cli import main
from leadq.demo import DemoError, _listed, start
from leadq.demo_crms import CRMS


def test_the_cli_offers_exactly_the_demo_sides() -> None:
    option = next(p for p in main.commands["demo"].params if p.name == "crm")
    assert isinstance(option.type, click.Choice)
    assert sorted(option.type.choices) == sorted(CRMS)
    assert option.default == "hubspot"


def test_words_per_crm() -> None:
    assert CRMS["hubspot"].people_words() == "contacts"
    assert CRMS["salesforce"].people_words() == "leads and contacts"
    assert [CRMS[k].accounts for k in ("hubspot", "salesforce")] == ["companies", "accounts"]


def test_listed() -> None:
    assert _listed(["1 contact"]) == "1 contact"
    assert _listed(["2 contacts", "3 companies"]) == "2 contacts and 3 companies"
    assert _listed(["1 lead", "2 contacts", "3 accounts"]) == "1 lead, 2 contacts and 3 accounts"


def test_an_unknown_side_is_refused_before_anything_starts() -> None:
    with pytest.raises(DemoError, match="hubspot or salesforce"):
        start(10, 1, lambda _line: None, "pipedrive")
