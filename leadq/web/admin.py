"""The admin app's pages: installations, sync progress and errors, leads with their full story.

Server-rendered (Jinja), no build step; one small script refreshes the sync figures. Every view
checks that the signed-in admin was granted the installation (404 otherwise). The pages live in
one module per area and all register on one blueprint, ``bp`` (endpoints ``admin.*``):

- ``admin_blueprint``: the blueprint, the id check on every URL, the broker-down page;
- ``admin_installations``: the list, an installation's Sync page and its figures as JSON;
- ``admin_actions``: reconcile, retry the failed records, retrain, replace the outbound-message URL;
- ``admin_preview``: start, approve or discard a backfill preview;
- ``admin_config``: the ICP and routing configuration editor;
- ``admin_model``: the model page;
- ``admin_monitor``: the monitoring page (score performance, drift, routing health, fairness);
- ``admin_leads``: the leads list and one lead's story;
- ``alarm_banner``: the open monitoring alarms on every installation page.
"""

from __future__ import annotations

from leadq.web import (  # noqa: F401 - importing a page module registers its views on bp
    admin_actions,
    admin_config,
    admin_installations,
    admin_leads,
    admin_model,
    admin_monitor,
    admin_preview,
    alarm_banner,
)
from leadq.web.admin_blueprint import bp

__all__ = ["bp"]
