"""INE indicator JSON, as INE's API returns it (www.ine.pt, `ine_indicadores` JSON output).

The file is a list with one object per indicator (`IndicadorCod`, `IndicadorDsg`, …, `Dados`); `Dados`
maps each period to its cells, e.g. {"geocod": "16D0101", "geodsg": "Águeda", "dim_3": "T",
"dim_3_t": "Total", "valor": "46156"}. Where INE publishes no value the cell carries a conventional
sign instead: {"sinal_conv": "¿", "sinal_conv_desc": "Dado confidencial"} ('-' = nil or not applicable).

Geographic codes: 'PT'; NUTS 2013 codes ('1', '11', '11A'): units unchanged in NUTS 2024 get their
NUTS 2024 id, changed ones are set aside with that reason; a municipality is its NUTS III 2013 code
followed by the DICO ('16D0101' -> '0101'), and the prefix must be that municipality's NUTS III 2013
code in the reference table. A cell with a conventional sign is staged as a gap (never a zero) whose
note names the sign.

Options:
  indicator: the expected IndicatorCod (the file must be the one the catalogue declares)
  dimension: the breakdown field (default 'dim_3')
  variables: {dimension code: staged variable}; cells of other codes are not this source's concern
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from etl.connectors import (
    REJECTED_COLUMNS, Context, SourceError, connector, options_error, reject, staged, to_number, validate_rows,
)
from etl.territory import nuts2013_to_2024

FIELDS = ["indicador", "periodo", "geocod", "geodsg", "dimensao", "dimensao_t", "valor", "sinal_conv",
          "sinal_conv_desc"]
_CELL = re.compile(r'"geocod"\s*:')


def _cell_lines(text: str, n: int) -> list[int] | None:
    """The line of each cell (the line of its "geocod" key), in file order; None if they do not pair up."""
    pos = [m.start() for m in _CELL.finditer(text)]
    if len(pos) != n:
        return None
    lines, line, last = [], 1, 0
    for p in pos:
        line += text.count("\n", last, p)
        last = p
        lines.append(line)
    return lines


@connector("ine_indicator_json")
class IneIndicatorJson:
    def read(self, source, files):
        dim = source.options.get("dimension", "dim_3")
        rows = []
        for f in files:
            try:
                text = Path(f).read_text(encoding=source.encoding)
            except UnicodeDecodeError as e:
                raise SourceError(f"{f}: not valid {source.encoding} (byte {e.start})") from None
            try:
                data = json.loads(text)
            except json.JSONDecodeError as e:
                raise SourceError(f"{f}: row {e.lineno}, column {e.colno}: malformed JSON: {e.msg}") from None
            if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
                raise SourceError(f"{f}: expected a list of indicator objects (INE API JSON)")
            cells = []
            for ind in data:
                code = str(ind.get("IndicadorCod", ""))
                dados = ind.get("Dados")
                if not isinstance(dados, dict):
                    raise SourceError(f"{f}: indicator {code or '?'}: field 'Dados' missing or not an object")
                for period, items in dados.items():
                    if not isinstance(items, list):
                        raise SourceError(f"{f}: indicator {code}: period {period!r}: expected a list of cells")
                    cells += [(code, str(period), c) for c in items]
            lines = _cell_lines(text, len(cells))
            for n, (code, period, c) in enumerate(cells):
                row = lines[n] if lines else n + 1
                if not isinstance(c, dict) or "geocod" not in c:
                    raise SourceError(f"{f}: row {row}: field 'geocod' missing (period {period})")
                if "valor" not in c and "sinal_conv" not in c:
                    raise SourceError(f"{f}: row {row}, field 'valor': neither a value nor a conventional sign")
                if dim not in c:
                    raise SourceError(f"{f}: row {row}: field {dim!r} missing")
                rows.append({"indicador": code, "periodo": period, "geocod": str(c["geocod"]).strip(),
                             "geodsg": str(c.get("geodsg", "")), "dimensao": str(c[dim]).strip(),
                             "dimensao_t": str(c.get(f"{dim}_t", "")),
                             "valor": "" if c.get("valor") is None else str(c["valor"]),
                             "sinal_conv": str(c.get("sinal_conv", "")),
                             "sinal_conv_desc": str(c.get("sinal_conv_desc", "")), "_file": str(f), "_row": row})
        return pd.DataFrame(rows, columns=[*FIELDS, "_file", "_row"])

    def transform(self, raw, source, ctx: Context):
        opts = source.options
        variables = opts.get("variables")
        if not variables:
            raise options_error(source, "variables {dimension code: variable} is required")
        expected = opts.get("indicator")
        if expected:
            other = raw[raw["indicador"] != str(expected)]
            if len(other):
                r = other.iloc[0]
                raise SourceError(f"{r['_file']}: row {r['_row']}, field 'IndicadorCod': {r['indicador']!r} is not "
                                  f"the declared indicator {expected!r}")
        df = raw[raw["dimensao"].isin([str(k) for k in variables])].copy()
        df["_variable"] = df["dimensao"].map({str(k): v for k, v in variables.items()})
        # territory: PT, NUTS 2013 code, or NUTS III 2013 code + DICO
        geo, ref = df["geocod"], ctx.reference
        is_muni = geo.str.fullmatch(r"[0-9A-Z]{3}\d{4}")
        dico = geo.str.slice(-4).where(is_muni)
        nuts3 = ref.set_index("dico")["nuts3_2013_code"]
        unknown = is_muni & ~dico.isin(nuts3.index)
        wrong_prefix = is_muni & ~unknown & (geo.str.slice(0, 3) != dico.map(nuts3))
        region = geo.map(nuts2013_to_2024(ref)).where(~is_muni)
        known = set(ref["nuts1_code"]) | set(ref["nuts2_2013_code"]) | set(ref["nuts3_2013_code"])
        changed = ~is_muni & region.isna() & geo.isin(known)   # other codes: 'unknown territory code'
        rejected = [reject(df, unknown, "geocod", "unknown territory code"),
                    reject(df, wrong_prefix, "geocod", "geographic code: NUTS III prefix differs from the "
                                                        "municipality's NUTS III 2013 code in the reference table"),
                    reject(df, changed, "geocod", "NUTS 2013 unit changed in NUTS 2024: its official value is not "
                                                  "placed on today's map")]
        df = df.assign(_territory=dico.where(is_muni, region.fillna(geo)))[~unknown & ~wrong_prefix & ~changed]
        # a conventional sign instead of a value: a gap, with the sign in the note
        sign = (df["valor"].str.strip() == "") & (df["sinal_conv"] != "")
        note = ("sinal convencional INE «" + df["sinal_conv"] + "»: " + df["sinal_conv_desc"]).where(sign, None)
        num = to_number(df["valor"])
        kept, rej = validate_rows(df, ctx, territory="_territory", value="valor", numeric=num,
                                  keys=["_variable", "_territory", "periodo"], period="periodo")
        rejected.append(rej)
        out = staged(kept, variable=kept["_variable"], territory_id=kept["_territory"], period_id=kept["periodo"],
                     value=num[kept.index], note=note[kept.index])
        rej = pd.concat([r for r in rejected if len(r)] or [pd.DataFrame(columns=REJECTED_COLUMNS)],
                        ignore_index=True)
        rej["field"] = rej["field"].replace({"_territory": "geocod", "periodo": "Dados"})
        return out, rej
