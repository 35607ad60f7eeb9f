"""An installation's leads: the list (each record's newest score with who the record is; paged,
searchable by name, e-mail, company or domain, filtered by tier, verdict and owner, sortable) and one
lead's full story (scores, routing decisions, what leadq wrote and what people changed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import render_template, request, url_for

from connector.registry import provider
from core.records import VERDICT_LABELS, ObjectType, Verdict, version_time
from leadq.web import object_names
from leadq.web.admin_blueprint import bp
from leadq.web.auth import installation_or_404, login_required, services
from leadq.web.crm_tier import FIELDS as CRM_FIELDS
from leadq.web.crm_tier import in_the_crm
from leadq.web.decision_words import decision_words
from leadq.web.factor_names import factor_name
from leadq.web.field_words import field_label, value_words
from routing.config import RoutingConfigError, load_routing
from routing.types import RoutingConfig
from scoring.score import REQUALIFIED, WHAT_IF
from storage import lead_directory, lead_pages
from storage.lead_pages import NO_OWNER, SORTS, TIERS, LeadQuery
from storage.stamps import aware

QUERY_LIMIT = 64  # characters of a search
COLUMNS = (  # (sort key, heading, first click sorts descending)
    ("name", "Name", False),
    ("company", "Company", False),
    ("owner", "Owner", False),
    ("tier", "Tier", False),
    ("verdict", "Verdict", False),
    ("score", "Score", True),
    ("scored", "Scored", True),
)


def object_word(crm_kind: str, object_type: str) -> str:
    """What the CRM calls one such record: HubSpot's "company", Salesforce's "account"."""
    return object_names.singular(crm_kind, object_type)


def routing_of(inst: Any) -> RoutingConfig | None:
    """The installation's routing configuration (None where it does not parse)."""
    try:
        return load_routing(inst.routing_toml)
    except RoutingConfigError:
        return None


def owner_names(stored: dict[str, str], config: RoutingConfig | None) -> dict[str, str]:
    """Owner id -> name: the names leadq stored when it scored (the CRM's owners, the reps), then the
    reps and queues named in the installation's routing configuration."""
    names = {k: v for k, v in stored.items() if v}
    if config is None:
        return names
    configured: dict[str, str] = {q.owner_id: q.name for q in config.queues.values() if q.owner_id}
    configured |= {r.owner_id: r.name for r in config.reps if r.name and r.name != r.owner_id}
    return configured | names


def queue_names(config: RoutingConfig | None) -> dict[str, str]:
    """Queue key -> its name in the routing configuration ("nurture" -> "Nurture (no rep)")."""
    return {key: q.name for key, q in config.queues.items() if q.name} if config is not None else {}


@dataclass
class ListRequest:
    """The list's query string, read and checked: what is wrong is said, never silently ignored."""

    query: LeadQuery
    errors: list[str] = field(default_factory=list)
    refused: bool = False  # a filter named something that does not exist: no row is shown
    state: dict[str, str] = field(default_factory=dict)  # the arguments to keep across links


EVERYTHING = "all"


def record_kinds(crm_kind: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The "Show" filter's choices: key -> (what the CRM calls them, object types). The default ("")
    is the people (HubSpot contacts; Salesforce leads and contacts); HubSpot's Leads records and the
    companies or accounts apart (a Leads record is scored from its contact: not a person twice)."""
    people = tuple(str(t) for t in provider(crm_kind).people_objects)
    names = object_names.object_names(crm_kind)
    kinds = {"": (" and ".join(names.get(t, t) for t in people), people)}
    if len(people) > 1:
        kinds |= {t: (names.get(t, t), (t,)) for t in people}
    kinds |= {t: (object_names.explained(crm_kind, t), (t,)) for t in names if t not in people}
    return kinds | {EVERYTHING: ("everything scored", ())}


def read_args(
    args: Any, owners: dict[str, str], kinds: dict[str, tuple[str, tuple[str, ...]]]
) -> ListRequest:
    """``kinds``: the record kinds (``record_kinds``)."""
    errors: list[str] = []  # filters first: any of them refuses the list
    q = args.get("q", "").replace("\x00", "").strip()[:QUERY_LIMIT]  # PostgreSQL refuses NUL in text
    kind = args.get("kind", "").strip()
    if kind and kind not in kinds:
        errors.append(f"Unknown kind of record {kind[:20]!r}: {', '.join(k[0] for k in kinds.values())}.")
        kind = ""
    tier = args.get("tier", "").strip()
    if tier and tier not in TIERS:
        errors.append(f"Unknown tier {tier[:20]!r}: the tiers are {', '.join(TIERS)}.")
    verdict = args.get("verdict", "").strip()
    if verdict and verdict not in {v.value for v in Verdict}:
        errors.append(
            f"Unknown verdict {verdict[:30]!r}: the verdicts are {', '.join(VERDICT_LABELS.values())}."
        )
    owner = args.get("owner", "").strip()
    if owner and owner != NO_OWNER and owner not in owners:
        errors.append(f"No scored record has the owner {owner[:64]!r}.")
    refused = bool(errors)
    sort = args.get("sort", "")
    if sort and sort not in SORTS:
        errors.append(f"Cannot sort by {sort[:20]!r}: sort by {', '.join(SORTS)}.")
        sort = ""
    order = args.get("order", "")
    if order not in ("", "asc", "desc"):
        errors.append(f"Unknown order {order[:10]!r}: asc or desc.")
        order = ""
    descending = order == "desc" if order else next(d for k, _h, d in COLUMNS if k == (sort or "score"))
    page_text = args.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < len(page_text) < 7 else 0
    if page < 1:
        errors.append(f"No page {page_text[:10]!r}: pages are numbered from 1.")
        page = 1
    state = {
        "q": q,
        "kind": kind,
        "tier": tier,
        "verdict": verdict,
        "owner": owner,
        "sort": sort,
        "order": order,
    }
    query = LeadQuery(q, kinds[kind][1], tier, verdict, owner, sort or "score", descending, page)
    return ListRequest(query, errors, refused, {k: v for k, v in state.items() if v})


def _pages(total: int, query: LeadQuery) -> dict[str, int]:
    last = max(1, -(-total // query.size))
    first = (query.page - 1) * query.size + 1 if total else 0
    return {"page": query.page, "last": last, "first": first, "end": min(total, query.page * query.size)}


@bp.get("/installations/<int:installation_id>/leads")
@login_required
def leads(installation_id: int):
    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        owners = lead_pages.owners(db, installation_id)
        names = owner_names(owners, routing_of(inst))
        kinds = record_kinds(inst.crm_kind)
        asked = read_args(request.args, owners, kinds)
        result = lead_pages.LeadsPage([], 0)
        if not asked.refused:
            result = lead_pages.leads_page(db, installation_id, asked.query)
            if result.total and not result.rows and asked.query.page > 1:  # past the end: the last page
                last = -(-result.total // asked.query.size)
                asked.errors.append(f"There is no page {asked.query.page}: the last is {last}.")
                asked.query = replace(asked.query, page=last)
                result = lead_pages.leads_page(db, installation_id, asked.query)
        keys = [(r.score.object_type, r.score.record_id) for r in result.rows]
        set_by_people = in_the_crm(lead_pages.written(db, installation_id, keys, CRM_FIELDS))
    state = asked.state

    def link(**changes: Any) -> str:
        merged = {**state, **{k: str(v) for k, v in changes.items() if v not in (None, "")}}
        for k, v in changes.items():
            if v in (None, ""):
                merged.pop(k, None)
        base = url_for("admin.leads", installation_id=installation_id)
        return f"{base}?{urlencode(merged)}" if merged else base

    owner_choices = sorted(owners, key=lambda o: ((names.get(o) or o).lower(), o))
    return render_template(
        "leads.html",
        inst=inst,
        rows=result.rows,
        total=result.total,
        pages=_pages(result.total, asked.query),
        query=asked.query,
        errors=asked.errors,
        state=state,
        link=link,
        columns=COLUMNS,
        names=names,
        owner_choices=owner_choices,
        kinds=kinds,
        no_owner=NO_OWNER,
        tiers=TIERS,
        verdicts=[(v.value, label) for v, label in VERDICT_LABELS.items()],
        refused=asked.refused,
        object_word=lambda t: object_word(inst.crm_kind, t),
        noun=_count_noun(inst.crm_kind, asked.query.object_types),
        lead_state=object_names.lead_state,
        set_by_people=set_by_people,
        crm_label=provider(inst.crm_kind).label,
    )


def _count_noun(crm_kind: str, object_types: tuple[str, ...]) -> tuple[str, str]:
    """How the list's count names its rows: "leads" (people), but "Leads records" when it shows only
    HubSpot's Leads records (the page itself is called Leads) and "companies" (or "accounts") when it
    shows only those."""
    if object_types in ((ObjectType.PIPELINE_LEAD.value,), (ObjectType.ACCOUNT.value,)):
        return object_word(crm_kind, object_types[0]), object_names.plural(crm_kind, object_types[0])
    return "lead", "leads"


def _quoted(value: str | None, key: str = "", names: Mapping[str, str] | None = None) -> str:
    if value is None or value == "":
        return "(empty)"
    return (
        "'"
        + " / ".join(value_words(key, line, names or {}) for line in value.splitlines() if line.strip())
        + "'"
    )


def _writes(story: lead_pages.LeadStory, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """What leadq wrote, what people left changed and what the CRM refused, newest first. A field is
    named by its label in the CRM (its key is the cell's title); a written value is shown as the CRM
    shows it (an option's label, an owner's name) and as lines, never as a Python repr."""
    writes: list[dict[str, Any]] = [
        {
            "when": aware(e.written_at),
            "field": field_label(e.field_key),
            "key": e.field_key,
            "text": "wrote" if e.value else "cleared the field (wrote an empty value)",
            "lines": [value_words(e.field_key, line, names) for line in (e.value or "").splitlines()],
        }
        for e in story.ledger
    ]
    for f in story.feedback:
        key = f.field_key or ""
        writes.append(
            {
                "when": aware(f.created_at),
                "field": field_label(key),
                "key": key,
                "text": f"left as set by a person: {_quoted(f.human_value, key, names)} "
                f"(leadq proposed {_quoted(f.leadq_value, key, names)})",
                "lines": [],
            }
        )
    for d in story.failures:
        keys = list(d.payload.get("fields", {}))
        writes.append(
            {
                "when": aware(d.last_failed_at or d.created_at),
                "field": ", ".join(field_label(k) for k in keys),
                "key": ", ".join(keys),
                "text": f"refused by the CRM ({d.reason}): {d.message}",
                "lines": [],
            }
        )
    writes.sort(key=lambda w: w["when"] or datetime.min.replace(tzinfo=UTC), reverse=True)
    return writes


def readable_version(version: str) -> str:
    """A record version (the CRM's last-modified stamp) as a date a person reads."""
    stamp = version_time(version or "")
    if stamp is None:
        return version or "-"
    return stamp.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def _what_if(reasons: list[Any]) -> str | None:
    """The re-scored "what would change the verdict" line written after the reasons, if any."""
    return next((text for factor, _c, text in reasons if factor == WHAT_IF), None)


# A company's reasons carry no weight of their own; each says which way it pulls by its first mark.
_COMPANY_PULL = {"+": "helps", "-": "hurts", "!": "rules it out"}


def _company_reason(company: str, factor: str, contribution: float, text: str) -> dict[str, Any]:
    """A company's reason: which way it pulls (its mark), or for the buying committee, how much of it
    is engaged (its stored figure is the coverage, not a contribution)."""
    if factor == "account.committee":
        return {
            "factor": "Buying committee",
            "pull": f"{float(contribution):.0%} engaged",
            "pull_class": "muted",
        }
    mark, space, rest = text.partition(" ")
    pull = _COMPANY_PULL.get(mark) if space else None
    if pull is None:
        return {}
    named = company[:1].upper() + company[1:]
    return {"factor": named, "pull": pull, "pull_class": "up" if mark == "+" else "down", "text": rest}


def _reasons(reasons: list[Any], company: str = "Company") -> list[dict[str, Any]]:
    """A re-qualification trigger first (why the lead is worth a look now), then disqualifiers, each
    marked as such (neither carries a contribution), then the contributions (the what-if line is not
    a contribution: ``_what_if`` shows it on its own). A company's reasons (``company``: what the CRM
    calls one) say whether each helps or hurts instead of a contribution."""
    out = [
        {
            "factor": factor_name(str(factor)),
            "key": factor,
            "contribution": contribution,
            "text": text,
            "pull": None,
            "disqualifier": str(factor).startswith("disqualifier."),
            "trigger": factor == REQUALIFIED,
        }
        | (
            _company_reason(company, str(factor), contribution, str(text))
            if str(factor).startswith("account")
            else {}
        )
        for factor, contribution, text in reasons
        if factor != WHAT_IF
    ]
    return sorted(out, key=lambda r: (not r["trigger"], not r["disqualifier"]))


def _related(db: Any, inst: Any, who: Any) -> dict[str, Any]:
    """A HubSpot Leads record's contact (its row, or where HubSpot shows it when leadq has none), its
    label and stage; or a contact's Leads records; as leadq stored them."""
    if who is None:
        return {"contact": None, "contact_url": None, "pipeline_leads": [], "lead_state": ""}
    app_base = services().settings.hubspot_auth_base
    person = who.person_id if who.object_type == ObjectType.PIPELINE_LEAD else ""
    return {
        "contact": lead_directory.contact_of_lead(db, inst.id, who),
        "contact_url": person
        and object_names.crm_record_url(app_base, inst.crm_kind, inst.tenant_id, ObjectType.CONTACT, person),
        "pipeline_leads": lead_directory.leads_of_contact(db, inst.id, who),
        "lead_state": object_names.lead_state(who.label, who.stage) if person else "",
    }


@bp.get("/installations/<int:installation_id>/leads/<object_type>/<record_id>")
@login_required
def lead(installation_id: int, object_type: str, record_id: str):
    inst = installation_or_404(installation_id)
    word = object_word(inst.crm_kind, object_type)
    known_type = object_type in {t.value for t in ObjectType}
    with services().sessions() as db:
        story = lead_pages.lead_story(db, installation_id, object_type, record_id) if known_type else None
        who = lead_pages.directory_entry(db, installation_id, object_type, record_id) if known_type else None
        routing = routing_of(inst)
        names = owner_names(lead_pages.owners(db, installation_id), routing) if story else {}
        related = _related(db, inst, who)
    if story is None or story.empty:
        return render_template("lead.html", inst=inst, missing=True, word=word, record_id=record_id), 404
    latest = story.scores[0] if story.scores else None
    app_base = services().settings.hubspot_auth_base
    return render_template(
        "lead.html",
        inst=inst,
        missing=False,
        word=word,
        object_type=object_type,
        record_id=record_id,
        who=who,
        names=names,
        latest=latest,
        reasons=_reasons(latest.reasons or [], object_word(inst.crm_kind, "account")) if latest else [],
        what_if=_what_if(latest.reasons or []) if latest else None,
        history=story.scores,
        decisions=story.decisions,
        writes=_writes(story, names),
        set_by_person=in_the_crm(story.ledger).get((object_type, record_id)),
        queue_names=queue_names(routing),
        decision_words=decision_words,
        readable_version=readable_version,
        crm_url=object_names.crm_record_url(app_base, inst.crm_kind, inst.tenant_id, object_type, record_id),
        crm_label=provider(inst.crm_kind).label,
        object_word=lambda t: object_word(inst.crm_kind, t),
        object_plural=lambda t: object_names.plural(inst.crm_kind, t),
        **related,
    )
