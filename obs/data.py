"""All data access for the app and the API: SQLAlchemy Core on a read-only DuckDB connection.

- SQL is built with SQLAlchemy Core expressions over the tables declared in obs/schema.py
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
from flask import has_app_context
from flask_caching import Cache
from sqlalchemy import and_, create_engine, func, select
from sqlalchemy.engine import Engine

from obs import schema as S
from obs import settings

cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": int(settings.env("OBS_CACHE_TIMEOUT")),
                      "CACHE_THRESHOLD": 2000})
_lock = threading.Lock()
_engine: Engine | None = None
_engine_key: tuple | None = None
_local_cache: dict = {}


class NoDatabase(RuntimeError):
    pass


def db_path() -> Path:
    return settings.paths().db


def db_version() -> tuple:
    try:
        st = os.stat(db_path())
    except FileNotFoundError as e:
        raise NoDatabase(f"no database at {db_path()}: run `make build`") from e
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def engine() -> Engine:
    """The engine for the current database file; replaced when a new file is swapped in."""
    global _engine, _engine_key
    key = (str(db_path()),) + db_version()
    if _engine is None or key != _engine_key:
        with _lock:
            if _engine is None or key != _engine_key:
                if _engine is not None:
                    _engine.dispose()
                _engine = create_engine(
                    f"duckdb:///{db_path()}",
                    connect_args={"read_only": True, "config": {
                        "autoinstall_known_extensions": False, "autoload_known_extensions": False}},
                    pool_pre_ping=False)
                _engine_key = key
                _local_cache.clear()
    return _engine


def _key(stmt) -> str:
    compiled = stmt.compile(compile_kwargs={})
    raw = f"{db_version()}|{compiled}|{sorted(compiled.params.items(), key=str)}"
    return "q:" + hashlib.sha1(raw.encode()).hexdigest()


def query(stmt) -> pd.DataFrame:
    """Run a Core statement; cached by statement, parameters and database version."""
    eng = engine()
    k = _key(stmt)
    if has_app_context():
        hit = cache.get(k)
        if hit is not None:
            return hit.copy()
    elif k in _local_cache:
        return _local_cache[k].copy()
    with eng.connect() as c:
        df = pd.DataFrame(c.execute(stmt).mappings().all())
        if df.empty:
            df = pd.DataFrame(columns=[col.name for col in stmt.selected_columns])
    if has_app_context():
        cache.set(k, df)
    else:
        if len(_local_cache) > 500:
            _local_cache.clear()
        _local_cache[k] = df
    return df.copy()


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
    """The periods an indicator has values for, oldest first."""
    f, p = S.fact, S.period
    stmt = (select(p).where(p.c.period_id.in_(select(f.c.period_id).where(f.c.indicator_id == indicator_id)
                                              .distinct().scalar_subquery()))
            .order_by(p.c.start_date, p.c.end_date))
    return query(stmt)


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
