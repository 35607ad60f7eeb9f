"""``monitor``: one installation's monitoring report from what its store holds (``frames``), pure and
deterministic: the same input gives the same report. Each section is computed by its module; what
could not be computed (too little data, a division by zero) is None in the report, said in words in
``notes``."""

from __future__ import annotations

from datetime import UTC

from monitoring.drift import drift
from monitoring.fairness import fairness
from monitoring.frames import MonitorInput
from monitoring.performance import performance
from monitoring.report import MonitorReport, Note
from monitoring.routing_health import routing_health


def monitor(data: MonitorInput, installation_id: int) -> MonitorReport:
    """Score performance, drift, routing health and the fairness ledger at ``data.now``."""
    notes: list[Note] = []
    computed_at = data.now if data.now.tzinfo is not None else data.now.replace(tzinfo=UTC)
    return MonitorReport(
        installation_id=installation_id,
        computed_at=computed_at,
        records=len(data.leads),
        performance=performance(data.leads, notes, computed_at, data.baseline),
        drift=drift(data, notes),
        routing=routing_health(data, notes),
        fairness=fairness(data, notes),
        notes=tuple(notes),
    )
