"""Salesforce REST under ``/services/data/vNN.N/``: query with ``nextRecordsUrl`` paging, sObject
rows, describe, sObject Collections, ``updated``, limits, Tooling ``CustomField``.

Every call is authenticated (``INVALID_SESSION_ID`` for an expired session), counted against the
org's daily API budget (``Sforce-Limit-Info`` on every answer; ``REQUEST_LIMIT_EXCEEDED`` past
it) and may draw an injected fault. Error bodies are JSON arrays, as Salesforce sends them.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from typing import Any

from flask import Flask, Response, g, jsonify, request

from sandbox.salesforce.org import Org, Problem
from sandbox.salesforce.schema import HISTORY_OBJECTS, FieldDef, parse_time
from sandbox.salesforce.soql import SoqlError, parse, run

MIN_VERSION, MAX_VERSION = 31.0, 68.0
COLLECTION_MAX = 200
ROLLED_BACK = (
    "Record rolled back because not all records were valid and the request was using AllOrNone header"
)
DEFAULT_BATCH = 2000
PREFIX = re.compile(r"^/services/data/v(?P<version>\d+\.\d)(?P<rest>/.*)?$")


def errors(status: int, code: str, message: str, fields: tuple[str, ...] = ()) -> Response:
    response = jsonify([{"message": message, "errorCode": code, "fields": list(fields)}])
    response.status_code = status
    return response


def history_schema(name: str) -> dict[str, FieldDef]:
    parent_key = HISTORY_OBJECTS[name][1]
    defs = [
        FieldDef("Id", "id"),
        FieldDef(parent_key, "reference"),
        FieldDef("Field", "picklist"),
        FieldDef("OldValue", "anyType"),
        FieldDef("NewValue", "anyType"),
        FieldDef("DataType", "picklist"),
        FieldDef("CreatedById", "reference"),
        FieldDef("CreatedDate", "datetime"),
        FieldDef("IsDeleted", "boolean"),
    ]
    return {d.name: d for d in defs}


class QueryCursors:
    """Server-side query locators: the rest of a result set, fetched by ``nextRecordsUrl``."""

    def __init__(self) -> None:
        self._cursors: dict[str, tuple[list[dict[str, Any]], int, int, float]] = {}
        self._lock = threading.Lock()

    def open(self, rows: list[dict[str, Any]], batch: int) -> str:
        locator = "01g" + secrets.token_hex(6)
        with self._lock:
            now = time.monotonic()
            for key in [k for k, v in self._cursors.items() if now - v[3] > 900]:
                del self._cursors[key]  # locators expire after 15 minutes of inactivity
            self._cursors[locator] = (rows, 0, batch, now)
        return locator

    def take(self, locator: str, start: int) -> tuple[list[dict[str, Any]], int, int] | None:
        with self._lock:
            found = self._cursors.get(locator)
            if found is None:
                return None
            rows, _pos, batch, _t = found
            self._cursors[locator] = (rows, start, batch, time.monotonic())
            return rows, start, batch


def register(app: Flask, sandbox: Any) -> None:
    cursors = QueryCursors()

    def current() -> tuple[Org, str]:
        return g.sf_org, g.sf_user

    @app.before_request
    def _guard() -> Response | None:
        match = PREFIX.match(request.path)
        if not request.path.startswith("/services/data"):
            return None
        g.area = "sf-api"
        if request.path.rstrip("/") == "/services/data":
            return None
        if match is None or not MIN_VERSION <= float(match["version"]) <= MAX_VERSION:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        header = request.headers.get("Authorization", "")
        session = (
            sandbox.sf_oauth.check(header[7:].strip(), sandbox.clock.now())
            if header.startswith("Bearer ")
            else None
        )
        if session is None:
            return errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        org: Org = sandbox.orgs[session.org_id]
        g.sf_org, g.sf_user, g.portal_id = org, session.user_id, session.org_id
        with org.lock:
            if org.api_used >= org.api_max:
                g.sf_counted = False
                return errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            org.api_used += 1
        g.sf_counted = True
        if sandbox.faults.latency_ms:
            time.sleep(sandbox.faults.latency_ms / 1000)
        fault = sandbox.faults.draw()
        if fault == "429":
            return errors(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
        if fault == "5xx":
            return errors(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable, try again later")
        return None

    @app.after_request
    def _limit_info(response: Response) -> Response:
        org = getattr(g, "sf_org", None)
        if org is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={org.api_used}/{org.api_max}"
        return response

    @app.get("/services/data/")
    @app.get("/services/data")
    def versions() -> Response:
        return jsonify(
            [{"label": f"v{v}", "url": f"/services/data/v{v}.0", "version": f"{v}.0"} for v in range(31, 69)]
        )

    def v(path: str) -> str:
        return "/services/data/v<version>" + path

    @app.get(v("/limits"))
    @app.get(v("/limits/"))
    def limits(version: str) -> Response:
        org, _user = current()
        return jsonify(DailyApiRequests={"Max": org.api_max, "Remaining": max(0, org.api_max - org.api_used)})

    def schema_for(org: Org, user: str, name: str) -> dict[str, FieldDef] | None:
        if name in HISTORY_OBJECTS:
            return history_schema(name)
        if name not in org.schema:
            return None
        return {f.name: f for f in org.visible_fields(user, name)}

    def page(
        version: str, rows: list[dict[str, Any]], start: int, batch: int, locator: str | None
    ) -> dict[str, Any]:
        chunk = rows[start : start + batch]
        done = start + batch >= len(rows)
        body: dict[str, Any] = {"totalSize": len(rows), "done": done, "records": chunk}
        if not done:
            locator = locator or cursors.open(rows, batch)
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{start + batch}"
        return body

    def do_query(version: str, include_deleted: bool) -> Response:
        org, user = current()
        text = request.args.get("q")
        if not text:
            return errors(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            query = parse(text, lambda name: schema_for(org, user, name))
        except SoqlError as exc:
            return errors(400, exc.code, exc.message)
        with org.lock:
            source = list(org.records.get(query.sobject, {}).values())
        if not include_deleted:
            source = [r for r in source if not r.get("IsDeleted")]
        schema = schema_for(org, user, query.sobject) or {}
        rows = run(query, source, schema)
        if query.count:
            return jsonify(totalSize=len(rows), done=True, records=[])
        projected = [
            {
                "attributes": {
                    "type": query.sobject,
                    "url": f"/services/data/v{version}/sobjects/{query.sobject}/{r['Id']}",
                },
                **{name: r.get(name) for name in query.fields},
            }
            for r in rows
        ]
        batch = DEFAULT_BATCH
        options = request.headers.get("Sforce-Query-Options", "")
        found = re.search(r"batchSize=(\d+)", options)
        if found:
            batch = min(2000, max(200, int(found.group(1))))
        return jsonify(page(version, projected, 0, batch, None))

    @app.get(v("/query"))
    @app.get(v("/query/"))
    def query(version: str) -> Response:
        return do_query(version, include_deleted=False)

    @app.get(v("/queryAll"))
    @app.get(v("/queryAll/"))
    def query_all(version: str) -> Response:
        return do_query(version, include_deleted=True)

    @app.get(v("/query/<locator>"))
    def query_more(version: str, locator: str) -> Response:
        name, _, start = locator.rpartition("-")
        if not start.isdigit():
            return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        found = cursors.take(name, int(start))
        if found is None:
            return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        rows, pos, batch = found
        return jsonify(page(version, rows, pos, batch, name))

    @app.get(v("/sobjects/<sobject>/describe"))
    @app.get(v("/sobjects/<sobject>/describe/"))
    def describe(version: str, sobject: str) -> Response:
        org, user = current()
        if sobject not in org.schema:
            return errors(
                404,
                "NOT_FOUND",
                f"The requested resource does not exist: sObject type '{sobject}' is not supported.",
            )
        fields = [
            f.describe(updateable=org.access(user, sobject, f.name)[1])
            for f in org.visible_fields(user, sobject)
        ]
        return jsonify(
            name=sobject,
            label=sobject,
            custom=False,
            queryable=True,
            updateable=True,
            fields=fields,
            urls={"sobject": f"/services/data/v{version}/sobjects/{sobject}"},
        )

    @app.route(v("/sobjects/<sobject>/<record_id>"), methods=["GET", "PATCH"])
    def record(version: str, sobject: str, record_id: str) -> Response:
        org, user = current()
        if sobject not in org.schema:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        if record_id in ("updated", "deleted"):
            return (
                updated(version, sobject)
                if record_id == "updated"
                else errors(501, "NOT_IMPLEMENTED", "not in the sandbox")
            )
        row = org.get(sobject, record_id)
        if row is None:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        if request.method == "GET":
            wanted = request.args.get("fields")
            visible = [f.name for f in org.visible_fields(user, sobject)]
            names = [n.strip() for n in wanted.split(",")] if wanted else visible
            bad = [n for n in names if n not in visible]
            if bad:
                return errors(400, "INVALID_FIELD", f"No such column '{bad[0]}' on sobject of type {sobject}")
            return jsonify(
                {"attributes": {"type": sobject, "url": request.path}, **{n: row.get(n) for n in names}}
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return errors(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
        _changed, problems = org.update(sobject, row["Id"], body, user)
        if problems:
            return error_list(400, problems)
        return Response(status=204)

    def error_list(status: int, problems: list[Problem]) -> Response:
        response = jsonify(
            [{"message": p.message, "errorCode": p.code, "fields": list(p.fields)} for p in problems]
        )
        response.status_code = status
        return response

    @app.post(v("/sobjects/<sobject>"))
    @app.post(v("/sobjects/<sobject>/"))
    def create(version: str, sobject: str) -> Response:
        org, user = current()
        if sobject not in org.schema:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return errors(400, "JSON_PARSER_ERROR", "The request body is not valid JSON")
        created, problems = sandbox.create_record(org, sobject, body, user)
        if problems:
            return error_list(400, problems)
        response = jsonify(id=created["Id"], success=True, errors=[])
        response.status_code = 201
        return response

    def updated(version: str, sobject: str) -> Response:
        org, _user = current()
        start, end = parse_time(request.args.get("start", "")), parse_time(request.args.get("end", ""))
        if start is None or end is None:
            return errors(400, "INVALID_REPLICATION_DATE", "start and end must be ISO 8601 date-times")
        now = sandbox.clock.utcnow()
        if (now - start).days > 30:
            return errors(400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago")
        start, end = start.replace(second=start.second, microsecond=0), end.replace(microsecond=0)
        ids = [
            r["Id"] for r in org.live(sobject) if start <= (parse_time(r["SystemModstamp"]) or start) <= end
        ]
        if len(ids) > 600_000:
            return errors(400, "EXCEEDED_ID_LIMIT", "too many ids")
        return jsonify(ids=ids, latestDateCovered=end.strftime("%Y-%m-%dT%H:%M:%S.000+0000"))

    @app.route(v("/composite/sobjects"), methods=["PATCH", "POST"])
    def collections(version: str) -> Response:
        org, user = current()
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            return errors(400, "JSON_PARSER_ERROR", "The request body must be an object with a records list")
        records = body["records"]
        if len(records) > COLLECTION_MAX:
            return errors(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        all_or_none = bool(body.get("allOrNone", False))
        results: list[dict[str, Any]] = []
        plans: list[tuple[str, str | None, dict[str, Any]]] = []
        for item in records:
            sobject = ((item or {}).get("attributes") or {}).get("type") if isinstance(item, dict) else None
            if not sobject or sobject not in org.schema:
                return errors(400, "INVALID_TYPE", "Must send a concrete entity type.")
            record_id = item.get("id") or item.get("Id")
            if request.method == "PATCH" and not record_id:
                return errors(400, "MISSING_ARGUMENT", "Id not specified in an update call")
            plans.append((sobject, record_id, item))
        with org.lock:
            if request.method == "PATCH":
                org.land_edits_before_write([str(r) for _s, r, _i in plans])
            checks = []
            for sobject, record_id, item in plans:
                problems: list[Problem] = []
                if request.method == "PATCH":
                    row = org.get(sobject, str(record_id))
                    if row is None:
                        problems = [Problem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")]
                    elif sobject == "Lead" and row.get("IsConverted"):
                        problems = [
                            Problem("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
                        ]
                    else:
                        problems = org.check(sobject, item, user, creating=False)[1]
                else:
                    problems = org.check(sobject, item, user, creating=True)[1]
                checks.append(problems)
            failed_any = any(checks)
            for (sobject, record_id, item), problems in zip(plans, checks, strict=True):
                if problems:
                    results.append(
                        {"id": record_id, "success": False, "errors": [p.as_json() for p in problems]}
                    )
                elif all_or_none and failed_any:
                    results.append(
                        {
                            "id": record_id,
                            "success": False,
                            "errors": [
                                {
                                    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                    "message": ROLLED_BACK,
                                    "fields": [],
                                }
                            ],
                        }
                    )
                elif request.method == "PATCH":
                    org.update(sobject, str(record_id), item, user)
                    results.append(
                        {"id": org.get(sobject, str(record_id))["Id"], "success": True, "errors": []}
                    )
                else:
                    created, _p = sandbox.create_record(org, sobject, item, user)
                    results.append({"id": created["Id"], "success": True, "errors": []})
        return jsonify(results)

    @app.get(v("/tooling/query"))
    @app.get(v("/tooling/query/"))
    def tooling_query(version: str) -> Response:
        """CustomField by object and developer name, the one Tooling query leadq makes."""
        org, _user = current()
        text = request.args.get("q", "")
        table = re.search(r"TableEnumOrId\s*=\s*'([^']+)'", text)
        name = re.search(r"DeveloperName\s*=\s*'([^']+)'", text)
        if not re.match(r"\s*SELECT\s+Id\b.*\bFROM\s+CustomField\b", text, re.I | re.S) or not (
            table and name
        ):
            return errors(
                400, "MALFORMED_QUERY", "the sandbox answers CustomField by TableEnumOrId and DeveloperName"
            )
        with org.lock:
            field_id = org.custom_field_id(table.group(1), name.group(1))
        rows = [] if field_id is None else [{"attributes": {"type": "CustomField"}, "Id": field_id}]
        return jsonify(
            size=len(rows), totalSize=len(rows), done=True, records=rows, entityTypeName="CustomField"
        )

    @app.patch(v("/tooling/sobjects/CustomField/<field_id>"))
    def update_custom_field(version: str, field_id: str) -> Response:
        org, user = current()
        if user not in org.customizers:
            return errors(
                403,
                "INSUFFICIENT_ACCESS",
                "insufficient access rights: the Customize Application permission is required",
            )
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("Metadata"), dict):
            return errors(400, "JSON_PARSER_ERROR", "Metadata is required")
        with org.lock:
            problem = org.update_custom_field(field_id, body["Metadata"])
        if problem:
            return errors(404 if problem.code == "NOT_FOUND" else 400, problem.code, problem.message)
        return Response(status=204)

    @app.post(v("/tooling/sobjects/CustomField"))
    @app.post(v("/tooling/sobjects/CustomField/"))
    def custom_field(version: str) -> Response:
        org, user = current()
        if user not in org.customizers:
            return errors(
                403,
                "INSUFFICIENT_ACCESS",
                "insufficient access rights: the Customize Application permission is required",
            )
        body = request.get_json(silent=True)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("FullName"), str)
            or not isinstance(body.get("Metadata"), dict)
        ):
            return errors(400, "JSON_PARSER_ERROR", "FullName and Metadata are required")
        with org.lock:
            field_id, problem = org.add_custom_field(body["FullName"], body["Metadata"])
        if problem:
            return errors(400, problem.code, problem.message)
        response = jsonify(id=field_id, success=True, errors=[], warnings=[], infos=[])
        response.status_code = 201
        return response
