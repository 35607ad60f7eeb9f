"""Salesforce connector: simple-salesforce over leadq's own token handling and API budget."""
