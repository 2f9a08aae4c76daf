"""SICO-eVM weekly deaths as published: a wide table, one row per week, one column per municipality.

`Semana` (option `week_column`) is 'WW-YYYY' (ISO week); municipality columns are lower-case unaccented names, mapped to
DICO by the mapping file the catalogue lists first in `depends_on` (columns coluna_sico, dico).
Quirks (SOURCES.md §3.3): at 8 year boundaries a week label appears on two rows holding two
partial counts — they are summed; the columns `desconhecido` and `estrangeiro` (unknown residence,
abroad) are excluded (option `exclude`). A municipality column missing from the mapping sets all
its cells aside with that reason.

A partial week (option `partial_week: {ratio, window}`): a week whose national total (every mapped
municipality) is below `ratio` × the median of the `window` weeks on each side of it (itself left
out; at the ends of the file, those that exist) is flagged provisional for every municipality. In the
real file this is the last week, 2024-W09 (864 deaths against ~2 400 in the weeks before: the extract
was taken during that week); the winter drops of 2021 stay well above the cut.
"""
from __future__ import annotations

import re

import pandas as pd

from etl.connectors import (
    Context, connector, options_error, read_csv_strings, reject, staged, to_number, validate_rows,
)

_WEEK = re.compile(r"^(\d{1,2})-(\d{4})$")


def read_mapping(ctx: Context, source) -> dict[str, str]:
    if not source.depends_on:
        raise options_error(source, "depends_on must name the column -> DICO mapping file")
    m = read_csv_strings(ctx.data_system / source.depends_on[0])
    m = m[m["dico"].str.strip() != ""]          # desconhecido / estrangeiro map to no municipality
    return dict(zip(m["coluna_sico"].str.strip(), m["dico"].str.strip()))


def partial_weeks(g: pd.DataFrame, ratio: float = 0.6, window: int = 4) -> list[str]:
    """Weeks (ISO ids) whose total over all municipalities is below `ratio` × the median of the `window`
    weeks on each side (the week itself left out). `g`: _period, value."""
    tot = g.groupby("_period")["value"].sum().sort_index()
    v = tot.to_numpy(dtype=float)
    out = []
    for i, pid in enumerate(tot.index):
        around = [*v[max(0, i - window):i], *v[i + 1:i + 1 + window]]
        if around and v[i] < ratio * float(pd.Series(around).median()):
            out.append(pid)
    return out


@connector("sico_wide_csv")
class SicoWideCsv:
    def read(self, source, files):
        return pd.concat([read_csv_strings(f, encoding=source.encoding, delimiter=source.delimiter) for f in files],
                         ignore_index=True)

    def transform(self, raw, source, ctx: Context):
        week_col = source.options.get("week_column", "Semana")
        exclude = set(source.options.get("exclude", ["desconhecido", "estrangeiro"]))
        mapping = ctx.extra.get(("mapping", source.id)) or read_mapping(ctx, source)
        cols = [c for c in raw.columns if c not in (week_col, "_file", "_row") and c not in exclude]
        m = raw[week_col].astype(str).str.strip().str.extract(_WEEK)
        badweek = m[0].isna()
        rej = [reject(raw, badweek, week_col, "week label is not WW-YYYY")]
        df = raw[~badweek].assign(_period=m[1][~badweek] + "-W" + m[0][~badweek].str.zfill(2))
        long = df.melt(id_vars=["_period", "_file", "_row"], value_vars=cols, var_name="coluna", value_name="obitos")
        long["_territory"] = long["coluna"].map(mapping)
        unmapped = long["_territory"].isna()
        rej.append(reject(long, unmapped, "coluna", "column not in the mapping file (no DICO)"))
        long = long[~unmapped].reset_index(drop=True)
        num = to_number(long["obitos"], source.decimal)
        # validate cell by cell (file row kept), then sum the split weeks
        long = long.assign(_variable="obitos")
        kept, r = validate_rows(long, ctx, territory="_territory", value="obitos", numeric=num,
                                keys=["_variable", "_territory", "_period", "_row"], period="_period")
        rej.append(r)
        kept = kept.assign(_num=num[kept.index])
        grp = kept.groupby(["_territory", "_period"], sort=False)
        g = grp.agg(_file=("_file", "first"), _row=("_row", "first"), n=("_row", "size"))
        g["value"] = grp["_num"].sum(min_count=1)
        g = g.reset_index()
        g["note"] = g["n"].map(lambda n: f"soma de {n} linhas com a mesma semana na fonte" if n > 1 else None)
        pw = source.options.get("partial_week")
        partial = set(partial_weeks(g, **pw)) if pw else set()
        out = staged(g, variable="obitos", territory_id=g["_territory"], period_id=g["_period"], value=g["value"],
                     note=g["note"], is_provisional=g["_period"].isin(partial))
        rej = pd.concat([x for x in rej if len(x)] or [rej[0]], ignore_index=True)
        rej["field"] = rej["field"].replace({"_territory": "coluna", "_period": week_col, "_row": week_col})
        return out, rej
