"""Pure scoring: ICP fit, engagement, disqualifiers, the conversion model, reasons.

The package itself imports nothing: importing one of its modules (``scoring.explain``) does not pull
in the whole scorer, and two threads importing different parts of it cannot meet half-initialised
modules (the demo warms ``workers.services.reconcile`` in a thread while the web app loads)."""
