"""The CRM edge: everything that talks to HubSpot or Salesforce."""
