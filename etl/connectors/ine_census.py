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


# -- INE Census "Quadro" tables keyed by name (e.g. Quadro 1.2, population by nationality) -------------

@connector("ine_census_quadro_csv")
class IneCensusQuadroCsv:
    """An INE Census table as published for download: a title line, multi-line headers, then one row
    per territory *named* (no code) in hierarchical order — Portugal, NUTS I, NUTS II, NUTS III, its
    municipalities — and a closing 'Fonte:' line. Numbers use spaces as thousands separators; an
    empty cell is nil.

    Names are matched to DICO *within the NUTS II region the row sits under* (reference columns
    nuts2_2013_nome, municipio), which keeps the two Lagoa and the two Calheta apart. Region rows
    get their NUTS 2024 id where the NUTS 2013 unit is unchanged.

    Options: columns {0-based column index: variable}; first_data_row (1-based line, default 5);
    period (default '2021')."""

    def read(self, source, files):
        import csv
        rows = []
        for f in files:
            text = check_encoding(f, source.encoding).decode(source.encoding)
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter)
            first = int(source.options.get("first_data_row", 5))
            width = None
            try:
                for rec in reader:
                    line = reader.line_num
                    if width is None:
                        width = len(rec)
                    if line < first or not rec or not rec[0].strip() or rec[0].startswith("Fonte"):
                        continue
                    if len(rec) != width:
                        raise SourceError(f"{f}: row {line}: {len(rec)} fields, expected {width}")
                    rows.append({"nome": rec[0], **{str(j): rec[j] for j in range(1, len(rec))},
                                 "_file": str(f), "_row": line})
            except csv.Error as e:
                raise SourceError(f"{f}: row {reader.line_num}: malformed CSV: {e}") from None
        return pd.DataFrame(rows)

    def transform(self, raw, source, ctx: Context):
        from etl.connectors import reject, staged, to_number, validate_rows
        from etl.territory import nuts2013_names
        cols = {str(k): v for k, v in (source.options.get("columns") or {}).items()}
        if not cols:
            from etl.connectors import options_error
            raise options_error(source, "columns {index: variable} is required")
        ref = ctx.reference
        n2_names = set(ref["nuts2_2013_nome"].str.strip())
        munis = {(a.strip(), b.strip()): d for a, b, d in ref[["nuts2_2013_nome", "municipio", "dico"]].itertuples(index=False)}
        regions = nuts2013_names(ref)
        current, ids = None, []
        for name in raw["nome"].astype(str).str.strip():
            if name in n2_names:
                current = name
            if name not in n2_names and (current, name) in munis:
                ids.append([munis[(current, name)]])
            else:
                ids.append(regions.get(name, []))
        df = raw.assign(_territory=ids)
        missing = df["_territory"].map(len) == 0
        rej1 = reject(df, missing, "nome", "name not matched: not a municipality of the NUTS II region above it "
                                           "nor a NUTS 2013 unit unchanged in NUTS 2024")
        df = df[~missing].explode("_territory")
        # a region listed at several levels (AML NUTS II and III) gives equal rows: once
        df = df.drop_duplicates(["_territory", *cols])
        long = df.melt(id_vars=["_territory", "_file", "_row"], value_vars=list(cols), var_name="_col",
                       value_name="_value").reset_index(drop=True)
        long["_variable"] = long["_col"].map(cols)
        long["_period"] = str(source.options.get("period", "2021"))
        # an empty cell in an INE quadro is nil (zero), not missing
        long["_value"] = long["_value"].where(long["_value"].str.strip() != "", "0")
        num = to_number(long["_value"], source.decimal)
        kept, rej2 = validate_rows(long, ctx, territory="_territory", value="_value", numeric=num,
                                   keys=["_variable", "_territory", "_period"], period="_period")
        rej = pd.concat([r for r in (rej1, rej2) if len(r)] or [rej1], ignore_index=True)
        rej["field"] = rej["field"].replace({"_territory": "nome", "_value": "valor"})
        return staged(kept, variable=kept["_variable"], territory_id=kept["_territory"], period_id=kept["_period"],
                      value=num[kept.index]), rej
