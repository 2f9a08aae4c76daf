"""Live alarms as rows of serving.data.alarms (same columns as the build's alarms, `origin = "live"`), and
the event list the Atom feed and webhooks publish.

The alarm centre, the territory pages and /api/v1/alarms list live alarms through the source registered
with serving.data (live.web.install); they are read from the operational store on every call (a few rows),
never cached with the build's results.
"""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import and_, select

from core import alarm_rules
from core import vocabulary as AL
from live import rules, store
from live.store import alarm, alarm_event

_REGION_COLUMNS = ("nuts1_id", "nuts2_id", "nuts3_id", "district_id", "cim_id")


def _territories() -> pd.DataFrame:
    from serving import data
    return data.territories(["municipio"])


def _label(at: datetime | None, lang: str) -> str:
    if at is None:
        return ""
    at = store.aware(at)
    return at.strftime("%Y-%m-%d %H:%M UTC")


def frame(*, territory_ids=None, indicator_ids=None, areas=None, levels=None, statuses=None, region_id=None,
          alarm_id=None, scope: str = "ativos", eng=None) -> pd.DataFrame:
    """Live alarms filtered like serving.data.alarms; an empty frame when the store is unavailable."""
    q = select(alarm)
    if alarm_id:
        if not str(alarm_id).startswith("live|"):
            return pd.DataFrame()
        q = q.where(alarm.c.alarm_id == alarm_id)
    elif scope == "ativos":
        q = q.where(alarm.c.status != "resolved")
    elif scope == "historico":
        q = q.where(alarm.c.status == "resolved")
    if territory_ids:
        q = q.where(alarm.c.territory_id.in_(list(territory_ids)))
    if indicator_ids:
        q = q.where(alarm.c.indicator_id.in_(list(indicator_ids)))
    if areas:
        q = q.where(alarm.c.area.in_(list(areas)))
    if levels:
        q = q.where(alarm.c.level.in_(list(levels)))
    if statuses:
        q = q.where(alarm.c.status.in_(list(statuses)))
    with (eng or store.engine()).connect() as c:
        rows = [dict(r) for r in c.execute(q.order_by(alarm.c.territory_id, alarm.c.alarm_id)).mappings()]
    if not rows:
        return pd.DataFrame()
    ter = _territories().set_index("territory_id")
    if region_id and region_id != "PT":
        rows = [r for r in rows if r["territory_id"] == region_id or (
            r["territory_id"] in ter.index and region_id in {ter.at[r["territory_id"], c] for c in _REGION_COLUMNS})]
    series = {s.indicator_id: s for s in rules.SERIES.values()}
    out = []
    for r in rows:
        s = series.get(r["indicator_id"])
        tid = r["territory_id"]
        since, at = store.aware(r["since"]), store.aware(r["observed_at"])
        out.append({
            "alarm_id": r["alarm_id"], "indicator_id": r["indicator_id"], "territory_id": tid,
            "rule_id": r["rule_id"], "rule_type": "absolute", "level": r["level"], "status": r["status"],
            "period_id": r["period_id"], "since_period_id": since.isoformat() if since else None,
            "value": r["value"], "threshold": r["threshold"], "reference_value": None, "reference_kind": None,
            "official": True, "explanation_pt": r["sentence_pt"], "explanation_en": r["sentence_en"],
            "sentence_pt": r["sentence_pt"], "sentence_en": r["sentence_en"], "citation": r["citation"],
            "severity": AL.ALARM_LEVELS[r["level"]].severity, "is_current": True, "series_state": "current",
            "is_active": alarm_rules.is_active(r["status"], True),
            "name": ter.at[tid, "name"] if tid in ter.index else tid,
            "name_unique": ter.at[tid, "name_unique"] if tid in ter.index else tid,
            "territory_level": "municipio", "area": r["area"],
            "title_pt": s.title_pt if s else r["indicator_id"], "title_en": s.title_en if s else r["indicator_id"],
            "decimals": 0, "short_unit": None,
            "period_label_pt": _label(at, "pt"), "period_label_en": _label(at, "en"),
            "since_label_pt": _label(since, "pt"), "since_label_en": _label(since, "en"),
            "origin": "live", "synthetic": bool(r["synthetic"]), "observed_at": at.isoformat() if at else None,
        })
    return pd.DataFrame(out)


def safe_frame(**filters) -> pd.DataFrame:
    """`frame`, but a store that cannot be read never breaks a page of the build's alarms (logged)."""
    try:
        return frame(**filters)
    except Exception:  # noqa: BLE001 — the live store is an addition: the build's alarms still show
        import logging
        logging.getLogger("obs.live").exception("live alarms unavailable")
        return pd.DataFrame()


def safe_version() -> str:
    try:
        return store.version()
    except Exception:  # noqa: BLE001
        return "unavailable"


def events(*, territories: list[str] | None = None, area: str | None = None, level: str | None = None,
           limit: int = 50, eng=None) -> list[dict]:
    """The latest alarm events (newest first), filtered; `level` keeps that level and the more severe ones."""
    conds = []
    if territories is not None:
        conds.append(alarm_event.c.territory_id.in_(list(territories)))
    if area:
        conds.append(alarm_event.c.area == area)
    if level:
        keep = [k for k, lv in AL.ALARM_LEVELS.items() if lv.severity >= AL.ALARM_LEVELS[level].severity]
        conds.append(alarm_event.c.level.in_(keep))
    q = select(alarm_event)
    if conds:
        q = q.where(and_(*conds))
    with (eng or store.engine()).connect() as c:
        return [dict(r) for r in c.execute(q.order_by(alarm_event.c.id.desc()).limit(limit)).mappings()]
