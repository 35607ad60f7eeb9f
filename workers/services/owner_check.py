"""Check a routing configuration against the CRM before it is saved or approved: its reps against the
CRM's owners, its lead labels against the CRM's lead label options."""

from __future__ import annotations

import logging

from connector.base import PipelineLeads
from connector.errors import CrmError
from oauth.errors import OAuthError
from routing.config import RoutingConfigError, load_routing
from routing.owner_check import rep_problems
from routing.types import RoutingConfig
from workers.services.context import InstallationGone, InstallationPaused, Runtime, build_context

log = logging.getLogger(__name__)


def routing_owner_problems(runtime: Runtime, installation_id: int, routing_text: str | None) -> list[str]:
    """Messages naming every rep the CRM would refuse (unknown, archived or inactive owners); empty
    when all reps are active owners. Not being able to ask the CRM is a problem too: a configuration
    is never accepted unchecked."""
    try:
        ctx = build_context(runtime, installation_id)
        owners = ctx.adapter.owners()
    except (InstallationGone, InstallationPaused, CrmError, OAuthError) as exc:
        log.warning("owner-check.unavailable", extra={"installation": installation_id, "why": str(exc)[:200]})
        return [f"could not read the CRM's owners to check the reps ({exc}); try again"]
    try:
        config = load_routing(routing_text, owners)
    except RoutingConfigError as exc:
        return [str(exc)]
    return rep_problems(config, owners) + _label_problems(ctx.adapter.pipeline_leads, config)


def _label_problems(leads_api: PipelineLeads | None, config: RoutingConfig) -> list[str]:
    """The ``[pipeline_leads.labels]`` the CRM's lead label does not offer (where it has Leads)."""
    if leads_api is None:
        return []
    try:
        options = leads_api.label_options()
    except CrmError as exc:
        return [f"could not read the CRM's lead labels to check [pipeline_leads.labels] ({exc}); try again"]
    return config.pipeline_leads.label_problems(options)
