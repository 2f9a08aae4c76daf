"""MAI/SGMAI local-election results (the static JSON of eleicoes.mai.gov.pt), one file per election.

Layout: {district: {municipality: {territoryKey: 'LOCAL-DDCC00', total_votes: {numberVoters,
percentageVoters, blankVotes, nullVotes, …}, candidates: [...]}}}. The DICO is DDCC of the key, so
the two Lagoa and the two Calheta never meet by name. The year is the 4 digits in the file name.

Variables: votantes (numberVoters), participacao_pct (percentageVoters), brancos, nulos. The files
carry no registered-voter count.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from etl.connectors import Context, SourceError, connector, read_json, reject, staged, to_number, validate_rows

FIELDS = {"votantes": "numberVoters", "participacao_pct": "percentageVoters", "brancos": "blankVotes",
          "nulos": "nullVotes"}
_KEY = re.compile(r"^LOCAL-(\d{4})00$")


@connector("mai_json")
class MaiJson:
    def read(self, source, files):
        rows = []
        for f in files:
            m = re.search(r"(\d{4})", Path(f).stem)
            if not m:
                raise SourceError(f"{f}: no election year in the file name")
            data = read_json(f, source.encoding)
            n = 0
            for district, munis in data.items():
                for name, d in (munis or {}).items():
                    n += 1
                    tv = (d or {}).get("total_votes") or {}
                    row = {"ano": m[1], "distrito": district, "municipio": name,
                           "territoryKey": str((d or {}).get("territoryKey", "")), "_file": str(f), "_row": n}
                    for k, src in FIELDS.items():
                        v = tv.get(src)
                        row[k] = "" if v is None else str(v)
                    rows.append(row)
        return pd.DataFrame(rows, columns=["ano", "distrito", "municipio", "territoryKey", *FIELDS, "_file", "_row"])

    def transform(self, raw, source, ctx: Context):
        key = raw["territoryKey"].str.extract(_KEY)[0]
        bad = key.isna()
        rej0 = reject(raw, bad, "territoryKey", "territoryKey is not LOCAL-DDCC00")
        df = raw[~bad].assign(_territory=key[~bad])
        long = df.melt(id_vars=["_territory", "ano", "_file", "_row"], value_vars=list(FIELDS),
                       var_name="_variable", value_name="_value").reset_index(drop=True)
        num = to_number(long["_value"])
        kept, rej = validate_rows(long, ctx, territory="_territory", value="_value", numeric=num,
                                  keys=["_variable", "_territory", "ano"], period="ano")
        rej = pd.concat([r for r in (rej0, rej) if len(r)] or [rej], ignore_index=True)
        rej["field"] = rej["field"].replace({"_territory": "territoryKey", "_value": "total_votes"})
        return staged(kept, variable=kept["_variable"], territory_id=kept["_territory"], period_id=kept["ano"],
                      value=num[kept.index]), rej
