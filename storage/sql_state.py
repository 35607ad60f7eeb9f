"""RoutingState on the database: every commit is one transaction of conditional updates.

The pool's version is a compare-and-set (``UPDATE ... WHERE version = expected``)
and each cap is a conditional increment (``... WHERE count < cap``); if any row
count comes back 0 the transaction rolls back and the caller decides again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from routing.types import Decision, RepLoad, Snapshot
from storage.tables import RoutingLoad, RoutingPool, RoutingPoolCount, RoutingWeekCount


class _Stale(Exception):
    pass


class SqlRoutingState:
    def __init__(self, sessions: sessionmaker[Session], installation_id: int) -> None:
        self.sessions = sessions
        self.installation_id = installation_id

    def _insert_ignore(self, session: Session, table: type, **values: object) -> None:
        dialect = session.get_bind().dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            maker(table).values(installation_id=self.installation_id, **values).on_conflict_do_nothing()
        )

    def snapshot(self, pools: Sequence[str], reps: Sequence[str], week: str) -> Snapshot:
        inst = self.installation_id
        with self.sessions() as session:
            opened = dict(
                session.execute(
                    select(RoutingLoad.rep_id, RoutingLoad.open_count).where(
                        RoutingLoad.installation_id == inst
                    )
                ).all()
            )
            weekly = dict(
                session.execute(
                    select(RoutingWeekCount.rep_id, RoutingWeekCount.count).where(
                        RoutingWeekCount.installation_id == inst, RoutingWeekCount.week == week
                    )
                ).all()
            )
            versions = dict(
                session.execute(
                    select(RoutingPool.pool, RoutingPool.version).where(
                        RoutingPool.installation_id == inst, RoutingPool.pool.in_(list(pools))
                    )
                ).all()
            )
            counts: dict[str, dict[str, int]] = {p: {} for p in pools}
            for pool, rep, count in session.execute(
                select(RoutingPoolCount.pool, RoutingPoolCount.rep_id, RoutingPoolCount.count).where(
                    RoutingPoolCount.installation_id == inst, RoutingPoolCount.pool.in_(list(pools))
                )
            ):
                counts[pool][rep] = count
        return Snapshot(
            week=week,
            loads={r: RepLoad(opened.get(r, 0), weekly.get(r, 0)) for r in reps},
            pool_counts=counts,
            pool_versions={p: versions.get(p, 0) for p in pools},
        )

    @staticmethod
    def _bump(session: Session, table: type, column: Any, cap: int | None, *where: Any) -> None:
        """Add one to ``column`` unless it has reached ``cap``; a refusal makes the commit stale."""
        conditions = [*where, column < cap] if cap is not None else list(where)
        result = session.execute(update(table).where(*conditions).values({column.key: column + 1}))
        if result.rowcount != 1:  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult
            raise _Stale

    def commit(self, decision: Decision, week: str) -> bool:
        inst, rep = self.installation_id, decision.owner_id
        session = self.sessions()
        try:
            with session.begin():
                if decision.pool is not None:
                    self._insert_ignore(session, RoutingPool, pool=decision.pool, version=0)
                    moved = session.execute(
                        update(RoutingPool)
                        .where(
                            RoutingPool.installation_id == inst,
                            RoutingPool.pool == decision.pool,
                            RoutingPool.version == (decision.expected_version or 0),
                        )
                        .values(version=RoutingPool.version + 1)
                    )
                    if moved.rowcount != 1:  # type: ignore[attr-defined]  # SQLAlchemy types DML results as Result, not CursorResult
                        raise _Stale
                if rep and decision.counts_toward_load:
                    open_cap, week_cap = decision.caps
                    self._insert_ignore(session, RoutingLoad, rep_id=rep, open_count=0)
                    self._bump(
                        session,
                        RoutingLoad,
                        RoutingLoad.open_count,
                        open_cap,
                        RoutingLoad.installation_id == inst,
                        RoutingLoad.rep_id == rep,
                    )
                    self._insert_ignore(session, RoutingWeekCount, week=week, rep_id=rep, count=0)
                    self._bump(
                        session,
                        RoutingWeekCount,
                        RoutingWeekCount.count,
                        week_cap,
                        RoutingWeekCount.installation_id == inst,
                        RoutingWeekCount.week == week,
                        RoutingWeekCount.rep_id == rep,
                    )
                if decision.pool is not None and rep:
                    self._insert_ignore(session, RoutingPoolCount, pool=decision.pool, rep_id=rep, count=0)
                    session.execute(
                        update(RoutingPoolCount)
                        .where(
                            RoutingPoolCount.installation_id == inst,
                            RoutingPoolCount.pool == decision.pool,
                            RoutingPoolCount.rep_id == rep,
                        )
                        .values(count=RoutingPoolCount.count + 1)
                    )
        except _Stale:
            return False
        finally:
            session.close()
        return True

    def release(self, rep: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(RoutingLoad)
                .where(
                    RoutingLoad.installation_id == self.installation_id,
                    RoutingLoad.rep_id == rep,
                    RoutingLoad.open_count > 0,
                )
                .values(open_count=RoutingLoad.open_count - 1)
            )
