"""Are the reps of a routing configuration owners the CRM will accept? (pure)"""

from __future__ import annotations

from collections.abc import Iterable

from leadq.records import Owner
from routing.model import RoutingConfig


def rep_problems(config: RoutingConfig, owners: Iterable[Owner]) -> list[str]:
    """One message per rep the CRM would refuse as an owner: not an owner there at all, or archived /
    deactivated. A rep the file itself marks ``active = false`` is not routed to, so it passes (its
    open leads are being redistributed)."""
    known = {o.owner_id: o for o in owners}
    problems = []
    for rep in config.reps:
        if not rep.active:
            continue
        owner = known.get(rep.owner_id)
        if owner is None:
            problems.append(
                f"rep {rep.name} (owner id {rep.owner_id}) is not an owner in the CRM: "
                "check the id, or remove the rep"
            )
        elif not owner.active:
            problems.append(
                f"rep {rep.name} (owner id {rep.owner_id}) is inactive (archived) in the CRM: "
                "remove the rep or set active = false"
            )
        elif owner.is_queue:
            problems.append(f"rep {rep.name} (owner id {rep.owner_id}) is a queue in the CRM, not a person")
    return problems
