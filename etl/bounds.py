"""Possible values, enforced: an impossible value is set aside with its file, row, field and reason
(meta_rejected_row), never published nor summed into a region's total.

Two places:

- staging (`check_staged`, right after a connector's transform): every value must be a finite
  number (±inf are rejected; an empty cell stays a gap) and lie within the bounds of its staged
  variable. Those bounds are declared per source in etl/catalogue.yaml (`bounds: {variable: [lo, hi]}`)
  and inherited from every indicator that publishes the variable as it is (`compute.value` or
  `compute.regional`: the indicator's `bounds`, 0–100 for a '%');
- computing (`check_computed`, on each indicator's municipal values before they are aggregated, and
  on the final values): a ratio or derived value must be finite and within the indicator's bounds.
  The row points at the first input's file and row when the computation keeps them.

A bound is inclusive; `null` (None) means unbounded on that side.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from etl.connectors import REJECTED_COLUMNS

Bound = tuple[float | None, float | None, str]   # lo, hi, who declared it


def _fmt(x) -> str:
    if x is None:
        return "∞"
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def describe(lo, hi) -> str:
    """The interval in the usual notation: [0, 100], [0, ∞), (-∞, 5]."""
    return ("(-∞" if lo is None else f"[{_fmt(lo)}") + ", " + ("∞)" if hi is None else f"{_fmt(hi)}]")


def variable_bounds(registry: dict, catalogue: dict) -> dict[str, list[Bound]]:
    """Staged variable ('source:variable') -> the bounds declared for it (catalogue and indicators)."""
    out: dict[str, list[Bound]] = {}
    for src in catalogue.values():
        for var, (lo, hi) in src.bounds.items():
            out.setdefault(f"{src.id}:{var}", []).append((lo, hi, f"etl/catalogue.yaml, source {src.id}"))
    for ind in registry.values():
        lo, hi = ind.value_bounds()
        if lo is None and hi is None:
            continue
        for var in {ind.compute.value, ind.compute.regional} - {None}:
            out.setdefault(var, []).append((lo, hi, f"indicator {ind.id}"))
    return out


def _outside(values: pd.Series, lo, hi) -> pd.Series:
    v = values.astype(float)
    bad = pd.Series(False, index=values.index)
    if lo is not None:
        bad |= v < lo
    if hi is not None:
        bad |= v > hi
    return bad & v.notna()


def _rejected(rows: pd.DataFrame, field, reason) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame(columns=REJECTED_COLUMNS)
    file = rows["_file"] if "_file" in rows else None
    row = rows["_row"] if "_row" in rows else None
    return pd.DataFrame({"file": file, "row_number": row, "field": field,
                         "value": rows["value"].map(_fmt_value), "reason": reason},
                        index=rows.index).reindex(columns=REJECTED_COLUMNS)


def _fmt_value(v) -> str:
    """A value as the rejected row shows it: 'inf', '-5000000000000', '120', '0.5'."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(f):
        return "nan" if f != f else "inf" if f > 0 else "-inf"
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def check_staged(staged: pd.DataFrame, source, bounds: dict[str, list[Bound]],
                 raw_columns=()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Staged rows of one source -> (kept, rejected): non-finite values and values outside their
    variable's bounds are rejected. `staged.variable` is the connector's name (without the source id)."""
    if staged.empty:
        return staged, pd.DataFrame(columns=REJECTED_COLUMNS)
    value = pd.to_numeric(staged["value"], errors="coerce").astype(float)
    short = staged["variable"]
    value_col = (source.options or {}).get("value")
    cols = set(raw_columns)

    def field(mask):   # the file's column holding the value (the variable's own column in a wide file)
        return short[mask].map(lambda v: v if v in cols or not value_col else value_col)
    parts, drop = [], pd.Series(False, index=staged.index)
    inf = np.isinf(value)
    if inf.any():
        rows = staged[inf]
        parts.append(_rejected(rows, field(inf), short[inf].map(
            lambda v: f"not a finite number (variable {v}): an infinite value is never published")))
        drop |= inf
    bounded = [v for v in short[~drop].unique() if f"{source.id}:{v}" in bounds]
    for var in bounded:
        for lo, hi, who in bounds[f"{source.id}:{var}"]:
            m = (short == var) & ~drop & _outside(value, lo, hi)
            if m.any():
                rows = staged[m]
                reason = rows["value"].map(lambda x, lo=lo, hi=hi, who=who, var=var: (
                    f"impossible value: {_fmt_value(x)} is {'below' if lo is not None and float(x) < lo else 'above'} "
                    f"the bounds {describe(lo, hi)} of variable {var} ({who})"))
                parts.append(_rejected(rows, field(m), reason))
                drop |= m
    if not drop.any():
        return staged, pd.DataFrame(columns=REJECTED_COLUMNS)
    return staged[~drop], pd.concat(parts, ignore_index=True)


def check_computed(df: pd.DataFrame, ind, stage: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An indicator's values (municipal, official regional or final) -> (kept, rejected): non-finite
    values and values outside the indicator's bounds. A missing value (NaN) is a gap, kept as such."""
    if df.empty:
        return df, pd.DataFrame(columns=REJECTED_COLUMNS + ["source_id"])
    value = pd.to_numeric(df["value"], errors="coerce").astype(float)
    lo, hi = ind.value_bounds()
    inf = pd.Series(np.isinf(value), index=df.index)
    out = _outside(value, lo, hi) & ~inf
    bad = inf | out
    if not bad.any():
        return df, pd.DataFrame(columns=REJECTED_COLUMNS + ["source_id"])
    rows = df[bad].copy()
    # a value computed from several rows (a derivation, an aggregate) has no single file row
    where = f"(computed: indicators/{ind.id}.yaml)"
    rows["_file"] = rows["_file"].fillna(where) if "_file" in rows else where
    reason = pd.Series(
        [f"not a finite {stage} value of indicator {ind.id}" if i else
         f"impossible {stage} value of indicator {ind.id}: {_fmt_value(v)} is outside its bounds {describe(lo, hi)}"
         for i, v in zip(inf[bad], rows["value"])], index=rows.index)
    rej = _rejected(rows, f"{ind.id} (compute)", reason)
    # meta_rejected_row.source_id: the (first) source the value came from
    first = rows["source_ids"].fillna("").astype(str).str.split(",").str[0] if "source_ids" in rows else ""
    rej["source_id"] = first
    rej["source_id"] = rej["source_id"].replace("", ind.id)
    return df[~bad], rej
