"""Paging through one HubSpot object: everything through the list API, or the records changed since a
cursor through search (windowed past the 10,000-result cap). Shared by contacts, companies and leads:
``to_records`` turns one page of raw rows into leadq's records (a batch, so it may read associations)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest

from connector.base import Cursor, Page
from connector.hubspot.client import HubSpotCalls, api
from connector.hubspot.limits import SEARCH
from connector.hubspot.mapping import parse_time
from core.records import Account, Person, PipelineLead

PAGE = 100
SEARCH_PAGE = 200
SEARCH_CAP = 10_000

Rows = list[dict[str, Any]]
ToRecords = Callable[[Rows], Sequence[Person | Account | PipelineLead]]


def _iso_ms(value: str | None) -> int | None:
    when = parse_time(value)
    return None if when is None else int(when.timestamp() * 1000)


def list_all(
    calls: HubSpotCalls, name: str, properties: list[str], to_records: ToRecords, cursor: Cursor | None
) -> Iterator[Page]:
    """Every live record of ``name`` (list API, 100 a page), resuming at ``cursor.after``."""
    after = cursor.after if cursor else None
    while True:
        page = calls.call(
            lambda c, a=after: api(c, name).basic_api.get_page(
                limit=PAGE, after=a, properties=properties, archived=False
            ),
            what=f"list {name}",
        )
        records = to_records([r.to_dict() for r in page.results])
        after = page.paging.next.after if page.paging and page.paging.next else None
        yield Page(records, Cursor(after=after) if after else None)
        if after is None:
            return


def changed_since(
    calls: HubSpotCalls,
    name: str,
    prop: str,
    properties: list[str],
    to_records: ToRecords,
    cursor: Cursor,
) -> Iterator[Page]:
    """Search in ascending ``prop`` (last-modified) order, paging within a fixed window start; when the
    10,000-result cap nears, restart the window at the newest stamp seen, skipping the ids already
    emitted at exactly that stamp (many records share a stamp after bulk edits)."""
    window = int(datetime.fromisoformat(cursor.since).timestamp() * 1000) if cursor.since else 0
    skip = set(cursor.seen_ids_at_since)
    offset = int(cursor.after or 0)
    newest, at_newest = window, set(skip)
    while True:
        request = PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(filters=[Filter(property_name=prop, operator="GTE", value=str(window))])
            ],
            sorts=[{"propertyName": prop, "direction": "ASCENDING"}],
            properties=properties,
            limit=SEARCH_PAGE,
            after=str(offset),
        )
        result = calls.call(
            lambda c, r=request: api(c, name).search_api.do_search(r), bucket=SEARCH, what=f"search {name}"
        )
        kept: Rows = []
        for row in (r.to_dict() for r in result.results):
            stamp = _iso_ms(row["properties"].get(prop)) or window
            if stamp == window and row["id"] in skip:
                continue  # emitted before the window restarted
            kept.append(row)
            if stamp > newest:
                newest, at_newest = stamp, {row["id"]}
            elif stamp == newest:
                at_newest.add(row["id"])
        records = to_records(kept)
        has_more = bool(result.paging and result.paging.next)
        offset += SEARCH_PAGE
        if has_more and offset + SEARCH_PAGE > SEARCH_CAP:
            window, skip, offset = newest, set(at_newest), 0
        high_water = Cursor(
            since=datetime.fromtimestamp(newest / 1000, UTC).isoformat(),
            seen_ids_at_since=tuple(sorted(at_newest)),
        )
        resume = Cursor(
            since=datetime.fromtimestamp(window / 1000, UTC).isoformat(),
            after=str(offset) if offset else None,
            seen_ids_at_since=tuple(sorted(skip)),
        )
        yield Page(records, resume if has_more else None, high_water)
        if not has_more:
            return
