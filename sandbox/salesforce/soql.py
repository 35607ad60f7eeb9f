"""The SOQL subset leadq uses: field lists or COUNT(), WHERE with AND/OR/NOT and parentheses over
comparisons, IN and LIKE on dates, datetimes, ids, strings, numbers and booleans; ORDER BY; LIMIT.

Errors carry Salesforce's codes: MALFORMED_QUERY for syntax (including a quoted datetime),
INVALID_FIELD for an unknown or unreadable column, INVALID_TYPE for an unknown object.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.salesforce.schema import FieldDef, parse_time

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<date>\d{4}-\d{2}-\d{2})|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "LIMIT",
    "OFFSET",
    "NULLS",
    "FIRST",
    "LAST",
    "TRUE",
    "FALSE",
    "NULL",
    "COUNT",
}


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Query:
    sobject: str
    fields: list[str]
    count: bool = False
    where: Callable[[dict[str, Any]], bool] | None = None
    order: list[tuple[str, bool, bool]] = field(default_factory=list)  # (field, descending, nulls_last)
    limit: int | None = None
    offset: int = 0


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise SoqlError(
                "MALFORMED_QUERY", f"unexpected token at position {pos}: '{text[pos : pos + 20]}'"
            )
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "word" and value.upper() in KEYWORDS:
            kind, value = "kw", value.upper()
        out.append((kind, value))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], schema: Callable[[str], dict[str, FieldDef] | None]):
        self.t, self.i, self.schema = tokens, 0, schema
        self.fields: dict[str, FieldDef] = {}
        self.sobject = ""

    def peek(self, offset: int = 0) -> tuple[str, str]:
        j = self.i + offset
        return self.t[j] if j < len(self.t) else ("end", "")

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        k, v = self.peek()
        if (kind and k != kind) or (value and v != value):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{v or 'end of query'}'")
        self.i += 1
        return v

    def column(self, name: str) -> FieldDef:
        found = next((f for n, f in self.fields.items() if n.lower() == name.lower()), None)
        if found is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{self.sobject}'. If you are attempting to use a custom "
                "field, be sure to append the '__c' after the custom field name. Please reference your WSDL "
                "or the describe call for the appropriate names.",
            )
        return found

    def parse(self) -> Query:
        self.take("kw", "SELECT")
        names: list[str] = []
        count = False
        if self.peek() == ("kw", "COUNT"):
            self.take()
            self.take("op", "(")
            self.take("op", ")")
            count = True
        else:
            names.append(self.take("word"))
            while self.peek() == ("op", ","):
                self.take()
                names.append(self.take("word"))
        self.take("kw", "FROM")
        sobject = self.take("word")
        fields = self.schema(sobject)
        if fields is None:
            raise SoqlError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        self.sobject, self.fields = sobject, fields
        query = Query(sobject, [self.column(n).name for n in names], count)
        if self.peek() == ("kw", "WHERE"):
            self.take()
            query.where = self.expr()
        if self.peek() == ("kw", "ORDER"):
            self.take()
            self.take("kw", "BY")
            while True:
                name = self.column(self.take("word")).name
                desc = False
                if self.peek()[1] in ("ASC", "DESC"):
                    desc = self.take() == "DESC"
                nulls_last = desc
                if self.peek() == ("kw", "NULLS"):
                    self.take()
                    nulls_last = self.take("kw") == "LAST"
                query.order.append((name, desc, nulls_last))
                if self.peek() != ("op", ","):
                    break
                self.take()
        if self.peek() == ("kw", "LIMIT"):
            self.take()
            query.limit = int(self.take("num"))
        if self.peek() == ("kw", "OFFSET"):
            self.take()
            query.offset = int(self.take("num"))
            if query.offset > 2000:
                raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
        if self.peek()[0] != "end":
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{self.peek()[1]}'")
        return query

    def expr(self) -> Callable[[dict[str, Any]], bool]:
        terms = [self.term()]
        while self.peek() == ("kw", "OR"):
            self.take()
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else (lambda r: any(t(r) for t in terms))

    def term(self) -> Callable[[dict[str, Any]], bool]:
        factors = [self.factor()]
        while self.peek() == ("kw", "AND"):
            self.take()
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else (lambda r: all(f(r) for f in factors))

    def factor(self) -> Callable[[dict[str, Any]], bool]:
        if self.peek() == ("kw", "NOT"):
            self.take()
            inner = self.factor()
            return lambda r: not inner(r)
        if self.peek() == ("op", "("):
            self.take()
            inner = self.expr()
            self.take("op", ")")
            return inner
        definition = self.column(self.take("word"))
        kind, op = self.peek()
        negate = False
        if (kind, op) == ("kw", "NOT"):
            self.take()
            negate = True
            kind, op = self.peek()
        if (kind, op) == ("kw", "IN"):
            self.take()
            self.take("op", "(")
            values = [self.literal(definition)]
            while self.peek() == ("op", ","):
                self.take()
                values.append(self.literal(definition))
            self.take("op", ")")
            name = definition.name
            if definition.type in ("id", "reference"):  # 15- and 18-character ids name the same record
                short = {str(v)[:15] for v in values if v is not None}
                return lambda r: (r.get(name) is not None and str(r.get(name))[:15] in short) != negate
            return lambda r: (_key(definition, r.get(name)) in values) != negate
        if (kind, op) == ("kw", "LIKE"):
            self.take()
            pattern = re.compile(
                "^" + re.escape(_unquote(self.take("str"))).replace("%", ".*").replace("_", ".") + "$",
                re.IGNORECASE,
            )
            name = definition.name
            return lambda r: bool(r.get(name) is not None and pattern.match(str(r.get(name))))
        if kind != "op" or op in ("(", ")", ","):
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{op}'")
        self.take()
        value = self.literal(definition)
        return _compare(definition, op, value)

    def literal(self, definition: FieldDef) -> Any:
        kind, text = self.peek()
        self.take()
        if kind == "kw" and text == "NULL":
            return None
        if definition.type in ("datetime", "date"):
            if kind == "str":
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"value of filter criterion for field '{definition.name}' must be of type "
                    f"{'dateTime' if definition.type == 'datetime' else 'date'} "
                    "and should not be enclosed in quotes",
                )
            if kind not in ("dt", "date") or (definition.type == "datetime" and kind != "dt"):
                raise SoqlError("MALFORMED_QUERY", f"invalid {definition.type} literal: {text}")
            return parse_time(text)
        if definition.type == "boolean":
            if kind != "kw" or text not in ("TRUE", "FALSE"):
                raise SoqlError("MALFORMED_QUERY", f"invalid boolean literal for '{definition.name}': {text}")
            return text == "TRUE"
        if definition.type in ("double", "currency", "percent", "int"):
            if kind != "num":
                raise SoqlError("MALFORMED_QUERY", f"invalid number for '{definition.name}': {text}")
            return float(text)
        if kind != "str":
            raise SoqlError(
                "MALFORMED_QUERY", f"value for '{definition.name}' must be enclosed in quotes: {text}"
            )
        value = _unquote(text)
        if definition.type in ("id", "reference") and len(value) == 15:
            return value  # compared on the 15-character prefix below
        return value


def _key(definition: FieldDef, value: Any) -> Any:
    if value is None:
        return None
    if definition.type in ("datetime", "date"):
        return parse_time(str(value))
    if definition.type in ("double", "currency", "percent", "int"):
        return float(value)
    return value


def _compare(definition: FieldDef, op: str, literal: Any) -> Callable[[dict[str, Any]], bool]:
    name = definition.name
    text = definition.type in ("string", "email", "url", "phone", "picklist", "textarea")

    def check(record: dict[str, Any]) -> bool:
        value = _key(definition, record.get(name))
        lit = literal
        if text and isinstance(value, str) and isinstance(lit, str):
            value, lit = value.lower(), lit.lower()
        if definition.type in ("id", "reference") and isinstance(lit, str) and len(lit) == 15 and value:
            value = str(value)[:15]
        if op == "=":
            return value == lit
        if op in ("!=", "<>"):
            return value != lit
        if value is None or lit is None:
            return False
        try:
            return {"<": value < lit, "<=": value <= lit, ">": value > lit, ">=": value >= lit}[op]
        except TypeError:
            return False

    return check


def parse(text: str, schema: Callable[[str], dict[str, FieldDef] | None]) -> Query:
    tokens = _tokens(text)
    if not tokens:
        raise SoqlError("MALFORMED_QUERY", "empty query")
    return _Parser(tokens, schema).parse()


def run(query: Query, rows: list[dict[str, Any]], schema: dict[str, FieldDef]) -> list[dict[str, Any]]:
    selected = [r for r in rows if query.where is None or query.where(r)]
    for name, desc, nulls_last in reversed(query.order):
        definition = schema[name]
        present = [r for r in selected if r.get(name) is not None]
        missing = [r for r in selected if r.get(name) is None]
        present.sort(key=lambda r, d=definition, n=name: _sort_key(d, r.get(n)), reverse=desc)
        selected = present + missing if nulls_last else missing + present
    selected = selected[query.offset :]
    if query.limit is not None:
        selected = selected[: query.limit]
    return selected


def _sort_key(definition: FieldDef, value: Any) -> Any:
    key = _key(definition, value)
    if isinstance(key, str) and definition.type not in ("id", "reference"):
        return key.lower()
    if isinstance(key, datetime):
        return key.timestamp()
    return key
