"""Each rep's conversion record per segment, read from leadq's own store (no CRM call): the stored
outcomes (``storage.outcomes``) joined with the routing log (``storage.routing_log``), for the
routing file's performance step (``routing.types.Snapshot.performance``).

Which outcomes count, each once, for one rep and one segment:

- a won or lost outcome (the CRM's, as leadq's daily outcome read stored it) that occurred within
  the window (``since`` onwards: the caller's recent window, 180 days in the product);
- of a record leadq had routed before the outcome occurred: the record's newest routing decision at
  or before the outcome decides whose outcome it is;
- that decision gave the record to a rep by the weighted round robin (rule ``round_robin``, not a
  queue): the account owner's leads are left out (they follow the account, not the rep's share), and
  so are queued, nurtured or disqualified records;
- the rep kept it: the decision is still assigned, was worked, or its record left the CRM (a
  converted Salesforce lead, status ``gone``); a lead moved on by the re-routing pass or by a person
  (``rerouted``, ``overridden``) or whose owner the CRM refused is not that rep's outcome;
- the decision's segment is known: it is the lead's size segment as the routing file named it when
  leadq routed it ("" for a lead of unknown size); decisions logged before leadq kept the segment
  (NULL) do not count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from storage.outcomes import KINDS
from storage.statuses import DecisionStatus
from storage.tables import OutcomeRow, RoutingDecisionRow

Record = dict[tuple[str, str], tuple[int, int]]  # (rep owner id, segment) -> (won, decided)

COUNTED = (DecisionStatus.ASSIGNED, DecisionStatus.WORKED, DecisionStatus.GONE)


def won_and_decided(session: Session, installation_id: int, since: datetime) -> Record:
    """(rep, segment) -> (won, decided) over the outcomes that count (see the module's docstring), in
    one query: each outcome of the window finds its record's newest decision by the routing log's
    record index."""
    earlier = aliased(RoutingDecisionRow)
    decision = RoutingDecisionRow
    newest_before = (
        select(func.max(earlier.id))
        .where(
            earlier.installation_id == OutcomeRow.installation_id,
            earlier.object_type == OutcomeRow.object_type,
            earlier.record_id == OutcomeRow.record_id,
            earlier.decided_at <= OutcomeRow.occurred_at,
        )
        .correlate(OutcomeRow)
        .scalar_subquery()
    )
    won = func.sum(case((OutcomeRow.kind == "won", 1), else_=0))
    rows = session.execute(
        select(decision.owner_id, decision.segment, won, func.count())
        .select_from(OutcomeRow)
        .join(decision, decision.id == newest_before)
        .where(
            OutcomeRow.installation_id == installation_id,
            OutcomeRow.occurred_at >= since,
            OutcomeRow.kind.in_(KINDS),
            decision.rule == "round_robin",
            decision.queue.is_(None),
            decision.owner_id.is_not(None),
            decision.segment.is_not(None),
            decision.status.in_([s.value for s in COUNTED]),
        )
        .group_by(decision.owner_id, decision.segment)
    )
    return {(str(owner), str(segment)): (int(w or 0), int(n)) for owner, segment, w, n in rows}
