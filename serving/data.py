"""All data access for the app and the API: SQLAlchemy Core on a read-only DuckDB connection.

- SQL is built with SQLAlchemy Core expressions over the tables declared in core/schema.py
  (bound parameters, portable to PostgreSQL); nothing else in the app writes SQL.
- Results are cached with flask-caching, keyed by the statement, its parameters and the
  database's version (inode and mtime): a newly built database is picked up without a restart.
- Functions return pandas DataFrames (or plain values). Restricted indicators are filtered here
  for every public caller (`public=True`, the default).
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pandas as pd
from flask import g, has_app_context, has_request_context
from flask_caching import Cache
from sqlalchemy import and_, create_engine, func, or_, select
from sqlalchemy.engine import Engine

from core import schema as S
from core import settings, vocabulary
from core.i18n import column
from core.text import fold
from serving import memcache

#: query results, bounded in bytes (issue 9): memcache.QUERY_CACHE_MAX_BYTES per worker, entries over
#: memcache.QUERY_ENTRY_MAX_BYTES are not kept
cache = Cache(config={"CACHE_TYPE": "serving.memcache.FlaskByteCache",
                      "CACHE_DEFAULT_TIMEOUT": int(settings.env("OBS_CACHE_TIMEOUT")),
                      "CACHE_MAX_BYTES": memcache.QUERY_CACHE_MAX_BYTES,
                      "CACHE_ENTRY_MAX_BYTES": memcache.QUERY_ENTRY_MAX_BYTES})
_lock = threading.Lock()
_engine: Engine | None = None
_engine_key: tuple | None = None
_local_cache: dict = {}


class NoDatabase(RuntimeError):
    pass


def db_path() -> Path:
    return settings.paths().db


def db_version() -> tuple:
    """The database file's identity now (inode, mtime, size): changes when a build swaps a new file in.

    Inside a request, use `version()`: read once per request, so the engine and every cache key
    of one request agree even when a swap lands in the middle of it."""
    try:
        st = os.stat(db_path())
    except FileNotFoundError as e:
        raise NoDatabase(f"no database at {db_path()}: run `make build`") from e
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def version() -> tuple:
    """The database version of this request: read at its first use in the request and kept in
    flask.g, so the engine, the query keys, the memo keys and the API's response key all name the
    same build (issue 9 item 5). Outside a request: the file's version now."""
    if has_request_context():
        v = g.get("obs_db_version")
        if v is None:
            v = g.obs_db_version = (str(db_path()),) + db_version()
        return v
    return (str(db_path()),) + db_version()


def engine() -> Engine:
    """The engine for this request's database version; replaced when a new file is swapped in.

    A request that read the previous version after the engine moved on to the new file gets the
    current engine (never back to a file that is gone): its results are keyed by its own version,
    which no new request reads."""
    global _engine, _engine_key
    key = version()
    if _engine is not None and key == _engine_key:
        return _engine
    with _lock:
        if _engine is not None and key != _engine_key and key[0] == _engine_key[0]:
            try:
                now = (key[0],) + db_version()
            except NoDatabase:
                now = None
            if now == _engine_key:
                return _engine
        if _engine is None or key != _engine_key:
            if _engine is not None:
                _engine.dispose()   # closes the pooled connections: DuckDB then lets go of the old file
            _engine = create_engine(
                f"duckdb:///{key[0]}",
                connect_args={"read_only": True, "config": {
                    "autoinstall_known_extensions": False, "autoload_known_extensions": False}},
                pool_pre_ping=False)
            _engine_key = key
            _local_cache.clear()
    return _engine


def _key(stmt) -> str:
    compiled = stmt.compile(compile_kwargs={})
    raw = f"{version()}|{compiled}|{sorted(compiled.params.items(), key=str)}"
    return "q:" + hashlib.sha1(raw.encode()).hexdigest()


def _cached(k: str, compute):
    """The value cached under k, computed (and stored) on a miss: flask-caching inside the app,
    a small in-process dict outside it (tests, scripts)."""
    if has_app_context():
        hit = cache.get(k)
        if hit is not None:
            return hit
    elif k in _local_cache:
        return _local_cache[k]
    out = compute()
    if has_app_context():
        cache.set(k, out)
    else:
        if len(_local_cache) > 500:
            _local_cache.clear()
        _local_cache[k] = out
    return out


def query(stmt) -> pd.DataFrame:
    """Run a Core statement; cached by statement, parameters and database version."""
    eng = engine()

    def run():
        with eng.connect() as c:
            df = pd.DataFrame(c.execute(stmt).mappings().all())
        return df if len(df.columns) else pd.DataFrame(columns=[col.name for col in stmt.selected_columns])
    return _cached(_key(stmt), run).copy()


# -- build -----------------------------------------------------------------------------------

def build_info() -> dict:
    b = S.build
    df = query(select(b).order_by(b.c.started_at.desc()).limit(1))
    return df.iloc[0].to_dict() if len(df) else {}


def is_demo() -> bool:
    try:
        return bool(build_info().get("is_demo", False))
    except NoDatabase:
        return False


# -- dimensions ------------------------------------------------------------------------------

def territories(levels: list[str] | None = None) -> pd.DataFrame:
    t = S.territory
    stmt = select(t).order_by(t.c.sort_key)
    if levels:
        stmt = stmt.where(t.c.level.in_(levels))
    return query(stmt)


def territory(territory_id: str) -> dict | None:
    t = S.territory
    df = query(select(t).where(t.c.territory_id == territory_id))
    return df.iloc[0].to_dict() if len(df) else None


def indicators(public: bool = True) -> pd.DataFrame:
    i = S.indicator
    stmt = select(i).order_by(i.c.area, i.c.indicator_id)
    if public:
        stmt = stmt.where(i.c.visibility == "public")
    return query(stmt)


def indicator(indicator_id: str, public: bool = True) -> dict | None:
    i = S.indicator
    stmt = select(i).where(i.c.indicator_id == indicator_id)
    if public:
        stmt = stmt.where(i.c.visibility == "public")
    df = query(stmt)
    return df.iloc[0].to_dict() if len(df) else None


def periods(indicator_id: str) -> pd.DataFrame:
    """The periods an indicator has values for, oldest first, with `provisional` (every value of the
    period is provisional: a partial year or week) and its `provisional_reason`
    (core.vocabulary.PROVISIONAL_REASONS)."""
    f, p = S.fact, S.period
    flags = (select(f.c.period_id, func.bool_and(f.c.is_provisional).label("provisional"),
                    func.max(f.c.provisional_reason).label("provisional_reason"))
             .where(f.c.indicator_id == indicator_id).group_by(f.c.period_id).subquery())
    stmt = (select(p, flags.c.provisional, flags.c.provisional_reason)
            .join(flags, flags.c.period_id == p.c.period_id)
            .order_by(p.c.start_date, p.c.end_date))
    df = query(stmt)
    df["provisional"] = df["provisional"].fillna(False).astype(bool)
    return df


def default_period(per: pd.DataFrame) -> str:
    """The period a view opens on: the latest complete one (a partial year must not pass for an
    annual figure); the latest if every period is provisional; "" with no periods."""
    if not len(per):
        return ""
    final = per[~per["provisional"]]
    return str((final if len(final) else per)["period_id"].iloc[-1])


# -- facts -----------------------------------------------------------------------------------

def values(indicator_id: str, *, level: str | None = None, period_id: str | None = None,
           territory_ids: list[str] | None = None, period_from: str | None = None,
           period_to: str | None = None, public: bool = True) -> pd.DataFrame:
    """Values of one indicator, joined to territory names, filtered by level/period/territories."""
    f, t, i, p = S.fact, S.territory, S.indicator, S.period
    stmt = (select(f, t.c.name, t.c.name_unique, t.c.level, p.c.start_date, p.c.end_date, p.c.period_type)
            .join(t, t.c.territory_id == f.c.territory_id)
            .join(p, p.c.period_id == f.c.period_id)
            .join(i, i.c.indicator_id == f.c.indicator_id)
            .where(f.c.indicator_id == indicator_id))
    if public:
        stmt = stmt.where(i.c.visibility == "public")
    if level:
        stmt = stmt.where(t.c.level == level)
    if period_id:
        stmt = stmt.where(f.c.period_id == period_id)
    if territory_ids:
        stmt = stmt.where(f.c.territory_id.in_(territory_ids))
    if period_from:
        stmt = stmt.where(p.c.start_date >= select(p.c.start_date).where(p.c.period_id == period_from).scalar_subquery())
    if period_to:
        stmt = stmt.where(p.c.end_date <= select(p.c.end_date).where(p.c.period_id == period_to).scalar_subquery())
    return query(stmt.order_by(f.c.territory_id, p.c.start_date))


# -- territory profiles, comparisons, peers, alarms (issue 4: Território, Comparar, Alarmes, Sobre)

#: the territory columns that can hold a region code; a region's members share that code
_REGION_COLUMNS = {"nuts1": "nuts1_id", "nuts2": "nuts2_id", "nuts3": "nuts3_id",
                   "distrito": "district_id", "ilha": "district_id", "cim": "cim_id", "am": "cim_id"}


def _in_region(territory_col, t, region_id: str):
    """Rows of the region `region_id` itself or of a territory inside it (`t`: dim_territory, joined)."""
    return or_(territory_col == region_id, *[t.c[c] == region_id for c in sorted(set(_REGION_COLUMNS.values()))])


def region_members(region_id: str, level: str = "municipio") -> pd.DataFrame:
    """The territories of `level` (municipalities by default) that belong to a region.

    The country holds every municipality; other regions are matched on the territory column
    that carries their code (nuts1/2/3, district or island, CIM/AM).
    """
    t = S.territory
    reg = territory(region_id)
    if reg is None:
        return pd.DataFrame(columns=[c.name for c in t.columns])
    stmt = select(t).where(t.c.level == level).order_by(t.c.sort_key)
    col = _REGION_COLUMNS.get(reg["level"])
    if reg["level"] != "pais":
        if col is None:
            return pd.DataFrame(columns=[c.name for c in t.columns])
        stmt = stmt.where(t.c[col] == region_id)
    return query(stmt)


def series(territory_ids: list[str], indicator_ids: list[str] | None = None,
           public: bool = True) -> pd.DataFrame:
    """Every value of the given territories (all public indicators unless `indicator_ids`),
    oldest period first, with period labels: the data behind profiles, sparklines and comparisons."""
    f, p, i = S.fact, S.period, S.indicator
    stmt = (select(f.c.indicator_id, f.c.territory_id, f.c.period_id, f.c.value, f.c.is_provisional,
                   f.c.is_estimated, f.c.is_break, f.c.origin, p.c.start_date, p.c.end_date,
                   p.c.period_type, p.c.label_pt, p.c.label_en)
            .join(p, p.c.period_id == f.c.period_id)
            .join(i, i.c.indicator_id == f.c.indicator_id)
            .where(f.c.territory_id.in_(list(territory_ids))))
    if indicator_ids is not None:
        stmt = stmt.where(f.c.indicator_id.in_(list(indicator_ids)))
    if public:
        stmt = stmt.where(i.c.visibility == "public")
    return query(stmt.order_by(f.c.indicator_id, f.c.territory_id, p.c.start_date, p.c.end_date))


def level_values(indicator_ids: list[str], level: str, public: bool = True) -> pd.DataFrame:
    """All values of some indicators at one territorial level (peer bands among regions)."""
    f, p, t, i = S.fact, S.period, S.territory, S.indicator
    stmt = (select(f.c.indicator_id, f.c.territory_id, f.c.period_id, f.c.value, p.c.start_date)
            .join(p, p.c.period_id == f.c.period_id)
            .join(t, t.c.territory_id == f.c.territory_id)
            .join(i, i.c.indicator_id == f.c.indicator_id)
            .where(f.c.indicator_id.in_(list(indicator_ids)), t.c.level == level))
    if public:
        stmt = stmt.where(i.c.visibility == "public")
    return query(stmt.order_by(f.c.indicator_id, p.c.start_date))


#: peer group types, a closed list (dim_peer.group_type)
PEER_GROUPS = tuple(vocabulary.PEER_GROUPS)


def peer_groups(territory_id: str) -> list[str]:
    """The peer group types available for a municipality, in PEER_GROUPS order.

    Groups come from dim_peer; until it is filled, the NUTS III and CIM groups are derived
    from the territory table so a profile always has a comparison.
    """
    pr = S.peer
    df = query(select(pr.c.group_type).where(pr.c.territory_id == territory_id).distinct())
    have = set(df["group_type"]) if len(df) else set()
    ter = territory(territory_id)
    if ter is not None and ter["level"] == "municipio":
        if ter.get("nuts3_id"):
            have.add("nuts3")
        if isinstance(ter.get("cim_id"), str) and ter.get("cim_id"):
            have.add("cim")
    return [g for g in PEER_GROUPS if g in have]


def peers(territory_id: str, group_type: str) -> pd.DataFrame:
    """The peers of a municipality in one group (territory_id, name, name_unique, rank, distance,
    dimensions), the municipality itself excluded."""
    pr, t = S.peer, S.territory
    stmt = (select(pr.c.peer_id.label("territory_id"), t.c.name, t.c.name_unique, pr.c.rank,
                   pr.c.distance, pr.c.dimensions)
            .join(t, t.c.territory_id == pr.c.peer_id)
            .where(pr.c.territory_id == territory_id, pr.c.group_type == group_type,
                   pr.c.peer_id != territory_id)
            .order_by(pr.c.rank, t.c.sort_key))
    df = query(stmt)
    if len(df) or group_type not in ("nuts3", "cim"):
        return df
    ter = territory(territory_id)
    code = ter and ter.get("nuts3_id" if group_type == "nuts3" else "cim_id")
    if not isinstance(code, str) or not code:
        return df
    col = t.c.nuts3_id if group_type == "nuts3" else t.c.cim_id
    stmt = (select(t.c.territory_id, t.c.name, t.c.name_unique)
            .where(t.c.level == "municipio", col == code, t.c.territory_id != territory_id)
            .order_by(t.c.sort_key))
    df = query(stmt)
    df["rank"], df["distance"], df["dimensions"] = None, None, None
    return df


def profile_dimensions() -> list[str]:
    """The structural dimensions the build's profile peer group was computed on (ids of
    core.vocabulary.PROFILE_DIMENSIONS, in that order): every dimension that made two municipalities
    alike somewhere in dim_peer."""
    from core.vocabulary import PROFILE_DIMENSIONS
    pr = S.peer
    df = query(select(pr.c.dimensions).where(pr.c.group_type == "profile").distinct())
    seen = {d for v in (df["dimensions"] if len(df) else []) if isinstance(v, str) for d in v.split(",") if d}
    return [d for d in PROFILE_DIMENSIONS if d in seen] + sorted(seen - set(PROFILE_DIMENSIONS))


def peer_positions(territory_id: str, group_type: str) -> pd.DataFrame:
    """fact_peer_position rows of a municipality in one group (every indicator and period)."""
    pp = S.peer_position
    return query(select(pp).where(pp.c.territory_id == territory_id, pp.c.group_type == group_type)
                 .order_by(pp.c.indicator_id, pp.c.period_id))


#: which alarms a list shows (core.vocabulary.SCOPES): every list defaults to the active ones
ALARM_SCOPES = tuple(vocabulary.SCOPES)


def alarms(*, territory_ids: list[str] | None = None, indicator_ids: list[str] | None = None,
           areas: list[str] | None = None, levels: list[str] | None = None,
           statuses: list[str] | None = None, region_id: str | None = None,
           alarm_id: str | None = None, scope: str = "ativos", public: bool = True) -> pd.DataFrame:
    """Alarms (fact_alarm) with territory names and indicator titles, filtered, with `is_active`.

    `scope`: "ativos" (the default everywhere: core.alarm_rules.is_active — not resolved and the
    series current), "historico" (the others: resolved, or of a discontinued or stale series) or
    "todos". `alarm_id` finds that alarm whatever its scope. `region_id` keeps the alarms of the
    region itself and of every territory inside it. Active alarms first, then the most severe
    (critical first), then by territory.
    """
    from core.alarm_rules import active_clause
    from core.vocabulary import LEVEL_ORDER
    if scope not in ALARM_SCOPES:
        raise ValueError(f"scope {scope!r}: valid: {', '.join(ALARM_SCOPES)}")
    a, t, i, p = S.alarm, S.territory, S.indicator, S.period
    since = p.alias("since")
    active = active_clause(a)
    stmt = (select(a, active.label("is_active"), t.c.name, t.c.name_unique, t.c.level.label("territory_level"),
                   i.c.title_pt, i.c.title_en, i.c.area, i.c.decimals, i.c.short_unit, i.c.short_unit_en,
                   i.c.unit_pt,
                   i.c.unit_en, p.c.label_pt.label("period_label_pt"), p.c.label_en.label("period_label_en"),
                   since.c.label_pt.label("since_label_pt"), since.c.label_en.label("since_label_en"))
            .join(t, t.c.territory_id == a.c.territory_id)
            .join(i, i.c.indicator_id == a.c.indicator_id)
            .outerjoin(p, p.c.period_id == a.c.period_id)
            .outerjoin(since, since.c.period_id == a.c.since_period_id))
    if public:
        stmt = stmt.where(i.c.visibility == "public")
    if alarm_id:
        stmt = stmt.where(a.c.alarm_id == alarm_id)
    elif scope == "ativos":
        stmt = stmt.where(active)
    elif scope == "historico":
        stmt = stmt.where(~active)
    if territory_ids:
        stmt = stmt.where(a.c.territory_id.in_(list(territory_ids)))
    if indicator_ids:
        stmt = stmt.where(a.c.indicator_id.in_(list(indicator_ids)))
    if areas:
        stmt = stmt.where(i.c.area.in_(list(areas)))
    if levels:
        stmt = stmt.where(a.c.level.in_(list(levels)))
    if statuses:
        stmt = stmt.where(a.c.status.in_(list(statuses)))
    if region_id and region_id != "PT":
        stmt = stmt.where(_in_region(a.c.territory_id, t, region_id))
    df = query(stmt.order_by(a.c.territory_id, a.c.indicator_id, a.c.rule_id))
    df = _with_alarm_sources(df, dict(territory_ids=territory_ids, indicator_ids=indicator_ids, areas=areas,
                                      levels=levels, statuses=statuses, region_id=region_id, alarm_id=alarm_id,
                                      scope=scope))
    if len(df):
        order = {lv: n for n, lv in enumerate(LEVEL_ORDER)}
        df = (df.assign(_a=(~df["is_active"].astype(bool)).astype(int), _o=df["level"].map(order).fillna(9),
                        _r=(df["status"] == "resolved").astype(int))
              .sort_values(["_a", "_r", "_o", "territory_id", "indicator_id", "rule_id"], kind="stable")
              .drop(columns=["_a", "_r", "_o"]).reset_index(drop=True))
    return df


# -- issue 13: alarm sources besides the build (the live path registers one: live.web.install) ---------
#: callables (**filters of `alarms`) -> DataFrame with the columns of `alarms`; `ALARM_VERSIONS`: callables
#: -> str that change when their alarms change (the API's ETag and response cache of /alarms include them)
ALARM_SOURCES: list = []
ALARM_VERSIONS: list = []


def register_alarm_source(rows, version) -> None:
    """Add a source of alarms that are not in the build (live alarms): `alarms()` lists them with the build's."""
    if rows not in ALARM_SOURCES:
        ALARM_SOURCES.append(rows)
        ALARM_VERSIONS.append(version)


def alarm_sources_version() -> str:
    return "|".join(str(v()) for v in ALARM_VERSIONS)


def _with_alarm_sources(df: pd.DataFrame, filters: dict) -> pd.DataFrame:
    if not ALARM_SOURCES:
        return df
    df = df.assign(origin="build")
    extra = [x for x in (src(**filters) for src in ALARM_SOURCES) if x is not None and len(x)]
    return pd.concat([df, *extra], ignore_index=True) if extra else df
# -- end issue 13 --------------------------------------------------------------------------------------


def alarm_history(alarm_id: str) -> pd.DataFrame:
    """The history of one alarm, period by period (oldest first), with period labels."""
    h, p = S.alarm_history, S.period
    stmt = (select(h, p.c.label_pt, p.c.label_en, p.c.start_date)
            .outerjoin(p, p.c.period_id == h.c.period_id)
            .where(h.c.alarm_id == alarm_id)
            .order_by(p.c.start_date, h.c.period_id))
    return query(stmt)


def provisional_values(indicator_id: str, territory_id: str) -> pd.DataFrame:
    """The provisional values of one indicator and territory (never evaluated by an alarm rule), with
    their reason (core.vocabulary.PROVISIONAL_REASONS) and period labels, oldest first."""
    f, p = S.fact, S.period
    stmt = (select(f.c.period_id, f.c.value, f.c.provisional_reason, p.c.label_pt, p.c.label_en)
            .join(p, p.c.period_id == f.c.period_id)
            .where(f.c.indicator_id == indicator_id, f.c.territory_id == territory_id, f.c.is_provisional)
            .order_by(p.c.start_date))
    return query(stmt)


def lineage() -> pd.DataFrame:
    """The sources read by the last build (meta_lineage): path, hash, licence, rows."""
    b, ln = S.build, S.lineage
    last = select(b.c.run_id).order_by(b.c.started_at.desc()).limit(1).scalar_subquery()
    return query(select(ln).where(ln.c.run_id == last).order_by(ln.c.source_id))


def source_catalogue() -> list[dict]:
    """The declared sources as the build wrote them (meta_source, from etl/catalogue.yaml), in the
    catalogue's order: id, title, producer, licence, url, caveats."""
    import json
    ms = S.source
    df = query(select(ms).order_by(ms.c.position))
    return [{"id": r["source_id"], "title": r["title"], "producer": r["producer"], "licence": r["licence"],
             "url": r["url"] or "", "caveats": json.loads(r["caveats_json"] or "[]")}
            for r in df.to_dict("records")]


# -- open data: API and downloads (issue 5) ----------------------------------------------------
from sqlalchemy import String, cast  # noqa: E402 — kept with the section that uses it


def query_rows(stmt) -> tuple[list[str], list[tuple]]:
    """Like `query` (same engine, cache and keys) but returns (column names, row tuples) without
    building a DataFrame: for the API's big pages, where pandas would cost more than the query."""
    eng = engine()

    def run():
        with eng.connect() as c:
            res = c.execute(stmt)
            # the DBAPI rows as they are (plain tuples of native values): no Row objects, half the allocations
            return [str(x) for x in res.keys()], list(res.cursor.fetchall())
    return _cached(_key(stmt) + ":rows", run)


def levels() -> list[str]:
    """Territorial levels present in the database, in dim_territory order."""
    t = S.territory
    df = query(select(t.c.level, func.min(t.c.sort_key).label("k")).group_by(t.c.level).order_by("k"))
    return df["level"].tolist()


def territory_ids() -> list[str]:
    t = S.territory
    return query(select(t.c.territory_id).order_by(t.c.sort_key))["territory_id"].tolist()


def _fact_select(indicator_ids=None, territory_ids=None, levels=None, period_ids=None,
                 start=None, end=None, public: bool = True):
    f, t, i, p = S.fact, S.territory, S.indicator, S.period
    stmt = (select(f.c.indicator_id, f.c.territory_id, t.c.name.label("territory_name"), t.c.level,
                   f.c.period_id, p.c.period_type, cast(p.c.start_date, String).label("start_date"),
                   cast(p.c.end_date, String).label("end_date"), f.c.value, i.c.unit_pt.label("unit"),
                   f.c.numerator, f.c.denominator, f.c.is_provisional, f.c.provisional_reason, f.c.is_estimated, f.c.is_break, f.c.origin, f.c.source_ids, f.c.note)
            .join(t, t.c.territory_id == f.c.territory_id)
            .join(p, p.c.period_id == f.c.period_id)
            .join(i, i.c.indicator_id == f.c.indicator_id))
    conds = []
    if public:
        conds.append(i.c.visibility == "public")
    if indicator_ids:
        conds.append(f.c.indicator_id.in_(list(indicator_ids)))
    if territory_ids:
        conds.append(f.c.territory_id.in_(list(territory_ids)))
    if levels:
        conds.append(t.c.level.in_(list(levels)))
    if period_ids:
        conds.append(f.c.period_id.in_(list(period_ids)))
    if start is not None:
        conds.append(p.c.start_date >= start)
    if end is not None:
        conds.append(p.c.end_date <= end)
    if conds:
        stmt = stmt.where(and_(*conds))
    return stmt


def fact_table(indicator_ids: list[str] | None = None, territory_ids: list[str] | None = None,
               levels: list[str] | None = None, period_ids: list[str] | None = None, start=None, end=None,
               limit: int | None = None, offset: int = 0,
               public: bool = True) -> tuple[list[str], list[tuple], int]:
    """Tidy value rows across indicators (open-data column names) as (column names, row tuples,
    total matching count): no DataFrame, for JSON and CSV listings (export.rows_to_csv).

    `start`/`end` are dates: periods that start on/after `start` and end on/before `end`.
    Ordered by indicator, territory (sort key), period start, so pages are stable.
    """
    f, t, p = S.fact, S.territory, S.period
    base = _fact_select(indicator_ids, territory_ids, levels, period_ids, start, end, public)
    stmt = base.add_columns(func.count().over().label("_total")).order_by(
        f.c.indicator_id, t.c.sort_key, p.c.start_date, p.c.end_date)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    cols, rows = query_rows(stmt)
    if rows:
        total = int(rows[0][-1])
    elif offset:
        total = int(query(select(func.count()).select_from(base.subquery())).iloc[0, 0])
    else:
        total = 0
    return [str(c) for c in cols[:-1]], [r[:-1] for r in rows], total


def fact_records(*args, **kwargs) -> tuple[list[dict], int]:
    """`fact_table` as a list of dicts (JSON-ready) and the total matching count."""
    cols, rows, total = fact_table(*args, **kwargs)
    return [dict(zip(cols, r)) for r in rows], total


def fact_rows(*args, **kwargs) -> tuple[pd.DataFrame, int]:
    """`fact_table` as a DataFrame (downloads, ZIP packages) and the total matching count."""
    cols, rows, total = fact_table(*args, **kwargs)
    df = pd.DataFrame([dict(zip(cols, r)) for r in rows]) if rows else pd.DataFrame(columns=cols)
    return df, total


# -- app shell, Início, Indicador, embed, maps (issue 4: app helper H4a) -----------------------

def headline_summary() -> pd.DataFrame:
    """Headline indicators with the country's latest value and its change since the previous period.

    Columns: indicator_id, title_pt, title_en, short_unit, short_unit_en, unit_pt, unit_en, decimals, area,
    polarity, period_id, label_pt, label_en, value, prev_period_id, prev_label_pt, prev_label_en,
    prev_value, change.
    """
    f, i, p = S.fact, S.indicator, S.period
    stmt = (select(f.c.indicator_id, f.c.period_id, f.c.value, p.c.label_pt, p.c.label_en, p.c.start_date)
            .join(i, i.c.indicator_id == f.c.indicator_id)
            .join(p, p.c.period_id == f.c.period_id)
            .where(i.c.visibility == "public", i.c.headline.is_(True), f.c.territory_id == "PT",
                   f.c.value.is_not(None))
            .order_by(f.c.indicator_id, p.c.start_date, p.c.end_date))
    vals = query(stmt)
    inds = indicators()
    inds = inds[inds["headline"].fillna(False).astype(bool)]
    rows = []
    for _, ind in inds.iterrows():
        v = vals[vals["indicator_id"] == ind["indicator_id"]]
        row = {k: ind[k] for k in ("indicator_id", "title_pt", "title_en", "short_unit", "short_unit_en",
                                   "unit_pt", "unit_en",
                                   "decimals", "area", "polarity")}
        last = v.iloc[-1] if len(v) else None
        prev = v.iloc[-2] if len(v) > 1 else None
        row.update(period_id=None if last is None else last["period_id"],
                   label_pt=None if last is None else last["label_pt"],
                   label_en=None if last is None else last["label_en"],
                   value=None if last is None else last["value"],
                   prev_period_id=None if prev is None else prev["period_id"],
                   prev_label_pt=None if prev is None else prev["label_pt"],
                   prev_label_en=None if prev is None else prev["label_en"],
                   prev_value=None if prev is None else prev["value"])
        row["change"] = (row["value"] - row["prev_value"]) if prev is not None else None
        rows.append(row)
    return pd.DataFrame(rows)


def latest_periods() -> pd.DataFrame:
    """Every public indicator with its latest period (freshness): indicator_id, title_*, period_id, label_*, end_date."""
    f, i, p = S.fact, S.indicator, S.period
    last = (select(f.c.indicator_id, func.max(p.c.end_date).label("end_date"))
            .join(p, p.c.period_id == f.c.period_id).group_by(f.c.indicator_id).subquery())
    stmt = (select(i.c.indicator_id, i.c.title_pt, i.c.title_en, i.c.area, last.c.end_date)
            .join(last, last.c.indicator_id == i.c.indicator_id)
            .where(i.c.visibility == "public").order_by(i.c.area, i.c.indicator_id))
    df = query(stmt)
    per = query(select(p.c.period_id, p.c.end_date, p.c.label_pt, p.c.label_en, p.c.start_date))
    if len(df):
        # the latest period of each indicator is the one it has values for that ends last
        have = query(select(f.c.indicator_id, f.c.period_id).distinct())
        m = have.merge(per, on="period_id").merge(df[["indicator_id", "end_date"]], on=["indicator_id", "end_date"])
        m = m.sort_values("start_date").drop_duplicates("indicator_id", keep="last")
        df = df.merge(m[["indicator_id", "period_id", "label_pt", "label_en"]], on="indicator_id", how="left")
    return df


def alarm_counts() -> pd.DataFrame:
    """Active alarms (core.alarm_rules.is_active) of public indicators counted by policy area and alarm
    level (area, level, n): the same alarms as the alarm centre's default list."""
    from core.alarm_rules import active_clause
    a, i = S.alarm, S.indicator
    stmt = (select(i.c.area, a.c.level, func.count().label("n"))
            .join(i, i.c.indicator_id == a.c.indicator_id)
            .where(i.c.visibility == "public", active_clause(a))
            .group_by(i.c.area, a.c.level).order_by(i.c.area, a.c.level))
    return query(stmt)


def search_territories(q: str, limit: int = 10) -> pd.DataFrame:
    """Territories whose name contains `q`, accents and case optional ('agueda' finds Águeda).

    Names that start with the query come first, then municipalities before regions.
    """
    key = " ".join(fold(q or "").split())[:60]
    t = S.territory
    if len(key) < 2:
        return pd.DataFrame(columns=["territory_id", "level", "name", "name_unique", "name_search"])
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (select(t.c.territory_id, t.c.level, t.c.name, t.c.name_unique, t.c.name_search, t.c.sort_key)
            .where(t.c.name_search.like(pattern, escape="\\"))
            .order_by(t.c.sort_key).limit(200))
    df = query(stmt)
    if not len(df):
        return df
    order = {"municipio": 0, "pais": 1, "nuts1": 2, "nuts2": 3, "nuts3": 4}
    df["_starts"] = ~df["name_search"].str.startswith(key)
    df["_lvl"] = df["level"].map(order).fillna(5)
    df = df.sort_values(["_starts", "_lvl", "name_search"], kind="stable").head(limit)
    return df.drop(columns=["_starts", "_lvl"]).reset_index(drop=True)


#: words a query may hold that say nothing about what is sought (dropped unless nothing else is left)
SEARCH_STOPWORDS = frozenset("a o as os e de da do das dos em no na nos nas por para com ao aos the of and in by per "
                             "for to".split())
#: how much a query word found in each field counts (titles first, then keywords, then the id)
SEARCH_WEIGHTS = {"title": 4, "short_title": 4, "keywords": 2, "id": 1, "area": 1}


def _search_words(s: str) -> list[str]:
    import re
    return re.findall(r"[a-z0-9]+", fold(s))


def _indicator_search_index() -> list[dict]:
    """One entry per public indicator: its titles and the words of each searchable field (both languages)."""
    import orjson

    from core.vocabulary import AREAS
    out = []
    for r in indicators(public=True).itertuples():
        m = orjson.loads(r.meta_json)
        kw = m.get("keywords") or {}
        short = m.get("short_title") or {}
        fields = {"title": [m["title"].get("pt", ""), m["title"].get("en", "")],
                  "short_title": [short.get("pt", ""), short.get("en", "")],
                  "keywords": list(kw.get("pt", [])) + list(kw.get("en", [])),
                  "id": [str(r.indicator_id).replace("_", " ")],
                  "area": [AREAS[r.area].label("pt"), AREAS[r.area].label("en")] if r.area in AREAS else []}
        out.append({"indicator_id": str(r.indicator_id), "area": r.area,
                    "title_pt": m["title"].get("pt", ""), "title_en": m["title"].get("en") or m["title"].get("pt", ""),
                    "words": {f: {w for text in texts for w in _search_words(text)} for f, texts in fields.items()}})
    return out


def search_indicators(q: str, lang: str = "pt", limit: int = 6) -> pd.DataFrame:
    """Public indicators matching `q` in their title, short title, keywords (synonyms) or id, in pt-PT
    and English, accents and case optional: 'divida', 'dívida' and 'debt' find the debt indicators.

    Every word of the query must begin a word of one of those fields (or of the policy area's name). Best first: matches in the
    titles outweigh keywords, and a title that starts with the query comes first; then by title.
    Columns: indicator_id, title (in `lang`), area, score.
    """
    cols = ["indicator_id", "title", "area", "score"]
    words = _search_words((q or "")[:80])
    if len(" ".join(words)) < 2:
        return pd.DataFrame(columns=cols)
    words = [w for w in words if w not in SEARCH_STOPWORDS] or words
    key = " ".join(words)
    rows = []
    for e in memo("indicator_search_index", (), _indicator_search_index):
        score = 0
        for w in words:
            best = max((SEARCH_WEIGHTS[f] for f, ws in e["words"].items() if any(x.startswith(w) for x in ws)),
                       default=0)
            if not best:
                break
            score += best
        else:
            title = e[column("title", lang)]
            if " ".join(_search_words(title)).startswith(key):
                score += 3
            rows.append({"indicator_id": e["indicator_id"], "title": title, "area": e["area"], "score": score,
                         "_sort": fold(title)})
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows).sort_values(["score", "_sort"], ascending=[False, True], kind="stable")
    return df[cols].head(limit).reset_index(drop=True)


# Web boundary layers (built by etl/geo.py into settings.paths().geo_dir), read once per file version.
#: territorial level (or view) -> file name in the geo dir
GEO_FILES = {"municipio": "municipios.geojson", "nuts3": "nuts3.geojson", "nuts2": "nuts2.geojson",
             "tiles": "tiles.geojson"}
_geo_lock = threading.RLock()  # re-entered: a layer reads its inset variant
_geo_cache: dict = {}


def _geo_manifest(geo_dir: Path) -> dict:
    """The geo build's manifest.json (etl/geo.py), {} when absent."""
    import json
    try:
        return json.loads((geo_dir / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def _geo_read(path: Path) -> dict | None:
    """Bytes, gzip, content hash, id key and bounds of one layer; cached by (path, mtime, size)."""
    import gzip
    import json
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    key = (str(path), st.st_mtime_ns, st.st_size)
    hit = _geo_cache.get(key)
    if hit is not None:
        return hit
    with _geo_lock:
        raw = path.read_bytes()
        gj = json.loads(raw)
        feats = gj.get("features") or []
        f0 = feats[0] if feats else {}
        props = f0.get("properties") or {}
        if "id" in f0:
            idkey = "id"
        else:
            idkey = next((f"properties.{k}" for k in ("territory_id", "id", "dico", "code") if k in props), "id")
        def fid(f):
            return str(f.get("id") if idkey == "id" else (f.get("properties") or {}).get(idkey.split(".", 1)[1]))

        def walk(c, xs, ys):
            if c and isinstance(c[0], (int, float)):
                xs.append(c[0]), ys.append(c[1])
            else:
                for cc in c:
                    walk(cc, xs, ys)
        fb = {}
        for f in feats:
            xs, ys = [], []
            walk((f.get("geometry") or {}).get("coordinates") or [], xs, ys)
            if xs:
                fb[fid(f)] = (min(xs), min(ys), max(xs), max(ys))
        bounds = ((min(b[0] for b in fb.values()), min(b[1] for b in fb.values()),
                   max(b[2] for b in fb.values()), max(b[3] for b in fb.values())) if fb else (-9.6, 36.9, -6.1, 42.2))
        gz_path = path.with_name(path.name + ".gz")
        gz = gz_path.read_bytes() if gz_path.exists() and os.stat(gz_path).st_mtime_ns >= st.st_mtime_ns \
            else gzip.compress(raw, 6)
        # the islands inset variant is written by the geo build (etl/geo_inset.py): its file, frames and
        # bounds are in the manifest; the tile map and the inset files themselves have none
        inset = None
        meta = (_geo_manifest(path.parent).get("insets") or {}).get(path.name)
        if meta and path.parent.name != "inset":
            base = _geo_read(path.parent / meta["file"])
            if base is not None:
                inset = {"bytes": base["bytes"], "gzip": base["gzip"], "hash": base["hash"],
                         "bounds": tuple(meta["bounds"]), "frames": [(p, tuple(fr)) for p, fr in meta["frames"]]}
        info = {"bytes": raw, "gzip": gz, "hash": hashlib.sha256(raw).hexdigest()[:16],
                "featureidkey": idkey, "bounds": bounds, "feature_bounds": fb, "ids": [fid(f) for f in feats],
                "name": path.name, "inset": inset}
        for k in [k for k in _geo_cache if k[0] == str(path)]:
            del _geo_cache[k]
        _geo_cache[key] = info
        return info


def geo_layer(name: str) -> dict | None:
    """One web layer by level/view name ('municipio', 'nuts3', 'nuts2', 'tiles') or file name.

    Returns {name, url, hash, featureidkey, bounds, ids, bytes, gzip} or None if not built.
    The URL carries the content hash, so it can be cached for a year.
    """
    fname = GEO_FILES.get(name, name)
    if "/" in fname or not fname.endswith(".geojson"):
        return None
    info = _geo_read(settings.paths().geo_dir / fname)
    if info is None:
        return None
    inset = info["inset"]
    return dict(info, url=f"/geo/{info['hash']}/{fname}",
                inset_url=f"/geo/{info['hash']}/inset/{fname}" if inset else None)


def geo_version() -> tuple:
    """Identifies the web layers on disk (the geo dir is swapped in whole by the build)."""
    try:
        st = os.stat(settings.paths().geo_dir)
        return (st.st_ino, st.st_mtime_ns)
    except FileNotFoundError:
        return (0, 0)


def memo(name: str, args: tuple, fn):
    """A computed result (plain data) cached like query results: keyed by name, arguments, the
    database version and the web layers' version, so a rebuild is picked up without a restart."""
    k = "m:" + hashlib.sha1(f"{version()}|{geo_version()}|{name}|{args!r}".encode()).hexdigest()
    return _cached(k, lambda: fn(*args))


def indicator_coverage(indicator_id: str, public: bool = True) -> dict:
    """How many values an indicator has per territorial level, and where its series break."""
    f, t, i = S.fact, S.territory, S.indicator
    visible = [i.c.visibility == "public"] if public else []
    lv = query(select(t.c.level, func.count().label("n"), func.min(t.c.sort_key).label("k"))
               .join(f, f.c.territory_id == t.c.territory_id)
               .join(i, i.c.indicator_id == f.c.indicator_id)
               .where(f.c.indicator_id == indicator_id, *visible).group_by(t.c.level).order_by("k"))
    br = query(select(f.c.territory_id, f.c.period_id)
               .join(i, i.c.indicator_id == f.c.indicator_id)
               .where(f.c.indicator_id == indicator_id, f.c.is_break, *visible)
               .order_by(f.c.territory_id, f.c.period_id))
    return {"n_values": int(lv["n"].sum()) if len(lv) else 0,
            "levels": {str(r.level): int(r.n) for r in lv.itertuples()},
            "breaks": [{"territory_id": str(r.territory_id), "period_id": str(r.period_id)} for r in br.itertuples()]}


# -- the Excel CSV's rounding (api/export.py writes it; issue 8 item 16) -------------------------

#: a numerator or denominator needing more decimals than this was computed (e.g. back-calculated
#: from a published rate), not given by the source: it is rounded to whole units
SOURCE_MAX_DECIMALS = 6


def _decimals_of(values) -> int | None:
    """The fewest decimals (0..SOURCE_MAX_DECIMALS) that write every value exactly, or None."""
    import numpy as np
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return 0
    for d in range(SOURCE_MAX_DECIMALS + 1):
        scaled = v * 10.0 ** d
        if np.all(np.abs(scaled - np.rint(scaled)) <= 1e-6 + 1e-12 * np.abs(scaled)):
            return d
    return None


def _excel_rules() -> dict[str, dict]:
    f, i = S.fact, S.indicator
    inds = query(select(i.c.indicator_id, i.c.decimals, i.c.unit_pt, i.c.unit_en))
    # numerators and denominators as the sources give them (or as computed from them): not the sums
    # of the regional aggregation, which carry float noise
    rows = query(select(f.c.indicator_id, f.c.numerator, f.c.denominator, f.c.origin)
                 .where(or_(f.c.numerator.is_not(None), f.c.denominator.is_not(None))))
    out = {}
    for r in inds.itertuples():
        iid = str(r.indicator_id)
        mine = rows[rows["indicator_id"] == iid]
        own = mine[mine["origin"] != "aggregated"]
        base = own if len(own) else mine
        rule = {"value": int(r.decimals) if pd.notna(r.decimals) else 1,
                "unit": {"pt": r.unit_pt or "", "en": r.unit_en or r.unit_pt or ""}}
        for col in ("numerator", "denominator"):
            d = _decimals_of(base[col]) if len(base) else 0
            rule[col] = 0 if d is None else d
        out[iid] = rule
    return out


def excel_rules() -> dict[str, dict]:
    """How the Excel CSV rounds each indicator: {indicator_id: {"value": the indicator's declared
    decimals, "numerator"/"denominator": the precision of the source's figures, "unit": {pt, en}}}.

    The precision of a numerator or denominator is the fewest decimals that write every one of its
    values as the source gives them (population: 0; area in km²: 2). One computed with more than
    SOURCE_MAX_DECIMALS decimals (the 2011 population back-calculated from INE's 2011–2021 change
    rate) is a count estimated from a rate: rounded to whole units. Cached per database version.
    """
    return memo("excel_rules", (), _excel_rules)


# -- weekly mortality surveillance (issue 13; core/surveillance.py, fact_mortality_surveillance) -------------

def surveillance_indicators() -> list[str]:
    """The indicators with a surveillance mart (those with an `excess` rule), sorted; [] on a database built
    before the mart existed."""
    from sqlalchemy.exc import DBAPIError
    m = S.mortality_surveillance
    try:
        return sorted(query(select(m.c.indicator_id).distinct())["indicator_id"])
    except DBAPIError:
        return []


def mortality_surveillance(territory_id: str, indicator_id: str | None = None) -> pd.DataFrame:
    """One territory's weekly surveillance (observed, expected, band, excess, z-score, alarm weeks), oldest
    week first, with the week's start date and labels; empty when the territory is not under surveillance."""
    inds = surveillance_indicators()
    if not inds:
        return pd.DataFrame()
    m, p = S.mortality_surveillance, S.period
    stmt = (select(m, p.c.start_date, p.c.label_pt, p.c.label_en)
            .join(p, p.c.period_id == m.c.period_id)
            .where(m.c.territory_id == territory_id, m.c.indicator_id == (indicator_id or inds[0]))
            .order_by(p.c.start_date))
    return query(stmt)

# -- policy targets (issue 11): dim_target, fact_target_status -------------------------------------

def targets(public: bool = True) -> pd.DataFrame:
    """Every target (dim_target) with its indicator's title, unit and decimals; targets on a restricted
    indicator are left out for public callers. Ordered by area, then headline targets first."""
    tg, i = S.target, S.indicator
    stmt = (select(tg, i.c.title_pt.label("indicator_title_pt"), i.c.title_en.label("indicator_title_en"),
                   i.c.short_unit, i.c.short_unit_en, i.c.decimals, i.c.visibility)
            .outerjoin(i, i.c.indicator_id == tg.c.indicator_id))
    df = query(stmt.order_by(tg.c.area, tg.c.headline.desc(), tg.c.target_id))
    if public and len(df):
        df = df[df["indicator_id"].isna() | (df["visibility"] == "public")].reset_index(drop=True)
    return df


def target(target_id: str, public: bool = True) -> dict | None:
    df = targets(public)
    df = df[df["target_id"] == target_id]
    return df.iloc[0].to_dict() if len(df) else None


def target_statuses(target_ids: list[str] | None = None, *, levels: list[str] | None = None,
                    territory_ids: list[str] | None = None, region_id: str | None = None) -> pd.DataFrame:
    """Statuses (fact_target_status) with territory names and period labels; `region_id` keeps the
    territories inside that region (and the region itself)."""
    s, t = S.target_status, S.territory
    pb, pl = S.period.alias("pb"), S.period.alias("pl")
    stmt = (select(s, t.c.name, t.c.name_unique, t.c.nuts3_id, t.c.nuts2_id, t.c.population,
                   pb.c.label_pt.label("base_label_pt"), pb.c.label_en.label("base_label_en"),
                   pl.c.label_pt.label("latest_label_pt"), pl.c.label_en.label("latest_label_en"))
            .join(t, t.c.territory_id == s.c.territory_id)
            .outerjoin(pb, pb.c.period_id == s.c.base_period_id)
            .outerjoin(pl, pl.c.period_id == s.c.latest_period_id))
    if target_ids:
        stmt = stmt.where(s.c.target_id.in_(list(target_ids)))
    if levels:
        stmt = stmt.where(s.c.level.in_(list(levels)))
    if territory_ids:
        stmt = stmt.where(s.c.territory_id.in_(list(territory_ids)))
    if region_id and region_id != "PT":
        stmt = stmt.where(_in_region(s.c.territory_id, t, region_id))
    return query(stmt.order_by(s.c.target_id, t.c.sort_key))


def target_summary(region_id: str | None = None) -> pd.DataFrame:
    """One row per target: the national status (or the region's, with region_id) and how many
    municipalities are in each status (columns n_<status>, n_municipios)."""
    from core.progress import STATUSES
    tg = targets()
    st = target_statuses(region_id=region_id)
    muni = st[st["level"] == "municipio"]
    counts = muni.groupby(["target_id", "status"]).size().unstack(fill_value=0) if len(muni) else pd.DataFrame()
    nat_id = region_id or "PT"
    nat = st[st["territory_id"] == nat_id].set_index("target_id")
    rows = []
    for r in tg.to_dict("records"):
        tid = r["target_id"]
        row = dict(r)
        n = nat.loc[tid] if tid in nat.index else None
        row["national_status"] = n["status"] if n is not None else "not_assessable"
        row["national_reason"] = n["reason"] if n is not None else (
            "no_regional_series" if region_id else "no_national_series")
        row["national_latest_value"] = n["latest_value"] if n is not None else None
        row["national_latest_period"] = n["latest_period_id"] if n is not None else None
        for sid in STATUSES:
            row[f"n_{sid}"] = int(counts.loc[tid, sid]) if tid in counts.index and sid in counts.columns else 0
        row["n_municipios"] = sum(row[f"n_{sid}"] for sid in STATUSES)
        rows.append(row)
    return pd.DataFrame(rows)
