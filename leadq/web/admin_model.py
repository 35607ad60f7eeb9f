"""An installation's model page: the champion and its challengers (Retrain is in admin_actions), said
in plain language (``model_words``): how often leads of each tier convert, what the AUC and the
calibration mean, the strongest factors as the lead page names them, why a challenger was rejected."""

from __future__ import annotations

from typing import Any

from flask import render_template

from leadq.web import calibration_words, family_words, model_words, reps_words
from leadq.web.admin_blueprint import bp
from leadq.web.auth import installation_or_404, login_required, services
from storage.statuses import ModelStatus

STATUS_WORDS = {
    ModelStatus.CHAMPION: "in use (champion)",
    ModelStatus.CHALLENGER: "being compared",
    ModelStatus.RETIRED: "replaced by a better model",
    ModelStatus.REJECTED: "not promoted",
}


def _said(version: Any, number: int, margin: float) -> dict[str, Any]:
    """What the page says about one model version, from its stored metrics."""
    m = version.metrics or {}
    return {
        "name": model_words.model_name(version.trained_at, number),
        "auc": model_words.auc_words(m.get("auc"), m.get("rule_auc")),
        "family": family_words.family_sentence(m),
        "tiers": model_words.tier_lines(m.get("tiers") or {}),
        "weak": model_words.weak_tiers(m.get("tiers") or {}),
        "calibration": model_words.calibration_words(m.get("calibration") or []),
        "ece": calibration_words.ece_words(m.get("ece")),
        "reliability": calibration_words.reliability_rows(m.get("calibration") or []),
        "tier_calibration": calibration_words.group_rows(m.get("calibration_by_tier") or []),
        "segment_calibration": calibration_words.group_rows(m.get("calibration_by_segment") or []),
        "segments_by": m.get("segments_by") or "",
        "calibration_off": calibration_words.off_warnings(m),
        "lift": model_words.lift_words(m.get("lift") or [], m.get("base_rate")),
        "factors": model_words.factor_lines(m.get("top_factors") or []),
        "promotion": model_words.promotion_words(m, margin),
        "reps": reps_words.reps_lines(m.get("reps")),
    }


@bp.get("/installations/<int:installation_id>/model")
@login_required
def model(installation_id: int):
    """Champion and challengers with held-out AUC against the rules, calibration (the reliability
    table, ECE, per tier and per segment), lift and conversion by tier, the strongest factors and
    the training window."""
    from markupsafe import Markup

    from scoring.charts import calibration_chart, lift_chart
    from storage import models_registry, training_attempts
    from storage.stamps import aware
    from workers.services.retrain import MARGIN

    inst = installation_or_404(installation_id)
    with services().sessions() as db:
        versions = models_registry.history(db, installation_id)  # loaded; detached on close
    attempt = training_attempts.latest(services().redis, installation_id)
    newest = max((v.trained_at for v in versions), default=None)
    gave_up = (
        attempt
        if attempt is not None and not attempt.trained and (newest is None or aware(newest) < attempt.at)
        else None
    )
    versions.reverse()  # newest first
    champion = next((v for v in versions if v.status == ModelStatus.CHAMPION), None)
    challenger = next((v for v in versions if v.status != ModelStatus.CHAMPION), None)
    if challenger and champion and challenger.trained_at < champion.trained_at:
        challenger = None  # an older model the champion replaced, not a challenger of it
    numbers = model_words.numbered(versions)
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
        said={v.version: _said(v, numbers[v.version], MARGIN) for v in (champion, challenger) if v},
        names={v.version: model_words.model_name(v.trained_at, numbers[v.version]) for v in versions},
        families={v.version: family_words.family_of(v.metrics or {}) for v in versions},
        status_words=STATUS_WORDS,
        gave_up=gave_up,
    )
