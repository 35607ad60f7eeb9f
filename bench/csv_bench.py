"""``leadq evaluate`` on a large CSV export: wall time and peak memory (F17 of the security review).

    .venv/bin/python bench/csv_bench.py [--rows 200000] [--columns 30] [--json FILE]

Writes a seeded export of ROWS leads x COLUMNS columns (200,000 x 30 is about 37 MB: ids, dates,
titles, e-mails, numbers, categories, free text and the outcome) to a temporary folder, then runs
``leadq evaluate`` on it in a child process and reports the child's wall time and peak RSS
(``ru_maxrss`` of the child, the figure ``/usr/bin/time -v`` calls "Maximum resident set size").
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TITLES = ["VP Sales", "Head of RevOps", "CEO", "Intern", "Student", "Sales Manager", "Engineer", "CTO", ""]
SOURCES = ["Google", "Referral", "Webinar", "Direct", "Partner", "N/A", "Select"]
COUNTRIES = ["India", "United States", "Germany", "France", "Brazil", "Japan", "N/A", ""]


def write_export(path: Path, rows: int, columns: int = 30, seed: int = 11) -> None:
    """A seeded lead export with ``columns`` columns (at least 10); the outcome is ``Converted``."""
    rng = random.Random(seed)
    extra = max(columns - 10, 0)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Lead Id", "Created", "Job Title", "Email", "Lead Source", "Country", "Visits", "Time on site"]
            + [f"Metric {k}" if k % 2 else f"Segment {k}" for k in range(extra)]
            + ["Notes", "Converted"]
        )
        for i in range(rows):
            title, source, visits = rng.choice(TITLES), rng.choice(SOURCES), rng.randint(0, 12)
            senior = title in ("VP Sales", "Head of RevOps", "CEO")
            signal = senior * 1.5 + 0.25 * visits + (source == "Referral")
            won = "1" if rng.random() < 1 / (1 + 2.718 ** -(signal - 3)) else "0"
            writer.writerow(
                [
                    str(700000 + i),
                    f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    title,
                    rng.choice([f"p{i}@acme{i % 50}.com", f"p{i}@gmail.com", ""]),
                    source,
                    rng.choice(COUNTRIES),
                    str(visits),
                    f"{rng.uniform(0, 900):.1f}",
                ]
                + [str(rng.randint(0, 999_999)) if k % 2 else f"s{rng.randint(0, 40)}" for k in range(extra)]
                + [rng.choice(["", "called, no answer", "asked for a demo next quarter"]), won]
            )


def run_evaluate(path: Path) -> tuple[float, int, int, str]:
    """(seconds, peak RSS in bytes of the child, exit status, output) of ``leadq evaluate PATH``."""
    code = "from leadq.cli import main; main()"
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-c", code, "evaluate", str(path), "--target", "Converted"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kilobytes on Linux
    return elapsed, peak, done.returncode, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="write the export here (and keep it) instead of a temp dir")
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "export.csv"
        write_export(path, args.rows, args.columns)
        size = path.stat().st_size
        elapsed, peak, status, output = run_evaluate(path)
    print(output.strip().splitlines()[-1] if output.strip() else "(no output)")
    print(
        f"evaluate: {args.rows:,} rows x {args.columns} columns ({size / 1e6:.1f} MB) in {elapsed:.1f}s, "
        f"peak RSS {peak / 2**20:,.0f} MiB, exit {status}"
    )
    if args.json:
        from bench.figures import emit

        emit(
            args.json,
            {
                "csv_evaluate": {
                    "rows": args.rows,
                    "columns": args.columns,
                    "megabytes": round(size / 1e6, 1),
                    "seconds": round(elapsed, 1),
                    "peak_rss_mib": round(peak / 2**20),
                    "exit": status,
                },
            },
        )
    if status != 0:
        raise SystemExit(status)


if __name__ == "__main__":
    main()
