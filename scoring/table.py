"""Leads from a CSV export read as real tools write it: the cells by column, and the 0/1 labels.

Handles comma/semicolon/tab separators, quoted fields, UTF-8/16/32 with or without a BOM (latin-1
when the bytes are not UTF-8) and ``Select``/``N/A``/blank as missing. What each column is
(numbers, dates, titles, e-mails) is inferred in scoring/columns.py.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from scoring.parse import is_missing


class TableError(ValueError):
    """The CSV cannot be used as asked (missing target column, one class, unreadable file)."""


# A cell longer than this is refused with the line it is on: Python's csv default (131,072
# characters), deliberately left as is because ``csv.field_size_limit`` is process-wide, and no
# cell of a lead export is that long (it usually means a quote that is never closed).
MAX_FIELD = 131_072
MAX_COLUMNS = 10_000  # CRM exports have hundreds at most; each column costs memory per row
_INTERN_LIMIT = 10_000  # distinct values per column shared as one string object (categories repeat)
_SNIFF = 65_536  # characters looked at for the separator and for binary content
_SAVE_AS = 'save it from your spreadsheet as "CSV UTF-8" and try again'
_EXPORT = "export the leads from your CRM or spreadsheet as CSV and try again"


@dataclass
class Table:
    """The cells of a CSV by column (one list per column, not one dict per row: F17)."""

    columns: list[str]
    cells: dict[str, list[str]]
    delimiter: str
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.cells[self.columns[0]]) if self.columns else 0

    def column(self, name: str) -> list[str]:
        return self.cells[name]

    def row(self, index: int) -> list[str]:
        return [self.cells[c][index] for c in self.columns]

    def keep(self, indices: Sequence[int]) -> None:
        """Keep only these rows, in this order."""
        self.cells = {name: [values[i] for i in indices] for name, values in self.cells.items()}


class _Lines:
    """The lines of a text stream for ``csv.reader``, noting when the stream ran out."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._lines, self.exhausted = iter(stream), False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            return next(self._lines)
        except StopIteration:
            self.exhausted = True
            raise


def _encoding(data: bytes) -> str:
    """The text encoding of a file's bytes: a BOM says; otherwise UTF-16 by its NULs, UTF-8 or latin-1."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 16:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"  # ASCII text as UTF-16 without a BOM: every second byte NUL
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 20):  # validate in 1 MiB steps: no second copy of the file
            decoder.decode(view[start : start + (1 << 20)], final=start + (1 << 20) >= len(data))
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


# The first bytes of files people pick by mistake: what the file is, and what to do instead.
_SIGNATURES = (
    (b"\x89PNG", "a PNG image", _EXPORT),
    (b"\xff\xd8\xff", "a JPEG image", _EXPORT),
    (b"GIF8", "a GIF image", _EXPORT),
    (b"%PDF", "a PDF document", _EXPORT),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)", f"unzip it, or {_SAVE_AS}"),
    (b"\xd0\xcf\x11\xe0", "an Excel workbook (.xls)", _SAVE_AS),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first (gunzip) and give leadq the CSV inside"),
    (b"SQLite format 3", "an SQLite database", _EXPORT),
)


def _not_a_csv(data: bytes | str) -> str | None:
    """What the file is instead of a CSV export (an image, a workbook, JSON, blank), or None."""
    if isinstance(data, bytes):
        for magic, what, fix in _SIGNATURES:
            if data.startswith(magic):
                return f"the file is {what}, not a CSV export of leads: {fix}"
        head = data[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n")
    else:
        head = data[:_SNIFF].lstrip("\ufeff \t\r\n").encode("utf-8", "replace")
    if not data:
        return f"the file is empty (0 bytes): {_EXPORT}"
    if not head.strip(b"\x00"):
        return f"the file holds only blank lines: {_EXPORT}"
    if head[:14].lower().startswith((b"<!doctype html", b"<html", b"<?xml")):
        what = "an XML document" if head.startswith(b"<?xml") else "a web page (HTML)"
        return f"the file is {what}, not a CSV export of leads: {_EXPORT}"
    if head[:1] in (b"{", b"[") and (head[1:2] in (b'"', b"{", b"[", b"\n", b"\r", b" ", b"]", b"}")):
        return (
            "the file is JSON, not CSV: leadq reads CSV exports (a header line naming the columns, "
            f"then one line per lead); {_EXPORT}"
        )
    return None


def _text(data: bytes | str) -> tuple[TextIO, str]:
    if isinstance(data, str):
        return io.StringIO(data.removeprefix("\ufeff"), newline=""), "utf-8"
    encoding = _encoding(data)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    return stream, encoding


def _csv_problem(exc: csv.Error, line: int) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return (
            f'line {line}: a cell is longer than {MAX_FIELD:,} characters; usually a quote (") that is '
            "never closed, or the file is not a CSV export of leads"
        )
    return f"line {line}: the file cannot be read as CSV ({message})"


def _records(lines: _Lines, reader: Any, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each record, with every reading problem as a ``TableError``."""
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TableError(_csv_problem(exc, start)) from None
        except UnicodeDecodeError:
            raise TableError(
                f"the file is not valid {encoding.upper()} text (after line {start - 1}): {_SAVE_AS}"
            ) from None
        if lines.exhausted:
            raise TableError(
                f'line {start}: a quoted cell is never closed (a " without its closing "), '
                "so the rest of the file would be read as one cell"
            )
        yield start, record


def read_csv(data: bytes | str) -> Table:
    """Parse CSV bytes/text: encoding (BOMs, UTF-16), separator sniffing, quoted fields.

    The text is decoded and parsed as a stream and kept by column, so memory grows with the cells
    (repeated values stored once), not with a dict per row. Every problem is a ``TableError``
    saying what is wrong and on which line.
    """
    problem = _not_a_csv(data)
    if problem:
        raise TableError(problem)
    stream, encoding = _text(data)
    try:
        first = stream.readline()
    except UnicodeDecodeError:
        raise TableError(f"the file is not valid {encoding.upper()} text: {_SAVE_AS}") from None
    if not first.strip():
        raise TableError(
            "the first line is blank: it should name the columns (a CSV export's header); "
            "remove the blank lines at the top of the file"
        )
    sample = first[:_SNIFF]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    if controls > 0.05 * len(sample):
        raise TableError(
            f"the file is not text (binary content): is it a CSV export of leads? {_EXPORT[0].upper()}"
            f"{_EXPORT[1:]}"
        )
    counts = {d: sample.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise TableError(
            "the file has a single column (no comma, semicolon or tab in its first line): "
            f"is it a CSV export of leads? {_EXPORT[0].upper()}{_EXPORT[1:]}"
        )
    lines = _Lines(itertools.chain([first], stream))
    reader = csv.reader(lines, delimiter=delimiter)
    records = _records(lines, reader, encoding)
    header = [h.strip() for h in next(records)[1]]
    if len(header) > MAX_COLUMNS:
        raise TableError(
            f"the file has {len(header):,} columns (at most {MAX_COLUMNS:,}): is it a CSV export of leads?"
        )
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise TableError(f"duplicate column names: {_listed(dupes)}")
    columns: list[list[str]] = [[] for _ in header]
    pools: list[dict[str, str]] = [{} for _ in header]
    width = len(header)
    for _line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        for j in range(width):
            value = record[j].strip() if j < len(record) else ""
            pool = pools[j]
            shared = pool.get(value)
            if shared is None:
                if len(pool) < _INTERN_LIMIT:
                    pool[value] = value
                shared = value
            columns[j].append(shared)
    if not columns[0]:
        raise TableError(
            "the file has a header line but no rows of leads: export it again with the leads included"
        )
    return Table(header, dict(zip(header, columns, strict=True)), delimiter)


def _listed(names: Sequence[str], limit: int = 20) -> str:
    """Names joined for a message, at most ``limit`` of them."""
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit:,} more)" if len(names) > limit else "")


POSITIVE_WORDS = ("1", "yes", "true", "y", "won", "converted", "closed won", "closedwon", "customer", "t")


_OUTCOME_NAME = re.compile(
    r"won|win|convert|closed|status|stage|outcome|result|target|label|deal|customer", re.I
)
_SHOWN_CANDIDATES = 8


def _spellings(values: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Each present value, lowercased, with its most common spelling and how many rows hold it."""
    counts = Counter(v for v in values if not is_missing(v))
    out: dict[str, tuple[str, int]] = {}
    for value, count in counts.most_common():
        key = value.lower()
        spelling, total = out.get(key, (value, 0))
        out[key] = (spelling, total + count)
    return out


def _values_seen(spellings: dict[str, tuple[str, int]], limit: int = 6) -> str:
    """``0 (6,000 rows) and 1 (3,240 rows)``: the values of a column with their row counts."""
    ranked = sorted(spellings.values(), key=lambda sc: -sc[1])  # most common first when many
    if len(ranked) <= limit:  # a few: in their natural order (0 then 1, No then Yes)
        ranked.sort(key=lambda sc: (not sc[0].isdigit(), int(sc[0]) if sc[0].isdigit() else 0, sc[0].lower()))
    shown = [
        f"{spelling if spelling.isdigit() else repr(spelling)} ({count:,} row{'' if count == 1 else 's'})"
        for spelling, count in ranked[:limit]
    ]
    if len(ranked) > limit:
        shown.append(f"{len(ranked) - limit:,} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _outcome_candidates(table: Table, target: str) -> tuple[list[str], list[str]]:
    """Columns that could be the outcome: the ones named like ``target`` (any case, near spellings),
    then the two-valued ones and those named like an outcome (won, converted, status ...)."""
    close = [c for c in table.columns if c.lower() == target.lower()]
    close += [c for c in difflib.get_close_matches(target, table.columns, n=3, cutoff=0.6) if c not in close]
    named, two_valued = [], []
    for name in table.columns:
        if name in close:
            continue
        distinct = {v.lower() for v in table.column(name)[:5000] if not is_missing(v)}
        if _OUTCOME_NAME.search(name) and 2 <= len(distinct) <= 10:
            named.append(name)
        elif len(distinct) == 2:
            two_valued.append(name)
    return close, named + two_valued


def _unknown_target(table: Table, target: str) -> TableError:
    close, likely = _outcome_candidates(table, target)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if close and close[0].lower() == target.lower():
        listing = ""  # a name that differs only in case is the answer
    elif close[1:] + likely:
        other = "other " if hint else ""
        listing = (
            f"; {other}columns that could be the outcome: {_listed(close[1:] + likely, _SHOWN_CANDIDATES)}"
        )
    elif not close:
        listing = f"; no column looks like an outcome (two values); the columns are: {_listed(table.columns)}"
    else:
        listing = ""
    return TableError(
        f"target column {target!r} is not in the file{hint}{listing}; give the outcome column with --target"
    )


def labels_for(table: Table, target: str, positive: str | None) -> tuple[list[int | None], str]:
    """0/1 per row (None where the target is blank) and the positive value used."""
    if target not in table.columns:
        raise _unknown_target(table, target)
    values = table.column(target)
    spellings = _spellings(values)
    if len(spellings) < 2:
        only = next(iter(spellings.values()), ("(nothing)", 0))[0]
        raise TableError(
            f"target column {target!r} has a single class ({only!r}): nothing to learn from; "
            "leadq needs leads that converted and leads that did not"
        )
    if positive is None:
        candidates = [v for v in spellings if v in POSITIVE_WORDS]
        if len(spellings) == 2 and len(candidates) == 1:
            positive = candidates[0]
        else:
            raise TableError(
                f"target column {target!r} has values {_values_seen(spellings)}: "
                "say which one is the positive outcome with --positive"
            )
    positive_l = positive.strip().lower()
    if positive_l not in spellings:
        raise TableError(
            f"--positive {positive!r} never occurs in {target!r}; its values are {_values_seen(spellings)}: "
            "give one of them with --positive"
        )
    return [None if is_missing(v) else int(v.lower() == positive_l) for v in values], positive
