"""Target statuses on the real build, recomputed from the raw files of the data system (issue 11)."""
from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict

import pandas as pd
import pytest

from core import progress as P
from etl.connectors import Context
from etl.connectors.enti_programa import EntiProgramaCsv


def rows(db, sql, params=()):
    return db.execute(sql, list(params)).fetchall()


def test_no2_2030_lisboa_recomputed_from_the_station_file(db, data_system):
    """Lisboa's NO2 against the EU 2030 limit (20 µg/m³): the municipal value is the mean of its stations'
    annual means (SOURCES.md); base 2015, latest full year 2021 (2022 is a partial, provisional year)."""
    by_year = defaultdict(list)
    with open(data_system / "indicators" / "eea_qualidade_ar_estacoes_1997_2022.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["dico"] == "1106" and r["poluente"] == "NO2" and r["metrica"] == "Média anual" and r["valor"]:
                by_year[int(r["ano"])].append(float(r["valor"]))
    y0, y1 = (sum(by_year[y]) / len(by_year[y]) for y in (2015, 2021))
    cagr_o = (y1 / y0) ** (1 / 6) - 1
    cagr_r = (20 / y0) ** (1 / 15) - 1
    ratio = -cagr_o / abs(cagr_r)
    got = rows(db, "SELECT base_period_id, latest_period_id, base_value, latest_value, ratio, status "
                   "FROM fact_target_status WHERE target_id = 'ar_no2_2030' AND territory_id = '1106'")
    assert got == [("2015", "2021", pytest.approx(y0, abs=1e-3), pytest.approx(y1, abs=1e-3),
                    pytest.approx(ratio, rel=1e-4), P.classify(ratio, P.RATIO_THRESHOLDS))]


def test_payment_period_rule_recomputed_from_the_dgal_file(db, data_system):
    """60-day rule, in force since 2013: binary on each municipality's latest published quarter."""
    latest = {}
    with open(data_system / "indicators" / "dgal_prazo_medio_pagamentos_2024_2025.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["pmp_dias"]:
                if r["dico"] not in latest or r["data_referencia"] > latest[r["dico"]][0]:
                    latest[r["dico"]] = (r["data_referencia"], float(r["pmp_dias"]))
    expect = {d: "target_achieved" if v <= 60 else "not_achieved" for d, (_, v) in latest.items()}
    got = dict(rows(db, "SELECT territory_id, status FROM fact_target_status WHERE target_id = 'pmp_60_dias' "
                        "AND level = 'municipio'"))
    assert got == expect
    assert sum(s == "not_achieved" for s in got.values()) > 0


def test_debt_limit_recomputed_from_the_dgal_file(db, data_system):
    raw = pd.read_csv(data_system / "indicators" / "dgal_endividamento_municipios_2024.csv", dtype={"dico": str})
    w = raw.pivot_table(index="dico", columns="indicador", values="valor")
    pct = 100 * w["divida_total_relevante_limite"] / w["divida_limite_total"]
    above = set(pct[pct > 100].index)
    got = {r[0] for r in rows(db, "SELECT territory_id FROM fact_target_status WHERE target_id = "
                                  "'divida_limite_legal' AND level = 'municipio' AND status = 'not_achieved'")}
    assert got == above and above
    # the yearly 10 % cut applies to exactly those, and one year of data cannot show a cut: said so
    cut = rows(db, "SELECT territory_id, status, reason FROM fact_target_status WHERE target_id = "
                   "'divida_reducao_excesso' AND level = 'municipio'")
    assert {r[0] for r in cut} == above
    assert {(r[1], r[2]) for r in cut} == {("not_assessable", "one_point")}


def test_programme_targets_say_no_data_on_the_real_system(db):
    got = rows(db, "SELECT t.target_id, t.data_state, s.status, s.reason FROM dim_target t JOIN "
                   "fact_target_status s USING (target_id) WHERE t.programme_metric IS NOT NULL ORDER BY 1")
    assert got == [(x, "no_source", "not_assessable", "programme_source_missing")
                   for x in ("enti_formandos_650", "enti_gemeos_5", "enti_pgu_75")]


def test_every_target_has_a_national_row(db):
    assert rows(db, "SELECT target_id FROM dim_target EXCEPT SELECT target_id FROM fact_target_status "
                    "WHERE territory_id = 'PT'") == []


def test_programme_connector_rejects_bad_rows_naming_row_and_field():
    raw = pd.DataFrame([
        ["0101", "EI16D", "operacional", "2024-11-29", "2025-05-15", "1", "3", "2025-12-31"],
        ["0102", "", "talvez", "", "", "0", "1", "2025-12-31"],
        ["0103", "", "operacional", "2024-11-29", "", "0", "1", "2025-12-31"],
        ["0104", "", "candidatura", "2024-11-29", "", "-1", "1", "2025-12-31"],
    ], columns=["dico", "consorcio", "pgu_estado", "pgu_data_candidatura", "pgu_data_operacional",
                "gemeos_digitais", "formandos", "data_reporte"])
    raw["_file"], raw["_row"] = "enti.csv", range(2, 6)
    ref = pd.DataFrame({"dico": ["0101", "0102", "0103", "0104"]})
    ctx = Context(territories={"0101", "0102", "0103", "0104", "EI16D"}, reference=ref, data_system=None)
    staged, rejected = EntiProgramaCsv().transform(raw, None, ctx)
    assert rejected[["row_number", "field"]].values.tolist() == [
        [3, "pgu_estado"], [4, "pgu_data_operacional"], [5, "gemeos_digitais"]]
    got = staged.set_index("variable")["value"].to_dict()
    assert got == {"pgu_operacional": 1.0, "pgu_candidatura": 1.0, "gemeos_digitais": 1.0, "formandos": 3.0}


def test_programme_progress_on_synthetic_counts():
    from etl.targets import programme_statuses
    from indicators.targets import load_targets
    tg = load_targets()["enti_pgu_75"]
    staged = pd.DataFrame({"variable": "enti_monitorizacao:pgu_operacional",
                           "territory_id": [f"{i:04d}" for i in range(1, 81)] * 2,
                           "period_id": ["2025-06-30"] * 80 + ["2025-12-31"] * 80,
                           "value": [1.0] * 30 + [0.0] * 50 + [1.0] * 76 + [0.0] * 4})
    (row,), state = programme_statuses(tg, staged, dt.date(2026, 1, 15))
    assert state == "ok" and row["latest_value"] == 76 and row["status"] == "target_achieved"
