"""Owners API: list with paging and email filter, read by owner id or user id."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request

from sandbox.hubspot import errors
from sandbox.hubspot.guard import guarded
from sandbox.hubspot.store import Portal

SCOPES = lambda **_: ("crm.objects.owners.read",)  # noqa: E731


def register(app: Flask, sandbox: Any) -> None:
    @app.get("/crm/v3/owners/", endpoint="hs_owners")
    @app.get("/crm/v3/owners", endpoint="hs_owners_noslash")
    @guarded(sandbox, scopes=SCOPES)
    def list_owners(portal: Portal, grant: Any) -> Response:
        archived = request.args.get("archived", "false").lower() == "true"
        try:
            limit = int(request.args.get("limit", "100"))
            after = int(request.args.get("after", "0") or 0)
        except ValueError:
            return errors.validation("limit and after must be integers")
        if not 1 <= limit <= 500:
            return errors.validation("limit must be between 1 and 500")
        email = (request.args.get("email") or "").lower()
        owners = [
            o
            for o in portal.owners
            if o["archived"] == archived and (not email or o["email"].lower() == email)
        ]
        page = owners[after : after + limit]
        body: dict[str, Any] = {"results": page}
        if after + limit < len(owners):
            nxt = str(after + limit)
            body["paging"] = {"next": {"after": nxt, "link": f"{request.host_url}crm/v3/owners/?after={nxt}"}}
        return jsonify(body)

    @app.get("/crm/v3/owners/<owner_id>", endpoint="hs_owner")
    @guarded(sandbox, scopes=SCOPES)
    def get_owner(portal: Portal, grant: Any, owner_id: str) -> Response:
        key = "userId" if request.args.get("idProperty") == "userId" else "id"
        archived = request.args.get("archived", "false").lower() == "true"
        for owner in portal.owners:
            if str(owner[key]) == owner_id and owner["archived"] == archived:
                return jsonify(owner)
        return errors.error(404, f"Owner {owner_id} not found", "OBJECT_NOT_FOUND")
