"""CRM search: filter groups, one sort, 200 per page, a hard cap of 10,000 results, 5 req/s."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, jsonify

from sandbox.hubspot import errors
from sandbox.hubspot.guard import guarded, invalid_json, json_body, read_scopes, resolve_type
from sandbox.hubspot.objects import serialize
from sandbox.hubspot.store import Portal, Record, parse_datetime_ms

PAGE_MAX = 200
RESULT_CAP = 10_000
MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS = 5, 6, 18
OPERATORS = {
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
QUERY_PROPS = {
    "contacts": ("firstname", "lastname", "email", "phone", "company", "website"),
    "companies": ("name", "domain", "website", "phone"),
    "deals": ("dealname",),
    "leads": ("hs_lead_name",),
}


class SearchError(ValueError):
    pass


def _comparable(prop: dict[str, Any] | None, value: Any) -> Any:
    text = "" if value is None else str(value)
    kind = prop["type"] if prop else "string"
    if kind == "number":
        return float(text)
    if kind in ("datetime", "date"):
        ms = parse_datetime_ms(text)
        if ms is None:
            raise ValueError(text)
        return ms
    return text.lower()


def _matches(portal: Portal, object_type: str, record: Record, flt: dict[str, Any]) -> bool:
    name = flt.get("propertyName")
    op = flt.get("operator", "EQ")
    prop = portal.properties[object_type].get(name)
    current = record.props.get(name)
    if op == "HAS_PROPERTY":
        return bool(current)
    if op == "NOT_HAS_PROPERTY":
        return not current
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(flt.get("value", "")).lower()
        pattern = re.compile("^" + re.escape(token).replace(r"\*", ".*") + "$")
        words = re.split(r"[\s@.,;]+", (current or "").lower())
        found = any(pattern.match(w) for w in words) or pattern.match((current or "").lower()) is not None
        return found if op == "CONTAINS_TOKEN" else not found
    if current is None or current == "":
        return op in ("NEQ", "NOT_IN")
    try:
        left = _comparable(prop, current)
        if op in ("IN", "NOT_IN"):
            values = {_comparable(prop, v) for v in flt.get("values", [])}
            return (left in values) == (op == "IN")
        right = _comparable(prop, flt.get("value"))
        if op == "BETWEEN":
            high = _comparable(prop, flt.get("highValue"))
            return right <= left <= high
    except (ValueError, TypeError):
        return False
    return {
        "EQ": left == right,
        "NEQ": left != right,
        "LT": left < right,
        "LTE": left <= right,
        "GT": left > right,
        "GTE": left >= right,
    }[op]


def _validate(data: dict[str, Any]) -> None:
    groups = data.get("filterGroups") or []
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS:
        raise SearchError(f"Too many filter groups: at most {MAX_GROUPS} are allowed")
    total = 0
    for group in groups:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise SearchError("Each filter group needs a filters list")
        if len(filters) > MAX_PER_GROUP:
            raise SearchError(f"Too many filters in a group: at most {MAX_PER_GROUP} are allowed")
        total += len(filters)
        for flt in filters:
            if not isinstance(flt, dict) or not flt.get("propertyName"):
                raise SearchError("Each filter needs a propertyName")
            if flt.get("operator", "EQ") not in OPERATORS:
                raise SearchError(f"Unknown operator {flt.get('operator')!r}")
    if total > MAX_FILTERS:
        raise SearchError(f"Too many filters: at most {MAX_FILTERS} in total are allowed")
    sorts = data.get("sorts") or []
    if len(sorts) > 1:
        raise SearchError("Only one sort is supported")
    query = data.get("query")
    if query is not None and len(str(query)) > 3000:
        raise SearchError("query may be at most 3000 characters")


def register(app: Flask, sandbox: Any) -> None:
    @app.post("/crm/objects/2026-03/<object_type>/search", endpoint="hs_search_2026_03")
    @app.post("/crm/v3/objects/<object_type>/search", endpoint="hs_search")
    @guarded(sandbox, area="search", scopes=read_scopes)
    def search(portal: Portal, grant: Any, object_type: str) -> Response:
        resolved = resolve_type(object_type)
        if resolved is None:
            return errors.validation(f"Unable to infer object type from: {object_type}")
        data = json_body()
        if data is None:
            return invalid_json()
        try:
            _validate(data)
            limit = int(data.get("limit") or 10)
            after = int(data.get("after") or 0)
        except (SearchError, ValueError) as exc:
            return errors.validation(str(exc))
        if limit < 1 or limit > PAGE_MAX:
            return errors.validation(f"limit must be between 1 and {PAGE_MAX}")
        if after >= RESULT_CAP:
            return errors.validation(
                f"Search results are limited to {RESULT_CAP} per query; after={after} is beyond that. "
                "Narrow the query, for example with a date window",
            )
        lag_ms = int(sandbox.search_lag_s * 1000)
        now_ms = sandbox.clock.now_ms()
        records = [
            r
            for r in portal.live(resolved)
            if lag_ms == 0 or r.updated_ms <= now_ms - lag_ms  # new writes take a moment to index
        ]
        groups = data.get("filterGroups") or []
        if groups:
            records = [
                r
                for r in records
                if any(all(_matches(portal, resolved, r, f) for f in g["filters"]) for g in groups)
            ]
        query = str(data.get("query") or "").lower().strip()
        if query:
            records = [
                r
                for r in records
                if any(query in (r.props.get(p) or "").lower() for p in QUERY_PROPS[resolved])
            ]
        records = _sort(portal, resolved, records, (data.get("sorts") or [None])[0])
        total = len(records)
        page = records[after : after + limit]
        body: dict[str, Any] = {
            "total": total,
            "results": [serialize(portal, resolved, r, data.get("properties") or []) for r in page],
        }
        if after + limit < total:
            body["paging"] = {"next": {"after": str(after + limit)}}
        return jsonify(body)


def _sort(portal: Portal, object_type: str, records: list[Record], rule: Any) -> list[Record]:
    if rule is None:
        return sorted(records, key=lambda r: int(r.id))
    if isinstance(rule, str):  # "createdate" or "-createdate"
        name, descending = rule.lstrip("-"), rule.startswith("-")
    else:
        name, descending = rule.get("propertyName", "hs_object_id"), rule.get("direction") == "DESCENDING"
    prop = portal.properties[object_type].get(name)

    def key(record: Record) -> tuple[int, Any, int]:
        value = record.props.get(name)
        try:
            comparable = _comparable(prop, value) if value else None
        except ValueError:
            comparable = None
        return (comparable is None, comparable if comparable is not None else 0, int(record.id))

    ordered = sorted(records, key=key)
    return list(reversed(ordered)) if descending else ordered
