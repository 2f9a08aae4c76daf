"""What the catalogue's declarations mean for the values read from a source, and the build's warnings.

- `coverage` (etl/catalogue.yaml): the territories a source covers. Municipal rows outside it are
  set aside (no data, never zero), and an indicator reading the source is aggregated only to regions
  wholly inside the coverage of all its sources (no national value from a mainland-only source).
- `missing: zero`: the source lists only the municipalities with events, so a covered municipality
  (that existed then) absent from a period the variable has is read as 0.
- `kept_warnings`: an indicator that keeps far fewer periods, or regional values, than its inputs
  allow is reported loudly (build summary, progress, meta_build_warning) — the sign of a declaration
  that does not say what the source means (a denominator with one period, zeros read as gaps).

The staging table (stg_observation) keeps the rows as delivered; these readings apply to the frame
the indicators are computed from.
"""
from __future__ import annotations

import pandas as pd

from etl.catalogue import Source
from etl.territory import AGG_LEVELS, CREATED
from indicators import Aggregation, Indicator

#: an indicator keeping less than this share of its inputs' periods or regional values is warned about
KEPT_WARNING_SHARE = 0.5


def _municipalities(territory: pd.DataFrame) -> pd.DataFrame:
    return territory[territory["level"] == "municipio"]


def _year(period: pd.Series) -> pd.Series:
    return pd.to_numeric(period.astype(str).str.slice(0, 4), errors="coerce")


def apply_declarations(staged: pd.DataFrame, territory: pd.DataFrame, catalogue: dict[str, Source],
                       report: list[str] | None = None) -> pd.DataFrame:
    """The staged frame as the sources' `coverage` and `missing` declare it should be read; `report`
    gets one line per source with rows outside its declared coverage (set aside) or zeros filled."""
    declared = {sid: s for sid, s in catalogue.items() if s.coverage_of() is not None or s.missing != "absent"}
    if not declared or not len(staged):
        return staged
    munis = set(_municipalities(territory)["territory_id"])
    parts, drop = [], pd.Series(False, index=staged.index)
    for sid, src in declared.items():
        cov = src.coverage_of()
        try:
            covered = cov.municipalities_in(territory) if cov is not None else munis
        except ValueError as e:
            raise ValueError(f"etl/catalogue.yaml: source {sid}: field 'coverage': {e}") from None
        mine = staged["source_id"] == sid if "source_id" in staged else \
            staged["variable"].astype(str).str.startswith(sid + ":")
        if cov is not None:
            outside = mine & staged["territory_id"].isin(munis - covered)
            drop |= outside
            if outside.any() and report is not None:
                report.append(f"source {sid}: {int(outside.sum())} municipal rows outside its declared coverage "
                              "set aside (no data there)")
        n_zeros = 0
        for name in staged.loc[mine, "variable"].astype(str).unique():
            if src.missing_for(name.split(":", 1)[1]) == "zero":
                parts.append(_zeros(staged[mine & (staged["variable"] == name)], name, sid, covered))
                n_zeros += len(parts[-1])
        if n_zeros and report is not None:
            report.append(f"source {sid}: {n_zeros} municipality-periods it does not list read as 0 (missing: zero)")
    out = staged[~drop]
    parts = [p for p in parts if len(p)]
    return pd.concat([out, *parts], ignore_index=True) if parts else out.reset_index(drop=True)


def _zeros(rows: pd.DataFrame, name: str, sid: str, covered: set[str]) -> pd.DataFrame:
    """A 0 for each covered municipality (that existed then) missing from a period the variable has."""
    rows = rows[rows["territory_id"].isin(covered)]
    if not len(rows):
        return rows.iloc[0:0]
    periods = rows.groupby("period_id", observed=True)["is_provisional"].any().rename("is_provisional").reset_index()
    grid = periods.merge(pd.DataFrame({"territory_id": sorted(covered)}), how="cross")
    year = _year(grid["period_id"])
    for dico, created in CREATED.items():
        grid = grid[~((grid["territory_id"] == dico) & (year.loc[grid.index] < created))]
    have = pd.MultiIndex.from_frame(rows[["territory_id", "period_id"]].astype(str))
    grid = grid[~pd.MultiIndex.from_frame(grid[["territory_id", "period_id"]].astype(str)).isin(have)]
    z = grid.assign(variable=name, source_id=sid, value=0.0, is_estimated=False, note=None)
    return z.reindex(columns=rows.columns)


def covered_municipalities(ind: Indicator, catalogue: dict[str, Source] | None,
                           territory: pd.DataFrame) -> set[str] | None:
    """The municipalities every source of the indicator covers (None: the whole country)."""
    sets = []
    for sid in ind.compute.source_ids():
        src = (catalogue or {}).get(sid)
        cov = src.coverage_of() if src is not None else None
        if cov is not None:
            sets.append(cov.municipalities_in(territory))
    return set.intersection(*sets) if sets else None


def whole_regions(territory: pd.DataFrame, covered: set[str] | None) -> set[str] | None:
    """Region ids (every aggregation level and grouping, the country) whose municipalities are all
    covered (None: every region)."""
    if covered is None:
        return None
    from etl.territory import GROUPINGS
    m = _municipalities(territory).assign(country_id="PT")
    out = set()
    for col in [*AGG_LEVELS.values(), *GROUPINGS.values()]:
        inside = m.assign(_in=m["territory_id"].isin(covered)).groupby(col)["_in"].all()
        out |= set(inside[inside].index)
    return out


def kept_warnings(staged: pd.DataFrame, territory: pd.DataFrame, ind: Indicator, facts: pd.DataFrame,
                  covered: set[str] | None = None) -> list[str]:
    """Why an indicator looks thinner than its inputs: far fewer periods than its richest input
    variable, or far fewer regional values than its municipal values could give."""
    from etl.staged import variable
    out = []
    c = ind.compute
    names = [v for v in (c.value, c.numerator, c.denominator_variable, *c.inputs) if v]
    counts = {}
    for n in names:
        try:
            counts[n] = variable(staged, n)["period_id"].nunique()
        except KeyError:
            continue
    kept = facts["period_id"].nunique()
    if counts:
        richest = max(counts, key=counts.get)
        if kept < KEPT_WARNING_SHARE * counts[richest]:
            out.append(f"indicator {ind.id}: keeps {kept} of the {counts[richest]} periods of {richest} "
                       f"({kept / counts[richest]:.0%}); a denominator with fewer periods? "
                       "(compute.denominator: {variable, period: latest})")
    if ind.aggregation == Aggregation.none:
        return out
    m = _municipalities(territory).assign(country_id="PT")
    is_muni = facts["territory_id"].isin(set(m["territory_id"]))
    muni = facts.loc[is_muni & (facts["origin"] != "aggregated"), ["territory_id", "period_id"]]
    if not len(muni):
        return out
    regions = whole_regions(territory, covered)
    levels = {lv: col for lv, col in AGG_LEVELS.items() if lv in ind.levels}
    # every regional value the indicator has, once (a frame of a weekly series is large)
    have = facts.loc[~is_muni, ["territory_id", "period_id"]].drop_duplicates().assign(_have=True)
    per = muni.merge(m[["territory_id", *levels.values()]], on="territory_id")
    thin = []
    for lv, col in levels.items():
        exp = per[[col, "period_id"]].drop_duplicates().rename(columns={col: "territory_id"})
        if regions is not None:
            exp = exp[exp["territory_id"].isin(regions)]
        n_exp = len(exp)
        n_got = int(exp.merge(have, on=["territory_id", "period_id"], how="left")["_have"].notna().sum())
        if n_exp and n_got < KEPT_WARNING_SHARE * n_exp:
            thin.append(f"{lv} {n_got} of {n_exp}")
    if thin:
        hint = ("a sum needs every municipality: does the source omit municipality-periods without events "
                "(catalogue missing: zero), or cover only part of the country (catalogue coverage)?"
                if ind.aggregation == Aggregation.sum else
                "regions with partial data omitted (partial_regions: omit)?")
        out.append(f"indicator {ind.id}: keeps far fewer regional values than its municipal values could give "
                   f"({'; '.join(thin)} region-periods); {hint}")
    return out
