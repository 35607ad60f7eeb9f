"""`leadq errors` as text: failing records grouped by cause with a total, or one cause in full."""

from __future__ import annotations

from storage import dead_letters, installations
from storage.db import Session

EXAMPLES = 3


class UnknownInstallation(LookupError):
    pass


class UnknownCause(LookupError):
    pass


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _retry_hint(installation_id: int) -> str:
    """What to do about a cause no known fix is named for: retrying helps when the CRM was busy."""
    return f"if the CRM was busy or down when it refused them, `leadq retry {installation_id}` fixes it"


def error_report(session: Session, installation_id: int, cause: int | None = None) -> list[str]:
    """The lines `leadq errors` prints. Raises UnknownInstallation or UnknownCause with a message."""
    if installations.get(session, installation_id) is None:
        raise UnknownInstallation(f"installation {installation_id} does not exist: `leadq status` lists them")
    groups = dead_letters.group_failures(session, installation_id)
    if cause is not None:
        chosen = next((g for g in groups if g.number == cause), None)
        if chosen is None:
            known = f"1 to {len(groups)}" if groups else "none: no record is failing"
            raise UnknownCause(
                f"no cause number {cause} for installation {installation_id} (causes: {known})"
            )
        lines = [f"cause {chosen.number}: {_plural(chosen.count, 'record')}: {chosen.text}"]
        lines.append(f"  {chosen.hint or _retry_hint(installation_id)}")
        for r in chosen.records:
            when = r.last_failed_at.strftime("%Y-%m-%d %H:%M UTC") if r.last_failed_at else "?"
            lines.append(
                f"  {r.object_type} {r.record_id}: {_plural(r.attempts, 'failed attempt')}, last {when}"
            )
        return lines
    if not groups:
        return [f"installation {installation_id}: no record is failing"]
    total = sum(g.count for g in groups)
    lines = [
        f"installation {installation_id}: {_plural(total, 'failing record')}, {_plural(len(groups), 'cause')}"
    ]
    for g in groups:
        more = f" and {g.count - EXAMPLES:,} more" if g.count > EXAMPLES else ""
        kinds = sorted({r.object_type for r in g.records})
        lines.append(f"[{g.number}] {_plural(g.count, 'record')}: {g.text}")
        lines.append(f"    {g.hint or _retry_hint(installation_id)}")
        lines.append(f"    e.g. {'/'.join(kinds)} {', '.join(g.examples(EXAMPLES))}{more}")
    lines.append(
        f"every record of a cause: `leadq errors {installation_id} --cause N`; "
        f"process them again: `leadq retry {installation_id}`"
    )
    return lines
