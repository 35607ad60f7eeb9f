"""A configuration save that changes nothing but the ICP file's ``[monitoring]`` table (the alarm
thresholds) changes no score, tier, verdict or route: it applies at once, without the preview and
approval a scoring or routing change needs (the admin app's and ``leadq config``'s save path).

``source_hash`` of the ICP (``scoring.icp``) leaves the ``[monitoring]`` table out, and the routing
file's covers all of it: equal hashes mean the same scoring and routing."""

from __future__ import annotations

import hmac

from core.settings import Settings
from routing.config import RoutingConfigError, load_routing
from scoring.icp import IcpError, load_icp
from storage import pending_config
from storage.db import Session
from workers.services.config_hash import ConfigTexts, config_texts


def _same(one: str, other: str) -> bool:
    """Two configuration hashes are equal (compared in constant time, as every hash in leadq is)."""
    return hmac.compare_digest(one.encode(), other.encode())


def only_monitoring_changes(
    row: ConfigTexts, settings: Settings, icp_text: str | None, routing_text: str | None
) -> bool:
    """Whether saving ``icp_text`` (and ``routing_text``; None: not given) over the installation's live
    configuration changes its ``[monitoring]`` table and nothing else, with nothing pending (a pending
    configuration keeps its own preview and approval)."""
    if icp_text is None or row.pending_icp_toml or row.pending_routing_toml:
        return False
    live_icp, live_routing = config_texts(row, settings, pending=False)
    try:
        new, old = load_icp(icp_text), load_icp(live_icp)
        same_routing = routing_text is None or _same(
            load_routing(routing_text).source_hash, load_routing(live_routing).source_hash
        )
    except (IcpError, RoutingConfigError):  # a file with problems takes the usual path (and its refusal)
        return False
    return (
        same_routing
        and _same(new.source_hash, old.source_hash)
        and dict(new.monitoring) != dict(old.monitoring)
    )


def apply_monitoring(session: Session, installation_id: int, icp_text: str, live: ConfigTexts) -> bool:
    """Make ``icp_text`` the live ICP at once, if the installation's configuration is still ``live``'s
    (nothing saved or approved meanwhile); whether it did."""
    return pending_config.replace_live_icp(session, installation_id, icp_text, live.icp_toml)
