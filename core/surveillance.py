"""Weekly mortality surveillance: expected deaths per ISO week, its prediction band, and excess.

A pure model (numpy only) shared by the ETL (the surveillance mart, the `excess` alarm rule in
etl/alarms.py) and any reader that needs its constants. It follows the EuroMOMO baseline method as
published by EuroMOMO ("Methods", https://www.euromomo.eu/how-it-works/methods, read 2026-12-03) and
Nielsen et al., "Pooling European all-cause mortality: methodology and findings for the seasons
2008/2009 to 2010/2011", Epidemiology and Infection 141 (2013), doi:10.1017/S0950268812002579:

- expected deaths come from a generalised linear Poisson model corrected for over-dispersion
  (quasi-Poisson: dispersion phi = Pearson chi^2 / (n - p), never below 1) with a linear trend and one
  annual sine/cosine pair (a Serfling-type model): log mu_t = a + b t + c sin(2 pi t / 52.18) +
  d cos(2 pi t / 52.18), t in weeks;
- for each ISO year it is fitted on up to the 5 previous years, never 2020, 2021 or 2022 (the years
  EuroMOMO leaves out of the baseline since the pandemic), at least 3 years (earlier years are not
  evaluated);
- only spring (ISO weeks 15-26) and autumn (weeks 36-45) enter the fit: winter (influenza) and summer
  (heat) are when excess mortality happens, so fitting them would raise the baseline they are compared
  with; the sine/cosine pair carries the season into winter and summer;
- the prediction band and z-scores are computed on the 2/3-power scale, where Poisson-like counts are
  close to symmetric (Farrington et al. 1996, used by EuroMOMO): with mu the expected count, x'Vx the
  variance of the fitted log-mean and phi the dispersion, var(y^(2/3) - mu^(2/3)) ~ (4/9) phi
  mu^(1/3) (1 + mu x'Vx) by the delta method; z = (y^(2/3) - mu^(2/3)) / sd and the bounds are
  (mu^(2/3) +- Z sd)^(3/2) with Z = 2 by default (a z-score of 2: EuroMOMO's "substantial" excess).

An alarm is raised when the observed count exceeds the upper bound in two consecutive ISO weeks
(`runs_above`). A provisional week (the partial last week of the source) is shown but never fitted,
never evaluated and never counts in a run.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

#: years left out of every baseline (EuroMOMO, "Methods": 2020, 2021 and 2022)
PANDEMIC_YEARS = frozenset({2020, 2021, 2022})
#: ISO weeks that enter the fit: spring 15-26 and autumn 36-45 (EuroMOMO, "Methods")
FIT_WEEKS = frozenset([*range(15, 27), *range(36, 46)])
MAX_BASELINE_YEARS = 5
MIN_BASELINE_YEARS = 3
#: z-score of the upper prediction bound
Z_UPPER = 2.0
#: consecutive weeks above the bound that make an alarm
ALARM_WEEKS = 2
YEAR_WEEKS = 365.2425 / 7
#: the method in one line, for metadata users see: the catalogue text `surveillance.method`
CITATION = ("EuroMOMO, «Methods» (euromomo.eu/how-it-works/methods); Nielsen et al., Epidemiology and "
            "Infection 141 (2013), doi:10.1017/S0950268812002579")

COLUMNS = ["period_id", "iso_year", "iso_week", "observed", "expected", "lower", "upper", "zscore",
           "excess", "above", "evaluated", "is_provisional", "baseline_years"]


def week_parts(period_ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ISO year, ISO week, t) of 'YYYY-Www' ids; t = weeks since 0001-01-01 (Monday), so consecutive
    ISO weeks differ by exactly 1 across year ends and week 53."""
    ys, ws, ts = [], [], []
    for pid in period_ids:
        y, w = str(pid).split("-W")
        monday = date.fromisocalendar(int(y), int(w), 1)
        ys.append(int(y))
        ws.append(int(w))
        ts.append(monday.toordinal() // 7)
    return np.array(ys, dtype=int), np.array(ws, dtype=int), np.array(ts, dtype=np.int64)


def design(t: np.ndarray, t0: float) -> np.ndarray:
    """Intercept, trend (in years from t0, well conditioned), annual sine and cosine."""
    tt = np.asarray(t, dtype=float)
    ang = 2 * np.pi * tt / YEAR_WEEKS
    return np.column_stack([np.ones_like(tt), (tt - t0) / YEAR_WEEKS, np.sin(ang), np.cos(ang)])


def fit_poisson(X: np.ndarray, y: np.ndarray, max_iter: int = 100, tol: float = 1e-10):
    """Poisson GLM with log link by iteratively reweighted least squares.

    Returns (beta, V, phi): V = phi (X'WX)^-1 is the covariance of beta corrected for over-dispersion,
    phi = Pearson chi^2 / (n - p), at least 1 (under-dispersion is not credited)."""
    y = np.asarray(y, dtype=float)
    beta = np.linalg.lstsq(X, np.log(y + 0.5), rcond=None)[0]
    for _ in range(max_iter):
        mu = np.exp(X @ beta)
        z = X @ beta + (y - mu) / mu
        XtW = X.T * mu
        new = np.linalg.solve(XtW @ X, XtW @ z)
        done = np.max(np.abs(new - beta)) < tol
        beta = new
        if done:
            break
    mu = np.exp(X @ beta)
    n, p = X.shape
    phi = max(1.0, float(np.sum((y - mu) ** 2 / mu) / max(n - p, 1)))
    V = phi * np.linalg.inv((X.T * mu) @ X)
    return beta, V, phi


def baseline_years(year: int, years_with_data) -> list[int]:
    """The years a target ISO year is compared with: up to MAX_BASELINE_YEARS previous non-pandemic
    years with data (empty when fewer than MIN_BASELINE_YEARS)."""
    prev = sorted(y for y in set(years_with_data) if y < year and y not in PANDEMIC_YEARS)
    prev = prev[-MAX_BASELINE_YEARS:]
    return prev if len(prev) >= MIN_BASELINE_YEARS else []


def baseline(period_ids, observed, provisional=None, z: float = Z_UPPER) -> pd.DataFrame:
    """Expected deaths, band and z-score for one territory's weekly series (COLUMNS, in week order).

    `provisional`: weeks shown but never fitted nor evaluated (the partial last week). A week is
    evaluated when it is final and its year has a baseline; `excess` and `above` are set only then."""
    pids = np.asarray(list(period_ids), dtype=object)
    obs = np.asarray(observed, dtype=float)
    prov = np.zeros(len(pids), dtype=bool) if provisional is None else np.asarray(provisional, dtype=bool)
    yr, wk, t = week_parts(pids)
    order = np.argsort(t, kind="stable")
    pids, obs, prov, yr, wk, t = pids[order], obs[order], prov[order], yr[order], wk[order], t[order]
    n = len(pids)
    exp_, lo, hi, zs = (np.full(n, np.nan) for _ in range(4))
    base_of = np.full(n, "", dtype=object)
    usable = np.isfinite(obs) & ~prov
    fit_ok = usable & np.isin(wk, list(FIT_WEEKS))
    years_with_data = set(yr[usable].tolist())
    for year in sorted(set(yr.tolist())):
        base = baseline_years(year, years_with_data)
        if not base:
            continue
        rows = fit_ok & np.isin(yr, base)
        if rows.sum() < 8:
            continue
        t0 = float(t[rows].mean())
        beta, V, phi = fit_poisson(design(t[rows], t0), obs[rows])
        tgt = yr == year
        Xp = design(t[tgt], t0)
        mu = np.exp(Xp @ beta)
        var_eta = np.einsum("ij,jk,ik->i", Xp, V, Xp) / phi     # x'(X'WX)^-1 x
        sd = (2 / 3) * mu ** (1 / 6) * np.sqrt(phi * (1 + mu * var_eta))
        m23 = mu ** (2 / 3)
        exp_[tgt] = mu
        hi[tgt] = (m23 + z * sd) ** 1.5
        lo[tgt] = np.clip(m23 - z * sd, 0, None) ** 1.5
        with np.errstate(invalid="ignore"):
            zs[tgt] = (obs[tgt] ** (2 / 3) - m23) / sd
        base_of[tgt] = ",".join(map(str, base))
    evaluated = usable & np.isfinite(exp_)
    out = pd.DataFrame({
        "period_id": pids, "iso_year": yr, "iso_week": wk, "observed": obs, "expected": exp_,
        "lower": lo, "upper": hi, "zscore": np.where(evaluated, zs, np.nan),
        "excess": np.where(evaluated, obs - exp_, np.nan), "above": evaluated & (obs > hi),
        "evaluated": evaluated, "is_provisional": prov, "baseline_years": base_of,
    })
    out["t"] = t
    return out.reset_index(drop=True)


def runs_above(b: pd.DataFrame, weeks: int = ALARM_WEEKS) -> np.ndarray:
    """For each row of `baseline(...)`: above the bound in this week and in each of the weeks-1 calendar
    weeks before it, all evaluated (a gap or a provisional week breaks the run)."""
    above = dict(zip(b["t"].to_numpy(), (b["above"] & b["evaluated"]).to_numpy()))
    t = b["t"].to_numpy()
    return np.array([all(above.get(x - j, False) for j in range(weeks)) for x in t], dtype=bool)
