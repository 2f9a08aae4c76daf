"""The format connectors on tiny synthetic files written at test time: INE Census CSV (cp1252, ';',
decimal comma), PORDATA JSON and xlsx, MAI JSON, DGS COVID CSV, SICO wide weekly table, station
means. Each has a good case and a broken one."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from etl.connectors import SourceError
from tests._helpers import mini_ctx, run, source

CENSUS = (
    "Índice;;;Figura 1;Figura 2\n"
    "Nível territorial;Código territorial;Designação;Densidade populacional (N.º/ km²) ;Taxa de variação (%)\n"
    ";;;2021;2011-2021\n"
    "PT;PT;Portugal;112,15;-2,07\n"
    "NUTS 2;16;Centro;80,10;-4,30\n"
    "NUTS 3;150;Algarve;93,00;3,70\n"
    "Município;1106;Lisboa;5 445,70;-1,25\n"
    "Município;4201;Lagoa;311,00;//\n"
    "Freguesia;110601;Ajuda;8 000,00;1,00\n"
    ";;;;\n"
)


def census_source(**kw):
    return source("ine_census_csv", encoding="cp1252", delimiter=";", decimal=",", **kw)


def test_ine_census_good(tmp_path):
    p = tmp_path / "FR.csv"
    p.write_bytes(CENSUS.encode("cp1252"))
    st, rej = run(census_source(), [p])
    dens = st[st.variable == "Densidade populacional (N.º/ km²) [2021]"].set_index("territory_id")["value"]
    assert dens.to_dict() == {"PT": 112.15, "PT150": 93.0, "PT15": 93.0, "1106": 5445.7, "4201": 311.0} or \
        dens.to_dict() == {"PT": 112.15, "PT150": 93.0, "1106": 5445.7, "4201": 311.0}
    var = st[st.variable == "Taxa de variação (%) [2011-2021]"]
    assert set(var.period_id) == {"2011/2021"}
    assert var.set_index("territory_id")["value"]["1106"] == -1.25
    assert var.set_index("territory_id")["value"].isna()["4201"]       # INE sign '//' is a gap
    assert "110601" not in set(st.territory_id)                         # parishes not loaded (yet)
    assert set(rej["value"]) == {"16"} and rej["reason"].str.contains("NUTS 2013").all()


def test_ine_census_wrong_encoding(tmp_path):
    """A UTF-8 file where the catalogue says cp1252: 'Í' is C3 8D, and 0x8D is undefined in cp1252."""
    p = tmp_path / "FR.csv"
    p.write_bytes(CENSUS.encode("utf-8"))
    with pytest.raises(SourceError, match=r"FR.csv: row 1, column 2: byte 0x8d is not valid cp1252"):
        run(census_source(), [p])


def test_ine_census_broken_header(tmp_path):
    p = tmp_path / "MN.csv"
    p.write_bytes(CENSUS.replace("Nível territorial", "Nivel").encode("cp1252"))
    with pytest.raises(SourceError, match="row 2"):
        run(census_source(), [p])


def test_pordata_json(tmp_path):
    data = {"Portugal": {"2019": 161.3, "avg_years": 5}, "Lisboa": {"2019": 180.0, "2020": -1},
            "Lagoa": {"2019": 120.0}, "Lagoa [R.A.A.]": {"2019": 90.0}, "Calheta [R.A.M.]": {"2019": 200.0},
            "Calheta [R.A.A.]": {"2019": 210.0}, "Algarve": {"2019": 150.0}, "Centro": {"2019": 170.0},
            "Atlântida": {"2019": 1.0}}
    p = tmp_path / "indice_envelhecimento.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    st, rej = run(source("pordata_json"), [p])
    v = st[st.period_id == "2019"].set_index("territory_id")["value"]
    assert v["1106"] == 180.0 and v["0806"] == 120.0 and v["4201"] == 90.0      # the two Lagoa apart
    assert v["3101"] == 200.0 and v["4501"] == 210.0                              # the two Calheta apart
    assert v["PT"] == 161.3 and v["PT150"] == 150.0 and v["PT15"] == 150.0        # one name, two levels
    assert st[(st.territory_id == "1106") & (st.period_id == "2020")]["value"].isna().all()  # -1 = missing
    assert set(rej["value"]) == {"Centro", "Atlântida"}


def test_pordata_json_broken(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"Lisboa": {"2019": 1,}}', encoding="utf-8")
    with pytest.raises(SourceError, match=r"x.json: row 1, column \d+: malformed JSON"):
        run(source("pordata_json"), [p])


def test_pordata_xlsx(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Quadro"
    ws.append(["População residente"])
    ws.append(["Âmbito Geográfico", "Anos", 1981, 2020])
    ws.append(["NUTS 2013", "Portugal", 9883670, 10298252])
    ws.append(["Município", "Lisboa", 807937, 509614])
    ws.append(["Município", "Odivelas", 0, 160000])
    ws.append(["Município", "Lagoa [R.A.A.]", 12000, 14750])
    ws.append(["NUTS III", "Lisboa", 1, 1])     # a region row whose name is a municipality: not matched
    ws.append(["Quebra de série", None, None, None])
    p = tmp_path / "PORDATA_2020_Estimativas-a-31-12.xlsx"
    wb.save(p)
    src = source("pordata_xlsx", options={"variables": {"Estimativas": "populacao"}})
    st, rej = run(src, [p])
    v = st.set_index(["territory_id", "period_id"])["value"]
    assert v[("1106", "2020")] == 509614 and v[("4201", "1981")] == 12000 and v[("PT", "1981")] == 9883670
    assert ("1116", "1981") not in v.index                    # 0 before 1998: a gap
    assert rej["reason"].str.contains("not yet created").sum() == 1
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="broken.xlsx"):
        run(src, [tmp_path / "broken.xlsx"])


def mai_file(tmp_path, year=2021, key="LOCAL-420100"):
    data = {"Açores": {"Lagoa": {"territoryKey": key, "territoryName": "Lagoa", "candidates": [],
                                 "total_votes": {"numberVoters": 7000, "percentageVoters": 58.3,
                                                 "blankVotes": 100, "nullVotes": 50}}},
            "Faro": {"Lagoa": {"territoryKey": "LOCAL-080600", "territoryName": "Lagoa", "candidates": [],
                               "total_votes": {"numberVoters": 9000, "percentageVoters": 45.1,
                                               "blankVotes": 200, "nullVotes": 80}}}}
    p = tmp_path / f"autarquicas_{year}.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_mai_json(tmp_path):
    st, rej = run(source("mai_json"), [mai_file(tmp_path)])
    assert len(rej) == 0
    v = st.set_index(["variable", "territory_id"])["value"]
    assert v[("votantes", "4201")] == 7000 and v[("votantes", "0806")] == 9000
    assert set(st.period_id) == {"2021"}


def test_mai_json_bad_key(tmp_path):
    st, rej = run(source("mai_json"), [mai_file(tmp_path, key="LOCAL-9999")])
    assert set(rej["field"]) == {"territoryKey"} and "4201" not in set(st.territory_id)


def test_dgs_covid(tmp_path):
    p = tmp_path / "covid.csv"
    p.write_text("data,concelho,confirmados_14,incidencia,incidencia_categoria,dicofre,population\n"
                 '11-11-2020,LISBOA,1000,196,"[120,240[",1106,509515\n'
                 '11-11-2020,LAGOA,10,68,"[0,120[",806,14700\n'
                 '25-11-2020,LISBOA,1200,236,"[120,240[",1106,509515\n', encoding="utf-8")
    st, rej = run(source("dgs_covid_csv"), [p])
    assert len(rej) == 0
    v = st.set_index(["variable", "territory_id", "period_id"])["value"]
    assert v[("incidencia", "1106", "2020-11-25")] == 236
    assert v[("confirmados_14", "0806", "2020-11-11")] == 10     # 'dicofre' 806 -> DICO 0806


def sico_files(tmp_path, header="Semana,lisboa,lagoa (r.a.a.),desconhecido"):
    m = tmp_path / "map.csv"
    m.write_text("coluna_sico,dico\nlisboa,1106\nlagoa (r.a.a.),4201\n", encoding="utf-8")
    p = tmp_path / "mortalidade.csv"
    p.write_text(f"{header}\n01-2020,100,3,7\n01-2020,20,1,1\n02-2020,90,,2\n", encoding="utf-8")
    return p, m


def test_sico_wide(tmp_path):
    p, m = sico_files(tmp_path)
    src = source("sico_wide_csv", depends_on=[m.name])
    st, rej = run(src, [p], mini_ctx().__class__(**{**mini_ctx().__dict__, "data_system": tmp_path}))
    v = st.set_index(["territory_id", "period_id"])["value"]
    assert v[("1106", "2020-W01")] == 120            # the split week is summed
    assert v[("4201", "2020-W01")] == 4
    assert pd.isna(v[("4201", "2020-W02")])
    assert "desconhecido" not in set(st.territory_id) and len(rej) == 0


def test_sico_wide_unmapped_column(tmp_path):
    p, m = sico_files(tmp_path, header="Semana,lisboa,lagoa (r.a.a.),atlantida")
    src = source("sico_wide_csv", depends_on=[m.name], options={"exclude": []})
    st, rej = run(src, [p], mini_ctx().__class__(**{**mini_ctx().__dict__, "data_system": tmp_path}))
    assert set(rej["value"]) == {"atlantida"} and rej["reason"].str.contains("mapping").all()


def test_station_means(tmp_path):
    p = tmp_path / "ar.csv"
    p.write_text("dico,estacao_nome,poluente,metrica,ano,valor,ano_incompleto\n"
                 "1106,A,NO2,Média anual,2021,30,False\n1106,B,NO2,Média anual,2021,20,False\n"
                 "1106,A,NO2,Máximo diário anual,2021,90,False\n1106,A,NO2,Média anual,2022,10,True\n"
                 "9999,C,NO2,Média anual,2021,5,False\n", encoding="utf-8")
    src = source("station_mean_csv", options={"filter": {"metrica": "Média anual"}, "variable_names": {"NO2": "no2"},
                                              "provisional": {"ano_incompleto": ["True"]}})
    st, rej = run(src, [p])
    r = st.set_index("period_id")
    assert r.loc["2021", "value"] == 25 and "2 estações" in r.loc["2021", "note"]
    assert bool(r.loc["2022", "is_provisional"]) is True
    assert rej["value"].tolist() == ["9999"]


def test_every_catalogue_format_has_a_connector():
    from etl import connectors
    from etl.catalogue import load_catalogue
    formats = set(connectors.all_formats())
    assert {s.format for s in load_catalogue().values()} <= formats


QUADRO = ('"Quadro 1.2 - População residente por nacionalidade, 2021",,,\n'
          ",,,\n"
          '"NUTS I, II, III\nMunicípio",População residente ,,\n'
          ",Total ,Nacionalidade portuguesa ,Nacionalidade estrangeira\n"
          "Portugal,10 343 066,9 800 752, 542 165\n"
          "Algarve, 467 343, 399 398, 67 921\n"
          "Algarve, 467 343, 399 398, 67 921\n"
          "Lagoa, 23 725, 20 221, 3 502\n"
          "Região Autónoma dos Açores , 236 413, 233 065, 3 346\n"
          "Lagoa, 14 189, 14 039,  \n"
          "Atlântida, 1, 1, 0\n"
          '"Fonte: INE, Recenseamentos da População e da Habitação, 2021",,,\n')


def test_ine_census_quadro_by_name_within_nuts2(tmp_path):
    p = tmp_path / "Q1.2.csv"
    p.write_bytes(QUADRO.encode("cp1252"))
    src = source("ine_census_quadro_csv", encoding="cp1252", options={"columns": {1: "pop", 3: "estrangeira"}})
    st, rej = run(src, [p])
    v = st.set_index(["variable", "territory_id"])["value"]
    assert v[("pop", "0806")] == 23725 and v[("pop", "4201")] == 14189       # the two Lagoa, by region
    assert v[("estrangeira", "4201")] == 0                                    # empty cell = nil
    assert v[("pop", "PT")] == 10343066 and v[("pop", "PT150")] == 467343
    assert rej["value"].tolist() == ["Atlântida"] and rej["row_number"].tolist() == [12]


def test_ine_census_quadro_ragged_row(tmp_path):
    p = tmp_path / "Q1.2.csv"
    p.write_bytes(QUADRO.replace("Lagoa, 23 725, 20 221, 3 502", "Lagoa, 23 725, 20 221").encode("cp1252"))
    src = source("ine_census_quadro_csv", encoding="cp1252", options={"columns": {1: "pop"}})
    with pytest.raises(SourceError, match=r"Q1.2.csv: row 9: 3 fields, expected 4"):
        run(src, [p])
