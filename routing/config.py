"""load_routing(text) -> RoutingConfig: TOML merged over the shipped default, errors name the key."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections import Counter
from collections.abc import Iterable
from datetime import date, time
from functools import lru_cache, partial
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.config_text import ConfigProblem, Problems, parse_toml
from core.records import Owner, Tier
from routing.types import STEPS, LeadObjectSettings, Queue, Rep, RoutingConfig, WorkingHours

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
REP_KEYS = {
    "owner_id",
    "name",
    "team",
    "role",
    "countries",
    "regions",
    "industries",
    "segments",
    "languages",
    "timezone",
    "working_hours",
    "pto",
    "weekly_capacity",
    "open_capacity",
    "weight",
    "active",
}


class RoutingConfigError(ConfigProblem):
    """The routing file is invalid; the message starts with the offending key (``problems``: all)."""


@lru_cache(maxsize=1)
def default_text() -> str:
    return resources.files("routing.data").joinpath("default_routing.toml").read_text(encoding="utf-8")


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise RoutingConfigError(key, f"must be a string, got {type(value).__name__}")
    return value


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RoutingConfigError(key, "must be a list of strings")
    return value


def _int_or_none(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RoutingConfigError(key, f"must be a whole number >= 0, got {value!r}")
    return value


def _clock(value: Any, key: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError, OverflowError):
        raise RoutingConfigError(key, f"must be HH:MM, got {value!r}") from None


def _hours(raw: Any, key: str) -> WorkingHours | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RoutingConfigError(
            key, 'must be a table like { start = "09:00", end = "18:00", days = ["mon"] }'
        )
    days = raw.get("days", ["mon", "tue", "wed", "thu", "fri"])
    bad = [d for d in _strings(days, f"{key}.days") if d.lower() not in DAYS]
    if bad:
        raise RoutingConfigError(f"{key}.days", f"unknown day(s) {bad}; use mon..sun")
    start, end = (
        _clock(raw.get("start", "09:00"), f"{key}.start"),
        _clock(raw.get("end", "17:00"), f"{key}.end"),
    )
    if start == end:
        raise RoutingConfigError(key, "start and end are the same time")
    return WorkingHours(start, end, frozenset(DAYS[d.lower()] for d in days))


def _pto(raw: Any, key: str) -> tuple[tuple[date, date], ...]:
    out = []
    for index, item in enumerate(_strings(raw or [], key)):
        try:
            if ".." in item:
                first, last = (date.fromisoformat(p.strip()) for p in item.split(".."))
            else:
                first = last = date.fromisoformat(item.strip())
        except ValueError:
            raise RoutingConfigError(
                f"{key}[{index}]", f"must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, got {item!r}"
            ) from None
        if last < first:
            raise RoutingConfigError(f"{key}[{index}]", "range ends before it starts")
        out.append((first, last))
    return tuple(out)


def _rep(raw: Any, index: int, segment_names: set[str], teams: set[str]) -> Rep:
    key = f"reps[{index}]"
    if not isinstance(raw, dict):
        raise RoutingConfigError(key, "must be a table")
    unknown = set(raw) - REP_KEYS
    if unknown:
        raise RoutingConfigError(f"{key}.{sorted(unknown)[0]}", "unknown key")
    owner_id = raw.get("owner_id")
    if not isinstance(owner_id, str | int) or str(owner_id) == "":
        raise RoutingConfigError(f"{key}.owner_id", "is required (the CRM owner id)")
    role = raw.get("role", "ae")
    if role not in ("ae", "sdr"):
        raise RoutingConfigError(f"{key}.role", f"must be 'ae' or 'sdr', got {role!r}")
    tz = raw.get("timezone", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise RoutingConfigError(f"{key}.timezone", f"unknown time zone {tz!r}") from None
    segments = set(_strings(raw.get("segments", []), f"{key}.segments"))
    if segments - segment_names:
        raise RoutingConfigError(f"{key}.segments", f"unknown segment(s) {sorted(segments - segment_names)}")
    weight = raw.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        raise RoutingConfigError(f"{key}.weight", f"must be a number > 0, got {weight!r}")
    active = raw.get("active", True)
    if not isinstance(active, bool):
        raise RoutingConfigError(f"{key}.active", "must be true or false")
    team = str(raw.get("team", ""))
    if team and teams and team not in teams:
        raise RoutingConfigError(f"{key}.team", f"unknown team {team!r}; declare it under [teams.{team}]")
    return Rep(
        owner_id=str(owner_id),
        name=str(raw.get("name", owner_id)),
        team=team,
        role=role,
        countries=frozenset(c.upper() for c in _strings(raw.get("countries", []), f"{key}.countries")),
        regions=frozenset(r.lower() for r in _strings(raw.get("regions", []), f"{key}.regions")),
        industries=frozenset(i.lower() for i in _strings(raw.get("industries", []), f"{key}.industries")),
        segments=frozenset(segments),
        languages=frozenset(x.lower() for x in _strings(raw.get("languages", []), f"{key}.languages")),
        timezone=tz,
        hours=_hours(raw.get("working_hours"), f"{key}.working_hours"),
        pto=_pto(raw.get("pto"), f"{key}.pto"),
        weekly_capacity=_int_or_none(raw.get("weekly_capacity"), f"{key}.weekly_capacity"),
        open_capacity=_int_or_none(raw.get("open_capacity"), f"{key}.open_capacity"),
        weight=float(weight),
        active=active,
    )


def _merge(base: dict[str, Any], own: dict[str, Any], problems: Problems, path: str = "") -> dict[str, Any]:
    """``own`` over ``base``; an unknown key or a value where a table belongs is noted in
    ``problems`` and left out, so the rest of the file is still checked."""
    allowed_new = {"queues.", "teams.", "segments.", "sla."}
    merged = dict(base)
    for key, value in own.items():
        where = f"{path}{key}"
        if key not in base and path not in allowed_new and where not in ("reps", "teams"):
            problems.add(where, "unknown key")
            continue
        if isinstance(base.get(key), dict) and not isinstance(value, dict):
            problems.add(where, f"must be a table ([{where}]), got {type(value).__name__}")
            continue
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value, problems, where + ".")
        else:
            merged[key] = value
    return merged


def _steps(steps: dict[str, Any]) -> dict[str, bool]:
    for name, value in steps.items():
        if name not in STEPS:
            raise RoutingConfigError(f"steps.{name}", f"unknown step; steps are {', '.join(STEPS)}")
        if not isinstance(value, bool):
            raise RoutingConfigError(f"steps.{name}", "must be true or false")
    return steps


def _segments(raw: dict[str, Any]) -> list[tuple[str, int, int]]:
    segments = []
    for name, band in raw.items():
        if (
            not isinstance(band, list)
            or len(band) != 2
            or not all(isinstance(b, int) and not isinstance(b, bool) for b in band)
            or band[0] > band[1]
        ):
            raise RoutingConfigError(f"segments.{name}", "must be [min, max] employees, min <= max")
        segments.append((name, band[0], band[1]))
    return segments


def _queues(raw_queues: dict[str, Any]) -> dict[str, Queue]:
    queues = {}
    for key, raw in raw_queues.items():
        if not isinstance(raw, dict):
            raise RoutingConfigError(f"queues.{key}", "must be a table with owner_id and name")
        owner = raw.get("owner_id") or ""
        if isinstance(owner, bool) or not isinstance(owner, str | int):
            raise RoutingConfigError(f"queues.{key}.owner_id", "must be the CRM owner id (text)")
        queues[key] = Queue(key, str(owner) or None, str(raw.get("name", key)))
    return queues


def _team_queues(teams_raw: Any, queues: dict[str, Queue], fallback: str) -> dict[str, str]:
    if not isinstance(teams_raw, dict):
        raise RoutingConfigError("teams", "must be a table of [teams.<name>]")
    team_queues = {}
    for team, raw in teams_raw.items():
        if not isinstance(raw, dict):
            raise RoutingConfigError(f"teams.{team}", "must be a table")
        queue = _text(raw.get("queue", ""), f"teams.{team}.queue")
        if queue and queue not in queues:
            raise RoutingConfigError(f"teams.{team}.queue", f"unknown queue {queue!r}")
        team_queues[team] = queue or fallback
    return team_queues


def _check_sla(sla: dict[str, Any]) -> None:
    for tier, minutes in sla.items():
        if (
            tier not in ("L1", "L2", "L3", "L4")
            or isinstance(minutes, bool)
            or not isinstance(minutes, int)
            or minutes <= 0
        ):
            raise RoutingConfigError(f"sla.{tier}", "must be a tier L1-L4 with whole minutes > 0")


def _pools(pools: dict[str, Any], problems: Problems) -> None:
    for tier in ("L1", "L2", "L3", "L4"):
        if pools.get(tier) not in ("ae", "sdr", "all", "nurture"):
            problems.add(f"pools.{tier}", f"must be one of ae, sdr, all, nurture, got {pools.get(tier)!r}")


def _routing_queues(routing: dict[str, Any], queues: dict[str, Queue], problems: Problems) -> None:
    for name in ("disqualified_queue", "nurture_queue", "fallback_queue"):
        value = problems.check(partial(_text, routing.get(name, ""), f"routing.{name}"), "")
        if value and value not in queues:
            problems.add(f"routing.{name}", f"unknown queue {value!r}; queues are {', '.join(queues)}")
    if not routing.get("fallback_queue"):
        problems.add("routing.fallback_queue", "is required")


def _performance(perf: dict[str, Any], problems: Problems) -> tuple[float, float, float]:
    floor, cap, prior = (perf.get(k) for k in ("floor", "cap", "prior"))
    if not (isinstance(floor, int | float) and isinstance(cap, int | float) and 0 < floor <= 1 <= cap):
        problems.add("performance", f"needs 0 < floor <= 1 <= cap, got floor {floor!r} and cap {cap!r}")
        floor, cap = 1.0, 1.0
    if not isinstance(prior, int | float) or prior < 0:
        problems.add("performance.prior", f"must be a number >= 0, got {prior!r}")
        prior = 0.0
    return float(floor), float(cap), float(prior)


def _pipeline_leads(section: dict[str, Any], problems: Problems) -> LeadObjectSettings:
    """``[pipeline_leads]``: whether leadq creates Leads records, and each tier's lead label. The
    section is merged over the default, so every tier has a label unless one is set to a bad value."""
    create = section.get("create")
    if not isinstance(create, bool):
        problems.add("pipeline_leads.create", f"must be true or false, got {create!r}")
        create = False
    raw = section.get("labels")
    labels: dict[Tier, str] = {}
    for tier in Tier:
        value = raw.get(tier.value) if isinstance(raw, dict) else None
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            problems.add(
                f"pipeline_leads.labels.{tier.value}",
                "must be the lead label's internal value as the CRM stores it (text, not empty, "
                f"no spaces around it), got {value!r}",
            )
            continue
        labels[tier] = value
    return LeadObjectSettings(create=create, labels=labels)


def _reps(
    raw_reps: Any, owners: Iterable[Owner], segment_names: set[str], teams: set[str], problems: Problems
) -> tuple[Rep, ...]:
    """The reps of the file (each one checked on its own), or built from the CRM's owners."""
    if raw_reps is None:
        return tuple(_rep_from_owner(o) for o in owners if not o.is_queue)
    if not isinstance(raw_reps, list):
        problems.add("reps", "must be an array of tables ([[reps]])")
        return ()
    checked = [
        problems.check(partial(_rep, r, i, segment_names, teams), None) for i, r in enumerate(raw_reps)
    ]
    reps = tuple(r for r in checked if r is not None)
    dupes = sorted(i for i, n in Counter(r.owner_id for r in reps).items() if n > 1)
    if dupes:
        problems.add("reps", f"owner id(s) listed twice: {dupes}")
    return reps


def load_routing(text: str | None = None, owners: Iterable[Owner] = ()) -> RoutingConfig:
    """Parse routing TOML (None: the default). Without ``[[reps]]``, reps come from ``owners``. An
    invalid file raises one RoutingConfigError whose ``problems`` lists every problem found."""
    problems = Problems(RoutingConfigError)
    data = tomllib.loads(default_text())
    if text:
        data = _merge(data, parse_toml(text, RoutingConfigError, "routing file"), problems)
    steps: dict[str, bool] = problems.check(lambda: _steps(data["steps"]), {})
    segments: list[tuple[str, int, int]] = problems.check(lambda: _segments(data["segments"]), [])
    queues: dict[str, Queue] = problems.check(lambda: _queues(data["queues"]), {})
    teams_raw = data.get("teams", {})
    fallback = data["routing"].get("fallback_queue") or ""
    team_queues: dict[str, str] = problems.check(lambda: _team_queues(teams_raw, queues, fallback), {})
    pools = data["pools"]
    _pools(pools, problems)
    routing = data["routing"]
    _routing_queues(routing, queues, problems)
    problems.check(lambda: _check_sla(data["sla"]), None)
    floor, cap, prior = _performance(data["performance"], problems)
    pipeline_leads = _pipeline_leads(data["pipeline_leads"], problems)
    raw_reps = data.get("reps")
    teams = set(teams_raw) if isinstance(teams_raw, dict) else set()
    reps = _reps(raw_reps, owners, {s[0] for s in segments}, teams, problems)
    problems.raise_any()
    if raw_reps is None and not any(r.role == "sdr" for r in reps):
        # Built from the owner list: nobody is known to be an SDR, so L2 goes to everyone too.
        pools = {**pools, **{t: "all" for t, p in pools.items() if p in ("ae", "sdr")}}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return RoutingConfig(
        reps=reps,
        queues=queues,
        team_queues=team_queues,
        tier_pools=dict(pools),
        steps=dict(steps),
        segments=tuple(segments),
        sla_minutes=dict(data["sla"]),
        disqualified_queue=routing.get("disqualified_queue") or None,
        nurture_queue=routing.get("nurture_queue") or None,
        fallback_queue=routing["fallback_queue"],
        performance_floor=floor,
        performance_cap=cap,
        performance_prior=prior,
        source_hash=digest,
        pipeline_leads=pipeline_leads,
    )


def _rep_from_owner(owner: Owner) -> Rep:
    return Rep(
        owner_id=owner.owner_id,
        name=owner.name or owner.email or owner.owner_id,
        team=owner.teams[0] if owner.teams else "",
        role="ae",
        active=owner.active,
    )


def segment_of(employees: int | None, config: RoutingConfig) -> str | None:
    if employees is None:
        return None
    return next((name for name, low, high in config.segments if low <= employees <= high), None)
