"""A rep's view of a record: a read-only stand-in for HubSpot's record page and its object index.

Not an API: HubSpot's UI, at its real paths (``/contacts/<portal>/record/0-1/<id>`` for a contact,
``0-2`` for a company; ``/contacts/<portal>/objects/0-1/views/all/list`` for the index). Like the
other sandbox-only pages it needs no sign-in (a local test CRM). The page shows what the portal holds,
as the record sidebar would once an admin has added leadq's card to it: the record's identity first,
then a card per property group the record has values in (leadq's with the tier, the verdict, the
probability, the scores, the reasons as lines and when it was scored, in that order), then every
other property. Values are shown with their property's labels: option labels, a percentage hint as
``%``, dates in UTC, an owner by name. Every value is escaped: it is CRM data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, abort, g, request
from jinja2 import DictLoader, Environment

from sandbox.hubspot.schema import OBJECT_TYPE_IDS
from sandbox.hubspot.store import Portal, Record, parse_datetime_ms

PAGE_SIZE = 50
UI_TYPES = {"0-1": "contacts", "0-2": "companies"}
IDENTITY = {
    "contacts": (
        "firstname",
        "lastname",
        "email",
        "jobtitle",
        "company",
        "phone",
        "hubspot_owner_id",
        "lifecyclestage",
    ),
    "companies": ("name", "domain", "industry", "numberofemployees", "country", "city", "hubspot_owner_id"),
}
# The order an admin gives leadq's card: what a rep reads first, first.
LEADQ_FIRST = (
    "leadq_tier",
    "leadq_verdict",
    "leadq_probability",
    "leadq_fit_score",
    "leadq_engagement_score",
    "leadq_confidence",
    "leadq_reasons",
    "leadq_scored_at",
)
HIDDEN = ("hs_object_id",)
INDEX_COLUMNS = {"contacts": ("email", "company"), "companies": ("domain", "industry")}

_LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }} - sandbox CRM</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f5f8fa;color:#33475b}
header{background:#2d3e50;color:#fff;padding:.6rem 1.2rem;font-size:.9rem}
header a{color:#cfe3f5}
main{max-width:1100px;margin:1rem auto;padding:0 1rem}
.record{display:grid;grid-template-columns:minmax(260px,360px) 1fr;gap:1rem}
.card{background:#fff;border:1px solid #cbd6e2;border-radius:4px;padding:.8rem 1rem;margin-bottom:1rem}
.card h2{font-size:1rem;margin:0 0 .6rem}
.leadq{border-left:4px solid #ff7a59}
dl{margin:0}dt{font-size:.75rem;color:#516f90;margin-top:.5rem}dd{margin:0;overflow-wrap:anywhere}
dd.empty{color:#99acc2}
ul.lines{margin:0;padding:0;list-style:none}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eaf0f6;font-size:.9rem}
h1{font-size:1.4rem;margin:.2rem 0}.sub{color:#516f90;margin:0 0 1rem}
@media (max-width:700px){.record{grid-template-columns:1fr}}
</style></head><body><header>Sandbox CRM (HubSpot) - portal {{ portal_id }} - read-only rep's view
- <a href="{{ contacts_list }}">Contacts</a> - <a href="{{ companies_list }}">Companies</a></header>
<main>{% block body %}{% endblock %}</main></body></html>"""
_RECORD = """{% extends "layout" %}{% macro card(c) %}
<section class="card{{ ' leadq' if c.leadq else '' }}" aria-label="{{ c.title }}"><h2>{{ c.title }}</h2><dl>
{% for label, value in c.rows %}<dt>{{ label }}</dt>{% if value is none %}<dd class="empty">--</dd>
{% elif value is string %}<dd>{{ value }}</dd>{% else %}<dd><ul class="lines">{% for line in value %}
<li>{{ line }}</li>{% endfor %}</ul></dd>{% endif %}{% endfor %}
{% for label, href, text in c.links %}<dt>{{ label }}</dt><dd><a href="{{ href }}">{{ text }}</a></dd>
{% endfor %}</dl></section>{% endmacro %}
{% block body %}<h1>{{ name }}</h1><p class="sub">{{ subtitle }}</p>
<div class="record"><div>{% for c in left %}{{ card(c) }}{% endfor %}</div>
<div>{% for c in right %}{{ card(c) }}{% endfor %}</div></div>{% endblock %}"""
_INDEX = """{% extends "layout" %}{% block body %}<h1>{{ title }}</h1>
<p class="sub">{{ total }} records{{ note }}</p>
<table><thead><tr>{% for h in heads %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for href, cells in rows %}<tr><td><a href="{{ href }}">{{ cells[0] }}</a></td>
{% for c in cells[1:] %}<td>{{ c if c is not none else '' }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
<p>{% if prev %}<a href="{{ prev }}">previous</a> {% endif %}
{% if next %}<a href="{{ next }}">next</a>{% endif %}
</p>{% endblock %}"""
# Every value on these pages is escaped (autoescape): they show CRM data.
_ENV = Environment(
    loader=DictLoader({"layout": _LAYOUT, "record": _RECORD, "index": _INDEX}), autoescape=True
)


def record_path(portal_id: int, object_type: str, record_id: str) -> str:
    type_id = next(t for t, name in UI_TYPES.items() if name == object_type)
    return f"/contacts/{portal_id}/record/{type_id}/{record_id}"


def index_path(portal_id: int, object_type: str) -> str:
    type_id = next(t for t, name in UI_TYPES.items() if name == object_type)
    return f"/contacts/{portal_id}/objects/{type_id}/views/all/list"


def _when(value: str) -> str:
    ms = parse_datetime_ms(value)
    if ms is None:
        return value
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%-d %b %Y %H:%M UTC")


def shown_value(portal: Portal, object_type: str, name: str, value: str | None) -> str | list[str] | None:
    """A value as the record page shows it: an option's label, a percentage with ``%``, a date in
    UTC, an owner by name, a multi-line text as its lines; ``None`` when empty."""
    if value is None or value == "":
        return None
    prop = portal.properties[object_type].get(name) or {}
    if name == "hubspot_owner_id":
        owner = next((o for o in portal.owners if str(o["id"]) == value), None)
        return f"{owner['firstName']} {owner['lastName']}" if owner else value
    if prop.get("type") == "enumeration":
        labels = {o["value"]: o["label"] for o in prop.get("options") or []}
        return ", ".join(labels.get(part, part) for part in value.split(";"))
    if prop.get("type") in ("datetime", "date"):
        return _when(value)
    if prop.get("type") == "number" and prop.get("numberDisplayHint") == "percentage":
        return f"{value}%"
    if prop.get("fieldType") == "textarea" or "\n" in value:
        return [line for line in value.splitlines() if line.strip()]
    return value


def _rows(portal: Portal, object_type: str, record: Record, names: Iterable[str]) -> list[tuple[str, Any]]:
    props = portal.properties[object_type]
    return [
        (props.get(n, {}).get("label", n), shown_value(portal, object_type, n, record.props.get(n)))
        for n in names
    ]


def _group_cards(portal: Portal, object_type: str, record: Record) -> list[tuple[str, str, list[str]]]:
    """(group name, label, property names) per group besides the default one, holding a value."""
    seen = set(IDENTITY[object_type])
    cards = []
    for group, meta in portal.groups[object_type].items():
        names = [
            n
            for n, p in portal.properties[object_type].items()
            if p.get("groupName") == group and not p.get("archived") and n not in seen
        ]
        if group == "leadq":
            names.sort(key=lambda n: LEADQ_FIRST.index(n) if n in LEADQ_FIRST else len(LEADQ_FIRST))
        if (
            names
            and any(record.props.get(n) for n in names)
            and group not in ("contactinformation", "companyinformation")
        ):
            cards.append((group, str(meta.get("label") or group), names))
            seen.update(names)
    return cards


def _card(
    title: str, rows: list[tuple[str, Any]], *, leadq: bool = False, links: list[tuple[str, str, str]] = ()
) -> dict[str, Any]:
    return {"title": title, "rows": rows, "leadq": leadq, "links": list(links)}


def _title(object_type: str, record: Record) -> tuple[str, str]:
    p = record.props
    if object_type == "companies":
        return p.get("name") or p.get("domain") or f"Company {record.id}", p.get("domain") or ""
    name = " ".join(x for x in (p.get("firstname"), p.get("lastname")) if x) or p.get("email") or record.id
    role = " at ".join(x for x in (p.get("jobtitle"), p.get("company")) if x)
    return name, " - ".join(x for x in (role, p.get("email")) if x)


def _associated_links(portal: Portal, object_type: str, record: Record) -> list[tuple[str, str, str]]:
    other = "companies" if object_type == "contacts" else "contacts"
    found = sorted(portal.associated(object_type, record.id, other), key=int)[:20]
    links = []
    for rid in found:
        target = portal.get(other, rid)
        if target is not None:
            links.append(
                (other.capitalize(), record_path(portal.portal_id, other, rid), _title(other, target)[0])
            )
    return links


def _leads_card(portal: Portal, contact: Record) -> dict[str, Any]:
    """The contact's Leads records: name, then stage, label and owner (as the UI's leads card)."""
    rows: list[tuple[str, Any]] = []
    for lead_id in sorted(portal.associated("contacts", contact.id, "leads"), key=int):
        lead = portal.get("leads", lead_id)
        if lead is None:
            continue
        parts = (("Stage", "hs_pipeline_stage"), ("Label", "hs_lead_label"), ("Owner", "hubspot_owner_id"))
        lines = [f"{what}: {shown_value(portal, 'leads', n, lead.props.get(n)) or '--'}" for what, n in parts]
        rows.append((lead.props.get("hs_lead_name") or f"Lead {lead.id}", lines))
    return _card("Leads", rows or [("Leads", None)])


def _render(portal: Portal, template: str, **values: Any) -> Response:
    html = _ENV.get_template(template).render(
        portal_id=portal.portal_id,
        contacts_list=index_path(portal.portal_id, "contacts"),
        companies_list=index_path(portal.portal_id, "companies"),
        **values,
    )
    return Response(html, mimetype="text/html")


def record_page(portal: Portal, object_type: str, record: Record) -> Response:
    name, subtitle = _title(object_type, record)
    about = "About this contact" if object_type == "contacts" else "About this company"
    identity = _rows(portal, object_type, record, IDENTITY[object_type])
    left = [_card(about, identity, links=_associated_links(portal, object_type, record))]
    groups = _group_cards(portal, object_type, record)
    for group, label, names in groups:
        left.append(_card(label, _rows(portal, object_type, record, names), leadq=group == "leadq"))
    if object_type == "contacts":  # after leadq's card, as the UI's sidebar lists a contact's leads
        left.append(_leads_card(portal, record))
    shown = set(IDENTITY[object_type]).union(*(set(names) for _g, _l, names in groups), HIDDEN)
    rest = sorted(n for n in record.props if n not in shown and record.props.get(n))
    right = [_card("All other properties", _rows(portal, object_type, record, rest))]
    return _render(portal, "record", title=name, name=name, subtitle=subtitle, left=left, right=right)


def index_page(portal: Portal, object_type: str, page: int) -> Response:
    records = sorted(portal.live(object_type), key=lambda r: int(r.id) if r.id.isdigit() else 0)
    start = (page - 1) * PAGE_SIZE
    shown = records[start : start + PAGE_SIZE]
    columns = (*INDEX_COLUMNS[object_type], "leadq_tier", "leadq_verdict", "leadq_probability")
    props = portal.properties[object_type]
    rows = [
        (
            record_path(portal.portal_id, object_type, r.id),
            [
                _title(object_type, r)[0],
                *(shown_value(portal, object_type, n, r.props.get(n)) for n in columns),
            ],
        )
        for r in shown
    ]
    base = index_path(portal.portal_id, object_type)
    return _render(
        portal,
        "index",
        title=object_type.capitalize(),
        total=f"{len(records):,}",
        heads=["Name", *(props.get(n, {}).get("label", n) for n in columns)],
        rows=rows,
        note=f", {start + 1:,}-{start + len(shown):,} shown" if shown else "",
        prev=f"{base}?page={page - 1}" if page > 1 else None,
        next=f"{base}?page={page + 1}" if start + PAGE_SIZE < len(records) else None,
    )


def register(app: Flask, sandbox: Any) -> None:
    def portal_and_type(portal_id: int, type_id: str) -> tuple[Portal, str]:
        g.area = "ui"  # the request log files these apart from the API
        portal = sandbox.portals.get(portal_id)
        object_type = UI_TYPES.get(type_id)
        if portal is None or object_type is None or OBJECT_TYPE_IDS.get(type_id) != object_type:
            abort(404)
        return portal, object_type

    @app.get("/contacts/<int:portal_id>/record/<type_id>/<record_id>")
    def record_ui(portal_id: int, type_id: str, record_id: str) -> Response:
        portal, object_type = portal_and_type(portal_id, type_id)
        record = portal.get(object_type, record_id)
        if record is None:
            abort(404)
        return record_page(portal, object_type, record)

    @app.get("/contacts/<int:portal_id>/objects/<type_id>/views/all/list")
    def index_ui(portal_id: int, type_id: str) -> Response:
        portal, object_type = portal_and_type(portal_id, type_id)
        page = request.args.get("page", "1")
        return index_page(portal, object_type, int(page) if page.isdigit() and int(page) > 0 else 1)
