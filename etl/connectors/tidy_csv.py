"""Tidy CSV: one row per observation, or one row per territory and period with value columns.

Options (catalogue `options`):
  territory: column with the territory code (DICO or NUTS code); default 'dico'
  territory_prefix: prepended to the code (NUTS files: 'PT' unless the code already starts with it)
  period: column with the period; period_format: year|date|quarter_from_date|template
  period_template: e.g. '{ano}' or '{ano}-Q4' (columns in braces)
  variable: column naming the variable (long files) — or —
  values: list of value columns (wide files); each becomes a variable named after its column
  value: the value column in long files; default 'valor'
  filter: {column: value} rows to keep (others are not this source's concern, not rejected)
"""
from __future__ import annotations

import pandas as pd

from etl.connectors import (
    Context, connector, read_csv_strings, staged, to_number, validate_rows,
)


def period_ids(df: pd.DataFrame, opts: dict) -> pd.Series:
    tpl = opts.get("period_template")
    if tpl:
        cols = [c for c in df.columns if "{" + c + "}" in tpl]
        return df.apply(lambda r: tpl.format(**{c: r[c] for c in cols}), axis=1) if len(df) else pd.Series(dtype=str)
    col = opts.get("period", "ano")
    fmt = opts.get("period_format", "year")
    s = df[col].astype(str).str.strip()
    if fmt == "quarter_from_date":
        d = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        return d.dt.year.astype("Int64").astype(str) + "-Q" + d.dt.quarter.astype("Int64").astype(str)
    if fmt == "dmy":
        d = pd.to_datetime(s, format="%d-%m-%Y", errors="coerce")
        return d.dt.strftime("%Y-%m-%d")
    return s


def territory_ids(df: pd.DataFrame, opts: dict) -> pd.Series:
    s = df[opts.get("territory", "dico")].astype(str).str.strip()
    prefix = opts.get("territory_prefix")
    if prefix:
        s = s.where(s.str.startswith(prefix), prefix + s)
    return s


@connector("tidy_csv")
class TidyCsv:
    def read(self, source, files):
        return pd.concat([read_csv_strings(f, encoding=source.encoding, delimiter=source.delimiter,
                                           skiprows=source.options.get("skiprows", 0)) for f in files],
                         ignore_index=True)

    def transform(self, raw, source, ctx: Context):
        opts = source.options
        df = raw
        for col, val in (opts.get("filter") or {}).items():
            df = df[df[col].astype(str) == str(val)]
        df = df.assign(_territory=territory_ids(df, opts), _period=period_ids(df, opts))
        if "values" in opts:
            id_cols = ["_territory", "_period", "_file", "_row"]
            df = df.melt(id_vars=id_cols, value_vars=opts["values"], var_name="_variable", value_name="_value")
        else:
            df = df.assign(_variable=df[opts["variable"]] if "variable" in opts else opts.get("variable_name", source.id),
                           _value=df[opts.get("value", "valor")])
        num = to_number(df["_value"], source.decimal)
        kept, rejected = validate_rows(df, ctx, territory="_territory", value="_value", numeric=num,
                                       keys=["_variable", "_territory", "_period"])
        rejected["field"] = rejected["field"].replace({"_territory": opts.get("territory", "dico"),
                                                       "_value": opts.get("value", "valor"),
                                                       "_period": opts.get("period", "ano")})
        out = staged(kept, variable=kept["_variable"], territory_id=kept["_territory"],
                     period_id=kept["_period"], value=num[kept.index])
        return out, rejected
