"""DGS COVID-19 by municipality (dssg-pt/covid19pt-data `data_concelhos_new.csv`).

Quirks handled here: dates are DD-MM-YYYY (period = ISO date); the column `dicofre` holds the
4-digit DICO despite its name (zero-padded if a reader dropped the zero). Values: confirmados_14
(cases in the last 14 days), incidencia (per 100 000, as published), population (INE 2019 estimate).
Options: values (default those three).
"""
from __future__ import annotations

from etl.connectors import connector
from etl.connectors.tidy_csv import TidyCsv

DEFAULTS = {"territory": "dicofre", "territory_zfill": 4, "period": "data", "period_format": "dmy",
            "values": ["confirmados_14", "incidencia", "population"]}


@connector("dgs_covid_csv")
class DgsCovidCsv(TidyCsv):
    def transform(self, raw, source, ctx):
        inner = source.model_copy(update={"options": {**DEFAULTS, **source.options}})
        return super().transform(raw, inner, ctx)
