"""The configuration page when the admin makes mistakes: each problem is shown next to the field it
concerns, or under the TOML text box naming and quoting the line; every problem is listed, not only
the first; and everything that was typed is still there to be fixed. Nothing is saved."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from storage.tables import Installation
from tests.support.admin import FakeCelery, csrf_of, sign_in

VOID = frozenset({"br", "input", "img", "meta", "link", "hr"})


class _ById(HTMLParser):
    """The text inside the element with a given id, and the order ids and names appear in."""

    def __init__(self, wanted: str) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted, self.depth, self.text, self.order = wanted, 0, [], []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.order += [found[k] for k in ("id", "name") if found.get(k)]
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
        elif found.get("id") == self.wanted:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def text_of(body: str, element_id: str) -> str:
    parser = _ById(element_id)
    parser.feed(body)
    return " ".join(" ".join(parser.text).split())


def order_of(body: str) -> list[str]:
    parser = _ById("")
    parser.feed(body)
    return parser.order


def _form(token: str, **typed: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "mode": "fields",
        "industries": "software, healthcare",
        "countries": "US, DE",
        "employees_min": "10",
        "ideal_from": "50",
        "ideal_to": "2000",
        "employees_max": "100000",
        "pool_L1": "ae",
        "pool_L2": "sdr",
        "pool_L3": "nurture",
        "pool_L4": "nurture",
        "step_tier_pool": "on",
        "step_round_robin": "on",
    }
    return form | typed


def _open(client, accounts) -> tuple[int, str]:
    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = FakeCelery()
    return mine, csrf_of(client.get(f"/installations/{mine}/config").get_data(as_text=True))


def _nothing_saved(sessions, installation_id: int) -> None:
    with sessions() as db:
        row = db.get(Installation, installation_id)
        assert row.pending_icp_toml is None and row.pending_routing_toml is None


def test_form_errors_sit_under_their_fields_and_what_was_typed_is_kept(client, accounts, sessions) -> None:
    mine, token = _open(client, accounts)
    typed = {"industries": "software, widgets", "countries": "us, Germany", "employees_min": "-5"}
    answer = client.post(f"/installations/{mine}/config", data=_form(token, **typed))
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400
    industries = text_of(body, "industries-error")
    assert "'widgets' is not an industry of this ICP; use one of software, it_services" in industries
    assert "industry_synonyms" in industries
    assert "'GERMANY' is not a two-letter ISO 3166 country code" in text_of(body, "countries-error")
    assert text_of(body, "employees_min-error") == "No points at: must be at least 0, got -5"
    # The fit band and the size disqualifier are different numbers, and the form says which is which.
    help_text = text_of(body, "employees-help")
    assert "shape the fit score only" in help_text
    assert "fewer than 3 employees is disqualified whatever its scores" in help_text, help_text
    order = order_of(body)
    for field, next_field in (
        ("industries", "countries"),
        ("countries", "employees_min"),
        ("employees_min", "pool_L1"),
    ):
        assert order.index(field) < order.index(f"{field}-error") < order.index(next_field), field
    # every value typed is still in the form, the valid ones too, and the ICP file is not emptied
    page = html.unescape(body)
    for name, value in (("industries", "software, widgets"), ("countries", "us, Germany")):
        assert f'name="{name}" value="{value}"' in page, name
    assert 'name="employees_min" value="-5"' in page and 'name="ideal_to" value="2000"' in page
    assert "<option selected>sdr</option>" in page and 'name="step_round_robin" checked' in page
    assert "target_industries" in text_of(body, "icp"), "the ICP file is shown, not emptied"
    assert "3 problems to fix" in text_of(body, "config-problems")
    assert "None" not in text_of(body, "common")
    _nothing_saved(sessions, mine)


def test_a_known_industry_list_is_on_the_page(client, accounts) -> None:
    mine, _ = _open(client, accounts)
    page = client.get(f"/installations/{mine}/config").get_data(as_text=True)
    assert "Industries this ICP knows: software, it_services, internet" in text_of(page, "industries-help")


def test_a_toml_error_names_and_quotes_its_line_under_the_text_box(client, accounts, sessions) -> None:
    mine, token = _open(client, accounts)
    icp = '[firmographics]\ncountries = ["US"]\n\n[firmographics.employees]\nmin = -5\nmax = 500\n'
    answer = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": icp, "routing": ""}
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400
    shown = text_of(body, "icp-error")
    assert shown == (
        "1 problem in the ICP file: Line 5: min = -5 firmographics.employees.min: must be at least 0, got -5"
    ), shown
    order = order_of(body)
    assert order.index("icp") < order.index("icp-error") < order.index("routing"), "under the ICP box"
    assert html.unescape(body).count(icp) == 1, "the text typed is kept, exactly"
    _nothing_saved(sessions, mine)


def test_a_toml_syntax_error_names_the_file_line_and_column(client, accounts) -> None:
    mine, token = _open(client, accounts)
    routing = '[steps]\ntier_pool = false\n\n[[reps]\nowner_id = "1"\n'
    answer = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": "", "routing": routing}
    )
    body = answer.get_data(as_text=True)
    shown = text_of(body, "routing-error")
    assert answer.status_code == 400 and "Line 4: [[reps]" in shown, shown
    assert "routing file, line 4: not valid TOML at column" in shown and "(file)" not in shown
    assert html.unescape(body).count(routing) == 1


def test_several_problems_are_all_listed_each_with_its_line(client, accounts, sessions) -> None:
    mine, token = _open(client, accounts)
    icp = (
        "[firmographics]\n"
        'countries = ["US", "XYZ", "Germany"]\n'
        'target_industries = ["widgets"]\n'
        "[tiers]\n"
        "L1 = 150\n"
    )
    routing = (
        '[pools]\nL3 = "everyone"\n'
        '[[reps]]\nowner_id = "1"\ntimezone = "Mars/Olympus"\n'
        '[[reps]]\nowner_id = "2"\nrole = "ceo"\n'
    )
    answer = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": icp, "routing": routing}
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400
    icp_shown, routing_shown = text_of(body, "icp-error"), text_of(body, "routing-error")
    assert icp_shown.startswith("4 problems in the ICP file:"), icp_shown
    for line, problem in (
        ('Line 3: target_industries = ["widgets"]', "'widgets' is not an industry of this ICP"),
        ("Line 5: L1 = 150", "tiers.L1: must be between 0 and 100, got 150"),
        ('Line 2: countries = ["US", "XYZ", "Germany"]', "'XYZ' is not a two-letter ISO 3166"),
        ('Line 2: countries = ["US", "XYZ", "Germany"]', "'Germany' is not a two-letter ISO 3166"),
    ):
        assert f"{line} firmographics." in icp_shown or f"{line} tiers." in icp_shown, line
        assert problem in icp_shown, problem
    assert routing_shown.startswith("3 problems in the routing file:"), routing_shown
    for expected in (
        'Line 2: L3 = "everyone" pools.L3: must be one of ae, sdr, all, nurture',
        "Line 5: timezone = \"Mars/Olympus\" reps[0].timezone: unknown time zone 'Mars/Olympus'",
        "Line 8: role = \"ceo\" reps[1].role: must be 'ae' or 'sdr', got 'ceo'",
    ):
        assert expected in routing_shown, expected
    page = html.unescape(body)
    assert page.count(icp) == 1 and page.count(routing) == 1
    assert "7 problems to fix" in text_of(body, "config-problems")
    _nothing_saved(sessions, mine)


def test_a_count_typed_wrong_does_not_hide_the_other_fields_problems(client, accounts, sessions) -> None:
    mine, token = _open(client, accounts)
    typed = {"industries": "widgets", "employees_max": "lots"}
    answer = client.post(f"/installations/{mine}/config", data=_form(token, **typed))
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert (
        text_of(body, "employees_min-error")
        == "None at: must be a whole number of employees, you typed 'lots'"
    )
    assert "'widgets' is not an industry of this ICP" in text_of(body, "industries-error")
    assert 'name="employees_max" value="lots"' in html.unescape(body)
    _nothing_saved(sessions, mine)


def test_a_bad_lead_label_or_requalify_value_is_shown_under_its_line(client, accounts, sessions) -> None:
    mine, token = _open(client, accounts)
    routing = '[pipeline_leads]\ncreate = "yes"\n\n[pipeline_leads.labels]\nL1 = "HOT"\nL2 = ""\n'
    icp = "[requalify]\ndormant_days = 0\n"
    answer = client.post(
        f"/installations/{mine}/config", data={"csrf_token": token, "icp": icp, "routing": routing}
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400
    routing_shown = text_of(body, "routing-error")
    assert routing_shown.startswith("2 problems in the routing file:"), routing_shown
    assert 'Line 2: create = "yes" pipeline_leads.create: must be true or false' in routing_shown
    label = 'Line 6: L2 = "" pipeline_leads.labels.L2: must be the lead label\'s internal value'
    assert label in routing_shown, routing_shown
    icp_shown = text_of(body, "icp-error")
    assert "Line 2: dormant_days = 0 requalify.dormant_days: must be a whole number from 1" in icp_shown
    assert html.unescape(body).count(routing) == 1, "the text typed is kept"
    _nothing_saved(sessions, mine)
