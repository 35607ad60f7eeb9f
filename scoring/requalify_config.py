"""The ICP's ``[requalify]`` table, as scoring reads it (parsed by ``scoring.icp``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Requalify:
    """When a lead that crosses into L1/L2 is flagged as re-qualified (``scoring/requalify.py``)."""

    dormant_days: int = 90  # silent at least this long, then engaging again: "re-engaged"
    engaged_contacts: int = 2  # a new contact at an account with at least this many other engaged ones
