"""Live alarm rules: the regulatory thresholds of the live air-quality series, evaluated as observations
arrive, with the batch alarms' levels (core.vocabulary.ALARM_LEVELS), lifecycle (new, ongoing, resolved,
reopened) and one sentence that does not repeat the level or the series.

The rules (each cites its law; the 2030 values of Directive (EU) 2024/2881 sit beside the values in force):

| group | series | rule | level | source |
|---|---|---|---|---|
| no2 | NO₂ hourly mean | > 200 µg/m³ more than 18 times in a calendar year | critico | Directive 2008/50/EC, Annex XI (DL 102/2010) |
| no2 | NO₂ hourly mean | > 200 µg/m³ more than 3 times in a calendar year | atencao | Directive (EU) 2024/2881, Annex I (by 2030) |
| pm10 | PM10 daily mean | > 50 µg/m³ on more than 35 days in a calendar year | critico | Directive 2008/50/EC, Annex XI |
| pm10 | PM10 daily mean | > 45 µg/m³ on more than 18 days in a calendar year | atencao | Directive (EU) 2024/2881, Annex I (by 2030) |
| o3 | O₃ hourly mean | > 240 µg/m³ (alert threshold) | critico | Directive 2008/50/EC, Annex XII, B |
| o3 | O₃ hourly mean | > 180 µg/m³ (information threshold) | atencao | Directive 2008/50/EC, Annex XII, B |

Counting is per station (sampling point, as the Directive counts), the alarm per municipality: the
station with the most exceedances decides. An AirQualityObserved value is taken as the hourly mean of the
hour it was observed in; a PM10 daily mean is the mean of the day's hourly values received so far (UTC
days; the Directive's 75 % data-capture rule for a valid daily mean is not applied, so the live count is
indicative). Late and out-of-order observations are counted where they belong (by `observed_at`); the O₃
thresholds hold while the *latest* hour of the municipality is above them, so a late value for an older
hour never reopens a resolved O₃ alarm. The O₃ information threshold is `atencao`: it obliges the public
to be informed, which is what that level means here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, insert, select, text, update

from core import vocabulary as AL
from live import store
from live.store import alarm, alarm_event, observation

AREA = "ambiente"     # the registry's policy area of the air-quality indicators (indicators/no2_media_anual.yaml)


@dataclass(frozen=True)
class Series:
    group: str
    attribute: str
    title_pt: str
    title_en: str
    indicator_id: str     # the live series id shown with the alarm (never a registry indicator: not in the DuckDB)


SERIES: dict[str, Series] = {
    "no2": Series("no2", "no2", "NO₂: médias horárias (tempo real)", "NO₂: hourly means (live)", "live_no2_horario"),
    "pm10": Series("pm10", "pm10", "PM10: médias diárias (tempo real)", "PM10: daily means (live)", "live_pm10_diario"),
    "o3": Series("o3", "o3", "Ozono (O₃): médias horárias (tempo real)", "Ozone (O₃): hourly means (live)",
                 "live_o3_horario"),
}


@dataclass(frozen=True)
class Rule:
    id: str
    group: str
    kind: str            # hourly_count | daily_count | hourly_now
    limit: float         # µg/m³; exceeded when the value is strictly above it
    allowed: int         # exceedances allowed per calendar year (count rules)
    level: str
    citation: str


D2008 = "Diretiva 2008/50/CE, anexo XI (Decreto-Lei n.º 102/2010)"
D2030 = "Diretiva (UE) 2024/2881, anexo I (valores-limite a cumprir até 2030)"
D2008_O3 = "Diretiva 2008/50/CE, anexo XII, parte B (Decreto-Lei n.º 102/2010)"

RULES: list[Rule] = [
    Rule("no2_horario_2008", "no2", "hourly_count", 200, 18, "critico", D2008),
    Rule("no2_horario_2030", "no2", "hourly_count", 200, 3, "atencao", D2030),
    Rule("pm10_diario_2008", "pm10", "daily_count", 50, 35, "critico", D2008),
    Rule("pm10_diario_2030", "pm10", "daily_count", 45, 18, "atencao", D2030),
    Rule("o3_alerta", "o3", "hourly_now", 240, 0, "critico", D2008_O3),
    Rule("o3_informacao", "o3", "hourly_now", 180, 0, "atencao", D2008_O3),
]
ATTRIBUTES = {s.attribute: g for g, s in SERIES.items()}
SERIES_KIND = {g: next(r.kind for r in RULES if r.group == g) for g in SERIES}


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}".replace(".", ",")


def _num_en(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _station(s: str) -> str:
    return s.rsplit(":", 1)[-1] if s else "—"


def station_label(conn, entity_id: str) -> str:
    """The station's name as its platform sent it (`name`), else the last part of its entity id."""
    name = conn.execute(select(observation.c.entity_name).where(observation.c.entity_id == entity_id,
                                                                observation.c.entity_name.is_not(None)).limit(1)).scalar()
    return name or _station(entity_id)


def sentence(rule: Rule, value: float, year: int, station: str, at: datetime, synthetic: bool) -> tuple[str, str]:
    """One sentence (pt-PT, en): the value, its period and the rule — never the level or the series."""
    st = station
    tag_pt, tag_en = (" [dados sintéticos]", " [synthetic data]") if synthetic else ("", "")
    if rule.kind == "hourly_count":
        pt = (f"{int(value)} médias horárias acima de {_num(rule.limit)} µg/m³ em {year} na estação {st}: "
              f"o limite permite {rule.allowed} por ano civil.")
        en = (f"{int(value)} hourly means above {_num_en(rule.limit)} µg/m³ in {year} at station {st}: "
              f"the limit allows {rule.allowed} per calendar year.")
    elif rule.kind == "daily_count":
        pt = (f"{int(value)} dias com média acima de {_num(rule.limit)} µg/m³ em {year} na estação {st}: "
              f"o limite permite {rule.allowed} por ano civil.")
        en = (f"{int(value)} days with a mean above {_num_en(rule.limit)} µg/m³ in {year} at station {st}: "
              f"the limit allows {rule.allowed} per calendar year.")
    else:
        which_pt = "alerta" if rule.level == "critico" else "informação"
        which_en = "alert" if rule.level == "critico" else "information"
        hour = at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        pt = (f"Média horária de {_num(value)} µg/m³ às {hour} na estação {st}, acima do limiar de {which_pt} "
              f"({_num(rule.limit)} µg/m³).")
        en = (f"Hourly mean of {_num_en(value)} µg/m³ at {hour} at station {st}, above the {which_en} "
              f"threshold ({_num_en(rule.limit)} µg/m³).")
    return pt + tag_pt, en + tag_en


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)


def _base(c_territory: str, attribute: str, synthetic: bool, year: int):
    y0, y1 = _year_bounds(year)
    return and_(observation.c.territory_id == c_territory, observation.c.attribute == attribute,
                observation.c.synthetic.is_(synthetic), observation.c.observed_at >= y0,
                observation.c.observed_at < y1)


def hourly_counts(conn, territory: str, attribute: str, limit: float, synthetic: bool, year: int) -> list[tuple]:
    """(station, hours above `limit`) in the year, most first."""
    q = (select(observation.c.entity_id, func.count().label("n"))
         .where(_base(territory, attribute, synthetic, year), observation.c.value > limit)
         .group_by(observation.c.entity_id).order_by(func.count().desc(), observation.c.entity_id))
    return [tuple(r) for r in conn.execute(q)]


def daily_counts(conn, territory: str, attribute: str, limit: float, synthetic: bool, year: int) -> list[tuple]:
    """(station, days whose mean is above `limit`) in the year, most first. Days are UTC calendar days."""
    day = func.date(observation.c.observed_at)
    per_day = (select(observation.c.entity_id, day.label("d"), func.avg(observation.c.value).label("m"))
               .where(_base(territory, attribute, synthetic, year))
               .group_by(observation.c.entity_id, day).subquery())
    q = (select(per_day.c.entity_id, func.count().label("n")).where(per_day.c.m > limit)
         .group_by(per_day.c.entity_id).order_by(func.count().desc(), per_day.c.entity_id))
    return [tuple(r) for r in conn.execute(q)]


def latest_hour(conn, territory: str, attribute: str, synthetic: bool) -> tuple | None:
    """(observed_at, value, station) of the municipality's latest hour: the highest value at that hour."""
    last = (select(func.max(observation.c.observed_at))
            .where(observation.c.territory_id == territory, observation.c.attribute == attribute,
                   observation.c.synthetic.is_(synthetic)).scalar_subquery())
    q = (select(observation.c.observed_at, observation.c.value, observation.c.entity_id)
         .where(observation.c.territory_id == territory, observation.c.attribute == attribute,
                observation.c.synthetic.is_(synthetic), observation.c.observed_at == last)
         .order_by(observation.c.value.desc()).limit(1))
    r = conn.execute(q).first()
    return tuple(r) if r else None


def alarm_id(group: str, territory: str, year: int | None, synthetic: bool) -> str:
    base = f"live|{group}|{territory}" + (f"|{year}" if year is not None else "")
    return base + ("|sintetico" if synthetic else "")


def evaluate_new(conn, new: list[tuple], synthetic: bool) -> list[int]:
    """Evaluate the rule groups that the newly stored values can change: (territory, attribute, observed_at,
    value) rows. A count can only grow when a new value is above the group's lowest limit (a daily mean above
    45 needs one hourly value above 45), so other values are not evaluated; an O₃ alarm is also re-evaluated
    when it is open (a lower latest hour resolves it)."""
    touched: dict[tuple[str, str], set[int]] = {}
    low = {g: min(r.limit for r in RULES if r.group == g) for g in SERIES}
    for territory, attribute, at, value in new:
        g = ATTRIBUTES.get(attribute)
        if g is None or value is None:
            continue
        if value > low[g] or (SERIES_KIND[g] == "hourly_now" and _open(conn, alarm_id(g, territory, None, synthetic))):
            touched.setdefault((territory, g), set()).add(store.aware(at).year)
    events: list[int] = []
    for (territory, g), years in sorted(touched.items()):
        events += evaluate(conn, territory, g, years, synthetic)
    return events


def _open(conn, aid: str) -> bool:
    return conn.execute(select(alarm.c.status).where(alarm.c.alarm_id == aid)).scalar() not in (None, "resolved")


def evaluate(conn, territory: str, group: str, years: set[int], synthetic: bool) -> list[int]:
    """Evaluate a rule group for a municipality after new observations; write the alarm and its events.
    Returns the ids of the events written (for webhooks)."""
    series = SERIES[group]
    rules = [r for r in RULES if r.group == group]       # most severe first (order above)
    if conn.dialect.name == "postgresql":
        # two workers ingesting for the same municipality and series take turns (SQLite: the ingest's first
        # write already holds the database's write lock); READ COMMITTED then sees the other's values
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"live|{group}|{territory}"})
    now = store.now()
    events: list[int] = []
    if rules[0].kind == "hourly_now":
        last = latest_hour(conn, territory, series.attribute, synthetic)
        if last is None:
            return events
        at, value, station = store.aware(last[0]), float(last[1]), last[2]
        hit = next((r for r in rules if value > r.limit), None)
        events += _write(conn, alarm_id(group, territory, None, synthetic), series, territory, hit, value, at,
                         station, at.strftime("%Y-%m-%dT%H"), synthetic, now, resolvable=True)
        return events
    for year in sorted(years):
        counter = hourly_counts if rules[0].kind == "hourly_count" else daily_counts
        hit, value, station = None, 0.0, ""
        for r in rules:
            counts = counter(conn, territory, series.attribute, r.limit, synthetic, year)
            if counts and counts[0][1] > r.allowed:
                hit, station, value = r, counts[0][0], float(counts[0][1])
                break
        if hit is None:
            continue          # counts only grow within a year: nothing to resolve
        events += _write(conn, alarm_id(group, territory, year, synthetic), series, territory, hit, value, now,
                         station, str(year), synthetic, now, resolvable=False, year=year)
    return events


def _write(conn, aid: str, series: Series, territory: str, hit: Rule | None, value: float, at: datetime,
           station: str, period: str, synthetic: bool, now: datetime, *, resolvable: bool,
           year: int | None = None) -> list[int]:
    """Upsert one live alarm and append an event when it appears, changes level, resolves or reopens."""
    cur = conn.execute(select(alarm).where(alarm.c.alarm_id == aid)).mappings().first()
    if hit is None:
        if cur is None or cur["status"] == "resolved" or not resolvable:
            return []
        pt, en = cur["sentence_pt"], cur["sentence_en"]
        conn.execute(update(alarm).where(alarm.c.alarm_id == aid).values(
            status="resolved", updated_at=now, observed_at=at, period_id=period, value=value))
        return [_event(conn, aid, territory, cur["level"], "resolved", now, pt, en, synthetic)]
    pt, en = sentence(hit, value, year or at.year, station_label(conn, station), at, synthetic)
    values = dict(indicator_id=series.indicator_id, territory_id=territory, rule_id=hit.id, level=hit.level,
                  period_id=period, observed_at=at, value=value, threshold=hit.limit, station=station,
                  area=AREA, sentence_pt=pt, sentence_en=en, citation=hit.citation, synthetic=synthetic,
                  updated_at=now)
    if cur is None:
        conn.execute(insert(alarm).values(alarm_id=aid, status="new", since=at, **values))
        return [_event(conn, aid, territory, hit.level, "new", now, pt, en, synthetic)]
    if cur["status"] == "resolved":
        conn.execute(update(alarm).where(alarm.c.alarm_id == aid).values(status="reopened", since=at, **values))
        return [_event(conn, aid, territory, hit.level, "reopened", now, pt, en, synthetic)]
    changed = cur["level"] != hit.level
    conn.execute(update(alarm).where(alarm.c.alarm_id == aid).values(
        status="ongoing" if cur["status"] != "new" or changed else cur["status"],
        since=at if changed else cur["since"], **values))
    if changed:
        return [_event(conn, aid, territory, hit.level, "ongoing", now, pt, en, synthetic)]
    return []


def _event(conn, aid, territory, level, status, at, pt, en, synthetic) -> int:
    assert level in AL.ALARM_LEVELS and status in AL.STATUSES
    r = conn.execute(insert(alarm_event).values(alarm_id=aid, territory_id=territory, area=AREA, level=level,
                                                status=status, at=at, sentence_pt=pt, sentence_en=en,
                                                synthetic=synthetic))
    return int(r.inserted_primary_key[0])
