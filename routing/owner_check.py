"""Are the reps of a routing configuration owners the CRM will accept? (pure)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from core.records import Owner
from routing.types import RoutingConfig


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


def retire_inactive(config: RoutingConfig, owners: Iterable[Owner]) -> RoutingConfig:
    """The configuration with every rep the CRM lists as archived/deactivated marked inactive: no
    new lead goes to them, and the re-routing pass redistributes their open leads. Reps the CRM does
    not list at all are left as they are (the owner check at save names them)."""
    inactive = {o.owner_id for o in owners if not o.active}
    if not any(r.active and r.owner_id in inactive for r in config.reps):
        return config
    reps = tuple(replace(r, active=False) if r.owner_id in inactive else r for r in config.reps)
    return replace(config, reps=reps)
