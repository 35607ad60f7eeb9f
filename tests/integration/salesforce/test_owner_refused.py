"""Salesforce refuses a record owned by a deactivated user: leadq's scores still land on the lead,
the owner alone becomes a dead letter with Salesforce's message, and the installation is degraded."""

from __future__ import annotations

from sqlalchemy import select

from core.records import ObjectType
from storage import assignment_health
from storage.tables import DeadLetter, Installation, LedgerEntry
from tests.support.salesforce import org_of
from workers.services.backfill import run_backfill
from workers.services.context import _OWNERS_CACHE, build_context


def test_a_deactivated_owner_leaves_the_scores_written(runtime, installed, crm, sessions) -> None:
    org = org_of(crm)
    rep = next(u for u in org.live("User") if u["IsActive"] and u["Id"] != org.admin_user_id)
    with sessions.begin() as db:  # approved while the rep was active
        db.get(Installation, installed).routing_toml = (
            '[steps]\naccount_owner = false\ndisqualified = false\n[pools]\nL1 = "all"\nL2 = "all"\n'
            f'L3 = "all"\nL4 = "all"\n[[reps]]\nowner_id = "{rep["Id"]}"\nname = "{rep["Name"]}"\n'
        )
    owners_before = {r["Id"]: r["OwnerId"] for r in org.live("Lead")}
    _OWNERS_CACHE.clear()
    assert build_context(runtime, installed).load_routing().rep(rep["Id"]).active  # the owner list, as cached
    org.get("User", rep["Id"])["IsActive"] = False  # then deactivated in Salesforce, within the cache's life
    progress, _report = run_backfill(build_context(runtime, installed), ObjectType.LEAD)
    assert progress.status == "done"
    with sessions() as db:
        letters = list(db.scalars(select(DeadLetter).where(DeadLetter.installation_id == installed)))
        owner_ledger = db.scalars(
            select(LedgerEntry).where(
                LedgerEntry.installation_id == installed, LedgerEntry.field_key == "OwnerId"
            )
        ).all()
        status = assignment_health.degraded(db, installed)
    refused = {d.record_id for d in letters if d.reason == "owner-refused"}
    assert refused and all(d.reason == "owner-refused" for d in letters)
    assert all(d.message.startswith(f"owner {rep['Id']}: INACTIVE_OWNER_OR_USER") for d in letters)
    assert not owner_ledger
    for lead_id in refused:
        lead = org.get("Lead", lead_id)
        assert lead["LeadQ_Tier__c"] in ("L1", "L2", "L3", "L4") and lead["LeadQ_Reasons__c"]
        assert lead["OwnerId"] == owners_before[lead_id]
    _OWNERS_CACHE.clear()  # once the owner list is read again, the rep gets no new lead
    assert not build_context(runtime, installed).load_routing().rep(rep["Id"]).active
    assert status == f"degraded: {len(refused)} records could not be assigned (owner {rep['Id']} inactive)"
