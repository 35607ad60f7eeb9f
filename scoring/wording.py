"""Counts in words, for reasons a rep reads: "1 form", "3 forms", never "form(s)"."""

from __future__ import annotations


def counted(count: int | str, noun: str) -> str:
    """A count (or a range in words, "2-4") with its noun, singular only for exactly one."""
    return f"{count} {noun}" if str(count) in ("1", "1.0") else f"{count} {noun}s"
