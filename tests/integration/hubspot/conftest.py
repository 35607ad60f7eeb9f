"""leadq's web app wired to the sandbox CRM, a real database and real Redis: the app, its client and
settings come from ``tests.support.fixtures``; the sandbox portal is a small one."""

from tests.support.hubspot import crm  # noqa: F401 - the fixture
