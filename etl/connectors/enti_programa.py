"""ENTI programme monitoring (Estratégia Nacional para os Territórios Inteligentes): one row per municipality.

The documented schema (SOURCES.md of a data system that has it; `etl/catalogue.yaml`, source
`enti_monitorizacao`), every column required, one row per municipality and reporting date:

- `dico`: the municipality (4 characters, leading zero);
- `consorcio`: the CIM/AM consortium the municipality applied with (`EI` + NUTS III 2013 code), or empty;
- `pgu_estado`: the urban management platform (PGU) application's status, one of PGU_STATES;
- `pgu_data_candidatura`: date the application was submitted (YYYY-MM-DD), empty when none;
- `pgu_data_operacional`: date the platform went live (YYYY-MM-DD), required when `operacional`;
- `gemeos_digitais`: digital-twin prototypes the municipality leads (a whole number >= 0);
- `formandos`: the municipality's staff trained by the programme (a whole number >= 0);
- `data_reporte`: the reporting date (YYYY-MM-DD).

Staged variables, on the reporting date as period: `pgu_operacional` (1 when live by then),
`pgu_candidatura` (1 when applied), `gemeos_digitais`, `formandos`. A bad cell rejects its row with the
file, row and field.
"""
from __future__ import annotations

import pandas as pd

from etl.connectors import STAGED_COLUMNS, SourceError, connector, reject, to_number
from etl.connectors.tidy_csv import TidyCsv

PGU_STATES = ("sem_candidatura", "candidatura", "aprovada", "em_implementacao", "operacional", "desistencia")
COLUMNS = ["dico", "consorcio", "pgu_estado", "pgu_data_candidatura", "pgu_data_operacional", "gemeos_digitais",
           "formandos", "data_reporte"]


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.astype(str).str.strip().where(lambda x: x != "", None), format="%Y-%m-%d",
                          errors="coerce")


@connector("enti_programa_csv")
class EntiProgramaCsv(TidyCsv):
    def transform(self, raw, source, ctx):
        missing = [c for c in COLUMNS if c not in raw.columns]
        if missing:
            f = raw["_file"].iloc[0] if len(raw) else source.path
            raise SourceError(f"{f}: row 1, field {missing[0]!r}: column not found (schema: {', '.join(COLUMNS)})")
        df = raw.copy()
        for c in COLUMNS:
            df[c] = df[c].astype(str).str.strip()
        df["dico"] = df["dico"].str.zfill(4)
        bad = []
        checks = [
            (~df["dico"].isin(ctx.municipalities), "dico", "unknown municipality code"),
            ((df["consorcio"] != "") & ~df["consorcio"].isin(ctx.territories), "consorcio",
             "unknown CIM/AM code"),
            (~df["pgu_estado"].isin(PGU_STATES), "pgu_estado", f"not one of {', '.join(PGU_STATES)}"),
            ((df["pgu_data_candidatura"] != "") & _dates(df["pgu_data_candidatura"]).isna(),
             "pgu_data_candidatura", "not a date YYYY-MM-DD"),
            ((df["pgu_data_operacional"] != "") & _dates(df["pgu_data_operacional"]).isna(),
             "pgu_data_operacional", "not a date YYYY-MM-DD"),
            ((df["pgu_estado"] == "operacional") & (df["pgu_data_operacional"] == ""), "pgu_data_operacional",
             "an operational platform needs the date it went live"),
            (_dates(df["data_reporte"]).isna(), "data_reporte", "not a date YYYY-MM-DD"),
        ]
        for col in ("gemeos_digitais", "formandos"):
            n = to_number(df[col])
            checks.append((n.isna() | (n < 0) | (n % 1 != 0), col, "not a whole number >= 0"))
        seen = pd.Series(False, index=df.index)
        for mask, col, why in checks:
            m = mask & ~seen
            bad.append(reject(df, m, col, why))
            seen |= mask
        dup = df.duplicated(["dico", "data_reporte"], keep="first") & ~seen
        bad.append(reject(df, dup, "data_reporte", "a second row for the municipality and reporting date"))
        ok = df[~seen & ~dup]
        rep = _dates(ok["data_reporte"])
        live = _dates(ok["pgu_data_operacional"])
        vals = {
            "pgu_operacional": ((ok["pgu_estado"] == "operacional") & (live <= rep)).astype(float),
            "pgu_candidatura": (ok["pgu_data_candidatura"] != "").astype(float),
            "gemeos_digitais": to_number(ok["gemeos_digitais"]),
            "formandos": to_number(ok["formandos"]),
        }
        parts = [pd.DataFrame({"variable": k, "territory_id": ok["dico"], "period_id": rep.dt.strftime("%Y-%m-%d"),
                               "value": v, "is_provisional": False, "is_estimated": False, "note": None,
                               "_file": ok["_file"], "_row": ok["_row"]}) for k, v in vals.items()]
        staged = pd.concat(parts, ignore_index=True)[STAGED_COLUMNS] if len(ok) else \
            pd.DataFrame(columns=STAGED_COLUMNS)
        return staged, pd.concat(bad, ignore_index=True)
