"""One installation's rows of a table read as column arrays, for ``storage.monitor_reads``.

A million rows come back as one text per column (the values joined by the unit separator, in the
same row order for every column: one scan fills every aggregate in the same pass), which numpy
parses; a text column is coded (its few distinct values and each row's index into them), so
nothing builds a Python object per row but the split strings."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from monitoring.frames import Floats, Texts

Ints = npt.NDArray[np.int64]
Text = str | bytes  # a column's values joined, as the driver hands them over
SEPARATOR = chr(31)  # the unit separator: in no id, version or number
SCALE = 1_000_000  # probabilities and priorities travel as millionths
NULL_MARK = chr(30)  # a text column's NULL (the aggregates skip NULLs: it would shift the rows)


def epoch(conn: Connection, column: str) -> str:
    """SQL for ``column`` (a UTC stamp) as whole epoch seconds, NULL stays NULL."""
    if conn.dialect.name == "sqlite":
        version = getattr(conn.dialect.dbapi, "sqlite_version_info", (0, 0, 0))
        if tuple(version) >= (3, 38, 0):
            return f"unixepoch({column})"  # ten times faster than strftime's text round trip
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def mark(conn: Connection) -> str:
    """The driver's placeholder for one positional parameter (sqlite3: ?, psycopg: %s)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def scaled_sql(column: str) -> str:
    """SQL for a number as whole millionths, -1 for NULL."""
    return f"COALESCE(CAST(ROUND({column} * {SCALE}) AS BIGINT), -1)"


def nullable_sql(conn: Connection, column: str) -> str:
    """SQL for a column as text, NULL as ``NULL_MARK``."""
    null = "char(30)" if conn.dialect.name == "sqlite" else "chr(30)"
    return f"COALESCE(CAST({column} AS TEXT), {null})"


def columns(
    conn: Connection, table: str, exprs: Sequence[str], where: str, installation_id: int
) -> list[Text]:
    """Each expression over the installation's rows of ``table`` (and ``where``, constant SQL), as
    one text of the values in the same row order (joined by the unit separator). The aggregates
    take no ORDER BY (PostgreSQL would sort the rows again for each): they all see the rows of the
    one scan in the same order, and the caller sorts by a column it read. SQLite hands them over
    as bytes (no decoding of a text of hundreds of megabytes); the values are decoded once each
    distinct value."""
    if conn.dialect.name == "sqlite":
        aggs = [f"CAST(group_concat({e}, char(31)) AS BLOB)" for e in exprs]
    else:
        aggs = [f"string_agg(CAST({e} AS TEXT), chr(31))" for e in exprs]
    sql = (
        f"SELECT {', '.join(aggs)} FROM {table} "  # noqa: S608 - constant SQL only; the id is bound
        f"WHERE +installation_id = {mark(conn)}{where}"
    )
    row = conn.exec_driver_sql(sql, (installation_id,)).fetchone()
    return [value or "" for value in (row or [None] * len(exprs))]


def split(text: Text) -> list[Text]:
    """The values of a column's text (str, or bytes from SQLite)."""
    if not text:
        return []
    if isinstance(text, bytes):
        return list(text.split(SEPARATOR.encode()))
    return list(text.split(SEPARATOR))


def decoded(value: Text) -> str:
    return value.decode() if isinstance(value, bytes) else value


def numbers(text: Text) -> Ints:
    """Whole numbers joined by the separator, parsed by numpy in one pass."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=SEPARATOR)


def scaled(text: Text) -> Floats:
    """Numbers sent as millionths (-1: none) back as floats (nan: none)."""
    values = numbers(text)
    return np.where(values < 0, np.nan, values / SCALE)


def first_seen(values: Sequence[Text]) -> tuple[dict[Text, int], Ints]:
    """Each value's code: the place it was first seen (one C loop over the values; codes follow
    the order values were first seen, not dense), and value -> code."""
    index: dict[Text, int] = {}
    return index, np.fromiter(map(index.setdefault, values, count()), np.int64, len(values))


def coded(values: Sequence[Text]) -> tuple[list[str], Ints]:
    """A column of few distinct values as those values (decoded, in the order first seen) and each
    row's index into them."""
    index, first = first_seen(values)
    dense = np.zeros(len(values), dtype=np.int64)
    dense[np.fromiter(index.values(), np.int64, len(index))] = np.arange(len(index))
    return [decoded(v) for v in index], dense[first]


def objects(values: Sequence[str]) -> Texts:
    """Values as an object array, ``NULL_MARK`` as None."""
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v == NULL_MARK else v for v in values]
    return out
