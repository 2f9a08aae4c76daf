"""Correctness of the database built from the real data system (`built`/`db`, one build per session).

Values are checked against the source files read here at run time; where a verbatim source and a
derived file hold the same numbers, both are staged and checked to agree."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.dbq import fact, one


def stg(db, variable):
    return db.execute("SELECT territory_id, period_id, value FROM stg_observation WHERE variable = ?",
                      [variable]).df().set_index(["territory_id", "period_id"])["value"]


def read(data_system, rel, dtype=None, **kw):
    return pd.read_csv(data_system / rel, dtype=dtype or {"dico": str}, **kw)


# -- territory ----------------------------------------------------------------------------------

def test_308_municipalities_26_nuts3(db):
    assert one(db, "SELECT count(*) FROM dim_territory WHERE level='municipio'")[0] == 308
    assert one(db, "SELECT count(*) FROM dim_territory WHERE level='nuts3'")[0] == 26
    assert one(db, "SELECT count(*) FROM dim_territory WHERE level='nuts2'")[0] == 9
    assert one(db, "SELECT count(*) FROM dim_territory WHERE level='municipio' AND length(territory_id)=4 "
                   "AND regexp_full_match(territory_id, '[0-9]{4}')")[0] == 308


def test_national_population_2021(db):
    assert fact(db, "populacao_residente_censos", "PT", "2021") == 10_343_066
    assert one(db, "SELECT population FROM dim_territory WHERE territory_id='PT'")[0] == 10_343_066


def test_at_least_25_indicators_each_aggregated_by_its_rule(db):
    n = one(db, "SELECT count(DISTINCT indicator_id) FROM fact_indicator_value")[0]
    assert n >= 25
    rows = db.execute("""SELECT i.indicator_id, i.aggregation, count(*) FILTER (WHERE t.level='municipio') m,
                                count(*) FILTER (WHERE t.level IN ('nuts3','nuts2','nuts1','pais')) r
                         FROM dim_indicator i JOIN fact_indicator_value f USING (indicator_id)
                         JOIN dim_territory t USING (territory_id) GROUP BY 1, 2""").fetchall()
    for iid, agg, m, r in rows:
        assert m > 0, iid
        if agg != "none":
            assert r > 0, f"{iid}: no regional value"


# -- values equal the source files: Lisboa and a small municipality (Corvo; Barrancos) -------------

@pytest.mark.parametrize("dico", ["1106", "4901", "0204"])
def test_values_match_source_files(db, data_system, dico):
    pord = read(data_system, "indicators/pordata_indicadores_municipios.csv")
    p = pord[(pord.dico == dico)].set_index(["indicador", "ano"])["valor"]
    assert fact(db, "indice_envelhecimento", dico, "2020") == p[("indice_envelhecimento", 2020)]
    assert fact(db, "populacao_residente_estimativa", dico, "2019") == p[("populacao_residente_estimativa", 2019)]
    aut = read(data_system, "indicators/autarquicas_camara_municipal_participacao_1993_2025.csv")
    a = aut[aut.dico == dico].set_index("ano")["participacao_pct"]
    for year in (1993, 2017, 2021, 2025):
        assert fact(db, "participacao_autarquicas", dico, str(year)) == pytest.approx(a[year], abs=1e-9)
    ref = read(data_system, "reference/municipios.csv").set_index("dico")
    assert fact(db, "populacao_residente_censos", dico, "2021") == ref.at[dico, "pop_2021_censos"]
    dens = read(data_system, "indicators/censos2021_densidade_variacao_pop_todos_niveis.csv", dtype=str)
    d = dens[dens.codigo == dico].iloc[0]
    if pd.notna(d["Densidade populacional (N.º/ km²) [2021]"]):   # empty in the derived file when >= 1000
        assert fact(db, "densidade_populacional", dico, "2021") == float(d["Densidade populacional (N.º/ km²) [2021]"])
    assert fact(db, "variacao_populacao_2011_2021", dico, "2011/2021") == \
        float(d["Taxa de variação da população residente (%) [2011-2021]"])
    sico = read(data_system, "indicators/sico_obitos_anuais_por_municipio.csv")
    s = sico[sico.dico == dico].set_index("ano")["obitos"]
    assert fact(db, "obitos", dico, "2020") == s[2020]
    assert fact(db, "taxa_mortalidade", dico, "2021") == pytest.approx(s[2021] / ref.at[dico, "pop_2021_censos"] * 1000)
    cen = read(data_system, "indicators/censos2021_dinamicas_territoriais_municipios.csv").set_index("dico")
    col = "Proporção de alojamentos familiares clássicos vagos (%) [2021]"
    assert fact(db, "alojamentos_vagos_pct", dico, "2021") == cen.at[dico, col]
    cov = read(data_system, "indicators/covid19_dgs_concelhos_2020_2022.csv", dtype={"dicofre": str})
    c = cov[(cov.dicofre == dico) & (cov.data == "27-01-2021")].iloc[0]
    assert fact(db, "covid19_incidencia_14d", dico, "2021-01-27") == c["incidencia"]


def test_lisboa_debt_rent_price_contracts(db, data_system):
    debt = read(data_system, "indicators/dgal_endividamento_municipios_2024.csv")
    d = debt[debt.dico == "1106"].set_index("indicador")["valor"]
    assert fact(db, "divida_total", "1106", "2024") == 390_326_431 == d["divida_total_inclui_nao_orcamental"]
    assert fact(db, "divida_pct_limite", "1106", "2024") == pytest.approx(d["divida_pct_limite"], abs=0.005)
    assert fact(db, "renda_mediana_novos_contratos", "1106", "2025-Q4") == 16.88
    assert fact(db, "renda_mediana_novos_contratos", "PT", "2025-Q4") == 9.29          # INE's official value
    assert fact(db, "preco_mediano_venda", "1106", "2019-Q4") == 3286
    assert fact(db, "contratos_publicos_n", "1106", "2024-01-01/2024-02-28") == 74
    pmp = read(data_system, "indicators/dgal_prazo_medio_pagamentos_2024_2025.csv")
    assert fact(db, "prazo_medio_pagamentos", "1106", "2025-Q4") == \
        pmp[(pmp.dico == "1106") & (pmp.data_referencia == "2025-12-31")]["pmp_dias"].iloc[0]
    assert fact(db, "prazo_medio_pagamentos", "1812", "2025-Q4") is None               # Penedono N.d.: a gap


# -- aggregation rules ---------------------------------------------------------------------------

def test_national_turnout_is_ratio_of_sums(db, data_system):
    aut = read(data_system, "indicators/autarquicas_camara_municipal_participacao_1993_2025.csv")
    y = aut[aut.ano == 2017]
    expected = y.votantes.sum() / y.inscritos.sum() * 100
    got = fact(db, "participacao_autarquicas", "PT", "2017")
    assert got == pytest.approx(expected, rel=1e-12)
    assert abs(got - y.participacao_pct.mean()) > 0.5          # not the mean of municipal percentages
    n, d = one(db, "SELECT numerator, denominator FROM fact_indicator_value WHERE indicator_id="
                   "'participacao_autarquicas' AND territory_id='PT' AND period_id='2017'")
    assert (n, d) == (y.votantes.sum(), y.inscritos.sum())


def test_turnout_2021_uses_estimated_registered_voters(db):
    r = one(db, "SELECT is_estimated, note FROM fact_indicator_value WHERE indicator_id='participacao_autarquicas' "
                "AND territory_id='1106' AND period_id='2021'")
    assert r[0] is True and "estimados" in r[1]
    assert one(db, "SELECT is_estimated FROM fact_indicator_value WHERE indicator_id='participacao_autarquicas' "
                   "AND territory_id='PT' AND period_id='2021'")[0] is True


def test_regional_ratio_and_sum(db):
    # NUTS III sum of municipal deaths equals the NUTS III fact
    s = one(db, """SELECT sum(f.value) FROM fact_indicator_value f JOIN dim_territory t USING (territory_id)
                   WHERE f.indicator_id='obitos' AND f.period_id='2020' AND t.nuts3_id='PT1A0'""")[0]
    assert fact(db, "obitos", "PT1A0", "2020") == s
    # COVID-19 incidence of a region = summed cases / summed population x 100 000
    n, d, v = one(db, "SELECT numerator, denominator, value FROM fact_indicator_value WHERE "
                      "indicator_id='covid19_incidencia_14d' AND territory_id='PT11' AND period_id='2021-01-27'")
    assert v == pytest.approx(n / d * 100_000)


def test_official_regional_values_win(db):
    assert fact(db, "indice_envelhecimento", "PT", "2020") == 165.1
    assert one(db, "SELECT origin FROM fact_indicator_value WHERE indicator_id='indice_envelhecimento' AND "
                   "territory_id='PT' AND period_id='2020'")[0] == "source"
    # Grande Lisboa is new in NUTS 2024: no official value, aggregated here
    assert one(db, "SELECT origin FROM fact_indicator_value WHERE indicator_id='indice_envelhecimento' AND "
                   "territory_id='PT1A0' AND period_id='2020'")[0] == "aggregated"


# -- homonyms and municipalities created in 1998 ---------------------------------------------------

def test_lagoa_and_calheta_stay_apart(db):
    names = dict(db.execute("SELECT territory_id, name_unique FROM dim_territory WHERE territory_id IN "
                            "('0806','4201','3101','4501')").fetchall())
    assert len(set(names.values())) == 4
    for ind, period in (("populacao_residente_censos", "2021"), ("indice_envelhecimento", "2020"),
                        ("participacao_autarquicas", "2017"), ("obitos", "2020")):
        vals = [fact(db, ind, t, period) for t in ("0806", "4201", "3101", "4501")]
        assert None not in vals and len(set(vals)) == 4, (ind, vals)


@pytest.mark.parametrize("dico", ["1116", "1318", "0314"])
def test_created_1998_gaps_not_zeros(db, dico):
    for ind, period in (("participacao_autarquicas", "1993"), ("participacao_autarquicas", "1997"),
                        ("populacao_residente_estimativa", "1981")):
        assert fact(db, ind, dico, period) is None
    assert fact(db, "participacao_autarquicas", dico, "2001") is not None
    zeros = one(db, "SELECT count(*) FROM fact_indicator_value WHERE territory_id=? AND value=0 AND indicator_id IN "
                    "('participacao_autarquicas','populacao_residente_estimativa','indice_envelhecimento')", (dico,))[0]
    assert zeros == 0
    # their regions are complete without them before 1998 (not flagged partial)
    r = one(db, "SELECT is_estimated, note FROM fact_indicator_value WHERE indicator_id='participacao_autarquicas' "
                "AND territory_id='PT' AND period_id='1993'")
    assert r == (False, None)


# -- verbatim and derived files agree -----------------------------------------------------------

def test_sico_weekly_verbatim_summed_equals_annual(db):
    w = db.execute("""SELECT territory_id, substr(period_id, 1, 4) AS y, sum(value) AS s FROM stg_observation
                      WHERE variable='sico_semanal_fonte:obitos' GROUP BY 1, 2""").df().set_index(["territory_id", "y"])["s"]
    a = stg(db, "sico_anual:obitos")
    a.index = a.index.set_names(["territory_id", "y"])
    joined = pd.concat([w, a], axis=1, keys=["w", "a"]).dropna()
    assert len(joined) == 308 * 11
    assert (joined.w == joined.a).all()
    d = stg(db, "sico_semanal:obitos")
    v = stg(db, "sico_semanal_fonte:obitos")
    assert d.sort_index().equals(v.sort_index())


def test_census_verbatim_equals_derived(db):
    cols = ["Proporção de alojamentos familiares clássicos vagos (%) [2021]",
            "Duração média dos movimentos casa-trabalho da população empregada (min) [2021]",
            "Diferença do índice de polarização do emprego (N.º) [2021-2011]"]
    for c in cols:
        v, d = stg(db, f"censos_mn_fonte:{c}"), stg(db, f"censos_municipios:{c}")
        v = v[v.index.get_level_values(0).str.fullmatch(r"\d{4}")]
        assert len(d) == 308 and v.sort_index().equals(d.sort_index()), c
    c = "Taxa de variação da população residente (%) [2011-2021]"
    assert stg(db, f"censos_fr_fonte:{c}").notna().sum() >= 308
    assert stg(db, f"censos_fr_fonte:{c}").sort_index().equals(stg(db, f"censos_densidade_variacao:{c}").sort_index())
    # density: the derived file lost every value written with a thousands separator in INE's file
    # ('5 456,32' -> empty); the verbatim connector reads them, so the indicator uses the verbatim file
    c = "Densidade populacional (N.º/ km²) [2021]"
    v, d = stg(db, f"censos_fr_fonte:{c}").sort_index(), stg(db, f"censos_densidade_variacao:{c}").sort_index()
    both = d.notna()
    assert v[both].equals(d[both])
    assert (v[~both] >= 1000).all() and v[~both].notna().all() and (~both).sum() > 0
    assert fact(db, "densidade_populacional", "1106", "2021") == 5456.32


def test_pordata_verbatim_equals_derived(db):
    for v, d in (("pordata_vi21:indice_envelhecimento", "pordata_municipios:indice_envelhecimento"),
                 ("pordata_vi21:pop_estrangeira_residente_pct", "pordata_municipios:pop_estrangeira_residente_pct"),
                 ("pordata_vi21:percentagem_poder_compra", "pordata_municipios:percentagem_poder_compra"),
                 ("pordata_xlsx:populacao_residente_estimativa", "pordata_municipios:populacao_residente_estimativa"),
                 ("pordata_xlsx:densidade_populacional", "pordata_municipios:densidade_populacional"),
                 ("pordata_xlsx:indice_dependencia_idosos", "pordata_municipios:indice_dependencia_idosos")):
        a, b = stg(db, v), stg(db, d)
        a = a[a.index.get_level_values(0).str.fullmatch(r"\d{4}")].dropna()
        assert a.index.get_level_values(0).nunique() == 308, v      # not two empty series
        assert a.sort_index().equals(b.dropna().sort_index()), v


def test_mai_and_publico_equal_derived_elections(db):
    mai = stg(db, "mai_autarquicas:votantes")
    der = stg(db, "autarquicas_cm:votantes")
    der = der[der.index.get_level_values(1).isin(["2009", "2013", "2017", "2021"])]
    assert len(mai) == 308 * 4 and mai.sort_index().equals(der.sort_index())
    pct = stg(db, "mai_autarquicas:participacao_pct")
    dp = stg(db, "autarquicas_cm:participacao_pct")
    assert pct.sort_index().equals(dp[dp.index.isin(pct.index)].sort_index())
    pub = stg(db, "autarquicas_2025_publico:inscritos")
    d25 = stg(db, "autarquicas_cm:inscritos")
    assert pub.sort_index().equals(d25[d25.index.get_level_values(1) == "2025"].sort_index())


def test_reference_population_equals_census_and_dgs(db):
    ref = stg(db, "referencia_municipios:pop_2019").droplevel(1)
    dgs = db.execute("SELECT DISTINCT territory_id, value FROM stg_observation WHERE "
                     "variable='dgs_covid_concelhos:population'").df().set_index("territory_id")["value"]
    assert len(ref) == 308 and ref.notna().all()                 # not two empty series
    assert ref.sort_index().equals(dgs.sort_index())


# -- flags, lineage, quarantine --------------------------------------------------------------------

def test_flags(db):
    assert one(db, "SELECT bool_and(is_provisional) FROM fact_indicator_value WHERE indicator_id='obitos' "
                   "AND period_id='2024'")[0] is True
    assert one(db, "SELECT bool_or(is_provisional) FROM fact_indicator_value WHERE indicator_id='obitos' "
                   "AND period_id='2023'")[0] is False
    assert one(db, "SELECT bool_and(is_provisional) FROM fact_indicator_value WHERE indicator_id='no2_media_anual' "
                   "AND period_id='2022'")[0] is True
    assert one(db, "SELECT bool_and(is_break) FROM fact_indicator_value WHERE indicator_id='taxa_mortalidade' "
                   "AND period_id='2021'")[0] is True
    assert fact(db, "taxa_mortalidade", "1106", "2024") is None               # a partial year has no annual rate


def test_ratio_facts_carry_numerator_and_denominator(db):
    bad = one(db, """SELECT count(*) FROM fact_indicator_value f JOIN dim_indicator i USING (indicator_id)
                     WHERE i.aggregation='ratio' AND f.origin='aggregated'
                     AND (f.numerator IS NULL OR f.denominator IS NULL)""")[0]
    assert bad == 0


def test_no_nan_and_periods_typed(db):
    assert one(db, "SELECT count(*) FROM fact_indicator_value WHERE value IS NULL OR isnan(value)")[0] == 0
    types = dict(db.execute("SELECT period_type, count(*) FROM dim_period GROUP BY 1").fetchall())
    assert {"year", "week", "date", "quarter", "range"} <= set(types)


def test_lineage_one_row_per_source(db, data_system):
    from etl.catalogue import load_catalogue
    run = one(db, "SELECT run_id FROM meta_build ORDER BY started_at DESC LIMIT 1")[0]
    rows = db.execute("SELECT source_id, file_hash, rows_read, rows_kept, rows_rejected, duration_s "
                      "FROM meta_lineage WHERE run_id=?", [run]).df()
    # an optional source the data system does not have yet (issue 11: ENTI monitoring) is skipped, not read
    cat = load_catalogue()
    assert set(rows.source_id) == {k for k, s in cat.items() if s.required or s.files(data_system)}
    assert rows.file_hash.str.fullmatch(r"[0-9a-f]{64}").all() and (rows.rows_read > 0).all()
    rej = db.execute("SELECT DISTINCT reason FROM meta_rejected_row WHERE run_id=?", [run]).df()
    assert rej.reason.notna().all()
    # every rejection of the real data applies a documented rule; none is an error in the data
    from etl.build import SET_ASIDE_BY_RULE
    assert all(r.startswith(SET_ASIDE_BY_RULE) for r in rej.reason), rej.reason.tolist()


def test_indicator_metadata_complete(db):
    rows = db.execute("SELECT indicator_id, meta_json FROM dim_indicator").fetchall()
    for iid, meta in rows:
        m = json.loads(meta)
        assert m["unit"]["pt"] and m["sources"] and m["description"]["en"], iid


def test_census_quadro_verbatim_equals_reference(db):
    """INE Quadro 1.2 (verbatim, matched by name within NUTS II) = the reference table's census columns."""
    for v, r in (("censos_q12_fonte:pop_residente", "referencia_municipios:pop_2021_censos"),
                 ("censos_q12_fonte:pop_estrangeira", "referencia_municipios:pop_estrangeira_2021_censos")):
        a, b = stg(db, v), stg(db, r)
        a = a[a.index.get_level_values(0).str.fullmatch(r"\d{4}")]
        assert len(a) == 308 and a.sort_index().equals(b.sort_index()), v
    assert stg(db, "censos_q12_fonte:pop_residente")[("PT", "2021")] == 10_343_066


def test_every_source_name_is_mapped(db, data_system):
    """Name-keyed sources: every municipality column / name reaches a DICO, and each DICO once."""
    sico = pd.read_csv(data_system / "indicators/sources/sico_evm/mortalidade_concelhos.csv", nrows=1)
    mapping = pd.read_csv(data_system / "indicators/mappings/sico_coluna_para_dico.csv", dtype=str).dropna()
    cols = set(sico.columns) - {"Semana", "desconhecido", "estrangeiro"}   # mapped to no DICO, excluded
    assert cols == set(mapping.coluna_sico) and mapping.dico.is_unique and len(mapping) == 308
    for v in ("pordata_vi21:indice_envelhecimento", "pordata_xlsx:indice_dependencia_idosos",
              "mai_autarquicas:votantes", "censos_q12_fonte:pop_residente", "sico_semanal_fonte:obitos"):
        terr = set(stg(db, v).index.get_level_values(0))
        assert len({t for t in terr if t.isdigit()}) == 308, v
