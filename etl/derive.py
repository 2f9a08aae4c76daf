"""Derived indicators: values computed from several staged variables, registered by name.

Each derivation is `fn(staged, territory, indicator) -> frame` with territory_id, period_id, value and,
where the value is a ratio, numerator and denominator (so regions re-aggregate as a ratio of sums),
plus optional is_estimated / is_provisional / note. The indicator's YAML names the derivation
(`compute.derive`) and declares the staged variables it reads (`compute.inputs`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.staged import derivation, variable
from indicators import Indicator

KEY = ["territory_id", "period_id"]


def _v(staged: pd.DataFrame, name: str, col: str = "value") -> pd.DataFrame:
    """One staged variable as territory_id, period_id, <col> (+ its provisional flag and note)."""
    return variable(staged, name)[[*KEY, "value", "is_provisional", "note"]].rename(
        columns={"value": col, "is_provisional": f"{col}_prov", "note": f"{col}_note"})


def _inputs(ind: Indicator, n: int) -> list[str]:
    if len(ind.compute.inputs) < n:
        raise KeyError(f"derive {ind.compute.derive!r} needs {n} inputs, the file gives {len(ind.compute.inputs)}")
    return ind.compute.inputs


def _ratio(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.Series(np.where(den > 0, num / den * scale, np.nan), index=num.index)


def _finish(df: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    for col, default in (("numerator", np.nan), ("denominator", np.nan), ("is_estimated", False),
                         ("is_provisional", False), ("note", None)):
        if col not in df:
            df[col] = default
    df.attrs["source_ids"] = ",".join(ind.compute.source_ids())
    return df[[*KEY, "value", "numerator", "denominator", "is_estimated", "is_provisional", "note"]]


@derivation("published_ratio")
def published_ratio(staged, territory, ind: Indicator):
    """The published value (inputs[0]) with its numerator (inputs[1]) and denominator (inputs[2]),
    so municipal values match the source exactly and regions re-aggregate as a ratio of sums.
    Rows of the value variable without a numerator and denominator (official regional values) are
    kept as they are. Used for density (Census 2021 population / area) and COVID-19 incidence."""
    v, n, d = _inputs(ind, 3)[:3]
    df = _v(staged, v).merge(_v(staged, n, "numerator"), on=KEY, how="left").merge(
        _v(staged, d, "denominator"), on=KEY, how="left")
    df["is_provisional"] = df["value_prov"].fillna(False)
    df["note"] = df["value_note"]
    return _finish(df, ind)


@derivation("turnout")
def turnout(staged, territory, ind: Indicator):
    """Local-election turnout: the published percentage, with voters (numerator) and registered
    voters (denominator). Where registered voters are not published (2021), they are estimated as
    voters / (turnout / 100), rounded, flagged estimated, so that regional and national turnout are
    still ratios of sums. Inputs: votantes, inscritos, participacao_pct."""
    vot, ins, pct = _inputs(ind, 3)[:3]
    df = _v(staged, pct).merge(_v(staged, vot, "numerator"), on=KEY, how="outer").merge(
        _v(staged, ins, "denominator"), on=KEY, how="left")
    est = df["denominator"].isna() & df["numerator"].notna() & (df["value"] > 0)
    df.loc[est, "denominator"] = (df.loc[est, "numerator"] / (df.loc[est, "value"] / 100)).round()
    df["is_estimated"] = est
    df["note"] = np.where(est, "inscritos estimados = votantes / (participação / 100): a fonte não publica inscritos", None)
    # where only voters and registered voters are given, compute the percentage
    calc = df["value"].isna() & df["denominator"].notna()
    df.loc[calc, "value"] = _ratio(df.loc[calc, "numerator"], df.loc[calc, "denominator"], 100)
    df["is_provisional"] = False
    return _finish(df, ind)


@derivation("rate_by_year_population")
def rate_by_year_population(staged, territory, ind: Indicator):
    """Events (inputs[0], annual) per `scale` residents, with the population of the same year.

    inputs[1:] are population variables whose period is their year (e.g. estimates 2019, 2020 and the
    Census 2021); the first one that covers a year wins. Years after the last population year use
    the last one, flagged estimated with a note (the denominator is then older than the events)."""
    ev, *pops = _inputs(ind, 2)
    events = _v(staged, ev, "numerator")
    events = events[~events["numerator_prov"].fillna(False).astype(bool)]   # a partial year is no annual rate
    pop = pd.concat([_v(staged, p, "denominator")[[*KEY, "denominator"]].assign(_rank=i) for i, p in enumerate(pops)])
    pop = pop.sort_values("_rank").drop_duplicates(KEY)[[*KEY, "denominator"]]
    years = sorted(pop["period_id"].unique())
    last = years[-1]
    carry = events[events["period_id"] > last][["territory_id", "period_id"]].merge(
        pop[pop["period_id"] == last][["territory_id", "denominator"]], on="territory_id")
    carry["is_estimated"] = True
    carry["note"] = f"denominador: população de {last} (não há estimativa para o ano)"
    same = events[["territory_id", "period_id"]].merge(pop, on=KEY)
    same["is_estimated"] = False
    same["note"] = None
    den = pd.concat([same, carry], ignore_index=True)
    df = events.merge(den, on=KEY)
    df["value"] = _ratio(df["numerator"], df["denominator"], ind.compute.scale)
    df["is_provisional"] = False
    return _finish(df, ind)


@derivation("population_change")
def population_change(staged, territory, ind: Indicator):
    """Population change between two censuses (%), published by INE (inputs[0], period 'A/B'),
    with numerator = P_B − P_A and denominator = P_A, where P_B is the later census population
    (inputs[1]) and P_A = P_B / (1 + rate / 100) is back-calculated (no Census 2011 column in the
    data system). Municipal values are INE's; regions are a ratio of these sums (note says so)."""
    rate, popb = _inputs(ind, 2)[:2]
    r = _v(staged, rate)
    pb = _v(staged, popb, "pb")[["territory_id", "pb"]]
    df = r.merge(pb, on="territory_id", how="left")
    pa = df["pb"] / (1 + df["value"] / 100)
    df["numerator"] = df["pb"] - pa
    df["denominator"] = pa
    df["note"] = np.where(df["pb"].notna(), None, df["value_note"])
    df["is_provisional"] = False
    return _finish(df, ind)


@derivation("share_of_total_with_zeros")
def share_of_total_with_zeros(staged, territory, ind: Indicator):
    """A part (inputs[0]) as a share of its total (inputs[1]) × scale, where a missing part means
    zero *when the total is present* (Portal BASE lists a procedure only when the municipality has
    at least one contract of that type). No total: no value (absent, not zero)."""
    part, total = _inputs(ind, 2)[:2]
    t = _v(staged, total, "denominator")
    p = _v(staged, part, "numerator")
    df = t.merge(p, on=KEY, how="left")
    df["numerator"] = df["numerator"].fillna(0.0)
    df["value"] = _ratio(df["numerator"], df["denominator"], ind.compute.scale)
    df["is_provisional"] = False
    df["note"] = None
    return _finish(df, ind)



def _union(staged, names: list[str], col: str = "value") -> pd.DataFrame:
    """One series from several staged variables: where two give a value for the same territory and
    period, the first listed wins (a missing value never hides another's)."""
    parts = [_v(staged, n, col).assign(_rank=i) for i, n in enumerate(names)]
    df = pd.concat(parts, ignore_index=True)
    df = df[df[col].notna()].sort_values("_rank", kind="stable").drop_duplicates(KEY)
    return df.drop(columns="_rank").reset_index(drop=True)


@derivation("series")
def series(staged, territory, ind: Indicator):
    """One series from several staged variables (inputs), e.g. the same quantity delivered by two
    files that cover different years, or municipal values from one file and official regional values
    from another. Where two give the same territory and period, the first listed wins."""
    df = _union(staged, _inputs(ind, 1))
    df["is_provisional"] = df["value_prov"].fillna(False).astype(bool)
    df["note"] = df["value_note"]
    return _finish(df, ind)


def _population(staged, territory, pops: list[str]) -> pd.DataFrame:
    """Population by territory and year (int): municipalities from the population variables (for each
    year the first variable that covers it wins), and every region (NUTS, district/island, CIM/AM,
    the country) as the sum of *all* its municipalities, for the years in which all have one."""
    from etl.territory import AGG_LEVELS, GROUPINGS
    if not pops:
        raise KeyError("compute.population names no population variable (by year)")
    m = territory[territory["level"] == "municipio"].assign(country_id="PT")
    parts = [_v(staged, p, "population")[["territory_id", "period_id", "population"]].assign(_rank=i)
             for i, p in enumerate(pops)]
    pop = pd.concat(parts, ignore_index=True)
    pop = pop[pop["territory_id"].isin(set(m["territory_id"])) & pop["period_id"].str.fullmatch(r"\d{4}")
              & pop["population"].notna()]
    pop = pop.sort_values("_rank", kind="stable").drop_duplicates(KEY)
    pop = pop.assign(year=pop["period_id"].astype(int))[["territory_id", "year", "population"]]
    complete = pop.groupby("year")["territory_id"].nunique()
    cols = [*AGG_LEVELS.values(), *GROUPINGS.values()]
    full = pop[pop["year"].isin(complete[complete == len(m)].index)].merge(m[["territory_id", *cols]],
                                                                            on="territory_id")
    regions = [full.groupby([c, "year"], as_index=False)["population"].sum().rename(columns={c: "territory_id"})
               for c in cols]
    return pd.concat([pop, *regions], ignore_index=True)


def _per_resident(staged, territory, ind: Indicator, fixed: bool) -> pd.DataFrame:
    df = _union(staged, _inputs(ind, 1), "numerator")
    df = df.assign(_year=df["period_id"].str.slice(0, 4).astype(int))
    pop = _population(staged, territory, ind.compute.population)
    cand = df[[*KEY, "_year"]].merge(pop, on="territory_id")
    cand["_dist"] = (cand["year"] - cand["_year"]).abs()
    best = cand.sort_values(["_dist", "year"], ascending=[True, False], kind="stable").drop_duplicates(KEY)
    df = df.merge(best[[*KEY, "year", "population"]], on=KEY)   # no population: no value
    df["denominator"] = df["population"]
    df["value"] = _ratio(df["numerator"], df["denominator"], ind.compute.scale)
    other = (df["year"] != df["_year"]) & (not fixed)
    df["is_estimated"] = other
    df["note"] = np.where(other, "denominador: população de " + df["year"].astype(str)
                          + " (o ano mais próximo com população no sistema de dados)", None)
    df["is_provisional"] = df["numerator_prov"].fillna(False).astype(bool)
    return _finish(df, ind)


@derivation("per_resident")
def per_resident(staged, territory, ind: Indicator):
    """A quantity per `scale` residents of the same year, with numerator and denominator (regions
    re-aggregate as a ratio of sums).

    The quantity is the series of `inputs` (as `series`: the first listed wins). `compute.population`
    lists municipal population variables whose period is their year (e.g. the estimates of 2019 and
    2020, the Census 2021); for each year the first that covers it wins. A year without population
    uses the nearest year that has one (the later on a tie), flagged estimated with a note naming it.
    Regional rows of the quantity (official regional values, e.g. INE's) are divided by the sum of all
    the region's municipal populations, so they are as complete as the source's value."""
    return _per_resident(staged, territory, ind, fixed=False)


@derivation("per_resident_fixed")
def per_resident_fixed(staged, territory, ind: Indicator):
    """A quantity per `scale` residents of one fixed population (`compute.population`, e.g. the Census
    2021) whatever the quantity's period: that denominator is part of the indicator's definition (its
    title and caveat say so), so values are not flagged estimated. Otherwise as `per_resident`."""
    return _per_resident(staged, territory, ind, fixed=True)
