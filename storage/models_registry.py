"""Model versions in the database: artifacts with metadata, one champion per installation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.statuses import ModelStatus
from storage.tables import ModelVersion

CHAMPION, CHALLENGER, RETIRED, REJECTED = (
    ModelStatus.CHAMPION,
    ModelStatus.CHALLENGER,
    ModelStatus.RETIRED,
    ModelStatus.REJECTED,
)


def save_version(
    session: Session,
    installation_id: int,
    version: str,
    artifact: bytes,
    metrics: dict[str, Any],
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> ModelVersion:
    """Store a trained model as a challenger."""
    row = ModelVersion(
        installation_id=installation_id,
        version=version,
        status=CHALLENGER,
        metrics=metrics,
        artifact=artifact,
        window_start=window_start,
        window_end=window_end,
    )
    session.add(row)
    session.flush()
    return row


def champion(session: Session, installation_id: int) -> ModelVersion | None:
    return session.scalars(
        select(ModelVersion).where(
            ModelVersion.installation_id == installation_id, ModelVersion.status == CHAMPION
        )
    ).one_or_none()


def get(session: Session, installation_id: int, version: str) -> ModelVersion | None:
    return session.scalars(
        select(ModelVersion).where(
            ModelVersion.installation_id == installation_id, ModelVersion.version == version
        )
    ).one_or_none()


def promote(session: Session, installation_id: int, version: str, reason: str) -> None:
    """Make ``version`` the champion; the previous champion is retired, with the reason kept."""
    row = get(session, installation_id, version)
    if row is None:
        raise LookupError(f"no model version {version!r} for installation {installation_id}")
    current = champion(session, installation_id)
    if current is not None and current.id != row.id:
        current.status = RETIRED
        session.flush()  # one champion at a time, even inside the transaction
    row.status = CHAMPION
    row.promoted_at = datetime.now(UTC)
    row.metrics = {**row.metrics, "promotion": reason}
    session.flush()


def reject(session: Session, installation_id: int, version: str, reason: str) -> None:
    row = get(session, installation_id, version)
    if row is None:
        raise LookupError(f"no model version {version!r} for installation {installation_id}")
    row.status = REJECTED
    row.metrics = {**row.metrics, "promotion": reason}
    session.flush()


def history(session: Session, installation_id: int) -> list[ModelVersion]:
    return list(
        session.scalars(
            select(ModelVersion)
            .where(ModelVersion.installation_id == installation_id)
            .order_by(ModelVersion.trained_at, ModelVersion.id)
        )
    )
