"""The provider registry: each CRM described once, its adapter complete when built."""

from __future__ import annotations

import pytest

from connector.base import ClientConfig, CrmAdapter
from connector.fields import LEADQ_FIELDS
from connector.hubspot.limits import LocalLimiter
from connector.registry import PROVIDERS, Connection, provider
from core.records import CrmKind, ObjectType


class _Tokens:
    def current(self) -> str:
        return "token"

    def after_unauthorized(self, rejected_token: str) -> str:
        raise AssertionError("no call is made")


def test_every_crm_kind_has_one_provider_and_the_stored_value_finds_it() -> None:
    assert set(PROVIDERS) == set(CrmKind)
    assert provider("salesforce") is PROVIDERS[CrmKind.SALESFORCE]
    assert provider(CrmKind.HUBSPOT).synced_objects == (ObjectType.CONTACT, ObjectType.ACCOUNT)
    assert [p.kind for p in PROVIDERS.values() if p.polls] == [CrmKind.SALESFORCE]


def test_the_hubspot_adapter_reads_leadqs_own_properties_and_the_owner_from_the_start() -> None:
    connection = Connection("42", ClientConfig("http://hubspot", app_id="7"), _Tokens(), LocalLimiter())
    adapter = provider(CrmKind.HUBSPOT).build_adapter(connection)
    assert isinstance(adapter, CrmAdapter)
    contact_keys = {s.key for s in LEADQ_FIELDS if s.on("contact")}
    assert contact_keys | {"hubspot_owner_id"} <= set(adapter.extra_properties)  # type: ignore[attr-defined]
    assert "hubspot_owner_id" in adapter.company_extra_properties  # type: ignore[attr-defined]
    assert adapter.owner_field == provider(CrmKind.HUBSPOT).owner_field


def test_a_hubspot_adapter_needs_the_shared_limiter() -> None:
    with pytest.raises(TypeError):
        provider(CrmKind.HUBSPOT).build_adapter(Connection("42", ClientConfig("http://hubspot"), _Tokens()))


@pytest.mark.parametrize("visible", [True, False])
def test_the_salesforce_adapter_reads_leadqs_fields_only_once_they_are_visible(visible: bool) -> None:
    config = ClientConfig("https://org.my.salesforce.com", api_version="61.0", page_size=500)
    connection = Connection("00D000000000001", config, _Tokens(), own_fields_visible=visible)
    adapter = provider(CrmKind.SALESFORCE).build_adapter(connection)
    assert adapter.read_leadq_fields is visible  # type: ignore[attr-defined]
    assert adapter.page_size == 500  # type: ignore[attr-defined]
    assert adapter.calls.version == "61.0"  # type: ignore[attr-defined]


def test_each_crm_knows_leadqs_own_writes_and_a_polled_crm_keys_record_versions() -> None:
    hubspot, salesforce = provider(CrmKind.HUBSPOT).changes, provider(CrmKind.SALESFORCE).changes
    assert hubspot.is_echo({"changeSource": "INTEGRATION", "sourceId": "7"}, "7")
    assert not hubspot.is_echo({"changeSource": "CRM_UI", "sourceId": "7"}, "7")
    assert salesforce.is_echo({"LastModifiedById": "005A"}, "005A")
    assert not salesforce.is_echo({"LastModifiedById": "005A"}, "")
    assert hubspot.version_key is None and salesforce.version_key is not None
    assert salesforce.pushed_prefix == "sf-om:"


def test_each_crm_names_leadqs_fields_and_the_fields_that_mean_a_lead_was_worked() -> None:
    assert provider(CrmKind.SALESFORCE).field_map.text_limit == 80
    assert provider(CrmKind.HUBSPOT).work_fields == {ObjectType.CONTACT: ("hs_lead_status", "lifecyclestage")}
    assert provider(CrmKind.SALESFORCE).work_fields == {ObjectType.LEAD: ("Status",)}
