"""What may be written to a CRM field, decided per field from its current state and the ledger.

Pure. Policies:
* ``app_owned``: leadq's own fields; written whenever leadq's value differs from the CRM's.
* ``fill_if_empty``: written only into an empty field.
* ``overwrite_if_ours``: written when empty, or when the CRM still holds what leadq last wrote.
* ``never``: read, never written.
Across all of them a person's edit wins: if the CRM holds something other than what leadq last
wrote, and a person (or anyone but leadq) wrote it, leadq leaves it and reports an override.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from core.records import FieldState, FieldUpdate, RecordRef, WrittenBy


class Policy(enum.StrEnum):
    APP_OWNED = "app_owned"
    FILL_IF_EMPTY = "fill_if_empty"
    OVERWRITE_IF_OURS = "overwrite_if_ours"
    NEVER = "never"


class Action(enum.StrEnum):
    FILL = "fill"  # written into an empty field
    CHANGE = "change"  # written over leadq's own earlier value
    SAME = "same"  # already holds this value: no call
    HUMAN = "skip_human"  # a person (or another system) set it: left alone
    NOT_EMPTY = "skip_not_empty"
    NEVER = "skip_never"


@dataclass(frozen=True, slots=True)
class FieldDecision:
    ref: RecordRef
    key: str
    action: Action
    before: str | None
    after: str | None
    reason: str = ""

    @property
    def writes(self) -> bool:
        return self.action in (Action.FILL, Action.CHANGE)


def _empty(value: str | None) -> bool:
    return value is None or value == ""


def same_value(a: str | None, b: str | None) -> bool:
    """Equal as the CRM stores them: blanks match, numbers compare numerically ("80" == "80.0")."""
    if not a and not b:  # None and "" are both blank
        return True
    if not a or not b:
        return False
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def decide_field(
    ref: RecordRef,
    key: str,
    proposed: str | None,
    current: FieldState | None,
    last_written: str | None,
    has_ledger: bool,
    policy: Policy,
) -> FieldDecision:
    before = current.value if current else None
    if policy == Policy.NEVER:
        return FieldDecision(ref, key, Action.NEVER, before, proposed, "field is never written")
    if same_value(before, proposed):
        return FieldDecision(ref, key, Action.SAME, before, proposed)
    still_ours = has_ledger and same_value(before, last_written)
    someone_else = (
        not _empty(before)
        and not still_ours
        and (
            has_ledger
            or (current is not None and current.written_by in (WrittenBy.USER, WrittenBy.INTEGRATION))
        )
    )
    if someone_else and (current is None or current.written_by != WrittenBy.LEADQ):
        who = "a person" if current is not None and current.written_by == WrittenBy.USER else "someone else"
        return FieldDecision(ref, key, Action.HUMAN, before, proposed, f"{key} left as set by {who}")
    if _empty(before):
        return FieldDecision(ref, key, Action.FILL, before, proposed)
    if policy == Policy.APP_OWNED:
        return FieldDecision(ref, key, Action.CHANGE, before, proposed)
    if policy == Policy.FILL_IF_EMPTY:
        return FieldDecision(ref, key, Action.NOT_EMPTY, before, proposed, f"{key} already filled")
    if still_ours or (current is not None and current.written_by == WrittenBy.LEADQ):
        return FieldDecision(ref, key, Action.CHANGE, before, proposed)
    return FieldDecision(ref, key, Action.HUMAN, before, proposed, f"{key} not written by leadq: left alone")


def plan_writes(
    ref: RecordRef,
    proposed: Mapping[str, str | None],
    current: Mapping[str, FieldState],
    ledger: Mapping[str, str | None],
    policies: Mapping[str, Policy],
    default: Policy = Policy.NEVER,
) -> tuple[list[FieldUpdate], list[FieldDecision]]:
    """The updates the policies allow, and a decision for every proposed field (for previews and logs)."""
    decisions = [
        decide_field(
            ref, key, value, current.get(key), ledger.get(key), key in ledger, policies.get(key, default)
        )
        for key, value in proposed.items()
    ]
    updates = [FieldUpdate(ref, d.key, d.after) for d in decisions if d.writes]
    return updates, decisions
