"""Leads from a CSV export: read it as real tools write it, infer what each column is.

Handles comma/semicolon/tab separators, quoted fields, a BOM, ``Select``/``N/A``
/blank as missing, decimal commas, and dates in common formats. Columns become
numeric, categorical, date or free-text features; ID-like and constant columns
are dropped; job-title and e-mail columns are read with leadq's own parsers.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


@dataclass
class ColumnInfo:
    name: str
    kind: str  # numeric | categorical | date | text | title | email | dropped
    reason: str = ""
    date_format: str | None = None
    decimal_comma: bool = False


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, str]]
    delimiter: str
    notes: list[str] = field(default_factory=list)


def read_csv(data: bytes | str) -> Table:
    """Parse CSV bytes/text: BOM, separator sniffing, quoted fields."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        text = data.lstrip("\ufeff")
    sample = text[:20000]
    counts = {d: sample.splitlines()[0].count(d) if sample else 0 for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise TableError("the file has a single column: is it a CSV export of leads?")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError("the file is empty") from None
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise TableError(f"duplicate column names: {', '.join(dupes)}")
    rows = []
    for line in reader:
        if not any(cell.strip() for cell in line):
            continue
        rows.append({h: (line[i].strip() if i < len(line) else "") for i, h in enumerate(header)})
    return Table(header, rows, delimiter)


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
    n = len(table.rows)
    return [infer_column(c, [r[c] for r in table.rows], n) for c in table.columns if c not in skip]


def feature_rows(table: Table, infos: Sequence[ColumnInfo]) -> tuple[list[dict[str, object]], dict[str, str]]:
    """Rows of named feature values plus each feature's encoder kind."""
    kinds: dict[str, str] = {}
    for info in infos:
        if info.kind in (NUMERIC, CATEGORICAL):
            kinds[info.name] = info.kind
        elif info.kind == "date":
            kinds[f"{info.name} (weekday)"] = CATEGORICAL
        elif info.kind == "title":
            kinds[f"{info.name} (seniority)"] = CATEGORICAL
            kinds[f"{info.name} (function)"] = CATEGORICAL
        elif info.kind == "email":
            kinds[f"{info.name} (kind)"] = CATEGORICAL
        elif info.kind == "text":
            kinds[f"{info.name} (filled in)"] = CATEGORICAL
    rows: list[dict[str, object]] = []
    for raw in table.rows:
        row: dict[str, object] = {}
        for info in infos:
            value = raw.get(info.name, "")
            missing = is_missing(value)
            if info.kind == NUMERIC:
                row[info.name] = None if missing else _parse_number(value, info.decimal_comma)
            elif info.kind == CATEGORICAL:
                row[info.name] = None if missing else value.strip().lower()
            elif info.kind == "date":
                when = None if missing else parse_date(value, info.date_format)
                row[f"{info.name} (weekday)"] = None if when is None else when.strftime("%a")
            elif info.kind == "title":
                parsed = parse_title(None if missing else value)
                row[f"{info.name} (seniority)"] = parsed.seniority
                row[f"{info.name} (function)"] = parsed.function
            elif info.kind == "email":
                row[f"{info.name} (kind)"] = parse_email(None if missing else value).kind
            elif info.kind == "text":
                row[f"{info.name} (filled in)"] = "no" if missing else "yes"
        rows.append(row)
    return rows, kinds


POSITIVE_WORDS = ("1", "yes", "true", "y", "won", "converted", "closed won", "closedwon", "customer", "t")


def labels_for(table: Table, target: str, positive: str | None) -> tuple[list[int | None], str]:
    """0/1 per row (None where the target is blank) and the positive value used."""
    if target not in table.columns:
        close = [c for c in table.columns if c.lower() == target.lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TableError(
            f"target column {target!r} is not in the file{hint}; columns: {', '.join(table.columns)}"
        )
    values = [r[target].strip() for r in table.rows]
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
