"""Compute indicators from staged observations, then aggregate them to the higher levels.

Staged variables are named '<source_id>:<variable>'. Each indicator's `compute` block says which
variables give its municipal values (and any official regional values); its `aggregation` says
how municipal values roll up to NUTS III, NUTS II, NUTS I and the country.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from etl import derive  # noqa: F401  (registers the derivations in etl.staged.DERIVATIONS)
from etl.staged import DERIVATIONS, variable
from etl.territory import AGG_LEVELS, GROUPINGS
from indicators import Aggregation, Indicator

FACT_COLUMNS = ["indicator_id", "territory_id", "period_id", "value", "numerator", "denominator",
                "is_provisional", "is_estimated", "is_break", "origin", "source_ids", "note"]

def _cols(df: pd.DataFrame, *cols: str) -> list[str]:
    """The columns the frame needs, with `_file`/`_row` (where a value came from) when it has them."""
    return [c for c in cols if not c.startswith("_") or c in df.columns]


def _sources(*names: str | None) -> str:
    return ",".join(sorted({n.split(":", 1)[0] for n in names if n}))


def _fixed_period(d: pd.DataFrame, name: str, period: str) -> str:
    """The period of a fixed denominator: 'latest' (the variable's latest period) or the one named."""
    periods = sorted(d["period_id"].astype(str).unique())
    p = periods[-1] if period == "latest" else period
    if p not in periods:
        raise KeyError(f"denominator {name}: no period {p!r} (it has {', '.join(periods)})")
    return p


def municipal_values(staged: pd.DataFrame, territory: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    c = ind.compute
    if c.derive:
        if c.derive not in DERIVATIONS:
            raise KeyError(f"no derivation named {c.derive!r}; known: {', '.join(sorted(DERIVATIONS))}")
        df = DERIVATIONS[c.derive](staged, territory, ind)
        src = df.attrs.get("source_ids", "")
    elif c.value:
        v = variable(staged, c.value)
        df = v[_cols(v, "territory_id", "period_id", "value", "is_provisional", "is_estimated", "note", "_file",
                     "_row")].copy()
        src = _sources(c.value)
    else:
        n = variable(staged, c.numerator)
        n = n[_cols(n, "territory_id", "period_id", "value", "is_provisional", "is_estimated", "_file", "_row")]
        d = variable(staged, c.denominator_variable)[["territory_id", "period_id", "value"]]
        if c.denominator_period == "same":
            df = n.merge(d, on=["territory_id", "period_id"], suffixes=("_n", "_d"))
        else:   # one period's denominator for every period of the numerator (e.g. the area)
            df = n.merge(d[d["period_id"] == _fixed_period(d, c.denominator_variable, c.denominator_period)]
                         .drop(columns="period_id"), on="territory_id", suffixes=("_n", "_d"))
        df = df.rename(columns={"value_n": "numerator", "value_d": "denominator"})
        with np.errstate(divide="ignore", invalid="ignore"):
            df["value"] = np.where(df["denominator"] > 0, df["numerator"] / df["denominator"] * c.scale, np.nan)
        src = _sources(c.numerator, c.denominator_variable)
    for col, default in (("numerator", np.nan), ("denominator", np.nan), ("is_provisional", False),
                         ("is_estimated", False), ("note", None)):
        if col not in df:
            df[col] = default
    df["origin"] = "source" if not c.derive else "derived"
    df["source_ids"] = src
    return df


def _not_yet_created(m: pd.DataFrame, col: str, agg: pd.DataFrame) -> pd.Series:
    """How many municipalities of each (region, period) row did not exist yet (created later):
    they are not expected to have a value, so a region is complete without them."""
    from etl.territory import CREATED
    year = pd.to_numeric(agg["period_id"].astype(str).str.slice(0, 4), errors="coerce")
    out = pd.Series(0, index=agg.index)
    for dico, created in CREATED.items():
        region = m.loc[m["territory_id"] == dico, col]
        if len(region):
            out += ((agg["territory_id"] == region.iloc[0]) & (year < created)).astype(int)
    return out


def aggregate(muni: pd.DataFrame, territory: pd.DataFrame, ind: Indicator,
              weights: pd.DataFrame | None = None, covered: set[str] | None = None) -> pd.DataFrame:
    """Roll municipal rows up to each level the indicator lists, by its aggregation rule.

    sum: only where every municipality of the region has a value (a partial sum would mislead).
    ratio: sum(numerator) / sum(denominator) x scale over municipalities with both.
    weighted_mean: weighted by Census 2021 residents (or the `compute.weight` variable) over
    municipalities with a value (and a weight).
    Coverage below 100 % is written in `note` and marks the value as estimated; with the indicator's
    `partial_regions: omit`, such a region gets no aggregated value at all (as for a sum).
    `covered` (the municipalities the indicator's sources cover, None: all): only regions wholly inside
    it are aggregated (a mainland-only source gives no national value).
    """
    if ind.aggregation == Aggregation.none:
        return pd.DataFrame(columns=FACT_COLUMNS)
    m = territory[territory["level"] == "municipio"][["territory_id", "nuts1_id", "nuts2_id", "nuts3_id",
                                                       "district_id", "cim_id", "population"]]
    m = m.assign(country_id="PT")
    data = muni.merge(m, on="territory_id")  # municipalities only
    data = data[data["value"].notna()]
    if weights is not None:   # compute.weight: a staged variable, by period (or one period for all)
        w = weights[["territory_id", "period_id", "value"]].rename(columns={"value": "_weight"})
        if w["period_id"].nunique() == 1:
            data = data.merge(w.drop(columns="period_id"), on="territory_id", how="left")
        else:
            data = data.merge(w, on=["territory_id", "period_id"], how="left")
    out = []
    levels = [(lv, col) for lv, col in AGG_LEVELS.items() if lv in ind.levels]
    if "municipio" in ind.levels:
        levels += list(GROUPINGS.items())
    for level, col in levels:
        size = m.groupby(col).size().rename("n_total")
        g = data.groupby([col, "period_id"])
        if ind.aggregation == Aggregation.ratio:
            d2 = data[data["numerator"].notna() & data["denominator"].notna()]
            g = d2.groupby([col, "period_id"])
            agg = g.agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"), n=("value", "size"),
                        est=("is_estimated", "any"), prov=("is_provisional", "any"))
            agg["value"] = agg["numerator"] / agg["denominator"] * ind.compute.scale
        elif ind.aggregation == Aggregation.sum:
            agg = g.agg(value=("value", "sum"), n=("value", "size"), est=("is_estimated", "any"),
                        prov=("is_provisional", "any"))
            agg["numerator"] = np.nan
            agg["denominator"] = np.nan
        else:  # weighted_mean
            w = data["population"] if weights is None else data["_weight"]
            tmp = data.assign(_wv=data["value"] * w, _w=w.where(data["value"].notna()))
            tmp = tmp[tmp["_w"].notna()]
            agg = tmp.groupby([col, "period_id"]).agg(_wv=("_wv", "sum"), denominator=("_w", "sum"),
                                                      n=("value", "size"), est=("is_estimated", "any"),
                                                      prov=("is_provisional", "any"))
            agg["value"] = agg["_wv"] / agg["denominator"]
            agg["numerator"] = np.nan
            agg["denominator"] = np.nan
        agg = agg.reset_index().rename(columns={col: "territory_id"}).merge(size, left_on="territory_id",
                                                                            right_index=True)
        agg["n_total"] = agg["n_total"] - _not_yet_created(m, col, agg)
        if covered is not None:
            from etl.declared import whole_regions
            agg = agg[agg["territory_id"].isin(whole_regions(territory, covered))]
        if ind.aggregation == Aggregation.sum or ind.partial_regions == "omit":
            agg = agg[agg["n"] == agg["n_total"]]
        partial = agg["n"] < agg["n_total"]
        agg["note"] = np.where(partial, agg["n"].astype(str) + "/" + agg["n_total"].astype(str)
                               + " municípios com valor", None)
        agg["is_estimated"] = agg["est"] | partial
        agg["is_provisional"] = agg["prov"]
        out.append(agg)
    if not out:
        return pd.DataFrame(columns=FACT_COLUMNS)
    res = pd.concat(out, ignore_index=True)
    res["origin"] = "aggregated"
    res["source_ids"] = muni["source_ids"].iloc[0] if len(muni) else ""
    return res


def compute_indicator(staged: pd.DataFrame, territory: pd.DataFrame, ind: Indicator,
                      rejected: list | None = None, covered: set[str] | None = None) -> pd.DataFrame:
    """The indicator's facts. Impossible values (non-finite, outside the indicator's bounds) are left
    out before anything is aggregated; they are appended to `rejected` (frames of meta_rejected_row
    columns + source_id) when a list is given. `covered`: the municipalities its sources cover (None:
    all), see aggregate."""
    from etl.bounds import check_computed
    bad = []
    muni, b = check_computed(municipal_values(staged, territory, ind), ind, "municipal")
    bad.append(b)
    weights = variable(staged, ind.compute.weight) if ind.compute.weight else None
    agg = aggregate(muni, territory, ind, weights, covered)
    parts = [muni, agg]
    if ind.compute.regional:
        reg = variable(staged, ind.compute.regional)
        reg = reg[_cols(reg, "territory_id", "period_id", "value", "is_provisional", "is_estimated", "note",
                        "_file", "_row")]
        reg = reg.assign(origin="source", source_ids=_sources(ind.compute.regional), numerator=np.nan,
                         denominator=np.nan)
        reg, b = check_computed(reg, ind, "regional")
        bad.append(b)
        parts.append(reg)
    df = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else muni
    # an official regional value wins over one aggregated here
    df["_rank"] = (df["origin"] == "aggregated").astype(int)
    df = df.sort_values("_rank").drop_duplicates(["territory_id", "period_id"], keep="first")
    df["indicator_id"] = ind.id
    # a break in series (declared in the indicator's file) is flagged on the first period after it
    df["is_break"] = df["period_id"].isin({b.period for b in ind.breaks})
    df, b = check_computed(df, ind, "aggregated")    # a safety net: the inputs were checked above
    bad.append(b)
    if rejected is not None:
        rejected.extend(x for x in bad if len(x))
    df = df[df["value"].notna()]  # a gap is no row, never a zero
    for col in ("is_provisional", "is_estimated"):
        df[col] = df[col].fillna(False).astype(bool)
    return df.reindex(columns=FACT_COLUMNS)
