"""The HubSpot side of the sandbox: OAuth, CRM v3/v4, properties, owners, webhooks."""
