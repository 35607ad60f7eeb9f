"""HubSpot: mapping to leadq's records (and, with issue 5, OAuth, webhooks and the adapter)."""
