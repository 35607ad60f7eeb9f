"""What each column of a CSV export is, and the feature values it gives.

Columns become numeric, categorical, date or free-text features; ID-like and constant columns are
dropped; job-title and e-mail columns are read with leadq's own parsers. Numbers may use decimal
commas, dates any of the common formats. Feature values are stored by column and read as rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import overload

from scoring.encoding import CATEGORICAL, NUMERIC
from scoring.parse import is_missing, parse_email
from scoring.table import Table
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


@dataclass
class ColumnInfo:
    name: str
    kind: str  # numeric | categorical | date | text | title | email | dropped
    reason: str = ""
    date_format: str | None = None
    decimal_comma: bool = False


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
