"""What tests share besides fixtures: service URLs, the HubSpot and Salesforce install helpers, the
admin app's sign-in, workers and waits. Fixtures live in conftest.py files and in
``tests.support.fixtures`` (a plugin every test sees); tests import helpers from here, never from a
conftest.py."""
