"""leadq's values as the CRM field types store them: one pure function per field type.

Every value leadq writes goes through here, so what the CRM shows is the value decided:
numbers keep their integer digits (80 stays "80"), ties round half up as a person would,
probabilities become percentages where the field is a percent field, text is cut at the
field's length with a visible marker and never inside a character, ``None`` clears the field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import overload

from core.records import CrmKind

MARKER = "…"
# Long text as leadq provisions it: Salesforce LongTextArea(32768) (connector/salesforce/provisioning.py);
# a HubSpot string property holds at most 65,536 characters. Both count UTF-16 code units at most
# as generously as this module does, so a value that fits here fits there.
LONG_TEXT_LIMIT = {CrmKind.HUBSPOT: 65_536, CrmKind.SALESFORCE: 32_768}
# Short text: a Salesforce Text(80) field; a HubSpot single-line string has the same 65,536 limit.
TEXT_LIMIT = {CrmKind.HUBSPOT: 65_536, CrmKind.SALESFORCE: 80}
PERCENT_DIGITS = 2  # 90.43%: a Salesforce Percent(5, 2), a HubSpot number shown as a percentage


def _decimal(value: float) -> Decimal:
    try:
        number = Decimal(repr(float(value)))  # the shortest text of the float: 0.125 is 0.125, not 0.1249…
    except (InvalidOperation, ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def _text_of(number: Decimal, digits: int) -> str:
    # Enough precision for every digit of the result: a huge value must not overflow the default 28.
    context = Context(prec=max(28, number.adjusted() + digits + 2), rounding=ROUND_HALF_UP)
    rounded = number.quantize(Decimal(1).scaleb(-digits), context=context)
    text = f"{rounded:f}"
    if "." in text:  # only fractional zeros go: "90.40" -> "90.4", "80" stays "80"
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number(value: float | None, digits: int = 0) -> str | None:
    """A number rounded to ``digits`` decimals (ties half up), as the CRM's number field parses it."""
    if value is None:
        return None
    if digits < 0:
        raise ValueError("digits must be zero or more")
    return _text_of(_decimal(value), digits)


def percent(probability: float | None, digits: int = PERCENT_DIGITS) -> str | None:
    """A probability (0-1) as a percent field stores it: 0.9043 -> "90.43" (shown as 90.43%)."""
    if probability is None:
        return None
    share = _decimal(probability)
    if not Decimal(0) <= share <= Decimal(1):
        raise ValueError(f"a probability lies between 0 and 1, got {probability!r}")
    return _text_of(share * 100, digits)


def enumeration(value: str | None, options: Sequence[str]) -> str | None:
    """An option's internal value, checked against the field's options (the CRM refuses others)."""
    if value is None or value == "":
        return None
    if value not in options:
        raise ValueError(f"{value!r} is not one of the options {', '.join(options)}")
    return value


@overload
def date_time(when: datetime) -> str: ...
@overload
def date_time(when: None) -> None: ...
@overload
def date_time(when: datetime | None) -> str | None: ...
def date_time(when: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC to the second, which both CRMs accept for date-time fields."""
    if when is None:
        return None
    if when.tzinfo is None:
        raise ValueError("a date-time written to the CRM needs a time zone")
    return when.astimezone(UTC).isoformat(timespec="seconds")


def utf16_length(text: str) -> int:
    """Length as the CRMs count it: characters outside the Basic Multilingual Plane count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _joins_previous(ch: str) -> bool:
    """Characters that belong to the one before them: combining marks, joiners, variation
    selectors, emoji skin tones. A cut before one of them would split what a person sees as one."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or code in (0x200C, 0x200D)
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F  # tag characters of flag sequences
    )


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _splits_flag(text: str, cut: int) -> bool:
    """A flag is a pair of regional indicators: a cut after an odd run of them splits one."""
    if not _is_regional(text[cut]):
        return False
    run = 0
    while cut - run - 1 >= 0 and _is_regional(text[cut - run - 1]):
        run += 1
    return run % 2 == 1


def long_text(text: str | None, limit: int) -> str | None:
    """Text that fits a field of ``limit`` characters: longer text ends in "…" at a character boundary."""
    if text is None or text == "":
        return None
    if limit < 1:
        raise ValueError("a text field holds at least one character")
    if utf16_length(text) <= limit:
        return text
    budget = limit - utf16_length(MARKER)
    cut, used = 0, 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > budget:
            break
        used += size
        cut += 1
    # Step back to the start of a whole character: no mark without its letter, no half emoji sequence.
    while cut > 0 and (_joins_previous(text[cut]) or text[cut - 1] == "\u200d" or _splits_flag(text, cut)):
        cut -= 1
    return text[:cut].rstrip() + MARKER


def _word_cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` at the end of a word, ending in the marker; a single word longer than
    the field is cut at a character boundary (there is no word end to cut at)."""
    cut = long_text(text, limit) or ""
    if not cut.endswith(MARKER) or cut == text:
        return cut
    kept = cut[: -len(MARKER)]
    if text[len(kept) : len(kept) + 1].isspace() or not kept:
        return cut
    words = kept.rstrip()
    end = max(words.rfind(" "), words.rfind("\t"))
    return (words[:end].rstrip() + MARKER) if end > 0 else cut


def lines_text(head: str, body: Sequence[str], tail: str | None, limit: int) -> str | None:
    """Lines for a multi-line field of ``limit`` characters: ``head`` first, the ``body`` lines, then
    ``tail``. When they do not all fit, whole body lines go from the end and a "…" line says so; the
    tail stays if it fits after the head; the head always stays (alone, cut at a word end, if it
    alone is too long). Body and tail lines are never cut, words never split."""
    if limit < 1:
        raise ValueError("a text field holds at least one character")
    lines = [head, *body, *([tail] if tail else [])]
    whole = "\n".join(lines)
    if whole == "":
        return None
    if utf16_length(whole) <= limit:
        return whole
    if utf16_length(head) > limit:  # the summary alone is too long: it is all the field holds
        return _word_cut(head, limit)
    first = head
    room = limit - utf16_length(first)
    end = [tail] if tail and utf16_length(tail) + 1 <= room - 2 else []  # room for "\n…" too
    room -= sum(utf16_length(t) + 1 for t in end) + 1 + utf16_length(MARKER)
    kept: list[str] = []
    for line in body:
        size = utf16_length(line) + 1
        if size > room:
            break
        kept.append(line)
        room -= size
    if room < 0:  # not even the marker fits after the head
        return first
    return "\n".join([first, *kept, MARKER, *end])
