"""The INE indicator JSON connector (INE's API output) and the tidy_csv month-end periods, on tiny
synthetic files written at test time: a good case and broken ones naming file, row and field."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from etl import connectors
from etl.connectors import SourceError
from etl.territory import build_territory, read_reference
from tests._helpers import MINI, run, source

VARS = {"T": "total", "PT": "residentes_pt"}


def cell(geo, dim, valor=None, sign=None):
    c = {"geocod": geo, "geodsg": geo, "dim_3": dim, "dim_3_t": dim}
    if sign:
        c.update(sinal_conv=sign, sinal_conv_desc="Dado confidencial" if sign == "¿" else "Dado nulo ou não aplicável")
    else:
        c["valor"] = valor
    return c


def ine_file(tmp_path, cells, code="0009183", name="ine.json"):
    p = tmp_path / name
    p.write_text(json.dumps([{"IndicadorCod": code, "IndicadorDsg": "Dormidas", "Dados": {"2019": cells}}],
                            ensure_ascii=False, indent=2), encoding="utf-8")
    return p


def ine_source(**opts):
    return source("ine_indicator_json", options={"indicator": "0009183", "variables": VARS, **opts})


def changed_ctx():
    """The mini reference with Odivelas moved to another NUTS III in 2024: AML (17, 170) then changed."""
    ref = read_reference(MINI)
    ref.loc[ref["dico"] == "1116", ["nuts2_2024_code", "nuts3_2024_code"]] = ["1B", "1B0"]
    return connectors.Context(territories=set(build_territory(ref)["territory_id"]), reference=ref, data_system=MINI)


def test_ine_json_good(tmp_path):
    p = ine_file(tmp_path, [
        cell("PT", "T", "1000"), cell("PT", "PT", "400"), cell("PT", "BR", "7"),      # BR: not this source's
        cell("1", "T", "900"), cell("15", "T", "300"), cell("150", "T", "300"),
        cell("1500806", "T", "300"), cell("1701106", "T", "600"), cell("1701116", "T", sign="-"),
        cell("2004501", "T", sign="¿"), cell("170", "T", "600"), cell("17", "T", "600")])
    st, rej = run(ine_source(), [p], changed_ctx())
    v = st.set_index(["variable", "territory_id"])["value"]
    assert v[("total", "PT")] == 1000 and v[("residentes_pt", "PT")] == 400 and v[("total", "PT1")] == 900
    assert v[("total", "PT15")] == 300 and v[("total", "PT150")] == 300              # NUTS II and III, one land
    assert v[("total", "0806")] == 300 and v[("total", "1106")] == 600               # NUTS III 2013 + DICO
    # a conventional sign is a gap (never a zero) whose note names the sign
    odi = st[(st.territory_id == "1116")].iloc[0]
    assert pd.isna(odi["value"]) and "«-»" in odi["note"] and "nulo" in odi["note"]
    assert "«¿»" in st[st.territory_id == "4501"]["note"].iloc[0]
    assert set(st.period_id) == {"2019"} and "BR" not in set(st.variable)
    # AML changed in NUTS 2024 (here): its official values are set aside, with the reason and the line
    assert sorted(rej["value"]) == ["17", "170"] and rej["reason"].str.startswith("NUTS 2013 unit changed").all()
    lines = p.read_text(encoding="utf-8").splitlines()
    for _, r in rej.iterrows():
        assert f'"geocod": "{r["value"]}"' in lines[r["row_number"] - 1]            # the line of the cell


def test_ine_json_wrong_prefix_and_unknown_code(tmp_path):
    p = ine_file(tmp_path, [cell("1501106", "T", "5"), cell("99", "T", "5"), cell("1509999", "T", "5")])
    st, rej = run(ine_source(), [p])
    assert st.empty
    reasons = dict(zip(rej["value"], rej["reason"]))
    assert "NUTS III prefix" in reasons["1501106"]                 # Lisboa is not in the Algarve
    assert reasons["99"] == "unknown territory code" and reasons["1509999"] == "unknown territory code"
    assert set(rej["field"]) == {"geocod"}


def test_ine_json_non_numeric_is_quarantined_with_field(tmp_path):
    p = ine_file(tmp_path, [cell("1500806", "T", "12x")])
    st, rej = run(ine_source(), [p])
    assert st.empty and rej.iloc[0]["field"] == "valor" and rej.iloc[0]["reason"] == "not a number"
    assert rej.iloc[0]["file"].endswith("ine.json") and rej.iloc[0]["row_number"] > 1


def test_ine_json_malformed_names_file_row_column(tmp_path):
    p = tmp_path / "ine.json"
    p.write_text('[{"IndicadorCod": "0009183", "Dados": {"2019": [\n  {"geocod": "PT",}\n]}}]', encoding="utf-8")
    with pytest.raises(SourceError, match=r"ine.json: row 2, column \d+: malformed JSON"):
        run(ine_source(), [p])


def test_ine_json_cell_without_value_or_sign_names_row_and_field(tmp_path):
    c = cell("PT", "T", "1")
    del c["valor"]
    p = ine_file(tmp_path, [cell("PT", "PT", "1"), c])
    with pytest.raises(SourceError) as e:
        run(ine_source(), [p])
    msg = str(e.value)
    assert "ine.json" in msg and "field 'valor'" in msg
    row = int(msg.split("row ")[1].split(",")[0])
    assert '"geocod": "PT"' in p.read_text(encoding="utf-8").splitlines()[row - 1]


def test_ine_json_other_indicator_is_refused(tmp_path):
    p = ine_file(tmp_path, [cell("PT", "T", "1")], code="0008273")
    with pytest.raises(SourceError, match=r"field 'IndicadorCod': '0008273' is not the declared indicator '0009183'"):
        run(ine_source(), [p])


def test_ine_json_needs_variables(tmp_path):
    p = ine_file(tmp_path, [cell("PT", "T", "1")])
    with pytest.raises(SourceError, match="variables"):
        run(source("ine_indicator_json"), [p])


def test_tidy_month_end_period(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("dico,periodo,n\n1106,2025-12,17770\n0806,2024-02,3\n4501,2025-13,1\n", encoding="utf-8")
    st, _ = run(source(options={"period": "periodo", "period_format": "month_end", "value": "n",
                                "variable_name": "n"}), [p])
    got = dict(zip(st.territory_id, st.period_id))
    assert got["1106"] == "2025-12-31" and got["0806"] == "2024-02-29"       # a stock at the end of the month
    assert got["4501"] == "2025-13"                # not a month: left as written, so the build's period check names it
