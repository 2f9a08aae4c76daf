"""The allocation engine: pure functions over DataFrames (no Flask, no database).

`allocate(scenario, frame, baseline)` shares `scenario.budget` among the municipalities of `frame`:

1. the budget is split into components by their shares, in integer cents (largest remainder);
2. each component is shared by its driver: equally, or in proportion to a number after its transforms
   (marginal bands, islands multiplier, added terms, inversion, cap); ineligible municipalities and
   missing values weigh 0;
3. floors and caps on the change against the baseline are applied the way Lei 73/2013 art. 35.º n.º 2
   does: the amounts cut by the caps fund the floors first; any shortfall is deducted from every
   municipality above its floor in proportion to its margin over the floor; any surplus goes to those
   below their cap in proportion to their amount;
4. amounts are rounded to cents by largest remainder, so the total is the budget to the cent.

Why cents: a float sum of 308 amounts drifts by fractions of a cent, and the budget identity is a
promise the page and the CSV make ("distributes exactly the budget").
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from serving.simulation.scenario import Driver, Limits, Rule, Scenario


class Infeasible(ValueError):
    """The scenario cannot be met (e.g. the floors need more than the budget); `field` names the part,
    `code` and `params` let a page say it in its language (floors, caps, eligibility, component)."""

    def __init__(self, field_: str, msg: str, code: str = "", **params):
        super().__init__(msg)
        self.field = field_
        self.code = code
        self.params = params


def largest_remainder(total_cents: int, weights: np.ndarray) -> np.ndarray:
    """Integer cents proportional to `weights` that add up to `total_cents` exactly (Hamilton's
    method). All-zero weights: nothing can be shared, an error."""
    w = np.asarray(weights, dtype=float)
    s = w.sum()
    if total_cents == 0:
        return np.zeros(len(w), dtype=np.int64)
    if not np.isfinite(s) or s <= 0:
        raise ValueError("no positive weight to share by")
    exact = w / s * total_cents
    base = np.floor(exact).astype(np.int64)
    left = int(total_cents - base.sum())
    if left:
        order = np.argsort(-(exact - base), kind="stable")
        base[order[:left]] += 1
    return base


def round_to_cents(amounts: np.ndarray, total_cents: int) -> np.ndarray:
    """Round euro amounts (which add up to total_cents/100 up to float error) to cents adding up exactly."""
    exact = np.asarray(amounts, dtype=float) * 100
    base = np.floor(exact + 1e-9).astype(np.int64)
    left = int(total_cents - base.sum())
    frac = exact - base
    if left > 0:
        order = np.argsort(-frac, kind="stable")
        base[order[:left]] += 1
    elif left < 0:
        order = np.argsort(frac, kind="stable")
        base[order[:-left]] -= 1
    return base


def apply_bands(x: np.ndarray, bands) -> np.ndarray:
    """Marginal band weights: Σ weight_b × (the part of x inside band b)."""
    out = np.zeros_like(x, dtype=float)
    lo = 0.0
    for b in bands:
        hi = np.inf if b.upto is None else float(b.upto)
        out += b.weight * np.clip(x - lo, 0, hi - lo)
        lo = hi
    return out


def driver_values(d: Driver, frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """The weight of each municipality under a driver, and how many had a missing input (weight 0)."""
    n = len(frame)
    if d.kind == "equal":
        return np.ones(n), 0
    x = frame[d.source.key].to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(x)
    x = np.where(missing, 0.0, x)
    if d.bands:
        x = apply_bands(x, d.bands)
    if d.islands_multiplier != 1.0:
        x = np.where(frame["autonomous"].to_numpy(dtype=bool), x * d.islands_multiplier, x)
    for t in d.plus:
        y = frame[t.source.key].to_numpy(dtype=float, na_value=np.nan)
        x = x + t.factor * np.where(np.isnan(y), 0.0, y)
    if d.invert == "reciprocal":
        with np.errstate(divide="ignore"):
            x = np.where(x > 0, 1.0 / np.where(x > 0, x, 1.0), 0.0)
    elif d.invert == "reverse":
        ok = x[~missing]
        x = (ok.max() if len(ok) else 0.0) - x
    if d.cap is not None:
        x = np.minimum(x, d.cap)
    x = np.where(missing, 0.0, np.clip(x, 0.0, None))
    return x, int(missing.sum())


_OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "==": np.equal, "!=": np.not_equal}


def eligible(rules: list[Rule], frame: pd.DataFrame) -> np.ndarray:
    ok = np.ones(len(frame), dtype=bool)
    for r in rules:
        x = frame[r.source.key].to_numpy(dtype=float, na_value=np.nan)
        ok &= ~np.isnan(x) & _OPS[r.op](np.nan_to_num(x, nan=0.0), r.value)
    return ok


def bounds(limits: Limits, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-municipality lower and upper bounds (euros) from the limits and the baseline."""
    n = len(base)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    has = np.isfinite(base)
    pos = has & (base > 0)
    if limits.floor_pct is not None:
        lo = np.where(pos, np.maximum(lo, base * (1 + limits.floor_pct / 100)), lo)
    if limits.cap_pct is not None:  # a zero baseline caps at zero: "no rise above x % of last year's"
        hi = np.where(has & (base >= 0), np.minimum(hi, base * (1 + limits.cap_pct / 100)), hi)
    if limits.floor_eur is not None:
        lo = np.where(has, np.maximum(lo, base + limits.floor_eur), lo)
    if limits.cap_eur is not None:
        hi = np.where(has, np.minimum(hi, np.maximum(base + limits.cap_eur, 0.0)), hi)
    return np.maximum(lo, 0.0), np.maximum(hi, 0.0)


def redistribute(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> np.ndarray:
    """Bring x within [lo, hi] keeping its sum, the way art. 35.º n.º 2 does (see module docstring)."""
    if lo.sum() > total * (1 + 1e-12) + 1e-6:
        raise Infeasible("limits", f"the floors need {lo.sum():,.2f} € but the budget is {total:,.2f} €",
                         "floors", need=float(lo.sum()), budget=float(total))
    if np.isfinite(hi).all() and hi.sum() < total * (1 - 1e-12) - 1e-6:
        raise Infeasible("limits", f"the caps allow {hi.sum():,.2f} € but the budget is {total:,.2f} €",
                         "caps", allow=float(hi.sum()), budget=float(total))
    hi = np.maximum(hi, lo)
    y = np.clip(x, lo, hi)
    for _ in range(len(x) + 2):
        gap = total - y.sum()
        if abs(gap) <= 1e-7 * max(total, 1.0):
            break
        if gap < 0:  # floors cost more than the caps freed: deduct in proportion to the margin over the floor
            margin = y - lo
            m = margin.sum()
            y = y - (-gap) * margin / m if m > 0 else y
            y = np.maximum(y, lo)
        else:  # surplus: to those under their cap, in proportion to their amount (else equally)
            room = hi - y
            free = room > 1e-9
            w = np.where(free, y, 0.0)
            if w.sum() <= 0:
                w = free.astype(float)
            add = gap * w / w.sum()
            y = np.minimum(y + add, hi)
    return y


@dataclass
class Result:
    table: pd.DataFrame                 # one row per municipality, amounts in cents (int64)
    components: list[str]
    budget_cents: int
    missing: dict[str, int] = field(default_factory=dict)  # component id -> municipalities with no input


def allocate(s: Scenario, frame: pd.DataFrame, baseline: pd.Series | None = None) -> Result:
    """Share the budget. `frame` is indexed by DICO with `autonomous` and one column per source key;
    `baseline` (euros, indexed like frame) is needed when the scenario has limits."""
    n = len(frame)
    budget_cents = int(round(s.budget * 100))
    ok = eligible(s.eligibility, frame)
    if not ok.any():
        raise Infeasible("eligibility", "no municipality meets the eligibility rules", "eligibility")
    comp_cents = largest_remainder(budget_cents, np.array([c.share for c in s.components]))
    out = pd.DataFrame(index=frame.index)
    raw = np.zeros(n, dtype=np.int64)
    missing = {}
    for i, (c, cents) in enumerate(zip(s.components, comp_cents)):
        w, miss = driver_values(c.driver, frame)
        w = np.where(ok, w, 0.0)
        if cents and w.sum() <= 0:
            raise Infeasible(f"components.{i}.driver", f"component {c.id!r}: no eligible municipality has a positive value",
                             "component", component=c.id)
        part = largest_remainder(int(cents), w)
        out[f"c_{c.id}"] = part
        raw += part
        missing[c.id] = miss
    final = raw
    if s.limits.any:
        base = (baseline.reindex(frame.index) if baseline is not None else pd.Series(np.nan, index=frame.index))
        lo, hi = bounds(s.limits, base.to_numpy(dtype=float, na_value=np.nan))
        lo, hi = np.where(ok, lo, 0.0), np.where(ok, hi, 0.0)
        y = redistribute(raw / 100.0, lo, hi, budget_cents / 100.0)
        final = round_to_cents(y, budget_cents)
    out["raw"] = raw
    out["amount"] = final
    out["adjustment"] = final - raw
    out["eligible"] = ok
    return Result(out, [c.id for c in s.components], budget_cents, missing)


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Gini coefficient of `values` (each municipality one observation unless weights are given)."""
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    keep = np.isfinite(v) & (w > 0)
    v, w = v[keep], w[keep]
    if not len(v) or v.sum() == 0:
        return 0.0
    order = np.argsort(v)
    v, w = v[order], w[order]
    cw = np.cumsum(w)
    cvw = np.cumsum(v * w)
    # area under the Lorenz curve by trapezoids
    x = np.concatenate([[0], cw / cw[-1]])
    y = np.concatenate([[0], cvw / cvw[-1]])
    return float(1 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1])))


def explained_share(sim: np.ndarray, actual: np.ndarray) -> dict:
    """How far a simulated distribution reproduces an actual one: the overlap of the two distributions
    (1 − half the L1 distance between the shares: 1 = identical) and the squared correlation of the amounts (R²)."""
    a = np.asarray(actual, dtype=float)
    b = np.asarray(sim, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    overlap = 1 - 0.5 * np.abs(a / a.sum() - b / b.sum()).sum()
    r2 = float(np.corrcoef(a, b)[0, 1] ** 2) if a.std() > 0 and b.std() > 0 else 0.0
    return {"overlap": float(overlap), "r2": r2}
