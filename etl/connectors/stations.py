"""Measurements by monitoring station (EEA air quality), aggregated explicitly to the municipality.

A station is not a municipality: the municipal value is the **arithmetic mean of the stations** the
mapping places in it, for each variable and year, and the note says how many stations it averages.
Options: station (column, default estacao_nome), variable (default poluente), filter {column: value},
variable_names {value: name}, provisional {column: [values]} (EEA 2022 is a partial year; the catalogue's
`provisional_reason` says why), zero_is_missing (bool).

A zero that means missing (`zero_is_missing`): a kept value of exactly 0 is set aside (meta_rejected_row)
when no row of the same station, variable and period — any metric, e.g. the annual daily maximum — holds
a positive value: a station that measured nothing has no annual mean (EEA Faro PM2.5 2011: mean 0.0,
daily maximum 0.0). A zero beside a positive daily maximum is a measurement and is kept.
"""
from __future__ import annotations

import pandas as pd

from etl.connectors import Context, connector, read_csv_strings, reject, staged, to_number, validate_rows

ZERO_REASON = ("missing value stored as 0: {v} is exactly 0 and no metric of this station, pollutant and "
               "year is positive (no valid measurement)")


@connector("station_mean_csv")
class StationMeanCsv:
    def read(self, source, files):
        return pd.concat([read_csv_strings(f, encoding=source.encoding, delimiter=source.delimiter) for f in files],
                         ignore_index=True)

    def transform(self, raw, source, ctx: Context):
        o = source.options
        terr, var, per, val, st = (o.get("territory", "dico"), o.get("variable", "poluente"), o.get("period", "ano"),
                                   o.get("value", "valor"), o.get("station", "estacao_nome"))
        df = raw
        if o.get("zero_is_missing"):   # station-variable-period keys with a positive value in any metric
            allnum = to_number(raw[val], source.decimal)
            positive = set(map(tuple, raw.loc[allnum > 0, [st, var, per]].astype(str).to_numpy()))
        for col, val_ in (o.get("filter") or {}).items():
            df = df[df[col].astype(str).str.strip() == str(val_)]
        prov = pd.Series(False, index=df.index)
        for col, vals in (o.get("provisional") or {}).items():
            prov |= df[col].astype(str).str.strip().isin([str(v) for v in vals])
        df = df.assign(_territory=df[terr].str.strip(), _variable=df[var].str.strip().replace(o.get("variable_names") or {}),
                       _period=df[per].str.strip(), _prov=prov).reset_index(drop=True)
        num = to_number(df[val], source.decimal)
        kept, rej = validate_rows(df, ctx, territory="_territory", value=val, numeric=num,
                                  keys=["_variable", "_territory", "_period", st], period="_period")
        kept = kept.assign(_num=num[kept.index])
        kept = kept[kept["_num"].notna()]
        if o.get("zero_is_missing"):
            keys = kept[[st, var, per]].astype(str).to_numpy()
            zero = (kept["_num"] == 0) & ~pd.Series([tuple(k) in positive for k in map(tuple, keys)],
                                                  index=kept.index, dtype=bool)
            if zero.any():
                rej = pd.concat([rej, reject(kept, zero, val, ZERO_REASON.format(v=" · ".join(
                    str(x) for x in (o.get("filter") or {}).values()) or val))], ignore_index=True)
                kept = kept[~zero]
        g = kept.groupby(["_variable", "_territory", "_period"]).agg(
            value=("_num", "mean"), n=("_num", "size"), stations=(st, lambda s: "; ".join(sorted(set(s)))),
            prov=("_prov", "any"), _file=("_file", "first"), _row=("_row", "first")).reset_index()
        g["note"] = g["n"].map(lambda n: "média de 1 estação" if n == 1 else f"média de {n} estações") + ": " + g["stations"]
        rej["field"] = rej["field"].replace({"_territory": terr, "_period": per, st: st})
        return staged(g, variable=g["_variable"], territory_id=g["_territory"], period_id=g["_period"],
                      value=g["value"], is_provisional=g["prov"], note=g["note"]), rej
