"""The admin app's failing records (dead letters): grouped by cause, with counts, a total and what to
do about each cause; then every record of a cause (or of all of them), a page at a time.

The Sync page shows the same causes (``cause_rows``); this page is where each record of a cause can
be reached without rendering thousands of rows at once. The grouping is storage's
(``dead_letters.group_failures``), the one ``leadq errors`` prints.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for

from leadq.web.auth import installation_or_404, login_required, services
from storage import dead_letters
from storage.failure_causes import FIX_FIELDS, FIX_OWNER, FIX_REQUIRED

bp = Blueprint("dead_letters", __name__)
PAGE = 50
RETRY = "Press Retry: the CRM may accept these records now (the cause may have been temporary)."


def _todo(group: Any, inst: Any) -> dict[str, Any]:
    """What to do about one cause: the sentence, and where to go to fix it (None: Retry is the fix)."""
    if group.hint == FIX_OWNER:
        return {
            "text": "Take the inactive owner out of the routing configuration (or reactivate the user "
            "in the CRM), then press Retry.",
            "link": ("Edit the routing configuration", url_for("admin.config", installation_id=inst.id)),
            "retry_helps": False,
        }
    if group.hint == FIX_FIELDS:
        return {
            "text": "Install leadq again (it re-creates its fields and their options) or restore the "
            "field in the CRM, then press Retry.",
            "link": ("Install leadq again", f"/install/{inst.crm_kind}"),
            "retry_helps": False,
        }
    if group.hint == FIX_REQUIRED:
        return {
            "text": "Fill the required value in the CRM or relax its validation rule, then press Retry.",
            "link": None,
            "retry_helps": False,
        }
    return {
        "text": RETRY if group.hint is None else "Fix the cause, then press Retry.",
        "link": None,
        "retry_helps": group.hint is None,
    }


def cause_rows(groups: list[Any], inst: Any) -> list[dict[str, Any]]:
    """The causes as the pages show them: count, the CRM's words, what to do, a few examples."""
    return [
        {
            "number": g.number,
            "count": g.count,
            "text": g.text,
            "hint": g.hint,
            "todo": _todo(g, inst),
            "records": g.records[:3],
        }
        for g in groups
    ]


def causes_context(groups: list[Any], inst: Any) -> dict[str, Any]:
    """What ``_causes.html`` needs: the causes, the total, and whether a Retry alone can help."""
    rows = cause_rows(groups, inst)
    return {
        "causes": rows,
        "failing": sum(r["count"] for r in rows),
        "retry_useless": bool(rows) and not any(r["todo"]["retry_helps"] for r in rows),
    }


@bp.get("/installations/<int:installation_id>/errors")
@login_required
def records(installation_id: int):
    inst = installation_or_404(installation_id)
    cause = request.args.get("cause", type=int)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with services().sessions() as db:
        groups = dead_letters.group_failures(db, installation_id)
    chosen = None
    if cause is not None:
        chosen = next((g for g in groups if g.number == cause), None)
        if chosen is None:
            abort(404)
    rows = [(g, r) for g in ([chosen] if chosen else groups) for r in g.records]
    pages = max(1, -(-len(rows) // PAGE))
    page = min(page, pages)
    return render_template(
        "dead_letters.html",
        inst=inst,
        chosen=chosen,
        chosen_todo=_todo(chosen, inst) if chosen else None,
        total=len(rows),
        rows=rows[(page - 1) * PAGE : page * PAGE],
        page=page,
        pages=pages,
        listing=True,  # the causes' own "every failing record" link would point here
        **causes_context(groups, inst),
    )
