"""The operational store: what changes while the app runs, through SQLAlchemy Core.

An embedded SQLite file by default (`$OBS_DATA_DIR/operational.sqlite`), PostgreSQL when
OBS_OPERATIONAL_URL is set (e.g. `postgresql+psycopg://obs:obs@127.0.0.1/obs`). The analytic DuckDB the
ETL builds stays read-only for the app: nothing here writes to it. Tables are declared once below and
created on start (`create`); `SCHEMA_VERSION` is written to `live_meta` so a later change can migrate.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, create_engine, event, insert, select, func)
from sqlalchemy.engine import Engine

from core import settings

SCHEMA_VERSION = 1
metadata = MetaData()

#: key/value facts about the store itself (schema version)
meta = Table(
    "live_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

#: ingest credentials: one per sending platform (a municipality, a CIM or an AM); the key is stored hashed
credential = Table(
    "live_credential", metadata,
    Column("key_id", String(32), primary_key=True),     # public part of the key (obs_<key_id>_<secret>)
    Column("key_hash", String(64), nullable=False),     # sha256 of the whole key
    Column("name", String(200), nullable=False),         # e.g. "PGU Porto"
    Column("scope_id", String(16), nullable=False),      # a DICO, or a CIM/AM territory id (EI…)
    Column("municipalities", Text, nullable=False),      # the DICOs of the scope, comma-separated
    Column("synthetic", Boolean, nullable=False, default=False),  # replay/demo keys: everything labelled synthetic
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

#: one row per accepted notification (NGSI-LD notification id + sender): a duplicate is stored once
notification = Table(
    "live_notification", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", String(300), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("n_entities", Integer, nullable=False),
    UniqueConstraint("key_id", "notification_id", name="uq_live_notification"),
)

#: one numeric attribute of one entity at one instant (late or out-of-order arrivals are placed by
#: observed_at, never by arrival); (entity, attribute, instant) is unique: a repeat is stored once
observation = Table(
    "live_observation", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(300), nullable=False),
    Column("entity_type", String(64), nullable=False),
    Column("entity_name", String(200)),                  # the entity's `name` (a station's), for sentences
    Column("attribute", String(64), nullable=False),     # e.g. no2, pm10, o3, LAeq, intensity, fillingLevel
    Column("observed_at", DateTime(timezone=True), nullable=False),
    Column("value", Float),
    Column("text_value", String(200)),                   # e.g. ParkingSpot status
    Column("territory_id", String(4), nullable=False),   # DICO, from the entity's location
    Column("lon", Float), Column("lat", Float),
    Column("key_id", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
    UniqueConstraint("entity_id", "attribute", "observed_at", name="uq_live_observation"),
)
Index("ix_live_observation_series", observation.c.territory_id, observation.c.attribute, observation.c.observed_at)

#: the live alarms, one row per (rule group, municipality, calendar year): the current state
alarm = Table(
    "live_alarm", metadata,
    Column("alarm_id", String(120), primary_key=True),
    Column("indicator_id", String(64), nullable=False),  # the live series (live.rules.SERIES)
    Column("territory_id", String(4), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("level", String(16), nullable=False),          # core.vocabulary.ALARM_LEVELS
    Column("status", String(16), nullable=False),         # core.vocabulary.STATUSES
    Column("period_id", String(16), nullable=False),      # the calendar year (count rules) or the hour
    Column("since", DateTime(timezone=True), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),  # the observation that decided it
    Column("value", Float), Column("threshold", Float),
    Column("station", String(300)),
    Column("area", String(64), nullable=False),
    Column("sentence_pt", Text, nullable=False), Column("sentence_en", Text, nullable=False),
    Column("citation", String(300)),
    Column("synthetic", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: every change of a live alarm (new, level change, resolved, reopened): what feeds and webhooks publish
alarm_event = Table(
    "live_alarm_event", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alarm_id", String(120), nullable=False),
    Column("territory_id", String(4), nullable=False),
    Column("area", String(64), nullable=False),
    Column("level", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("sentence_pt", Text, nullable=False), Column("sentence_en", Text, nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
)
Index("ix_live_alarm_event_at", alarm_event.c.at)

#: webhook subscriptions, filtered by territory / area / level (empty = any)
subscription = Table(
    "live_subscription", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", String(1000), nullable=False),
    Column("secret", String(128), nullable=False),        # shared HMAC secret (the receiver needs it in clear)
    Column("territory_id", String(16)), Column("area", String(64)), Column("level", String(16)),
    Column("active", Boolean, nullable=False, default=True),
    Column("failures", Integer, nullable=False, default=0),   # consecutive failed deliveries
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
)

#: every delivery attempt of an event to a subscription
delivery = Table(
    "live_delivery", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Integer, ForeignKey("live_subscription.id"), nullable=False),
    Column("event_id", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),
    Column("ok", Boolean, nullable=False),
    Column("error", String(500)),
)

#: payloads refused with a 400: kept whole with the JSON pointer of the fault
dead_letter = Table(
    "live_dead_letter", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(32)),
    Column("pointer", String(500), nullable=False),
    Column("message", Text, nullable=False),
    Column("body", Text, nullable=False),
)

#: every ingest request with its sender and outcome (accepted, duplicate, 400, 401, 403)
ingest_log = Table(
    "live_ingest_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(32)),
    Column("mode", String(16), nullable=False),          # notify | pull | replay
    Column("notification_id", String(300)),
    Column("status", Integer, nullable=False),
    Column("n_entities", Integer, nullable=False, default=0),
    Column("n_stored", Integer, nullable=False, default=0),
    Column("n_duplicates", Integer, nullable=False, default=0),
    Column("detail", String(500)),
)

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def now() -> datetime:
    return datetime.now(timezone.utc)


def url() -> str:
    """The store's SQLAlchemy URL: OBS_OPERATIONAL_URL, else a SQLite file in the data directory."""
    configured = settings.env("OBS_OPERATIONAL_URL")
    if configured:
        return configured
    path = settings.paths().data_dir / "operational.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    # WAL: readers (the app's workers) never wait for the writer; NORMAL is durable enough with WAL
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def engine(db_url: str | None = None) -> Engine:
    """One engine per URL per process, with the tables created (`create`) on first use."""
    u = db_url or url()
    eng = _engines.get(u)
    if eng is not None:
        return eng
    with _lock:
        eng = _engines.get(u)
        if eng is None:
            if u.startswith("sqlite"):
                eng = create_engine(u, connect_args={"check_same_thread": False, "timeout": 10})
                event.listen(eng, "connect", _sqlite_pragmas)
            else:
                eng = create_engine(u, pool_pre_ping=True, pool_size=5, max_overflow=5)
            create(eng)
            _engines[u] = eng
    return eng


def create(eng: Engine) -> None:
    """Create the tables that are missing and record the schema version (idempotent, safe on every start).
    A future SCHEMA_VERSION bump adds its migration here, keyed by the stored version."""
    metadata.create_all(eng)
    with eng.begin() as c:
        have = c.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
        if have is None:
            c.execute(insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif int(have) > SCHEMA_VERSION:
            raise RuntimeError(f"the operational store at {eng.url!r} has schema version {have}, newer than "
                               f"this code's {SCHEMA_VERSION}: upgrade the app")


def dispose() -> None:
    """Close every engine (tests, forked workers)."""
    with _lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()


def version(eng: Engine | None = None) -> str:
    """The live alarms' version: the last event id (cache keys and ETags of alarm lists include it)."""
    with (eng or engine()).connect() as c:
        return str(c.execute(select(func.max(alarm_event.c.id))).scalar() or 0)


def aware(dt: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: every instant in the store is UTC."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def is_postgres(eng: Engine) -> bool:
    return eng.dialect.name == "postgresql"


