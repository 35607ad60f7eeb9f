"""App uninstall from the customer's side: ``DELETE /appinstalls/v3/external-install``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from sandbox.hubspot.guard import guarded
from sandbox.hubspot.store import Portal


def register(app: Flask, sandbox: Any) -> None:
    @app.delete("/appinstalls/v3/external-install", endpoint="hs_uninstall")
    @app.delete("/appinstalls/2026-03/external-install", endpoint="hs_uninstall_2026_03")
    @guarded(sandbox, scopes=lambda **_: ("oauth",))
    def uninstall(portal: Portal, grant: Any) -> Response:
        # Every token of the app in this portal stops working, as after an uninstall in the UI.
        sandbox.oauth.revoke_portal(portal.portal_id)
        return Response(status=204)
