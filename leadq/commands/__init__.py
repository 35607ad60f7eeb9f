"""The ``leadq`` commands, one module per audience; ``leadq/cli.py`` registers them on the group.

- ``ops``: operators of a self-hosted leadq (schema, keys, retention, sandbox, demo);
- ``admins``: admin accounts of the web app;
- ``sync``: one installation's CRM sync (install URL, backfill, retry, reconcile, retrain,
  outbound-message URL);
- ``config``: an installation's ICP/routing configuration (save as pending and preview, approve);
- ``reports``: what leadq is doing (status, errors);
- ``monitor``: an installation's monitoring (score performance, drift, routing health, fairness);
- ``model``: offline scoring of CSV files (evaluate, train, score).

No command module imports ``leadq.cli``: the group imports them.
"""
