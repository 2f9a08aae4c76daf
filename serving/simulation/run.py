"""Run a scenario on the built database and summarise it: per municipality (amount, per capita, the
change against the baseline, the amount broken down by component) and for the whole (totals check,
Gini of transfers per capita, distribution by NUTS III and size class, how far it reproduces the
baseline). Plain data out, for the API (JSON, CSV) and the page alike.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from serving import data
from serving.simulation import engine, inputs
from serving.simulation.scenario import Scenario


def _inputs(sc: Scenario):
    """The inputs of a scenario, memoised per database version and the set of numbers it reads."""
    keys = tuple(sorted(s.model_dump_json() for s in sc.sources())) + (sc.baseline.key,)
    frame, base, lineage = data.memo("simulation_inputs", keys, lambda *_: inputs.for_scenario(sc))
    return frame.copy(), (None if base is None else base.copy()), dict(lineage)


def _allocate(sc: Scenario):
    frame, base, lineage = _inputs(sc)
    res = engine.allocate(sc, frame, base)
    return frame, base, lineage, res


def simulate(sc: Scenario, against: Scenario | None = None) -> dict:
    """The scenario's result; compared with `against` (another scenario) when given, else with the
    scenario's own baseline (actual transfers of a year) or nothing."""
    frame, base, lineage, res = _allocate(sc)
    t = res.table
    cents = t["amount"].to_numpy()
    amount = cents / 100.0
    pop = frame["population"].to_numpy(dtype=float)
    baseline_label = sc.baseline.key
    if against is not None:
        _, _, _, other = _allocate(against)
        base = other.table["amount"].reindex(frame.index) / 100.0
        baseline_label = "scenario:" + (against.name or against.preset or "b")
    b = base.to_numpy(dtype=float) if base is not None else np.full(len(frame), np.nan)
    change = amount - b
    with np.errstate(divide="ignore", invalid="ignore"):
        change_pct = np.where(b > 0, change / b * 100, np.nan)
        per_capita = np.where(pop > 0, amount / pop, np.nan)
        base_pc = np.where(pop > 0, b / pop, np.nan)
    df = pd.DataFrame({
        "dico": frame.index, "name": frame["name_unique"].to_numpy(), "nuts3_id": frame["nuts3_id"].to_numpy(),
        "nuts3_name": frame["nuts3_name"].to_numpy(), "population": pop, "amount": amount,
        "per_capita": per_capita, "baseline": b, "change": change, "change_pct": change_pct,
        "eligible": t["eligible"].to_numpy(), "adjustment": t["adjustment"].to_numpy() / 100.0,
    })
    for c in res.components:
        df[f"c_{c}"] = t[f"c_{c}"].to_numpy() / 100.0
    df["size_class"] = inputs.size_class(frame["population"]).to_numpy()
    has_base = np.isfinite(b).any()

    def dist(col):
        keys, inv = np.unique(df[col].to_numpy(dtype=str), return_inverse=True)
        sums = {k: np.bincount(inv, weights=np.nan_to_num(df[k].to_numpy(dtype=float)), minlength=len(keys))
                for k in ("amount", "population", "baseline")}
        n = np.bincount(inv, minlength=len(keys))
        names = dict(zip(df[col], df["nuts3_name"])) if col == "nuts3_id" else {}
        out = []
        for i, k in enumerate(keys):
            base_i = float(sums["baseline"][i]) if has_base else None
            out.append({"id": str(k), "amount": float(sums["amount"][i]), "population": float(sums["population"][i]),
                        "baseline": base_i, "n": int(n[i]),
                        "per_capita": float(sums["amount"][i] / sums["population"][i]) if sums["population"][i] else None,
                        "change": float(sums["amount"][i] - base_i) if has_base else None,
                        **({"name": names.get(k)} if names else {})})
        return out

    summary = {
        "budget": sc.budget,
        "distributed": int(cents.sum()) / 100,
        "totals_ok": int(cents.sum()) == res.budget_cents,
        "budget_cents": res.budget_cents, "distributed_cents": int(cents.sum()),
        "gini_per_capita": engine.gini(per_capita),
        "gini_baseline_per_capita": engine.gini(base_pc) if has_base else None,
        "eligible": int(t["eligible"].sum()),
        "winners": int((change > 0.005).sum()) if has_base else None,
        "losers": int((change < -0.005).sum()) if has_base else None,
        "limited": int((t["adjustment"] != 0).sum()),
        "missing": res.missing,
        "baseline": baseline_label,
        "explained": engine.explained_share(amount, b) if has_base and np.nansum(b) > 0 else None,
        "nuts3": dist("nuts3_id"),
        "size_class": sorted(dist("size_class"), key=lambda g: inputs.SIZE_CLASSES.index(g["id"])),
        "lineage": lineage,
        "build": build_stamp(),
        "components": [{"id": c.id, "label": c.label, "share": c.share} for c in sc.components],
    }
    return {"rows": df, "summary": summary}


def build_stamp() -> dict:
    try:
        b = data.build_info()
    except data.NoDatabase:
        return {}
    return {"run_id": str(b.get("run_id", "")), "finished_at": str(b.get("finished_at", "")),
            "code_version": str(b.get("code_version", "")), "is_demo": bool(b.get("is_demo", False))}


def rows_json(df: pd.DataFrame) -> list[dict]:
    """Rows for JSON, numbers rounded to the cent (amounts) or 4 decimals; NaN stays NaN, which the
    API's serialiser (orjson) writes as null."""
    out = df.copy()
    money = [c for c in out.columns if c in ("amount", "baseline", "change", "adjustment") or c.startswith("c_")]
    out[money] = out[money].round(2)
    out[["per_capita", "change_pct"]] = out[["per_capita", "change_pct"]].round(4)
    return out.to_dict("records")
