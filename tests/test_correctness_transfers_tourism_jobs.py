"""Correctness of the State transfers, overnight stays and registered unemployment in the database
built from the real data system, recomputed here from the raw files (SOURCES.md §3.14–3.16): the
verbatim PDF text of the 2014 map, the third-party JSON of 2015–2023, INE's API JSON and the ledger
excerpts. Suppressed cells are gaps (never zeros) and no regional figure is published incomplete."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from tests.dbq import fact, one

DGO = "indicators/sources/dgo_transferencias"
#: SOURCES.md §3.14: the column sums equal the printed TOTAL GERAL to the euro
TOTAL_GERAL_2014 = {"fef_corrente_eur": 1_515_625_325, "fef_capital_eur": 185_465_891, "fsm_eur": 140_561_886,
                    "irs_pie_5pct_eur": 384_568_608, "irs_a_transferir_eur": 334_582_711,
                    "total_transferencias_eur": 2_176_235_813}
#: SOURCES.md §3.15: not published by INE. Confidential: Corvo, Vila Nova da Barquinha, Calheta (Açores),
#: Gavião, Monforte, Oliveira de Frades, Vila Nova de Paiva, Entroncamento; nil or n/a ('-'): Odivelas, Moita
SUPPRESSED = {"4901": "¿", "1420": "¿", "4501": "¿", "1209": "¿", "1211": "¿", "1810": "¿", "1822": "¿",
              "1410": "¿", "1116": "-", "1506": "-"}


def facts(db, ind):
    return db.execute("SELECT f.territory_id, f.period_id, f.value, f.numerator, f.denominator, f.origin, "
                      "f.is_estimated, f.note, t.level FROM fact_indicator_value f JOIN dim_territory t "
                      "USING (territory_id) WHERE indicator_id=?", [ind]).df()


def stg(db, variable):
    return db.execute("SELECT territory_id, period_id, value FROM stg_observation WHERE variable = ?",
                      [variable]).df().set_index(["territory_id", "period_id"])["value"]


def members(db) -> pd.DataFrame:
    """Each municipality with every region and grouping it belongs to (one row per pair)."""
    m = db.execute("SELECT territory_id AS dico, nuts3_id, nuts2_id, nuts1_id, district_id, cim_id, 'PT' AS pt "
                   "FROM dim_territory WHERE level='municipio'").df()
    return m.melt(id_vars="dico", value_name="region").dropna()[["dico", "region"]]


@pytest.fixture(scope="module")
def t2014(data_system):
    return pd.read_csv(data_system / "indicators/dgo_transferencias_municipios_2014.csv", dtype={"dico": str})


def thousands(x) -> str:
    return f"{int(x):,}".replace(",", " ")


# -- State transfers 2014 (CGE 2014, Mapa XIX) -------------------------------------------------------

def test_2014_every_row_is_printed_in_the_cge_pages(t2014, data_system):
    """Each of the 308 rows, written as the map prints it, is in the PDF text kept verbatim."""
    text = (data_system / DGO / "cge2014_mapa19_paginas_70_74.txt").read_text(encoding="utf-8")
    assert len(t2014) == 308 and t2014["dico"].is_unique
    missing = []
    for r in t2014.itertuples():
        rate = f"{r.irs_taxa_participacao_pct:.1f}%".replace(".", ",")
        line = " ".join([r.nome_na_fonte, *(thousands(v) for v in (r.fef_corrente_eur, r.fef_capital_eur,
                         r.fef_total_eur, r.fsm_eur, r.irs_pie_5pct_eur)), rate,
                         thousands(r.irs_a_transferir_eur), thousands(r.total_transferencias_eur)])
        if line not in text:
            missing.append(line)
    assert not missing, missing[:3]


def test_2014_national_totals_to_the_euro(db, t2014, data_system):
    text = (data_system / DGO / "cge2014_mapa19_paginas_70_74.txt").read_text(encoding="utf-8")
    printed = re.search(r"^TOTAL GERAL (.*)$", text, re.M)[1]
    t = TOTAL_GERAL_2014
    assert printed == " ".join([thousands(t["fef_corrente_eur"]), thousands(t["fef_capital_eur"]),
                                thousands(t["fef_corrente_eur"] + t["fef_capital_eur"]), thousands(t["fsm_eur"]),
                                thousands(t["irs_pie_5pct_eur"]), "-", thousands(t["irs_a_transferir_eur"]),
                                thousands(t["total_transferencias_eur"])])
    for col, total in t.items():
        s = stg(db, f"dgo_transferencias_2014:{col}")
        assert len(s) == 308 and s.sum() == total == t2014[col].sum(), col
    assert fact(db, "transferencias_estado_total", "PT", "2014") == 2_176_235_813
    assert fact(db, "transferencias_fef_2014", "PT", "2014") == 1_701_091_216
    assert fact(db, "transferencias_fsm_2014", "PT", "2014") == 140_561_886
    assert fact(db, "transferencias_irs_2014", "PT", "2014") == 334_582_711


def test_2014_lisboa_and_corvo(db, t2014):
    lx = t2014.set_index("dico").loc["1106"]
    assert fact(db, "transferencias_fef_2014", "1106", "2014") == 0 == lx["fef_total_eur"]   # a real zero: no FEF
    assert fact(db, "transferencias_estado_total", "1106", "2014") == 28_356_960 == lx["total_transferencias_eur"]
    assert fact(db, "transferencias_irs_2014", "1106", "2014") == 28_356_960
    assert fact(db, "irs_taxa_participacao_2014", "1106", "2014") == 2.5
    assert fact(db, "transferencias_fef_2014", "4901", "2014") == 1_393_454
    assert fact(db, "transferencias_estado_total", "4901", "2014") == 1_408_890
    # the rate chosen by each council is not aggregated
    assert one(db, "SELECT count(*) FROM fact_indicator_value f JOIN dim_territory t USING (territory_id) WHERE "
                   "indicator_id='irs_taxa_participacao_2014' AND t.level <> 'municipio'")[0] == 0


def test_2015_2023_equal_the_third_party_json(db, data_system):
    """Every municipality and year equals the script's JSON (kept verbatim), and PT its national total;
    2016 and 2022 are the years SOURCES.md checked against the Diário da Assembleia da República."""
    der = pd.read_csv(data_system / "indicators/dgo_transferencias_municipios_total_2015_2023.csv", dtype={"dico": str})
    assert len(der) == 308 * 9 and not der.duplicated(["dico", "ano"]).any()
    db_muni = stg(db, "dgo_transferencias_total:total_transferencias_eur")
    for year in range(2015, 2024):
        js = json.loads((data_system / DGO / f"despesapublica_transfers_{year}.json").read_text(encoding="utf-8"))
        by_name = {(d["District"], name): v for d in js["Districts"] for name, v in d["Municipalities"].items()}
        rows = der[der.ano == year]
        assert len(by_name) == 308 == len(rows), year
        for r in rows.itertuples():
            raw = by_name[(r.distrito_na_fonte, r.nome_na_fonte)]
            assert db_muni[(r.dico, str(year))] == pytest.approx(raw, abs=0.005), (year, r.dico)
        # the national total row of the sheet; the derived file rounds municipalities to cents (<= 308 half-cents)
        assert sum(by_name.values()) == pytest.approx(js["Total"], abs=0.01), year
        assert fact(db, "transferencias_estado_total", "PT", str(year)) == pytest.approx(js["Total"], abs=1.54), year
    assert fact(db, "transferencias_estado_total", "PT", "2016") == 2_326_908_229
    assert fact(db, "transferencias_estado_total", "PT", "2022") == pytest.approx(2_939_012_047.21, abs=1.54)
    # the series goes 2014–2023 without a hole, and 2015 is flagged as a break
    per = {r[0] for r in db.execute("SELECT DISTINCT period_id FROM fact_indicator_value WHERE "
                                    "indicator_id='transferencias_estado_total' AND territory_id='1106'").fetchall()}
    assert per == {str(y) for y in range(2014, 2024)}
    assert one(db, "SELECT bool_and(is_break) FROM fact_indicator_value WHERE indicator_id="
                   "'transferencias_estado_total' AND period_id='2015'")[0] is True


def test_transfers_per_resident_use_same_year_else_nearest(db, data_system):
    ref = pd.read_csv(data_system / "reference/municipios.csv", dtype={"dico": str}).set_index("dico")
    f = facts(db, "transferencias_estado_por_habitante").set_index(["territory_id", "period_id"])
    lx = f.loc[("1106", "2019")]
    assert lx["denominator"] == ref.at["1106", "pop_2019"] and not lx["is_estimated"]
    assert f.loc[("1106", "2020"), "denominator"] == ref.at["1106", "pop_2020"]
    assert f.loc[("1106", "2021"), "denominator"] == ref.at["1106", "pop_2021_censos"]
    for year, pop_col in (("2014", "pop_2019"), ("2018", "pop_2019"), ("2022", "pop_2021_censos"),
                          ("2023", "pop_2021_censos")):
        r = f.loc[("1106", year)]
        assert r["denominator"] == ref.at["1106", pop_col] and r["is_estimated"], year
        assert pop_col[4:8] in r["note"]
    assert f.loc[("1106", "2014"), "value"] == pytest.approx(28_356_960 / ref.at["1106", "pop_2019"])
    pt = f.loc[("PT", "2014")]
    assert pt["value"] == pytest.approx(2_176_235_813 / ref["pop_2019"].sum()) and pt["origin"] == "aggregated"


# -- overnight stays 2019 (INE 0009183) ----------------------------------------------------------------

@pytest.fixture(scope="module")
def ine_cells(data_system):
    js = json.loads((data_system / "indicators/sources/ine_dormidas/ine_0009183_dormidas_2019.json")
                    .read_text(encoding="utf-8"))
    cells = pd.DataFrame(js[0]["Dados"]["2019"])
    return cells[cells["dim_3"] == "T"].set_index("geocod")


def test_madeira_and_portugal_are_ines_official_totals(db, data_system, ine_cells):
    der = pd.read_csv(data_system / "indicators/ine_dormidas_alojamento_turistico_2019.csv", dtype={"dico": str})
    madeira = der[der.dico.str.startswith(("31", "32"))]
    assert madeira.dormidas_total_n.sum() == 7_457_197 == int(ine_cells.at["3", "valor"])
    for region in ("PT3", "PT30", "PT300"):
        assert fact(db, "dormidas_turisticas", region, "2019") == 7_457_197, region
    pt = fact(db, "dormidas_turisticas", "PT", "2019")
    assert pt == 70_158_964 == int(ine_cells.at["PT", "valor"])
    assert pt - der.dormidas_total_n.sum() == 57_957                     # the suppressed cells, in INE's total only
    assert one(db, "SELECT origin FROM fact_indicator_value WHERE indicator_id='dormidas_turisticas' AND "
                   "territory_id='PT' AND period_id='2019'")[0] == "source"
    assert fact(db, "dormidas_turisticas", "1106", "2019") == 13_985_262


def test_suppressed_cells_are_gaps_not_zeros(db, data_system):
    der = pd.read_csv(data_system / "indicators/ine_dormidas_alojamento_turistico_2019.csv", dtype={"dico": str},
                      keep_default_na=False)
    assert dict(der.loc[der.dormidas_total_n == "", ["dico", "sinal_convencional_total"]].values) == SUPPRESSED
    for ind in ("dormidas_turisticas", "dormidas_por_100_habitantes"):
        f = facts(db, ind)
        assert not set(SUPPRESSED) & set(f.territory_id), ind
        assert (f["value"] > 0).all(), ind
        assert (f.level == "municipio").sum() == 298, ind
    # staged: the derived file and INE's JSON both give a gap with no number; the JSON's note names the sign
    for dico, sign in SUPPRESSED.items():
        r = db.execute("SELECT value, note FROM stg_observation WHERE variable='ine_dormidas_fonte:dormidas_total_n' "
                       "AND territory_id=?", [dico]).fetchone()
        assert r[0] is None or pd.isna(r[0])
        assert f"«{sign}»" in r[1]


def test_verbatim_ine_json_equals_derived_file(db):
    for col in ("dormidas_total_n", "dormidas_residentes_portugal_n", "dormidas_residentes_estrangeiro_n"):
        v, d = stg(db, f"ine_dormidas_fonte:{col}"), stg(db, f"ine_dormidas:{col}")
        v = v[v.index.get_level_values(0).str.fullmatch(r"\d{4}")]
        assert len(v) == len(d) == 308, col
        assert v.dropna().sort_index().equals(d.dropna().sort_index()), col
        assert set(v[v.isna()].index) == set(d[d.isna()].index), col


def test_regional_stays_are_official_or_complete(db):
    """A regional value is INE's own total, or the sum (ratio of sums) of *all* its municipalities:
    never a sum that silently leaves out a suppressed municipality."""
    mem = members(db)
    muni = facts(db, "dormidas_turisticas")
    vals = muni[muni.level == "municipio"].set_index("territory_id")["value"]
    cover = mem.assign(has=mem.dico.isin(vals.index)).groupby("region")["has"].agg(["sum", "size"])
    for ind in ("dormidas_turisticas", "dormidas_por_100_habitantes"):
        f = facts(db, ind)
        reg = f[f.level != "municipio"].set_index("territory_id")
        for tid, r in reg.iterrows():
            complete = cover.loc[tid, "sum"] == cover.loc[tid, "size"]
            assert r["origin"] in ("source", "derived") or complete, (ind, tid)
            assert not r["is_estimated"] and pd.isna(r["note"]), (ind, tid)
        # the regions with a suppressed member and no official INE value have no figure at all
        for tid in ("PT1A0", "PT1B0", "PT1D2", "PT19", "PT1A", "PT1B", "PT1C", "PT1D", "DI49", "DI45", "EI170"):
            assert tid not in reg.index, (ind, tid)
        assert {"PT", "PT1", "PT2", "PT3", "PT11", "PT15", "PT194", "PT1C3", "PT200"} <= set(reg.index), ind
    agg = facts(db, "dormidas_turisticas").set_index("territory_id")
    assert agg.at["PT195", "origin"] == "aggregated"               # Beira Baixa: new in 2024, all published
    bb = mem[mem.region == "PT195"].dico
    assert agg.at["PT195", "value"] == vals[bb].sum()


def test_stays_per_100_residents(db, data_system, ine_cells):
    ref = pd.read_csv(data_system / "reference/municipios.csv", dtype={"dico": str}).set_index("dico")
    f = facts(db, "dormidas_por_100_habitantes").set_index("territory_id")
    assert f.at["1106", "value"] == pytest.approx(13_985_262 / ref.at["1106", "pop_2019"] * 100)
    # Portugal and the Açores: INE's total (with the suppressed cells) over all their residents
    assert f.at["PT", "value"] == pytest.approx(70_158_964 / ref["pop_2019"].sum() * 100)
    acores = ref[ref.index.str.startswith("4")]
    assert f.at["PT200", "value"] == pytest.approx(int(ine_cells.at["200", "valor"]) / acores["pop_2019"].sum() * 100)
    assert round(f.at["PT", "value"], 1) == 681.4


# -- registered unemployment, end of December 2025 ---------------------------------------------------

def test_unemployment_totals(db, data_system):
    p = "2025-12-31"
    assert fact(db, "desemprego_registado", "PT", p) == 299_423
    assert fact(db, "desemprego_registado", "PT1", p) == 289_539
    assert fact(db, "desemprego_registado", "PT30", p) == 5_738
    assert fact(db, "desemprego_registado", "PT20", p) == 4_146
    assert fact(db, "desemprego_registado", "4901", p) == 5
    assert fact(db, "desemprego_registado", "1106", p) == 17_770
    assert fact(db, "desemprego_registado", "1312", p) == 9_197
    assert one(db, "SELECT period_type, label_pt FROM dim_period WHERE period_id=?", (p,)) == ("date", "31 dez 2025")
    r = one(db, "SELECT value, numerator, denominator, is_estimated FROM fact_indicator_value WHERE "
                "indicator_id='desemprego_registado_por_100_hab' AND territory_id='PT' AND period_id=?", (p,))
    assert r == (pytest.approx(299_423 / 10_343_066 * 100), 299_423, 10_343_066, False)


def test_unemployment_equals_the_ledger_excerpts(db, data_system):
    """Recompute from the verbatim excerpts: on the mainland the row's digits are H, M, <1 year,
    1 year+, first job, new job, total; Madeira's start with H, M and give the total before '100,0'
    (or '-'); the Azores' are H, M, total, share."""
    ex = pd.read_csv(data_system / "indicators/sources/iefp_desemprego/ledger_excerpts.tsv", sep="\t",
                     dtype=str, keep_default_na=False).set_index("dico")
    der = pd.read_csv(data_system / "indicators/iefp_desemprego_registado_2025_12.csv", dtype=str,
                      keep_default_na=False).set_index("dico")
    total = stg(db, "iefp_desemprego:desempregados_registados_total_n").droplevel(1)
    assert len(ex) == len(der) == len(total) == 308
    cols = ["homens_n", "mulheres_n", "inscritos_menos_1_ano_n", "inscritos_1_ano_ou_mais_n",
            "procura_primeiro_emprego_n", "procura_novo_emprego_n", "desempregados_registados_total_n"]
    for dico, r in der.iterrows():
        numbers = re.sub(r"^.*[^\d\s.,%-]\s*", "", ex.at[dico, "excerpt"])     # what follows the name
        digits = re.sub(r"\D", "", numbers)
        h, m, t = r["homens_n"], r["mulheres_n"], r["desempregados_registados_total_n"]
        assert int(h) + int(m) == int(t) == total[dico], dico
        if dico < "3100":
            assert digits == "".join(r[c] for c in cols), dico
        elif dico < "4100":
            before = re.fullmatch(r"(.*) (?:100,0|-) [\d,]+", numbers)[1]
            assert digits.startswith(h + m) and (" " + before).endswith(" " + thousands(t)), dico
        else:
            assert re.sub(r"\D", "", numbers.rsplit(" ", 1)[0]) == h + m + t, dico
    assert total[total.index.str.startswith(("31", "32"))].sum() == 5_738
    assert total[total.index >= "4100"].sum() == 4_146


def test_mainland_only_breakdown_is_no_data_on_the_islands(db):
    for col in ("inscritos_menos_1_ano_n", "inscritos_1_ano_ou_mais_n", "procura_primeiro_emprego_n",
                "procura_novo_emprego_n"):
        s = stg(db, f"iefp_desemprego:{col}").droplevel(1)
        assert s[s.index < "3100"].notna().all() and len(s[s.index < "3100"]) == 278, col
        assert s[s.index >= "3100"].isna().all(), col                      # gaps, never zeros
    f = facts(db, "desemprego_longa_duracao_pct").set_index("territory_id")
    assert not {"PT", "PT2", "PT3", "PT20", "PT30", "4901", "3103"} & set(f.index)   # no national value
    assert (f.level == "municipio").sum() == 278 and not f["is_estimated"].any()
    ge1 = stg(db, "iefp_desemprego:inscritos_1_ano_ou_mais_n").droplevel(1)
    tot = stg(db, "iefp_desemprego:desempregados_registados_total_n").droplevel(1)
    main = tot.index < "3100"
    assert f.at["PT1", "value"] == pytest.approx(ge1[main].sum() / tot[main].sum() * 100)
    assert f.at["PT1", "denominator"] == 289_539
    assert f.at["1106", "value"] == pytest.approx(7_129 / 17_770 * 100)
