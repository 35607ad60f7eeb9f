"""Monitoring after go-live: score performance, calibration, drift, routing health and the
fairness ledger, computed from leadq's own store (``frames``) into a ``report``; ``alarms`` judge it.
Pure: numpy and ``core`` only."""
