"""The sandbox's Salesforce side: one org per tenant, REST, SOQL subset, OAuth, outbound messages."""
