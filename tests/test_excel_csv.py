"""The Excel CSV is for people (issue 8, item 16): downloaded through the app's URLs and read as Excel
in Portugal reads it, it has Portuguese headers (English with lang=en), sim/não, levels and origins in
words, values with no more than the indicator's declared decimals, and numerators/denominators at the
precision of their source (no `47727,413846631476`). The tidy dialect stays for programs: English
snake_case headers and full precision, and the metadata says so."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pandas as pd
import pytest
import requests

from indicators import load_registry

REGISTRY = load_registry()
HEADERS_PT = ["indicador", "código", "território", "nível", "período", "tipo de período", "início", "fim", "valor",
              "unidade", "numerador", "denominador", "provisório", "motivo (provisório)", "estimado", "quebra de série", "origem", "fontes",
              "nota"]
HEADERS_EN = ["indicator", "code", "territory", "level", "period", "period type", "start", "end", "value", "unit",
              "numerator", "denominator", "provisional", "why provisional", "estimated", "break in series", "origin", "sources", "note"]
BOOLS_PT = ["provisório", "estimado", "quebra de série"]


def _get(url: str) -> bytes:
    r = requests.get(url, timeout=120)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.content


def _excel_text(body: bytes) -> pd.DataFrame:
    """The file as Excel in Portugal reads it, every cell as the text written."""
    assert body.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would misread the accents"
    return pd.read_csv(io.BytesIO(body), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def _decimals(cell: str) -> int:
    return len(cell.split(",", 1)[1]) if "," in cell else 0


@pytest.mark.parametrize("indicator_id", ["variacao_populacao_2011_2021", "densidade_populacional",
                                          "participacao_autarquicas", "contratos_publicos_valor",
                                          "indice_envelhecimento"])
def test_excel_csv_is_for_people(live_url, db, indicator_id):
    body = _get(f"{live_url}/download/indicador/{indicator_id}.csv?dialect=excel")
    df = _excel_text(body)
    assert list(df.columns) == HEADERS_PT
    for c in BOOLS_PT:
        assert set(df[c]) <= {"sim", "não"}, (c, set(df[c]))
    assert set(df["nível"]) <= {"município", "NUTS III", "NUTS II", "NUTS I", "país", "distrito", "ilha", "CIM",
                                "área metropolitana"}
    assert set(df["origem"]) <= {"fonte", "agregado pelo Observatório", "calculado pelo Observatório"}
    assert not df["valor"].str.contains(r"\.").any(), "decimal point instead of a comma"
    declared = REGISTRY[indicator_id].decimals
    too_many = df[df["valor"].map(_decimals) > declared]
    assert too_many.empty, f"values with more than {declared} decimals: {too_many['valor'].head().tolist()}"
    # numbers parse as numbers, and are the stored ones rounded
    nums = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig", dtype={"código": str, "período": str})
    ref = db.execute("SELECT territory_id, period_id, value, numerator, denominator FROM fact_indicator_value "
                     "WHERE indicator_id = ?", [indicator_id]).df()
    both = nums.merge(ref, left_on=["código", "período"], right_on=["territory_id", "period_id"])
    assert len(both) == len(ref) == len(df)
    assert ((both["valor"] - both["value"]).abs().fillna(0) <= 0.5 * 10 ** -declared + 1e-9).all()
    for c in ("numerador", "denominador"):
        assert df[c].map(_decimals).max() <= 2, (c, df[c][df[c].map(_decimals) > 2].head().tolist())


def test_back_calculated_counts_are_whole_and_areas_keep_their_decimals(live_url):
    var = _excel_text(_get(f"{live_url}/download/indicador/variacao_populacao_2011_2021.csv?dialect=excel"))
    row = var[var["código"] == "0101"].iloc[0]
    assert row["denominador"] == "47727" and row["numerador"] == "-1608"     # tidy: 47727.413846631476
    assert row["valor"] == "-3,37"
    dens = _excel_text(_get(f"{live_url}/download/indicador/densidade_populacional.csv?dialect=excel"))
    row = dens[dens["código"] == "0101"].iloc[0]
    assert row["numerador"] == "46119" and row["denominador"] == "335,27"   # population; area in km² (2 decimals)
    assert row["valor"] == "137,6"                                          # the indicator's 1 decimal
    tidy = _get(f"{live_url}/download/indicador/variacao_populacao_2011_2021.csv").decode()
    assert "47727.41384663" in tidy                                         # full precision for programs


def test_english_excel_csv(live_url):
    df = _excel_text(_get(f"{live_url}/download/indicador/indice_envelhecimento.csv?dialect=excel&lang=en"))
    assert list(df.columns) == HEADERS_EN
    assert set(df["break in series"]) <= {"yes", "no"} and set(df["provisional"]) <= {"yes", "no"}
    assert "municipality" in set(df["level"])
    assert set(df["unit"]) == {"older people per 100 young people"}


def test_territory_excel_csv_rounds_each_indicator_to_its_decimals(live_url):
    df = _excel_text(_get(f"{live_url}/download/territorio/0101.csv?dialect=excel"))
    assert list(df.columns) == HEADERS_PT and set(df["código"]) == {"0101"}
    assert df["indicador"].nunique() > 10
    for iid, rows in df.groupby("indicador"):
        declared = REGISTRY[iid].decimals
        assert rows["valor"].map(_decimals).max() <= declared, (iid, rows["valor"].head().tolist())


def test_api_values_excel_dialect(live_url):
    df = _excel_text(_get(f"{live_url}/api/v1/values?indicator=participacao_autarquicas&level=municipio"
                          f"&format=csv&dialect=excel&page_size=10000"))
    assert list(df.columns) == HEADERS_PT
    assert df["valor"].map(_decimals).max() <= REGISTRY["participacao_autarquicas"].decimals
    assert set(df["quebra de série"]) <= {"sim", "não"}


def test_tidy_csv_stays_for_programs(live_url):
    tidy = pd.read_csv(io.BytesIO(_get(f"{live_url}/download/indicador/participacao_autarquicas.csv")),
                       dtype={"territory_id": str, "period_id": str})
    assert list(tidy.columns)[:4] == ["indicator_id", "territory_id", "territory_name", "level"]
    assert tidy["is_break"].dtype == bool and set(tidy["level"]) >= {"municipio", "nuts3"}
    assert (tidy["value"].map(lambda v: len(repr(v).split(".")[1]) if "." in repr(v) else 0) > 1).any()


def test_zip_readme_and_metadata_document_both_dialects(live_url):
    z = zipfile.ZipFile(io.BytesIO(_get(f"{live_url}/download/indicador/variacao_populacao_2011_2021.zip")))
    files = {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
    excel = _excel_text(files["variacao_populacao_2011_2021_excel.csv"])
    assert list(excel.columns) == HEADERS_PT
    md = json.loads(files["metadata.json"])
    assert "full precision" in md["dialects"]["tidy"]["en"] and "precisão total" in md["dialects"]["tidy"]["pt"]
    assert md["excel_rounding"]["variacao_populacao_2011_2021"] == {"value": 2, "numerator": 0, "denominator": 0}
    assert {v["excel_header"]["pt"] for v in md["columns"].values()} >= set(HEADERS_PT)
    readme = files["LEIA-ME.md"].decode()
    for h in HEADERS_PT:
        assert f"«{h}»" in readme, h
    assert "precisão total" in readme and "Arredondamento no CSV para Excel" in readme
    assert re.search(r"`variacao_populacao_2011_2021`: valor 2; numerador 0; denominador 0", readme)
