"""The simulation's inputs on the built database: the staged variables, registry indicators and the
actual transfers used as baselines, one row per municipality (SQLAlchemy Core through serving.data).

Every variable names the indicator (or dimension column) and the period it is read from, so the page,
the CSV metadata and the test that the preset's inputs are the data system's can say where each number
comes from.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from core import schema as S
from serving import data
from serving.simulation.scenario import Scenario, Source

#: staged variable -> (indicator id or "dim:<column>", period id or None for the latest, note)
VARIABLE_SOURCES: dict[str, tuple[str, str | None]] = {
    "population": ("populacao_residente_censos", "2021"),
    "area": ("dim:area_km2", None),
    "overnight_stays": ("dormidas_turisticas", "2019"),
    "overnight_stays_daily": ("dormidas_turisticas", "2019"),    # ÷ 365: the law's "média diária de dormidas"
    "density": ("densidade_populacional", "2021"),
    "ageing_index": ("indice_envelhecimento", None),
    "purchasing_power_per_capita": ("poder_compra_pct", "2017"),  # share ÷ population share × 100
    "unemployment": ("desemprego_registado", None),
    "unemployment_per_100": ("desemprego_registado_por_100_hab", None),
}

#: baseline measure -> indicator (euros per municipality)
BASELINE_INDICATORS = {"total": "transferencias_estado_total", "fef": "transferencias_fef_2014",
                       "fsm": "transferencias_fsm_2014", "irs": "transferencias_irs_2014"}

AUTONOMOUS_NUTS1 = ("PT2", "PT3")  # Açores, Madeira


class UnknownInput(ValueError):
    def __init__(self, field_: str, msg: str):
        super().__init__(msg)
        self.field = field_


def municipalities() -> pd.DataFrame:
    """The 308 municipalities: dico (index), name, nuts3_id, nuts3 name, area, autonomous."""
    t = S.territory
    df = data.query(select(t.c.territory_id, t.c.name, t.c.name_unique, t.c.nuts3_id, t.c.nuts1_id, t.c.area_km2)
                    .where(t.c.level == "municipio").order_by(t.c.territory_id))
    names = data.query(select(t.c.territory_id.label("nuts3_id"), t.c.name.label("nuts3_name")).where(t.c.level == "nuts3"))
    df = df.merge(names, on="nuts3_id", how="left").set_index("territory_id")
    df.index.name = "dico"
    df["autonomous"] = df["nuts1_id"].isin(AUTONOMOUS_NUTS1)
    df["area"] = df["area_km2"].astype(float)
    return df


def latest_period(indicator_id: str) -> str | None:
    f, p = S.fact, S.period
    df = data.query(select(f.c.period_id, func.max(p.c.end_date).label("end"))
                    .join(p, p.c.period_id == f.c.period_id)
                    .where(f.c.indicator_id == indicator_id).group_by(f.c.period_id))
    if not len(df):
        return None
    return str(df.sort_values("end")["period_id"].iloc[-1])


def indicator_values(indicator_id: str, period_id: str | None) -> tuple[pd.Series, str | None]:
    """One indicator's municipal values (indexed by DICO) in a period (the latest if None)."""
    period_id = period_id or latest_period(indicator_id)
    if period_id is None:
        return pd.Series(dtype=float), None
    f, t = S.fact, S.territory
    df = data.query(select(f.c.territory_id, f.c.value)
                    .join(t, t.c.territory_id == f.c.territory_id)
                    .where(f.c.indicator_id == indicator_id, f.c.period_id == period_id, t.c.level == "municipio"))
    return df.set_index("territory_id")["value"].astype(float), period_id


def _variable(name: str, base: pd.DataFrame) -> tuple[pd.Series, dict]:
    ind, per = VARIABLE_SOURCES[name]
    if ind.startswith("dim:"):
        col = ind[4:]
        return base[col].astype(float), {"indicator": None, "column": f"dim_territory.{col}", "period": None}
    s, per = indicator_values(ind, per)
    s = s.reindex(base.index)
    if name == "overnight_stays_daily":
        s = s / 365.0
    elif name == "purchasing_power_per_capita":
        pop, _ = indicator_values("populacao_residente_censos", "2021")
        pop = pop.reindex(base.index)
        s = s / (pop / pop.sum() * 100) * 100
    return s, {"indicator": ind, "period": per}


def frame(sources: list[Source]) -> tuple[pd.DataFrame, dict]:
    """The municipalities with one column per source key (and always `population`), and where each
    column was read from."""
    base = municipalities()
    lineage = {}
    needed = {"population": Source(variable="population")}
    needed.update({s.key: s for s in sources})
    for key, src in needed.items():
        if src.variable:
            base[key], lineage[key] = _variable(src.variable, base)
        else:
            if data.indicator(src.indicator) is None:
                raise UnknownInput("source.indicator", f"unknown indicator {src.indicator!r}")
            s, per = indicator_values(src.indicator, src.period)
            if per is None or not len(s):
                raise UnknownInput("source.period", f"indicator {src.indicator!r} has no municipal values"
                                   + (f" for period {src.period!r}" if src.period else ""))
            base[key] = s.reindex(base.index)
            lineage[key] = {"indicator": src.indicator, "period": per}
    return base, lineage


def baseline(measure: str, year: int) -> pd.Series:
    """Actual transfers per municipality, euros (Mapa XIX / Mapa 12 of the State Budget, via DGO)."""
    s, per = indicator_values(BASELINE_INDICATORS[measure], str(year))
    if per is None or not len(s):
        raise UnknownInput("baseline", f"no actual transfers for {measure} {year}")
    return s


def for_scenario(sc: Scenario) -> tuple[pd.DataFrame, pd.Series | None, dict]:
    f, lineage = frame(sc.sources())
    b = None
    if sc.baseline.kind == "actual":
        b = baseline(sc.baseline.measure, sc.baseline.year).reindex(f.index)
        lineage["baseline"] = {"indicator": BASELINE_INDICATORS[sc.baseline.measure], "period": str(sc.baseline.year)}
    return f, b, lineage


SIZE_CLASSES = ["lt5k", "5k_20k", "20k_100k", "ge100k"]


def size_class(pop: pd.Series) -> pd.Series:
    """Size class by resident population (Census 2021): the same cut points every time."""
    return pd.cut(pop, [-np.inf, 5000, 20000, 100000, np.inf], labels=SIZE_CLASSES, right=False).astype(str)
