"""PORDATA tables: the VI21 JSON files (keyed by PORDATA name) and the PORDATA xlsx downloads.

Names are joined to codes through the reference table: municipalities by `pordata_nome`
('Lagoa [R.A.A.]', 'Calheta [R.A.M.]' keep the homonyms apart); Portugal and NUTS by their NUTS 2013
name where the unit is unchanged in NUTS 2024 (a name standing for several levels that cover the same
land, such as 'Algarve', gives each level); islands ('Ilha de São Jorge') by the reference table's
island names. Anything else is a NUTS 2013 unit that changed in 2024: set aside with that reason.

pordata_json options: variables {file stem: variable} (default: the stem).
pordata_xlsx options: variables {text in the file name: variable}; sheet (default 'Quadro').
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from etl.connectors import (
    Context, SourceError, connector, drop_equal_duplicates, read_json, options_error, reject, staged, to_number, validate_rows, REJECTED_COLUMNS,
)
from etl.territory import nuts2013_names

_YEAR = re.compile(r"^\d{4}$")
LEVELS = {"NUTS 2013", "NUTS I", "NUTS II", "NUTS III", "Município"}


def name_index(ref: pd.DataFrame) -> dict[str, list[str]]:
    """PORDATA name -> territory ids."""
    idx: dict[str, list[str]] = {k: list(v) for k, v in nuts2013_names(ref).items()}
    isl = ref[ref["distrito_ilha_code"].astype(int) >= 30][["distrito_ilha_code", "distrito_ilha_nome"]].drop_duplicates()
    for code, name in isl.itertuples(index=False):
        idx.setdefault(name.strip(), []).append("DI" + code)
    for dico, name in ref[["dico", "pordata_nome"]].itertuples(index=False):
        idx[name.strip()] = [dico]    # a municipality name wins (e.g. 'Lisboa' the municipality)
    return idx


def resolve_names(df: pd.DataFrame, ctx: Context, name_col: str, level_col: str | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add `_territory` (one row per territory a name stands for); set aside names not on the map."""
    idx = name_index(ctx.reference)
    munis = set(ctx.reference["pordata_nome"].str.strip())
    names = df[name_col].astype(str).str.strip()
    if level_col is not None:   # xlsx: a 'Município' row must be a municipality, a region row must not be
        is_muni = df[level_col].astype(str).str.strip() == "Município"
        ids = [idx.get(n, []) if (m == (n in munis)) else [] for n, m in zip(names, is_muni)]
    else:
        ids = [idx.get(n, []) for n in names]
    df = df.assign(_territory=ids)
    missing = df["_territory"].map(len) == 0
    rej = reject(df, missing, name_col, "name not matched: not a municipality (reference pordata_nome) "
                                        "nor a NUTS 2013 unit unchanged in NUTS 2024")
    return df[~missing].explode("_territory"), rej


@connector("pordata_json")
class PordataJson:
    def read(self, source, files):
        rows = []
        for f in files:
            data = read_json(f, source.encoding)
            if not isinstance(data, dict):
                raise SourceError(f"{f}: expected an object keyed by territory name")
            n = 0
            for name, series in data.items():
                if not isinstance(series, dict):
                    raise SourceError(f"{f}: key {name!r}: expected an object keyed by year")
                for year, value in series.items():
                    n += 1
                    rows.append({"ficheiro": Path(f).stem, "nome": name, "ano": str(year),
                                 "valor": "" if value is None else str(value), "_file": str(f), "_row": n})
        return pd.DataFrame(rows, columns=["ficheiro", "nome", "ano", "valor", "_file", "_row"])

    def transform(self, raw, source, ctx: Context):
        df = raw[raw["ano"].str.fullmatch(_YEAR.pattern)]     # 'avg_years' and the like are not observations
        variables = source.options.get("variables") or {}
        df = df.assign(_variable=df["ficheiro"].map(lambda s: variables.get(s, s)))
        df, rej1 = resolve_names(df, ctx, "nome")
        df = drop_equal_duplicates(df, ["_variable", "_territory", "ano"], "valor").reset_index(drop=True)
        df["valor"] = df["valor"].where(df["valor"].str.strip() != "-1", "")   # VI21 writes -1 for "missing"
        num = to_number(df["valor"])
        kept, rej2 = validate_rows(df, ctx, territory="_territory", value="valor", numeric=num,
                                   keys=["_variable", "_territory", "ano"], period="ano")
        out = staged(kept, variable=kept["_variable"], territory_id=kept["_territory"], period_id=kept["ano"],
                     value=num[kept.index])
        rej = pd.concat([r for r in (rej1, rej2) if len(r)] or [pd.DataFrame(columns=REJECTED_COLUMNS)],
                        ignore_index=True)
        rej["field"] = rej["field"].replace({"_territory": "nome", "_variable": "ano"})
        return out, rej


@connector("pordata_xlsx")
class PordataXlsx:
    """The 'Quadro' sheet: a header row 'Âmbito Geográfico | Anos | <year> | <year>…', then rows
    '<level> | <name> | <values>'."""

    def read(self, source, files):
        import openpyxl
        rows = []
        for f in files:
            try:
                wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
            except Exception as e:  # noqa: BLE001 — openpyxl raises many kinds for a broken file
                raise SourceError(f"{f}: not a readable xlsx workbook: {e}") from None
            sheet = source.options.get("sheet", "Quadro")
            if sheet not in wb.sheetnames:
                raise SourceError(f"{f}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
            years = None
            for i, row in enumerate(wb[sheet].iter_rows(values_only=True), 1):
                if not row:
                    continue
                if years is None:
                    if row[0] == "Âmbito Geográfico":
                        years = [str(y).strip() if y is not None else "" for y in row[2:]]
                    continue
                if len(row) < 3 or row[0] is None or row[1] is None or str(row[0]).strip() not in LEVELS:
                    continue   # blank lines, the legend and the notes under the table
                for y, v in zip(years, row[2:]):
                    if y:
                        rows.append({"ficheiro": Path(f).name, "nivel": str(row[0]).strip(), "nome": str(row[1]),
                                     "ano": y, "valor": "" if v is None else str(v), "_file": str(f), "_row": i})
            wb.close()
            if years is None:
                raise SourceError(f"{f}: sheet {sheet!r}: no header row starting with 'Âmbito Geográfico'")
        return pd.DataFrame(rows, columns=["ficheiro", "nivel", "nome", "ano", "valor", "_file", "_row"])

    def transform(self, raw, source, ctx: Context):
        variables = source.options.get("variables")
        if not variables:
            raise options_error(source, "variables {text in file name: variable} is required")

        def var(fname):
            hits = [v for k, v in variables.items() if k in fname]
            return hits[0] if hits else None
        df = raw.assign(_variable=raw["ficheiro"].map(var))
        unmatched = df["_variable"].isna()
        rej0 = reject(df, unmatched, "ficheiro", "file name matches no entry of the catalogue's variables")
        df, rej1 = resolve_names(df[~unmatched], ctx, "nome", level_col="nivel")
        df = drop_equal_duplicates(df, ["_variable", "_territory", "ano"], "valor").reset_index(drop=True)
        num = to_number(df["valor"])
        kept, rej2 = validate_rows(df, ctx, territory="_territory", value="valor", numeric=num,
                                   keys=["_variable", "_territory", "ano"], period="ano")
        out = staged(kept, variable=kept["_variable"], territory_id=kept["_territory"], period_id=kept["ano"],
                     value=num[kept.index])
        rej = pd.concat([r for r in (rej0, rej1, rej2) if len(r)] or [pd.DataFrame(columns=REJECTED_COLUMNS)],
                        ignore_index=True)
        rej["field"] = rej["field"].replace({"_territory": "nome"})
        return out, rej
