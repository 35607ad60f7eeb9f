"""Log redaction cost with many registered tokens (F16 of the security review).

    .venv/bin/python bench/redact_bench.py [--tokens 200000] [--json FILE]

Registers TOKENS distinct 90-character tokens (as a long-running worker serving many portals would),
then times ``redact()`` on a typical log line holding one recent token, and reports how many values
the registry keeps. Before the fix every call sorted all registered values and scanned the text once
per value (100,000 tokens: 27 ms per call); now the cost depends on the length of the text only.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import core.logging as leadq_logging


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--json", type=Path, help="merge the figures into this JSON file")
    args = parser.parse_args()
    rng = random.Random(16)
    last = ""
    started = time.perf_counter()
    for _ in range(args.tokens):
        last = "pat-na1-" + base64.urlsafe_b64encode(rng.randbytes(63)).decode()
        leadq_logging.register_secret(last)
    register_us = (time.perf_counter() - started) / args.tokens * 1e6
    line = (
        f"hubspot.token.refreshed installation=42 response={{'access_token': '{last}', 'expires_in': 1800}}"
    )
    assert last not in leadq_logging.redact(line)
    started = time.perf_counter()
    for _ in range(args.calls):
        leadq_logging.redact(line)
    redact_us = (time.perf_counter() - started) / args.calls * 1e6
    kept = len(leadq_logging._registry)
    print(
        f"redact: {args.tokens:,} tokens registered ({register_us:.1f} us each), {kept:,} kept; "
        f"{redact_us:.1f} us per redact() of a {len(line)}-character line"
    )
    if args.json:
        from bench.figures import emit

        emit(
            args.json,
            {
                "log_redaction": {
                    "tokens": args.tokens,
                    "kept": kept,
                    "register_us": round(register_us, 1),
                    "redact_us": round(redact_us, 1),
                },
            },
        )


if __name__ == "__main__":
    main()
