"""Territorial disparity: how unequal the municipalities (or NUTS III regions) are, and whether the gap
is narrowing (pure functions, no I/O; used by the national cockpit, /painel).

- `weighted_cv`: the population-weighted coefficient of variation, sqrt(sum w (x - m)^2 / sum w) / m with
  m = sum w x / sum w (the dispersion measure of regional-disparity work, e.g. Williamson's index);
- `decile_ratio`: P90 / P10 of the values (unweighted: each territory counts once); None when P10 <= 0;
- `sigma_convergence`: the weighted CV period by period; "narrowing" when it fell by more than
  STABLE_BAND (relative) from the first to the last period of the window, "widening" when it rose by more,
  "stable" otherwise (sigma-convergence: the dispersion falls over time).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: a relative change of the CV within +-5 % over the window reads as stable
STABLE_BAND = 0.05
#: the most recent periods the convergence reads
WINDOW = 10


def weighted_cv(values, weights=None) -> float | None:
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(w) & (w > 0)
    x, w = x[ok], w[ok]
    if len(x) < 2:
        return None
    m = float(np.sum(w * x) / np.sum(w))
    if m == 0:
        return None
    sd = math.sqrt(float(np.sum(w * (x - m) ** 2) / np.sum(w)))
    return sd / abs(m)


def decile_ratio(values) -> float | None:
    x = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy()
    if len(x) < 10:
        return None
    p10, p90 = np.quantile(x, [0.1, 0.9])
    return float(p90 / p10) if p10 > 0 else None


def sigma_convergence(frame: pd.DataFrame, window: int = WINDOW) -> dict:
    """`frame`: territory_id, period_id, t (decimal year or a sortable key), value, weight. Returns
    {trend: narrowing|widening|stable|not_assessable, cv_first, cv_last, first, last, series: [(period, cv)]}."""
    out = {"trend": "not_assessable", "cv_first": None, "cv_last": None, "first": None, "last": None, "series": []}
    if frame is None or not len(frame):
        return out
    per = frame.groupby(["t", "period_id"], sort=True)
    series = [(pid, weighted_cv(g["value"], g["weight"])) for (_, pid), g in per]
    series = [(p, c) for p, c in series if c is not None][-window:]
    out["series"] = series
    if len(series) < 2:
        return out
    (p0, c0), (p1, c1) = series[0], series[-1]
    out.update(cv_first=c0, cv_last=c1, first=p0, last=p1)
    rel = c1 / c0 - 1 if c0 else 0.0
    out["trend"] = "narrowing" if rel < -STABLE_BAND else "widening" if rel > STABLE_BAND else "stable"
    return out
