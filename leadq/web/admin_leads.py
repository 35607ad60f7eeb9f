"""An installation's leads: the list (newest score of each record, searchable by id prefix and tier)
and one lead's full story (scores, routing decisions, what leadq wrote and what people changed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import render_template, request

from leadq.web.admin_blueprint import bp
from leadq.web.auth import installation_or_404, login_required, services
from storage import lead_pages
from storage.stamps import aware

PAGE = 50


@bp.get("/installations/<int:installation_id>/leads")
@login_required
def leads(installation_id: int):
    inst = installation_or_404(installation_id)
    q = request.args.get("q", "").replace("\x00", "").strip()[:64]  # PostgreSQL refuses NUL in text
    tier = request.args.get("tier", "")
    with services().sessions() as db:
        rows = lead_pages.leads_page(db, installation_id, q, tier, PAGE)
    return render_template("leads.html", inst=inst, rows=rows, q=q, tier=tier)


def _writes(story: lead_pages.LeadStory) -> list[dict[str, Any]]:
    """What leadq wrote, what people left changed and what the CRM refused, newest first."""
    writes: list[dict[str, Any]] = [
        {"when": aware(e.written_at), "field": e.field_key, "text": f"wrote {e.value!r}"}
        for e in story.ledger
    ]
    for f in story.feedback:
        writes.append(
            {
                "when": aware(f.created_at),
                "field": f.field_key or "",
                "text": f"left as set by a person: {f.human_value!r} (leadq proposed {f.leadq_value!r})",
            }
        )
    for d in story.failures:
        writes.append(
            {
                "when": aware(d.last_failed_at or d.created_at),
                "field": ", ".join(d.payload.get("fields", {})),
                "text": f"refused by the CRM ({d.reason}): {d.message}",
            }
        )
    writes.sort(key=lambda w: w["when"] or datetime.min.replace(tzinfo=UTC), reverse=True)
    return writes


@bp.get("/installations/<int:installation_id>/leads/<object_type>/<record_id>")
@login_required
def lead(installation_id: int, object_type: str, record_id: str):
    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        story = lead_pages.lead_story(db, installation_id, object_type, record_id)
    return render_template(
        "lead.html",
        inst=inst,
        object_type=object_type,
        record_id=record_id,
        latest=story.scores[0] if story.scores else None,
        history=story.scores,
        decisions=story.decisions,
        writes=_writes(story),
    )
