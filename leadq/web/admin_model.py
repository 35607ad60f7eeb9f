"""An installation's model page: the champion and its challengers (Retrain is in admin_actions)."""

from __future__ import annotations

from flask import render_template

from leadq.web.admin_blueprint import bp
from leadq.web.auth import installation_or_404, login_required, services
from storage.statuses import ModelStatus


@bp.get("/installations/<int:installation_id>/model")
@login_required
def model(installation_id: int):
    """Champion and challengers with held-out AUC against the rules, calibration, lift and
    conversion by tier, the strongest factors and the training window."""
    from markupsafe import Markup

    from scoring.charts import calibration_chart, lift_chart
    from storage import models_registry

    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        versions = models_registry.history(db, installation_id)  # loaded; detached on close
    champion = next((v for v in versions if v.status == ModelStatus.CHAMPION), None)
    challenger = next((v for v in versions if v.status != ModelStatus.CHAMPION), None)
    charts = {}
    for label, version in (("champion", champion), ("challenger", challenger)):
        m = version.metrics if version else {}
        if m.get("calibration") and m.get("lift"):
            # Drawn server-side from numbers only (no text from the CRM): safe to inline.
            charts[label] = (Markup(calibration_chart(m["calibration"])), Markup(lift_chart(m["lift"])))  # noqa: S704
    return render_template(
        "model.html",
        inst=inst,
        champion=champion,
        challenger=challenger,
        versions=versions[:20],
        charts=charts,
    )
