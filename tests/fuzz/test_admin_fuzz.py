"""Property-based fuzzing of the admin editor and forms through the signed-in admin app: hostile and
random ICP/routing TOML, the common-fields form over hostile-but-valid files, odd ids and query
values. Never a 500: a save is a 302, a refusal a 400 naming the problem, and the pages still render.
Uses the database fixtures, so ``LEADQ_TEST_DB=postgres`` runs it on PostgreSQL too."""

from __future__ import annotations

import html
import math
from collections import Counter
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.tables import Installation
from tests.support import admin as admin_support
from tests.support import sync as sync_support
from tests.support.admin import FakeCelery, csrf_of, sign_in

# Fixtures shared with other test directories (tests/support).
accounts = admin_support.accounts
other_installation = admin_support.other_installation
crm = sync_support.crm
ctx = sync_support.ctx
installed = sync_support.installed
runtime = sync_support.runtime

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
GENERATED: Counter[str] = Counter()  # inputs actually sent, per target (printed with -s)

ICP_KEYS = (
    "firmographics", "employees", "min", "max", "ideal", "revenue", "target_industries", "countries",
    "industry_synonyms", "software", "blend", "fit", "engagement", "tiers", "L1", "L2", "L3", "persona",
    "seniority", "function", "vp", "c_level", "sales", "disqualifiers", "free_email", "min_employees",
    "verdicts", "sales_ready_min_engagement", "model", "min_outcomes", "weights", "meeting",
    "half_life_days", "saturation",
)  # fmt: skip
ROUTING_KEYS = (
    "steps", "tier_pool", "round_robin", "pools", "segments", "smb", "sla", "queues", "nurture",
    "unassigned", "teams", "emea", "queue", "routing", "fallback_queue", "nurture_queue",
    "disqualified_queue", "performance", "floor", "cap", "prior", "reps", "owner_id", "name", "team",
    "role", "timezone", "working_hours", "start", "end", "days", "pto", "weight", "active",
    "open_capacity", "weekly_capacity",
)  # fmt: skip
SPECIAL = (
    "x = " + "[" * 20_000 + "]" * 20_000,
    "x = " + "{a = " * 2_000 + "1" + "}" * 2_000,
    "[firmographics.employees]\nmin = " + "9" * 5_000,
    "[sla]\nL1 = " + "9" * 4_000,
    "firmographics = 1",
    "[[firmographics]]",
    "[[steps]]",
    "reps = 1",
    "reps = [1, 2]",
    "[teams]\nemea = []",
    '[[reps]]\nowner_id = "1"\ntimezone = "' + "A/" * 400 + '"',
    "\x00",
    "\ufeff[tiers]\nL1 = 90",
    '"\\ud800" = 1',
    "[blend]\nfit = nan\nengagement = nan",
    "[performance]\ncap = inf",
)


def _string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


scalars = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.integers().map(str),
    st.sampled_from(["9" * 20, "-" + "9" * 30, "0x7fffffff", "0o777", "1_000"]),
    st.floats(allow_nan=True, allow_infinity=True).map(_float),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(max_size=30).map(_string),
    st.sampled_from(
        ["ae", "sdr", "all", "nurture", "L1", "09:00", "25:99", "mon", "Europe/Berlin", "US"]
    ).map(_string),
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
    st.times().map(time.isoformat),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(st.sampled_from(ICP_KEYS + ROUTING_KEYS), inner), max_size=3).map(
            lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in dict(kv).items()) + "}"
        ),
    ),
    max_leaves=8,
)


@st.composite
def documents(draw, keys: tuple[str, ...]) -> str:
    """A TOML-shaped document over leadq's own key names: tables, arrays of tables, any values."""
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        path = ".".join(draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3)))
        lines.append(f"[[{path}]]" if draw(st.booleans()) and draw(st.booleans()) else f"[{path}]")
        for key in draw(
            st.lists(st.sampled_from(keys) | st.text(min_size=1, max_size=8), max_size=4, unique=True)
        ):
            lines.append(f"{key if key.isidentifier() else _string(key)} = {draw(values)}")
    return "\n".join(lines) + "\n"


ICP_PATHS = (
    ("firmographics.employees", "min"), ("firmographics.employees", "ideal"), ("blend", "fit"),
    ("tiers", "L1"), ("persona.seniority", "vp"), ("persona.function", "sales"),
    ("firmographics", "target_industries"), ("firmographics.industry_synonyms", "software"),
    ("firmographics", "countries"), ("firmographics.revenue", "ideal"), ("disqualifiers", "free_email"),
    ("disqualifiers", "min_employees"), ("engagement.weights", "meeting"), ("engagement", "half_life_days"),
    ("verdicts", "l2_sales_ready_fit"), ("model", "min_wins"),
)  # fmt: skip
ROUTING_PATHS = (
    ("steps", "tier_pool"), ("pools", "L1"), ("segments", "smb"), ("sla", "L1"), ("sla", "L9"),
    ("queues.nurture", "owner_id"), ("queues.extra", "name"), ("teams.emea", "queue"),
    ("routing", "fallback_queue"), ("routing", "nurture_queue"), ("performance", "floor"),
    ("performance", "prior"), ("[reps]", "owner_id"), ("[reps]", "working_hours"), ("[reps]", "weight"),
    ("[reps]", "pto"), ("[reps]", "timezone"), ("[reps]", "open_capacity"), ("[reps]", "segments"),
)  # fmt: skip


@st.composite
def targeted(draw, paths: tuple[tuple[str, str], ...]) -> str:
    """leadq's own keys, each given any value: the type and range checks behind every key."""
    lines = []
    for table, key in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True)):
        lines.append(f"[{table}]" if not table.startswith("[") else f'[{table}]\nowner_id = "1"')
        if key != "owner_id" or not table.startswith("["):
            lines.append(f"{key} = {draw(values)}")
    return "\n".join(lines) + "\n"


def toml_texts(keys: tuple[str, ...]):
    return st.one_of(
        targeted(ICP_PATHS if keys is ICP_KEYS else ROUTING_PATHS),
        targeted(ICP_PATHS if keys is ICP_KEYS else ROUTING_PATHS),
        documents(keys),
        st.text(max_size=200),
        st.sampled_from(SPECIAL),
        st.just(""),
    )


def _signed_in(client, accounts) -> tuple[int, str]:
    mine = accounts["alice"]
    sign_in(client, "alice")
    client.application.extensions["leadq"].__dict__["celery"] = FakeCelery()
    return mine, csrf_of(client.get(f"/installations/{mine}/config").get_data(as_text=True))


def _pages_render(client, mine: int) -> None:
    for path in (f"/installations/{mine}", f"/installations/{mine}/config", "/"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)


def test_f11_fuzz_admin_editor_never_500s(client, accounts, sessions) -> None:
    mine, token = _signed_in(client, accounts)

    @FUZZ
    @given(
        icp=st.just("") | toml_texts(ICP_KEYS) | toml_texts(ICP_KEYS),
        routing=st.just("") | toml_texts(ROUTING_KEYS) | toml_texts(ROUTING_KEYS),
    )
    def editor(icp: str, routing: str) -> None:
        GENERATED["editor"] += 1
        answer = client.post(
            f"/installations/{mine}/config", data={"csrf_token": token, "icp": icp, "routing": routing}
        )
        assert answer.status_code in (302, 400), (answer.status_code, icp[:200], routing[:200])
        GENERATED[f"editor {answer.status_code}"] += 1
        if answer.status_code == 400:
            body = answer.get_data(as_text=True)
            assert 'role="alert"' in body, "a refusal says why"
        _pages_render(client, mine)

    editor()
    print(
        f"admin editor: {GENERATED['editor']} generated inputs, {GENERATED['editor 302']} saved, "
        f"{GENERATED['editor 400']} refused"
    )


VALID_ROUTING = (
    "",
    '[[reps]]\nowner_id = "{owner}"\nworking_hours = {{ start = "09:00", end = "18:00", days = ["mon"] }}\n'
    'pto = ["2026-12-24..2026-12-31"]\nweight = 1.5\n',
    '[teams.emea]\nqueue = "emea"\n[queues.emea]\nowner_id = "123456"\nname = "EMEA \\"queue\\" \\u007f"\n',
    '[queues."odd key \\u0001"]\nowner_id = ""\nname = "x"\n[sla]\nL1 = 5\n',
)
VALID_ICP = (
    "",
    '[firmographics.industry_synonyms]\n"dotted.name" = ["a\\u0000b"]\n',
    "[tiers]\nL1 = 90\nL2 = 75\nL3 = 50\n[blend]\nfit = 0.25\nengagement = 0.75\n",
)
field_text = st.one_of(
    st.integers(0, 10**6).map(str),
    st.integers(0, 10**6).map(str),
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "9" * 5_000, "9" * 19, "1e5", "١٢", " 12 ", "nan", "inf", "12.5"]),
)


@st.composite
def form_values(draw) -> dict[str, str]:
    """The form's fields: mostly what an admin would type (so saves happen), often anything at all."""
    numbers = [str(n) for n in sorted(draw(st.lists(st.integers(0, 10**7), min_size=4, max_size=4)))]

    def usual(choices: list[str], hostile) -> str:
        return draw(st.sampled_from(choices)) if draw(st.integers(0, 7)) else draw(hostile)

    form = {
        "industries": usual(["software", "software, healthcare", ""], field_text),
        "countries": usual(["us", "de, gb", ""], field_text),
    }
    for name, number in zip(
        ("employees_min", "ideal_from", "ideal_to", "employees_max"), numbers, strict=True
    ):
        form[name] = usual([number], field_text)
    for tier in ("L1", "L2", "L3", "L4"):
        form[f"pool_{tier}"] = usual(
            ["ae", "sdr", "all", "nurture"], st.sampled_from(["", "everyone"]) | field_text
        )
    for step in ("tier_pool", "round_robin", "territory", "performance"):
        form[f"step_{step}"] = usual(["on", ""], field_text)
    return form


def test_f11_fuzz_admin_common_fields_form_never_500s(client, accounts, sessions, ctx) -> None:
    mine, token = _signed_in(client, accounts)
    owner = next(o.owner_id for o in ctx.adapter.owners() if o.active and not o.is_queue)

    @FUZZ
    @given(
        icp=st.sampled_from(VALID_ICP),
        routing=st.sampled_from(VALID_ROUTING),
        form=form_values(),
    )
    def fields(icp: str, routing: str, form: dict[str, str]) -> None:
        GENERATED["fields"] += 1
        with sessions.begin() as db:  # the files the form is merged into (hostile but valid)
            row = db.get(Installation, mine)
            row.pending_icp_toml, row.pending_routing_toml = icp or None, routing.format(owner=owner) or None
        answer = client.post(
            f"/installations/{mine}/config", data={"csrf_token": token, "mode": "fields"} | form
        )
        assert answer.status_code in (302, 400), (
            answer.status_code,
            form,
            html.unescape(answer.get_data(as_text=True))[:300],
        )
        GENERATED[f"fields {answer.status_code}"] += 1
        _pages_render(client, mine)

    fields()
    print(
        f"common fields form: {GENERATED['fields']} generated inputs, {GENERATED['fields 302']} saved, "
        f"{GENERATED['fields 400']} refused"
    )


@pytest.mark.parametrize("kind", ["ids"])
def test_f11_fuzz_admin_ids_and_queries_never_500(client, accounts, kind: str) -> None:
    mine, token = _signed_in(client, accounts)

    @FUZZ
    @given(
        number=st.one_of(st.integers(min_value=0), st.integers(min_value=2**31 - 2, max_value=2**64)),
        record=st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t and t not in (".", "..")),
        q=st.text(max_size=80),
        tier=st.text(max_size=5),
    )
    def ids(number: int, record: str, q: str, tier: str) -> None:
        GENERATED[kind] += 1
        for path in (
            f"/installations/{number}",
            f"/installations/{number}/sync.json",
            f"/installations/{number}/errors",
        ):
            assert client.get(path).status_code in (200, 404), path
        assert client.post(
            f"/installations/{number}/backfill/cancel", data={"csrf_token": token}
        ).status_code in (302, 404)
        from urllib.parse import quote

        lead = client.get(f"/installations/{mine}/leads/contact/{quote(record, safe='')}")
        assert lead.status_code in (200, 404), record
        listing = client.get(f"/installations/{mine}/leads", query_string={"q": q, "tier": tier})
        assert listing.status_code == 200, (q, tier)
        failing = client.get(f"/installations/{mine}/errors", query_string={"page": number, "cause": number})
        assert failing.status_code in (200, 404), number

    ids()
    print(f"ids and queries: {GENERATED[kind]} generated inputs")
