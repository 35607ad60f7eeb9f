"""leadq wired to the sandbox's Salesforce side over HTTPS (simple-salesforce forces https), a real
database and real Redis: an installed org and its worker context (``tests.support.salesforce``)."""

from tests.support.salesforce import crm, ctx, installed, leadq_settings, runtime  # noqa: F401 - fixtures
