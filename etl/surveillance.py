"""Pipeline step: weekly mortality surveillance (fact_mortality_surveillance).

Load: the facts of every indicator with an `excess` threshold in its YAML (obitos_semanais: SICO-eVM
weekly deaths) at the rule's territorial levels (the country and NUTS III). Process: per territory,
the EuroMOMO-style baseline of core/surveillance.py (expected deaths, band at the rule's z-score,
excess, z-score; the provisional last week is shown but not evaluated) and the weeks that close a
run of consecutive weeks above the bound. Save: one row per indicator, territory and week. The
alarms themselves come from the same rule in etl/alarms.py (the `excess` rule type), so the mart and
the alarm centre read the same numbers.
"""
from __future__ import annotations

import time

import pandas as pd

from core import surveillance as S
from etl.marts import insert


def rules_of(ind):
    """The indicator's `excess` thresholds, least severe (lowest z) first."""
    return sorted((t for t in ind.thresholds if t.rule == "excess"), key=lambda t: t.k or S.Z_UPPER)


def surveillance_rows(values: pd.DataFrame, z: float = S.Z_UPPER, weeks: int = S.ALARM_WEEKS) -> pd.DataFrame:
    """Pure: `values` (territory_id, period_id, value, is_provisional) of one indicator -> mart rows."""
    out = []
    for tid, g in values.groupby("territory_id", sort=True):
        b = S.baseline(g["period_id"], g["value"], g["is_provisional"].fillna(False).astype(bool), z=z)
        b["alarm"] = S.runs_above(b, weeks)
        out.append(b.assign(territory_id=tid))
    if not out:
        return pd.DataFrame()
    df = pd.concat(out, ignore_index=True)
    df["z_bound"] = float(z)
    return df.drop(columns=["t", "iso_year", "iso_week"])


def run(con, ctx) -> None:
    """The pipeline step (etl.build.PIPELINE, before alarms)."""
    t0 = time.perf_counter()
    facts = ctx.facts
    if facts is None or facts.empty:
        return
    lvl = ctx.territory.set_index("territory_id")["level"]
    parts = []
    for ind in ctx.registry.values():
        rules = rules_of(ind)
        if not rules:
            continue
        levels = set(rules[0].levels or ["pais", "nuts3"])
        f = facts[(facts["indicator_id"] == ind.id) & facts["territory_id"].map(lvl).isin(levels)]
        f = f[f["period_id"].astype(str).str.contains("-W")]
        rows = surveillance_rows(f[["territory_id", "period_id", "value", "is_provisional"]],
                                 z=rules[0].k or S.Z_UPPER, weeks=int(rules[0].periods or S.ALARM_WEEKS))
        if len(rows):
            parts.append(rows.assign(indicator_id=ind.id, run_id=ctx.run_id))
    if not parts:
        return
    df = pd.concat(parts, ignore_index=True)
    insert(con, "fact_mortality_surveillance", df)
    ev = df[df["evaluated"]]
    ctx.progress(f"surveillance: {df['territory_id'].nunique()} territories, {len(df)} weeks, {len(ev)} evaluated, "
                 f"{int(ev['alarm'].sum())} alarm weeks ({time.perf_counter() - t0:.2f} s)")
