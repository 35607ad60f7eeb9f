"""A fake CRM over real HTTP, faithful to HubSpot's (and later Salesforce's) APIs.

It imports nothing from leadq, connector, oauth, scoring, routing or workers:
a fake that shared our mapping code would only confirm our own bugs.
"""
