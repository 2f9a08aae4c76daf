"""Tidy CSV: one row per observation, or one row per territory and period with value columns.

Options (catalogue `options`):
  territory: column with the territory code (DICO or NUTS code); default 'dico'
  territory_zfill: left-pad numeric codes with zeros to this width (e.g. 4: '101' -> '0101')
  skiprows: lines to skip before the header (default 0)
  territory_prefix: prepended to the code (NUTS files: 'PT' unless the code already starts with it)
  territory_map: 'nuts2013' — the codes are NUTS 2013 (INE Census files): unchanged units get their
      NUTS 2024 id, changed ones are set aside with that reason; 'census' — as nuts2013, except rows
      whose `level_column` is 'Município' (the code is a DICO)
  level_column, levels: keep only rows whose level is listed (parishes are modelled but not loaded)
  period: column with the period; period_format: year | date | dmy | quarter_from_date | iso_week |
      month_end ('2025-12' -> the date '2025-12-31': a stock counted at the end of the month) |
      column_suffix (wide files whose column names end in '[2021]' or '[2021-2011]')
  period_template: e.g. '{ano}-Q4' (columns in braces)
  week: the ISO week column (period_format iso_week; `period` is then the ISO year column)
  variable: column naming the variable (long files) — or —
  values: list of value columns (wide files); each becomes a variable named after its column
      (with `variable` too: '<column>_<variable value>')
  value_periods: {column: period} for wide files whose columns are different periods
  variable_names: {column or variable: staged name} to rename
  variable_name: the staged variable's name for a long file without a `variable` column (default:
      the source id)
  value: the value column in long files; default 'valor'
  filter: {column: value or [values]} rows to keep (others are not this source's concern, not rejected)
  provisional: {column: [values]} rows flagged provisional (e.g. a partial year)
"""
from __future__ import annotations

import re

import pandas as pd

from etl.connectors import (
    Context, connector, options_error, read_csv_strings, reject, staged, to_number, validate_rows,
)

_SUFFIX = re.compile(r"\[(\d{4})(?:-(\d{4}))?\]\s*$")


def suffix_period(column: str) -> str:
    """'Taxa (%) [2021]' -> '2021'; 'Diferença (N.º) [2021-2011]' -> '2011/2021'."""
    m = _SUFFIX.search(column)
    if not m:
        raise ValueError(f"column {column!r} has no [year] suffix")
    a, b = m[1], m[2]
    if not b:
        return a
    lo, hi = sorted((a, b))
    return f"{lo}/{hi}"


def period_ids(df: pd.DataFrame, opts: dict) -> pd.Series:
    tpl = opts.get("period_template")
    if tpl:
        cols = [c for c in df.columns if "{" + c + "}" in tpl]
        vals = {c: df[c].astype(str).str.strip().tolist() for c in cols}
        out = []
        for i in range(len(df)):
            t = tpl
            for c in cols:
                t = t.replace("{" + c + "}", vals[c][i])
            out.append(t)
        return pd.Series(out, index=df.index, dtype=object)
    fmt = opts.get("period_format", "year")
    if fmt == "column_suffix" or opts.get("value_periods"):
        return pd.Series("", index=df.index)   # set per column after the melt
    col = opts.get("period", "ano")
    s = df[col].astype(str).str.strip()
    if fmt == "quarter_from_date":
        d = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        return (d.dt.year.astype("Int64").astype(str) + "-Q" + d.dt.quarter.astype("Int64").astype(str)).where(d.notna(), s)
    if fmt == "month_end":
        d = pd.to_datetime(s, format="%Y-%m", errors="coerce") + pd.offsets.MonthEnd(0)
        return d.dt.strftime("%Y-%m-%d").where(d.notna(), s)
    if fmt == "dmy":
        d = pd.to_datetime(s, format="%d-%m-%Y", errors="coerce")
        return d.dt.strftime("%Y-%m-%d").where(d.notna(), s)
    if fmt == "iso_week":
        w = pd.to_numeric(df[opts.get("week", "semana")], errors="coerce")
        return (s + "-W" + w.map(lambda x: f"{int(x):02d}" if pd.notna(x) else "??"))
    return s


def territory_ids(df: pd.DataFrame, opts: dict, ctx: Context | None = None) -> tuple[pd.Series, pd.Series]:
    """(territory ids, mask of rows whose NUTS 2013 unit has no NUTS 2024 equivalent)."""
    s = df[opts.get("territory", "dico")].astype(str).str.strip()
    if opts.get("territory_zfill"):
        s = s.where(~s.str.fullmatch(r"\d+"), s.str.zfill(int(opts["territory_zfill"])))
    changed = pd.Series(False, index=df.index)
    tmap = opts.get("territory_map")
    if tmap in ("nuts2013", "census"):
        from etl.territory import nuts2013_to_2024
        codes = nuts2013_to_2024(ctx.reference)
        is_muni = (df[opts["level_column"]].astype(str).str.strip() == "Município") if tmap == "census" \
            else pd.Series(False, index=df.index)
        mapped = s.map(codes)
        changed = ~is_muni & mapped.isna()
        s = s.where(is_muni, mapped.fillna("NUTS2013:" + s))
    prefix = opts.get("territory_prefix")
    if prefix:
        s = s.where(s.str.startswith(prefix), prefix + s)
    return s, changed


@connector("tidy_csv")
class TidyCsv:
    def read(self, source, files):
        return pd.concat([read_csv_strings(f, encoding=source.encoding, delimiter=source.delimiter,
                                           skiprows=source.options.get("skiprows", 0)) for f in files],
                         ignore_index=True)

    def transform(self, raw, source, ctx: Context):
        opts = source.options
        df = raw
        missing = [c for c in self._columns(opts) if c not in df.columns]
        if missing:
            f = df["_file"].iloc[0] if len(df) else source.path
            raise options_error(source, f"{f}: row 1, field {missing[0]!r}: column not found "
                                        f"(columns: {', '.join(c for c in df.columns if not c.startswith('_'))})")
        for col, val in (opts.get("filter") or {}).items():
            vals = [str(v) for v in val] if isinstance(val, list) else [str(val)]
            df = df[df[col].astype(str).str.strip().isin(vals)]
        if "levels" in opts:
            df = df[df[opts["level_column"]].astype(str).str.strip().isin(opts["levels"])]
        terr, changed = territory_ids(df, opts, ctx)
        rejected = [reject(df.assign(_t=df[opts.get("territory", "dico")]), changed, "_t",
                           "NUTS 2013 unit changed in NUTS 2024: its official value is not placed on today's map")]
        df = df[~changed].assign(_territory=terr[~changed], _period=period_ids(df[~changed], opts))
        prov_mask = pd.Series(False, index=df.index)
        for col, vals in (opts.get("provisional") or {}).items():
            prov_mask |= df[col].astype(str).str.strip().isin([str(v) for v in vals])
        df = df.assign(_prov=prov_mask)
        id_cols = ["_territory", "_period", "_file", "_row", "_prov"]
        if "values" in opts or "value_periods" in opts:
            cols = list(opts.get("values") or opts["value_periods"])
            if "variable" in opts:
                id_cols = id_cols + [opts["variable"]]
            df = df.melt(id_vars=id_cols, value_vars=cols, var_name="_variable", value_name="_value")
            if opts.get("period_format") == "column_suffix":
                df["_period"] = df["_variable"].map({c: suffix_period(c) for c in cols})
            if "value_periods" in opts:
                df["_period"] = df["_variable"].map({c: str(p) for c, p in opts["value_periods"].items()})
            df["_field"] = df["_variable"]
            if "variable" in opts:
                df["_variable"] = df["_variable"] + "_" + df[opts["variable"]].astype(str).str.strip()
        else:
            df = df.assign(_variable=df[opts["variable"]].astype(str).str.strip() if "variable" in opts
                           else opts.get("variable_name", source.id),
                           _value=df[opts.get("value", "valor")])
        if opts.get("variable_names"):
            df["_variable"] = df["_variable"].replace(opts["variable_names"])
        num = to_number(df["_value"], source.decimal)
        kept, rej = validate_rows(df, ctx, territory="_territory", value="_value", numeric=num,
                                  keys=["_variable", "_territory", "_period"], period="_period")
        rejected.append(rej)
        rejected = pd.concat([r for r in rejected if len(r)] or [rej], ignore_index=True)
        rejected["field"] = rejected["field"].replace({"_territory": opts.get("territory", "dico"),
                                                       "_t": opts.get("territory", "dico"),
                                                       "_value": opts.get("value", "valor"),
                                                       "_period": opts.get("period", "ano")})
        out = staged(kept, variable=kept["_variable"], territory_id=kept["_territory"],
                     period_id=kept["_period"], value=num[kept.index], is_provisional=kept["_prov"])
        return out, rejected

    @staticmethod
    def _columns(opts: dict) -> list[str]:
        cols = [opts.get("territory", "dico")]
        if opts.get("period_format") != "column_suffix" and not opts.get("period_template") and not opts.get("value_periods"):
            cols.append(opts.get("period", "ano"))
        cols += list(opts.get("values") or opts.get("value_periods") or [])
        if "variable" in opts:
            cols.append(opts["variable"])
        if not (opts.get("values") or opts.get("value_periods")):
            cols.append(opts.get("value", "valor"))
        cols += list(opts.get("filter") or {})
        cols += list(opts.get("provisional") or {})
        if "level_column" in opts:
            cols.append(opts["level_column"])
        return cols
