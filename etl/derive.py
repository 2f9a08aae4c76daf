"""Derived indicators: values computed from several staged variables, registered by name.

Each derivation is `fn(staged, territory, indicator) -> frame` with territory_id, period_id, value and,
where the value is a ratio, numerator and denominator (so regions re-aggregate as a ratio of sums),
plus optional is_estimated / is_provisional / note. The indicator's YAML names the derivation
(`compute.derive`) and declares the staged variables it reads (`compute.inputs`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl.compute import derivation, variable
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
