"""Leads from a CSV export read as real tools write it: the cells by column, and the 0/1 labels.

Handles comma/semicolon/tab separators, quoted fields, UTF-8/16/32 with or without a BOM (latin-1
when the bytes are not UTF-8) and ``Select``/``N/A``/blank as missing. What each column is
(numbers, dates, titles, e-mails) is inferred in scoring/columns.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
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
    stream, encoding = _text(data)
    try:
        first = stream.readline()
    except UnicodeDecodeError:
        raise TableError(f"the file is not valid {encoding.upper()} text: {_SAVE_AS}") from None
    if not first:
        raise TableError("the file is empty")
    if not first.strip():
        raise TableError("the first line is blank: it should name the columns (a CSV export's header)")
    sample = first[:_SNIFF]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    if controls > 0.05 * len(sample):
        raise TableError("the file is not text (binary content): is it a CSV export of leads?")
    counts = {d: sample.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise TableError("the file has a single column: is it a CSV export of leads?")
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
        raise TableError("the file has a header line but no rows of leads")
    return Table(header, dict(zip(header, columns, strict=True)), delimiter)


def _listed(names: Sequence[str], limit: int = 20) -> str:
    """Names joined for a message, at most ``limit`` of them."""
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit:,} more)" if len(names) > limit else "")


POSITIVE_WORDS = ("1", "yes", "true", "y", "won", "converted", "closed won", "closedwon", "customer", "t")


def labels_for(table: Table, target: str, positive: str | None) -> tuple[list[int | None], str]:
    """0/1 per row (None where the target is blank) and the positive value used."""
    if target not in table.columns:
        close = [c for c in table.columns if c.lower() == target.lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TableError(
            f"target column {target!r} is not in the file{hint}; columns: {_listed(table.columns)}"
        )
    values = table.column(target)
    present = Counter(v.lower() for v in values if not is_missing(v))
    if len(present) < 2:
        only = next(iter(present), "(nothing)")
        raise TableError(f"target column {target!r} has a single class ({only!r}): nothing to learn from")
    if positive is None:
        candidates = [v for v in present if v in POSITIVE_WORDS]
        if len(present) == 2 and len(candidates) == 1:
            positive = candidates[0]
        else:
            raise TableError(
                f"target column {target!r} has values {sorted(present)[:10]}: "
                "say which one is the positive outcome with --positive"
            )
    positive_l = positive.strip().lower()
    if positive_l not in present:
        raise TableError(f"--positive {positive!r} never occurs in {target!r}")
    return [None if is_missing(v) else int(v.lower() == positive_l) for v in values], positive
