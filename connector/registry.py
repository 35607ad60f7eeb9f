"""Each CRM described once: how its adapter is built, where people live, who owns a record, leadq's
fields in it (``FieldMap``), which fields tell that a person worked a lead, how changes reach leadq
and how each change is keyed and recognised as leadq's own write (``Changes``). Layers above look a
CRM up here instead of branching on its name.

OAuth is not described here: ``connector`` may not import ``oauth``. Each CRM's OAuth provider and
token refresh are paired with its ``CrmKind`` in one table, ``WIRING`` in
``workers/services/connections.py``, and nothing above branches on the CRM for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connector import formatting
from connector.base import ClientConfig, CrmAdapter, FieldSpec, Tokens
from connector.fields import LEADQ_FIELDS
from connector.hubspot.adapter import HubSpotAdapter
from connector.hubspot.client import HubSpotCalls
from connector.hubspot.leads import HubSpotLeads
from connector.hubspot.limits import Budget, Limiter
from connector.hubspot.webhooks import is_echo as hubspot_is_echo
from connector.salesforce.adapter import PAGE, SalesforceAdapter
from connector.salesforce.client import API_VERSION, SalesforceCalls
from connector.salesforce.limits import ApiBudget
from connector.salesforce.outbound import NOTIFICATION_PREFIX
from connector.salesforce.outbound import is_echo as salesforce_is_echo
from connector.salesforce.stamps import change_key
from core.records import CrmKind, ObjectType


@dataclass(frozen=True, slots=True)
class Connection:
    """Everything one installation's adapter is built from, as plain values (no settings, no storage).

    ``limiter`` is HubSpot's shared rate limiter; ``budget`` is the CRM's own API budget (HubSpot's
    ``Budget``, Salesforce's per-org ``ApiBudget``); each CRM ignores what it does not use."""

    tenant_id: str
    config: ClientConfig
    tokens: Tokens
    limiter: Limiter | None = None
    budget: Budget | ApiBudget | None = None
    integration_user_id: str = ""  # Salesforce: leadq's own user (the installing admin)
    own_fields_visible: bool = True  # False right after the code exchange, before provisioning
    own_fields: tuple[FieldSpec, ...] = LEADQ_FIELDS
    scopes: tuple[str, ...] = ()  # what the installation granted (HubSpot: Leads need both leads scopes)


@dataclass(frozen=True, slots=True)
class FieldMap:
    """leadq's own fields in one CRM: their neutral specs and the text limits."""

    fields: tuple[FieldSpec, ...]
    text_limit: int  # of a short text field, in UTF-16 code units
    long_text_limit: int  # of a long text field


@dataclass(frozen=True, slots=True)
class Changes:
    """How one CRM's changes are keyed where its push and its poll must agree.

    ``is_echo(fields, leadq_id)``: the change was leadq's own write, from the record's fields as the
    CRM gives them and leadq's identity there (HubSpot: its app id; Salesforce: the integration user).
    ``version_key``: the key of one record version, for a polled CRM (its poll and its pushes dedupe
    on it); ``pushed_prefix``: how the keys of pushed notifications begin. Each push endpoint keys
    its events with its own CRM's functions (``connector/<crm>/webhooks.py`` or ``outbound.py``):
    one endpoint per CRM, so nothing there branches on the CRM."""

    is_echo: Callable[[Mapping[str, object], str | None], bool]
    version_key: Callable[[ObjectType, str, str], str] | None = None
    pushed_prefix: str = ""


@dataclass(frozen=True)
class CrmProvider:
    """What leadq needs to know of one CRM above ``connector/``."""

    kind: CrmKind
    label: str
    tenant_name: str  # what the CRM calls one tenant (a log field's name)
    build_adapter: Callable[[Connection], CrmAdapter]
    owner_field: str  # as it appears in ``Person.raw`` and in writes
    people_objects: tuple[ObjectType, ...]  # where people live
    polls: bool  # changes are also fetched by a minute poll (Salesforce's outbound messages may be lost)
    outbound_messages: bool  # the CRM pushes changes to a per-installation secret URL
    changes: Changes
    field_map: FieldMap
    work_fields: Mapping[ObjectType, tuple[str, ...]]  # a person's change of these: the lead was worked
    object_names: Mapping[str, str]  # ObjectType -> the objects, plural, as the CRM calls them

    @property
    def synced_objects(self) -> tuple[ObjectType, ...]:
        """What a backfill visits: the people objects and their accounts."""
        return (*self.people_objects, ObjectType.ACCOUNT)


def _own_keys(specs: tuple[FieldSpec, ...], object_type: ObjectType) -> tuple[str, ...]:
    return tuple(spec.key for spec in specs if spec.on(object_type.value))


HUBSPOT_LEADS_SCOPES = ("crm.objects.leads.read", "crm.objects.leads.write")


def hubspot_adapter(connection: Connection) -> HubSpotAdapter:
    """The adapter reads leadq's own properties and the owner too: the write policy compares against them.
    It has HubSpot's Leads (``pipeline_leads``) only where the installation granted both leads scopes."""
    if connection.limiter is None:
        raise TypeError("a HubSpot adapter needs the shared rate limiter")
    budget = connection.budget if isinstance(connection.budget, Budget) else None
    tenant_id, config = connection.tenant_id, connection.config
    calls = HubSpotCalls(config, connection.tokens, connection.limiter, tenant_id, budget)
    leads = None
    if all(scope in connection.scopes for scope in HUBSPOT_LEADS_SCOPES):
        own = _own_keys(connection.own_fields, ObjectType.PIPELINE_LEAD)
        leads = HubSpotLeads(calls, tenant_id, extra_properties=(*own, HubSpotAdapter.owner_field))
    return HubSpotAdapter(
        calls,
        tenant_id,
        config.app_id,
        extra_properties=(*_own_keys(connection.own_fields, ObjectType.CONTACT), HubSpotAdapter.owner_field),
        company_extra_properties=(
            *_own_keys(connection.own_fields, ObjectType.ACCOUNT),
            HubSpotAdapter.owner_field,
        ),
        pipeline_leads=leads,
    )


def salesforce_adapter(connection: Connection) -> SalesforceAdapter:
    config = connection.config
    budget = connection.budget if isinstance(connection.budget, ApiBudget) else None
    version = config.api_version or API_VERSION
    calls = SalesforceCalls(config, connection.tokens, connection.tenant_id, version, budget)
    return SalesforceAdapter(
        calls,
        connection.tenant_id,
        connection.integration_user_id,
        connection.own_fields,
        page_size=config.page_size or PAGE,
        read_leadq_fields=connection.own_fields_visible,
    )


PROVIDERS: dict[CrmKind, CrmProvider] = {
    CrmKind.HUBSPOT: CrmProvider(
        kind=CrmKind.HUBSPOT,
        label="HubSpot",
        tenant_name="portal",
        build_adapter=hubspot_adapter,
        owner_field=HubSpotAdapter.owner_field,
        people_objects=HubSpotAdapter.people_objects,
        polls=False,
        outbound_messages=False,
        changes=Changes(is_echo=hubspot_is_echo),
        field_map=FieldMap(
            LEADQ_FIELDS,
            text_limit=formatting.TEXT_LIMIT[CrmKind.HUBSPOT],
            long_text_limit=formatting.LONG_TEXT_LIMIT[CrmKind.HUBSPOT],
        ),
        work_fields={ObjectType.CONTACT: ("hs_lead_status", "lifecyclestage")},
        object_names={
            ObjectType.CONTACT: "contacts",
            ObjectType.ACCOUNT: "companies",
            ObjectType.PIPELINE_LEAD: "leads",
        },
    ),
    CrmKind.SALESFORCE: CrmProvider(
        kind=CrmKind.SALESFORCE,
        label="Salesforce",
        tenant_name="org",
        build_adapter=salesforce_adapter,
        owner_field=SalesforceAdapter.owner_field,
        people_objects=SalesforceAdapter.people_objects,
        polls=True,
        outbound_messages=True,
        changes=Changes(
            is_echo=salesforce_is_echo,
            version_key=change_key,
            pushed_prefix=NOTIFICATION_PREFIX,
        ),
        field_map=FieldMap(
            LEADQ_FIELDS,
            text_limit=formatting.TEXT_LIMIT[CrmKind.SALESFORCE],
            long_text_limit=formatting.LONG_TEXT_LIMIT[CrmKind.SALESFORCE],
        ),
        work_fields={ObjectType.LEAD: ("Status",)},
        object_names={
            ObjectType.LEAD: "leads",
            ObjectType.CONTACT: "contacts",
            ObjectType.ACCOUNT: "accounts",
        },
    ),
}


def provider(kind: CrmKind | str) -> CrmProvider:
    """The provider of a CRM kind (a ``CrmKind`` or its stored value)."""
    return PROVIDERS[CrmKind(kind)]
