"""A routing decision's rule and status as an admin reads them on a lead's page: "by round robin,
assigned", not "(round_robin, assigned)" (the stored values stay as they are: reports use them)."""

from __future__ import annotations

RULES = {
    "account_owner": "the company's owner",
    "round_robin": "by round robin",
    "queue": "nobody qualified: parked in a queue",
    "disqualified": "disqualified: not given to a rep",
    "nurture": "not sales-ready: nurture, not a rep",
    "keep_owner": "kept with its owner",
}
STATUSES = {
    "assigned": "assigned",
    "parked": "parked",
    "worked": "worked by the rep",
    "rerouted": "moved on (rerouted)",
    "overridden": "moved by a person",
    "refused": "the CRM refused the owner",
    "gone": "no longer in the CRM",
}


def decision_words(rule: str, status: str | None) -> str:
    """ "by round robin, assigned"; an unknown value in its own words, never dropped."""
    said = [RULES.get(rule, rule.replace("_", " "))]
    if status:
        said.append(STATUSES.get(status, status.replace("_", " ")))
    return ", ".join(said)
