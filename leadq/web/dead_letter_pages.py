"""The admin app's list of failing records: every one, or those of one cause, a page at a time.

The Sync page shows the causes with their totals; this page is where each record of a cause (or
of all of them) can be reached without rendering thousands of rows at once.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from leadq.web.auth import installation_or_404, login_required, services
from storage import dead_letters

bp = Blueprint("dead_letters", __name__)
PAGE = 100


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
        total=len(rows),
        rows=rows[(page - 1) * PAGE : page * PAGE],
        page=page,
        pages=pages,
    )
