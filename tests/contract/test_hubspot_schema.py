"""Properties, property groups, owners, v4 associations and pipelines through the real SDK."""

from __future__ import annotations

import json

import pytest
from hubspot.crm.associations.v4 import ApiException as AssociationError
from hubspot.crm.associations.v4 import AssociationSpec
from hubspot.crm.associations.v4.models import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import SimplePublicObjectInput
from hubspot.crm.properties import ApiException as PropertyError
from hubspot.crm.properties import Option, PropertyCreate, PropertyGroupCreate


def _tier_property() -> PropertyCreate:
    return PropertyCreate(
        name="leadq_tier",
        label="leadq tier",
        type="enumeration",
        field_type="select",
        group_name="leadq",
        options=[
            Option(label=t, value=t, display_order=i, hidden=False)
            for i, t in enumerate(["L1", "L2", "L3", "L4"])
        ],
    )


def test_given_a_new_group_and_property_when_created_then_writes_to_it_succeed(client, sandbox):
    group = client.crm.properties.groups_api.create(
        "contacts", PropertyGroupCreate(name="leadq", label="leadq", display_order=-1)
    )
    assert group.name == "leadq"
    created = client.crm.properties.core_api.create("contacts", _tier_property())
    assert created.type == "enumeration" and [o.value for o in created.options] == ["L1", "L2", "L3", "L4"]
    sent = sandbox.requests.entries(lambda e: e.path == "/crm/v3/properties/contacts" and e.method == "POST")[
        0
    ].body
    assert sent["name"] == "leadq_tier" and sent["fieldType"] == "select" and sent["groupName"] == "leadq"
    contact = sandbox.sandbox.portals[sandbox.portal_id].live("contacts")[0]
    client.crm.contacts.basic_api.update(contact.id, SimplePublicObjectInput(properties={"leadq_tier": "L2"}))
    assert contact.props["leadq_tier"] == "L2"
    names = {p.name for p in client.crm.properties.core_api.get_all("contacts").results}
    assert "leadq_tier" in names and "email" in names


def test_given_an_existing_property_when_created_again_then_409_and_nothing_changes(client):
    client.crm.properties.groups_api.create("contacts", PropertyGroupCreate(name="leadq", label="leadq"))
    client.crm.properties.core_api.create("contacts", _tier_property())
    clash = _tier_property()
    clash.type, clash.field_type, clash.options = "string", "text", []
    with pytest.raises(PropertyError) as caught:
        client.crm.properties.core_api.create("contacts", clash)
    assert caught.value.status == 409
    assert json.loads(caught.value.body)["category"] == "OBJECT_ALREADY_EXISTS"
    assert client.crm.properties.core_api.get_by_name("contacts", "leadq_tier").type == "enumeration"
    with pytest.raises(PropertyError) as group_clash:
        client.crm.properties.groups_api.create("contacts", PropertyGroupCreate(name="leadq", label="again"))
    assert group_clash.value.status == 409


def test_given_an_invalid_property_when_created_then_400_names_the_problem(client):
    bad = PropertyCreate(
        name="leadq_fit", label="Fit", type="number", field_type="select", group_name="contactinformation"
    )
    with pytest.raises(PropertyError) as caught:
        client.crm.properties.core_api.create("contacts", bad)
    assert caught.value.status == 400 and "fieldType" in json.loads(caught.value.body)["message"]
    missing_group = PropertyCreate(
        name="leadq_fit", label="Fit", type="number", field_type="number", group_name="nope"
    )
    with pytest.raises(PropertyError) as caught:
        client.crm.properties.core_api.create("contacts", missing_group)
    assert "does not exist" in json.loads(caught.value.body)["message"]


def test_given_owners_when_paging_then_active_and_archived_are_listed_apart(client, sandbox):
    first = client.crm.owners.owners_api.get_page(limit=5)
    second = client.crm.owners.owners_api.get_page(limit=5, after=first.paging.next.after)
    active = first.results + second.results
    assert len(active) == 9 and all(not o.archived for o in active)
    archived = client.crm.owners.owners_api.get_page(archived=True)
    assert len(archived.results) == 1 and archived.results[0].archived
    one = client.crm.owners.owners_api.get_by_id(active[0].id)
    assert one.email == active[0].email and one.teams[0].name
    by_email = client.crm.owners.owners_api.get_page(email=active[2].email)
    assert [o.id for o in by_email.results] == [active[2].id]
    assert sandbox.requests.entries(lambda e: e.path == "/crm/v3/owners/")


def test_given_an_archived_owner_when_assigning_then_the_write_is_rejected(client, sandbox):
    archived = client.crm.owners.owners_api.get_page(archived=True).results[0]
    contact = sandbox.sandbox.portals[sandbox.portal_id].live("contacts")[0]
    from hubspot.crm.contacts import ApiException

    with pytest.raises(ApiException) as caught:
        client.crm.contacts.basic_api.update(
            contact.id, SimplePublicObjectInput(properties={"hubspot_owner_id": archived.id})
        )
    assert "INVALID_OWNER_ID" in json.loads(caught.value.body)["message"]


def test_given_contacts_with_companies_when_reading_associations_then_primary_and_unlabeled_types(
    client, sandbox
):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    contact = next(c for c in portal.live("contacts") if c.props.get("associatedcompanyid"))
    page = client.crm.associations.v4.basic_api.get_page("contacts", contact.id, "companies")
    assert str(page.results[0].to_object_id) == contact.props["associatedcompanyid"]  # SDK types it str
    assert {t.type_id for t in page.results[0].association_types} == {1, 279}
    back = client.crm.associations.v4.basic_api.get_page(
        "companies", contact.props["associatedcompanyid"], "contacts"
    )
    assert contact.id in {str(r.to_object_id) for r in back.results}
    batch = client.crm.associations.v4.batch_api.get_page(
        "contacts",
        "companies",
        BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=contact.id)]
        ),
    )
    assert str(batch.results[0].to[0].to_object_id) == contact.props["associatedcompanyid"]


def test_given_a_new_association_when_created_and_removed_then_both_directions_follow(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    contact = next(c for c in portal.live("contacts") if not c.props.get("associatedcompanyid"))
    company = portal.live("companies")[-1]
    client.crm.associations.v4.basic_api.create(
        "contacts",
        contact.id,
        "companies",
        company.id,
        association_spec=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)],
    )
    assert portal.associated("companies", company.id, "contacts")[contact.id] >= {2, 280}
    client.crm.associations.v4.basic_api.archive("contacts", contact.id, "companies", company.id)
    assert contact.id not in portal.associated("companies", company.id, "contacts")
    with pytest.raises(AssociationError) as caught:
        client.crm.associations.v4.basic_api.get_page("contacts", "77777777", "companies")
    assert caught.value.status == 404


def test_given_deals_when_reading_pipelines_then_won_and_lost_stages_are_marked_closed(client, sandbox):
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    stages = {s.id: s.metadata for s in pipelines[0].stages}
    assert stages["closedwon"] == {"isClosed": "true", "probability": "1.0"}
    assert stages["closedlost"] == {"isClosed": "true", "probability": "0.0"}
    deals = client.crm.deals.basic_api.get_page(limit=100, properties=["dealstage", "amount"]).results
    assert {d.properties["dealstage"] for d in deals} & {"closedwon", "closedlost"}


def test_given_a_contact_when_associated_by_default_then_the_unlabeled_type_is_used(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    contact, company = portal.live("contacts")[0], portal.live("companies")[-1]
    result = client.crm.associations.v4.basic_api.create_default(
        "contacts", contact.id, "companies", company.id
    )
    assert result.results[0].association_spec.association_type_id == 279
    assert 279 in portal.associated("contacts", contact.id, "companies")[company.id]


def test_given_no_deals_write_scope_when_associating_a_deal_then_403_missing_scopes(client, sandbox):
    portal = sandbox.sandbox.portals[sandbox.portal_id]
    deal, company = portal.live("deals")[0], portal.live("companies")[-1]
    with pytest.raises(AssociationError) as caught:
        client.crm.associations.v4.basic_api.create_default("deals", deal.id, "companies", company.id)
    body = json.loads(caught.value.body)
    assert caught.value.status == 403 and body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"] == {"requiredGranularScopes": ["crm.objects.deals.write"]}
