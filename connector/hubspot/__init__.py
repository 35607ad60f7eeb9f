"""HubSpot: the adapter, mapping to leadq's records, webhooks, field provisioning and API limits."""
