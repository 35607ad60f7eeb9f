"""Leads from a CSV export: read it as real tools write it, infer what each column is.

Handles comma/semicolon/tab separators, quoted fields, UTF-8/16/32 with or without a BOM (latin-1
when the bytes are not UTF-8), ``Select``/``N/A``
/blank as missing, decimal commas, and dates in common formats. Columns become
numeric, categorical, date or free-text features; ID-like and constant columns
are dropped; job-title and e-mail columns are read with leadq's own parsers.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO, overload

from scoring.encoding import CATEGORICAL, NUMERIC
from scoring.parse import is_missing, parse_email
from scoring.titles import parse_title

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M",
    "%b %d, %Y",
    "%d %b %Y",
)
_ID_NAME = re.compile(r"(^id$|[ _-]id$|^id[ _-]|uuid|guid|^key$|[ _]number$|^number$|^record|^row)", re.I)
_HEXISH = re.compile(r"^[0-9a-f-]{16,}$", re.I)


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
class ColumnInfo:
    name: str
    kind: str  # numeric | categorical | date | text | title | email | dropped
    reason: str = ""
    date_format: str | None = None
    decimal_comma: bool = False


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


class FeatureRow(Mapping[str, object]):
    """One row of a ``FeatureRows``: a read-only ``{feature: value}`` view, no dict of its own."""

    __slots__ = ("_columns", "_index")

    def __init__(self, columns: dict[str, list[object]], index: int) -> None:
        self._columns, self._index = columns, index

    def __getitem__(self, key: str) -> object:
        return self._columns[key][self._index]

    def get(self, key: str, default: object = None) -> object:
        column = self._columns.get(key)
        return default if column is None else column[self._index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


class FeatureRows(Sequence[Mapping[str, object]]):
    """Feature values stored by column and read as rows: what encoders and models iterate over."""

    def __init__(self, columns: dict[str, list[object]], length: int) -> None:
        self.columns, self._length = columns, length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Mapping[str, object]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, object]]: ...

    def __getitem__(self, index: int | slice) -> Mapping[str, object] | Sequence[Mapping[str, object]]:
        if isinstance(index, slice):
            return self.take(range(*index.indices(self._length)))
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("row index out of range")
        return FeatureRow(self.columns, index)

    def __iter__(self) -> Iterator[Mapping[str, object]]:
        columns = self.columns
        return (FeatureRow(columns, i) for i in range(self._length))

    def take(self, indices: Iterable[int]) -> FeatureRows:
        """These rows, in this order, as a new ``FeatureRows``."""
        chosen = [int(i) for i in indices]
        return FeatureRows({k: [v[i] for i in chosen] for k, v in self.columns.items()}, len(chosen))


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


def _parse_number(text: str, decimal_comma: bool) -> float | None:
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    value = re.sub(r"^[$€£]|%$", "", value)
    if decimal_comma:
        value = value.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", value):
        value = value.replace(",", "")
    try:
        return float(value)
    except ValueError:
        return None


def parse_date(text: str, fmt: str | None = None) -> datetime | None:
    value = text.strip()
    formats = (fmt,) if fmt else DATE_FORMATS
    for candidate in formats:
        try:
            parsed = datetime.strptime(value, candidate)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_format(values: list[str]) -> str | None:
    for fmt in DATE_FORMATS:
        ok = sum(1 for v in values if parse_date(v, fmt) is not None)
        if ok >= 0.95 * len(values):
            return fmt
    return None


def infer_column(name: str, values: Sequence[str], n_rows: int) -> ColumnInfo:
    present = [v for v in values if not is_missing(v)]
    if not present:
        return ColumnInfo(name, "dropped", "always empty")
    distinct = len(set(present))
    if distinct == 1 and len(present) == n_rows:
        return ColumnInfo(name, "dropped", "constant")
    unique_ratio = distinct / len(present)
    sample = present[:2000]
    if (
        unique_ratio > 0.9
        and len(present) > 20
        and (
            _ID_NAME.search(name)
            or sum(bool(_HEXISH.match(v)) for v in sample) > 0.9 * len(sample)
            or all(v.isdigit() for v in sample)
        )
    ):
        return ColumnInfo(name, "dropped", "looks like an identifier")
    if sum("@" in v for v in sample) > 0.8 * len(sample):
        return ColumnInfo(name, "email")
    for decimal_comma in (False, True):
        if sum(_parse_number(v, decimal_comma) is not None for v in sample) >= 0.95 * len(sample):
            if distinct <= 2:
                return ColumnInfo(name, CATEGORICAL)
            return ColumnInfo(name, NUMERIC, decimal_comma=decimal_comma)
    fmt = _date_format(sample[:300])
    if fmt:
        return ColumnInfo(name, "date", date_format=fmt)
    if re.search(r"title|job|position|cargo|puesto", name, re.I):
        return ColumnInfo(name, "title")
    average_length = sum(len(v) for v in sample) / len(sample)
    if unique_ratio > 0.5 and average_length > 25:
        return ColumnInfo(name, "text", "free text: only whether it is filled in is used")
    return ColumnInfo(name, CATEGORICAL)


def infer_columns(table: Table, skip: Sequence[str]) -> list[ColumnInfo]:
    n = len(table)
    return [infer_column(c, table.column(c), n) for c in table.columns if c not in skip]


def feature_rows(table: Table, infos: Sequence[ColumnInfo]) -> tuple[FeatureRows, dict[str, str]]:
    """Rows of named feature values (stored by column) plus each feature's encoder kind."""
    kinds: dict[str, str] = {}
    columns: dict[str, list[object]] = {}
    n = len(table)
    for info in infos:
        raw = table.column(info.name) if info.name in table.cells else [""] * n
        missing = [is_missing(v) for v in raw]
        if info.kind == NUMERIC:
            kinds[info.name] = info.kind
            columns[info.name] = [
                None if gone else _parse_number(v, info.decimal_comma)
                for v, gone in zip(raw, missing, strict=True)
            ]
        elif info.kind == CATEGORICAL:
            kinds[info.name] = info.kind
            pool: dict[str, str] = {}
            columns[info.name] = [
                None if gone else pool.setdefault(v, v.strip().lower())
                for v, gone in zip(raw, missing, strict=True)
            ]
        elif info.kind == "date":
            kinds[f"{info.name} (weekday)"] = CATEGORICAL
            when = [
                None if gone else parse_date(v, info.date_format)
                for v, gone in zip(raw, missing, strict=True)
            ]
            columns[f"{info.name} (weekday)"] = [None if w is None else w.strftime("%a") for w in when]
        elif info.kind == "title":
            kinds[f"{info.name} (seniority)"] = CATEGORICAL
            kinds[f"{info.name} (function)"] = CATEGORICAL
            parsed = [parse_title(None if gone else v) for v, gone in zip(raw, missing, strict=True)]
            columns[f"{info.name} (seniority)"] = [p.seniority for p in parsed]
            columns[f"{info.name} (function)"] = [p.function for p in parsed]
        elif info.kind == "email":
            kinds[f"{info.name} (kind)"] = CATEGORICAL
            columns[f"{info.name} (kind)"] = [
                parse_email(None if gone else v).kind for v, gone in zip(raw, missing, strict=True)
            ]
        elif info.kind == "text":
            kinds[f"{info.name} (filled in)"] = CATEGORICAL
            columns[f"{info.name} (filled in)"] = ["no" if gone else "yes" for gone in missing]
    return FeatureRows(columns, n), kinds


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
