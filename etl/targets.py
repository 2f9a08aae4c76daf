"""The targets step (etl.build.PIPELINE, after alarms): the progress of every policy target.

Load: the targets (indicators/targets/*.yaml), the facts of the build (provisional values left out, as the
alarm rules do) and, for programme targets, the staged programme-monitoring source. Process: one status
per target x territory with core/progress.py (Open SDG method), the national row from the country's own
series (or "not assessable: no national series"). Save: dim_target and fact_target_status.
"""
from __future__ import annotations

import datetime as dt
import json
import time

import pandas as pd

from core import progress as P
from core.periods import parse_period
from etl.marts import insert
from indicators.targets import PolicyTarget, load_targets

PROGRAMME_SOURCE = "enti_monitorizacao"
STATUS_COLUMNS = ["target_id", "territory_id", "level", "status", "reason", "base_period_id", "base_value",
                  "latest_period_id", "latest_value", "target_value", "cagr_observed", "cagr_required", "ratio",
                  "projection_compound", "projection_linear", "needed_per_year", "needed_rate", "n_points"]


def year_of(d: dt.date) -> float:
    """A date as a decimal year (1 January = the year itself, so annual periods are whole years)."""
    return d.year + (d.timetuple().tm_yday - 1) / (366 if d.year % 4 == 0 else 365)


def period_t(pid: str) -> float:
    return year_of(parse_period(pid).start_date)


def assess_series(tg: PolicyTarget, series: pd.DataFrame, as_of: dt.date) -> P.Assessment:
    """One territory's series (period_id, value) against a target: the Open SDG method, or the yearly
    excess cut. Pure: the correctness tests call it on values read from the raw files."""
    by_t = {period_t(p): (p, float(v)) for p, v in zip(series["period_id"], series["value"])}
    pts = [(t, v) for t, (_, v) in sorted(by_t.items())]
    if tg.excess_cut is not None:
        a = P.assess_excess_cut(pts, tg.excess_cut.limit, tg.excess_cut.cut)
    else:
        base_t = period_t(tg.baseline) if tg.baseline else None
        a = P.assess(pts, tg.d, target=tg.value, deadline_t=year_of(tg.deadline), base_t=base_t,
                     as_of_t=year_of(as_of))
    a.notes.append(f"n={len(pts)}")
    return a


def _row(tg: PolicyTarget, tid: str, level: str, a: P.Assessment, series: pd.DataFrame | None) -> dict:
    pid = {}
    if series is not None and len(series):
        pid = {period_t(p): p for p in series["period_id"]}
    return {"target_id": tg.id, "territory_id": tid, "level": level, "status": a.status, "reason": a.reason,
            "base_period_id": pid.get(a.base_t), "base_value": a.base_value,
            "latest_period_id": pid.get(a.latest_t), "latest_value": a.latest_value, "target_value": tg.value,
            "cagr_observed": a.cagr_observed, "cagr_required": a.cagr_required, "ratio": a.ratio,
            "projection_compound": a.projection_compound, "projection_linear": a.projection_linear,
            "needed_per_year": a.needed_per_year, "needed_rate": a.needed_rate,
            "n_points": 0 if series is None else int(len(series))}


def in_scope(tg: PolicyTarget, territory: pd.DataFrame) -> set[str]:
    """The territories a target applies to (municipalities and the regions of its scope)."""
    s = tg.scope
    if s.kind == "country":
        return {"PT"}
    muni = territory[territory["level"] == "municipio"]
    if s.kind == "list":
        return set(s.territories) | {"PT"}
    if s.kind == "region":
        cols = ["nuts1_id", "nuts2_id", "nuts3_id", "cim_id", "district_id"]
        m = muni[muni[cols].eq(s.region).any(axis=1)]
        return set(m["territory_id"]) | {s.region}
    return set(territory["territory_id"])


def indicator_statuses(tg: PolicyTarget, facts: pd.DataFrame, territory: pd.DataFrame,
                       as_of: dt.date) -> list[dict]:
    f = facts[(facts["indicator_id"] == tg.indicator) & ~facts["is_provisional"].astype(bool)]
    scope = in_scope(tg, territory)
    f = f[f["territory_id"].isin(scope)]
    level = territory.set_index("territory_id")["level"]
    rows = []
    for tid, s in f.groupby("territory_id", observed=True, sort=True):
        s = s[["period_id", "value"]].dropna()
        if tg.excess_cut is not None and not (s["value"] > tg.excess_cut.limit).any():
            continue   # the duty applies only where the limit was exceeded
        rows.append(_row(tg, tid, level.get(tid, ""), assess_series(tg, s, as_of), s))
    if not any(r["territory_id"] == "PT" for r in rows):
        rows.append(_row(tg, "PT", "pais", P.Assessment("not_assessable", "no_national_series"), None))
    return rows


def programme_statuses(tg: PolicyTarget, staged: pd.DataFrame | None, as_of: dt.date) -> tuple[list[dict], str]:
    var = f"{PROGRAMME_SOURCE}:{tg.programme_metric}"
    st = staged[staged["variable"] == var] if staged is not None and len(staged) else None
    if st is None or not len(st):
        a = P.Assessment("not_assessable", "programme_source_missing")
        return [_row(tg, "PT", "pais", a, None)], "no_source"
    totals = st.groupby("period_id", observed=True)["value"].sum().reset_index()
    a = P.assess([(period_t(p), v) for p, v in zip(totals["period_id"], totals["value"])], tg.d,
                 target=tg.value, deadline_t=year_of(tg.deadline), as_of_t=year_of(as_of))
    return [_row(tg, "PT", "pais", a, totals)], "ok"


def target_rows(targets: dict[str, PolicyTarget], states: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{
        "target_id": tg.id, "indicator_id": tg.indicator, "programme_metric": tg.programme_metric, "area": tg.area,
        "scope_kind": tg.scope.kind, "value": tg.value, "deadline": tg.deadline, "direction": tg.direction,
        "binding": tg.binding, "headline": tg.headline, "to_confirm": tg.basis.to_confirm,
        "title_pt": tg.title.pt, "title_en": tg.title.en, "data_state": states.get(tg.id, "ok"),
        "meta_json": tg.model_dump_json()} for tg in targets.values()])


def run(con, ctx) -> None:
    """The pipeline step: dim_target and fact_target_status."""
    t0 = time.perf_counter()
    as_of = dt.date.today()
    targets = {k: tg for k, tg in load_targets(registry=None).items()
               if tg.programme_metric is not None or tg.indicator in ctx.registry}
    for tg in targets.values():
        if tg.area is None:
            tg.area = ctx.registry[tg.indicator].area
    rows, states = [], {}
    for tg in targets.values():
        if tg.programme_metric is not None:
            r, states[tg.id] = programme_statuses(tg, ctx.staged, as_of)
            rows += r
        else:
            rows += indicator_statuses(tg, ctx.facts, ctx.territory, as_of)
    insert(con, "dim_target", target_rows(targets, states))
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS).assign(run_id=ctx.run_id)
    insert(con, "fact_target_status", out)
    counts = json.dumps(out["status"].value_counts().to_dict())
    ctx.progress(f"targets: {len(targets)} targets, {len(out)} statuses {counts} ({time.perf_counter() - t0:.2f} s)")
