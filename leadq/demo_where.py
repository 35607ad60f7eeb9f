"""Where to look once the demo runs: the servers' URLs, a record as a rep sees it, and the CLI on the
running demo (or, with ``--no-serve``, what stays behind)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadq.demo import Demo


def _leadq_command() -> str:
    """How to call this leadq from the current directory: ``leadq`` when it is the one on the PATH,
    else its path (relative when it lies below here)."""
    mine = Path(sys.executable).parent / "leadq"
    if not mine.exists():
        return "leadq"
    found = shutil.which("leadq")
    if found is not None and Path(found).resolve() == mine.resolve():
        return "leadq"
    try:
        return str(mine.relative_to(Path.cwd()))
    except ValueError:
        return str(mine)


def _cli_lines(demo: Demo, serving: bool) -> list[str]:
    leadq = _leadq_command()
    inst = demo.installation_id
    then = (
        f"then, in a second terminal: {leadq} status; {leadq} errors {inst}; "
        f"{leadq} backfill {inst} --dry-run"
        if serving
        else f"then {leadq} status; {leadq} errors {inst} (what the demo left; the CRM stopped with it)"
    )
    return [
        f"  CLI on the demo:  export LEADQ_ENV_FILE={demo.env_file}  (its settings and keys, yours only)",
        f"                    {then}",
    ]


def where_to_look(demo: Demo) -> list[str]:
    """The servers' URLs, a record as a rep sees it, and the CLI on the running demo."""
    lines = [
        f"  admin app:        {demo.url}/  (user 'demo', password '{demo.admin_password}')",
        f"  sandbox CRM:      {demo.crm.base_url}",
    ]
    view = demo.side.rep_view(demo.crm)
    if view is not None:
        lines += [
            f"  as a rep sees it: {view.record}  ({view.what}, leadq's fields in the sidebar)",
            f"                    all records: {view.index}",
        ]
    return lines + _cli_lines(demo, serving=True)


def stopped(demo: Demo) -> list[str]:
    """With ``--no-serve``: the servers stop with this command, so no URL to them; the settings stay."""
    return [
        "  admin app:        stopped with the demo, as did its sandbox CRM and worker "
        "(without --no-serve they keep running)",
        *_cli_lines(demo, serving=False),
    ]
