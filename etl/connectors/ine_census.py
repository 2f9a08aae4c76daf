"""INE Census 2021 tables as INE publishes them: cp1252, ';'-separated, decimal comma.

Layout of `O que nos dizem os Censos sobre dinâmicas territoriais` (MN.csv, MN_1.csv, FR.csv):
line 1 names the report figures, line 2 the indicators, line 3 the year ('2021' or '2021-2011'),
then one row per territory: level ('PT', 'NUTS 1/2/3', 'Município', 'Freguesia'), code, name, values.
Trailing lines of empty cells are ignored.

Each value column becomes the variable '<indicator> [<year>]' (the names of the derived files),
with period '2021' or '2011/2021'. NUTS codes are NUTS 2013: unchanged units get their NUTS 2024
id, changed ones are set aside with that reason. Parishes are read (raw layer) but only loaded
when the catalogue lists 'Freguesia' in `levels` and the territory dimension holds them.
When several files of one source hold the same column, equal values are kept once; different
values for the same key are rejected as duplicates.

Options: levels (default PT, NUTS 1-3, Município).
"""
from __future__ import annotations

import io

import pandas as pd

from etl.connectors import Context, SourceError, check_encoding, connector
from etl.connectors.tidy_csv import TidyCsv, suffix_period

INE_SIGNS = {"//", "x", "...", "-", "§", "o"}   # not applicable, confidential, not available, nil, unreliable, < half unit
DEFAULT_LEVELS = ["PT", "NUTS 1", "NUTS 2", "NUTS 3", "Município"]


def read_census_table(path, encoding: str = "cp1252", delimiter: str = ";") -> pd.DataFrame:
    data = check_encoding(path, encoding)
    try:
        grid = pd.read_csv(io.BytesIO(data), dtype=str, header=None, keep_default_na=False, encoding=encoding,
                           sep=delimiter, skip_blank_lines=False, engine="c", on_bad_lines="error")
    except pd.errors.ParserError as e:
        raise SourceError(f"{path}: malformed CSV: {e}") from e
    if len(grid) < 4 or grid.shape[1] < 4:
        raise SourceError(f"{path}: expected 3 header lines and at least 4 columns (level; code; name; values)")
    names, years = grid.iloc[1], grid.iloc[2]
    if str(names[0]).strip() != "Nível territorial":
        raise SourceError(f"{path}: row 2, field 1: expected 'Nível territorial', found {names[0]!r}")
    cols = ["nivel", "codigo", "designacao"]
    for j in range(3, grid.shape[1]):
        n, y = str(names[j]).strip(), str(years[j]).strip()
        if not n:
            raise SourceError(f"{path}: row 2, column {j + 1}: indicator name is empty")
        if not y:
            raise SourceError(f"{path}: row 3, column {j + 1}: year is empty for {n!r}")
        cols.append(f"{n} [{y}]")
    body = grid.iloc[3:].copy()
    body.columns = cols
    body["_row"] = range(4, 4 + len(body))
    body = body[(body[cols].apply(lambda c: c.str.strip()) != "").any(axis=1)]
    body["_file"] = str(path)
    return body


@connector("ine_census_csv")
class IneCensusCsv:
    def read(self, source, files):
        return pd.concat([read_census_table(f, source.encoding, source.delimiter) for f in files], ignore_index=True)

    def transform(self, raw: pd.DataFrame, source, ctx: Context):
        values = [c for c in raw.columns if c not in ("nivel", "codigo", "designacao", "_row", "_file")]
        long = raw.melt(id_vars=["nivel", "codigo", "_file", "_row"], value_vars=values, var_name="variavel",
                        value_name="valor")
        long = long[long["valor"].notna()]
        # INE signs for a value that does not exist or is withheld: a gap, not an error
        sign = long["valor"].str.strip().isin(INE_SIGNS)
        long["valor"] = long["valor"].where(~sign, "")
        # a column read from two files of the same table: equal values once
        long = long.drop_duplicates(["nivel", "codigo", "variavel", "valor"], keep="first")
        # rows where one file has the column and another does not (NaN after concat) are gone; keep empty cells
        long["periodo"] = long["variavel"].map({v: suffix_period(v) for v in values})
        opts = {"territory": "codigo", "territory_map": "census", "level_column": "nivel",
                "levels": source.options.get("levels", DEFAULT_LEVELS), "variable": "variavel",
                "value": "valor", "period": "periodo"}
        inner = source.model_copy(update={"options": opts})
        return TidyCsv().transform(long.reset_index(drop=True), inner, ctx)
