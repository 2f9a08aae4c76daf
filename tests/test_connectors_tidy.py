"""tidy_csv and the shared helpers: pure transforms on tiny synthetic inputs, good and broken pairs."""
from __future__ import annotations

import pandas as pd
import pytest

from etl.connectors import SourceError, read_csv_strings
from etl.connectors.tidy_csv import suffix_period
from tests._helpers import FIXTURES, mini_ctx, run, source

BAD = FIXTURES / "bad"


def write(tmp_path, text: str, name="t.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_long_file_good(tmp_path):
    p = write(tmp_path, "dico,indicador,ano,valor\n1106,a,2020,1.5\n0806,a,2020,2\n4201,b,2019,\n")
    st, rej = run(source(options={"variable": "indicador"}), [p])
    assert len(rej) == 0
    assert set(st["variable"]) == {"a", "b"}
    lisboa = st[(st.territory_id == "1106")].iloc[0]
    assert lisboa["value"] == 1.5 and lisboa["period_id"] == "2020" and lisboa["_row"] == 2
    assert st[st.territory_id == "4201"]["value"].isna().all()   # an empty cell is a gap, kept as missing


def test_wide_file_and_value_periods(tmp_path):
    p = write(tmp_path, "dico,pop_a,pop_b\n1106,10,20\n0806,1,2\n")
    st, rej = run(source(options={"value_periods": {"pop_a": "2019", "pop_b": "2021"}}), [p])
    assert len(rej) == 0
    assert set(zip(st.variable, st.period_id)) == {("pop_a", "2019"), ("pop_b", "2021")}


def test_period_formats(tmp_path):
    p = write(tmp_path, "dico,data,d2,ano,semana,v\n1106,11-11-2020,2025-06-30,2020,5,1\n")
    st, _ = run(source(options={"period": "data", "period_format": "dmy", "value": "v"}), [p])
    assert st.period_id.tolist() == ["2020-11-11"]
    st, _ = run(source(options={"period": "d2", "period_format": "quarter_from_date", "value": "v"}), [p])
    assert st.period_id.tolist() == ["2025-Q2"]
    st, _ = run(source(options={"period": "ano", "period_format": "iso_week", "week": "semana", "value": "v"}), [p])
    assert st.period_id.tolist() == ["2020-W05"]
    st, _ = run(source(options={"period_template": "{ano}-Q4", "value": "v"}), [p])
    assert st.period_id.tolist() == ["2020-Q4"]
    assert suffix_period("Taxa (%) [2021]") == "2021"
    assert suffix_period("Diferença (N.º) [2021-2011]") == "2011/2021"


def test_nuts_codes_prefix_and_2013_map(tmp_path):
    p = write(tmp_path, "codigo,ano,valor\nPT,2021,1\n1,2021,2\n150,2021,3\n16,2021,4\n")
    st, rej = run(source(options={"territory": "codigo", "territory_map": "nuts2013"}), [p])
    assert dict(zip(st.territory_id, st.value)) == {"PT": 1, "PT1": 2, "PT150": 3}
    # Centro (NUTS 2013 16) changed in NUTS 2024: set aside with the reason
    assert rej["value"].tolist() == ["16"] and "NUTS 2013" in rej["reason"].iloc[0]


def test_created_later_is_a_gap_not_a_value(tmp_path):
    p = write(tmp_path, "dico,ano,valor\n1116,1981,0\n1116,1993,\n1116,2001,5\n")
    st, rej = run(source(), [p])
    assert st[st.period_id == "2001"]["value"].tolist() == [5]
    assert "1981" not in set(st.period_id) and "1993" not in set(st.period_id)
    assert rej["reason"].str.contains("not yet created").sum() == 1     # the 0 of 1981


def test_provisional_flag(tmp_path):
    p = write(tmp_path, "dico,ano,obitos\n1106,2023,10\n1106,2024,2\n")
    st, _ = run(source(options={"value": "obitos", "provisional": {"ano": ["2024"]}}), [p])
    assert dict(zip(st.period_id, st.is_provisional)) == {"2023": False, "2024": True}


# -- broken inputs: a clear error naming file, row and field, or rows quarantined with a reason ------

def test_malformed_csv_names_file_and_line():
    with pytest.raises(SourceError) as e:
        read_csv_strings(BAD / "malformed.csv")
    assert "malformed.csv" in str(e.value) and "row 3" in str(e.value)


def test_short_row_names_file_row_and_missing_field():
    """pandas would pad a short line with an empty cell; the reader refuses it."""
    with pytest.raises(SourceError) as e:
        read_csv_strings(BAD / "short_row.csv")
    assert "short_row.csv" in str(e.value) and "row 3" in str(e.value) and "field 'valor' missing" in str(e.value)


def test_wrong_encoding_names_file_row_and_column():
    with pytest.raises(SourceError) as e:
        read_csv_strings(BAD / "wrong_encoding.csv", encoding="utf-8")
    msg = str(e.value)
    assert "wrong_encoding.csv" in msg and "row 3" in msg and "utf-8" in msg
    # declared right, it reads
    df = read_csv_strings(BAD / "wrong_encoding.csv", encoding="cp1252")
    assert df["nome"].iloc[1] == "Lagoa (Açores)"


def test_unknown_codes_quarantined():
    st, rej = run(source(), [BAD / "unknown_codes.csv"])
    assert sorted(st.territory_id) == ["0806", "1106"]
    assert rej["value"].tolist() == ["9999", "11"]
    assert set(rej["reason"]) == {"unknown territory code"} and set(rej["field"]) == {"dico"}
    assert rej["row_number"].tolist() == [3, 4]


def test_duplicate_keys_quarantined():
    st, rej = run(source(), [BAD / "duplicate_keys.csv"])
    assert st.territory_id.tolist() == ["0806"]
    assert len(rej) == 2 and rej["reason"].str.startswith("duplicate key").all()
    assert rej["row_number"].tolist() == [2, 3]


def test_non_numeric_quarantined_and_empty_kept_as_gap():
    st, rej = run(source(), [BAD / "non_numeric.csv"])
    assert set(rej["value"]) == {"n/d", "doze"} and set(rej["reason"]) == {"not a number"}
    assert set(rej["field"]) == {"valor"}
    assert st[st.territory_id == "3101"]["value"].isna().all()


def test_missing_column_names_field(tmp_path):
    p = write(tmp_path, "dico,ano,value\n1106,2020,1\n")
    with pytest.raises(SourceError) as e:
        run(source(), [p])
    assert "'valor'" in str(e.value) and "t.csv" in str(e.value)


def test_transform_is_pure():
    """The same frame in, the same frames out; no database, no file written."""
    raw = pd.DataFrame({"dico": ["1106"], "ano": ["2020"], "valor": ["1,5"], "_file": ["f"], "_row": [2]})
    from etl import connectors
    c = connectors.get("tidy_csv")
    a = c.transform(raw.copy(), source(decimal=","), mini_ctx())[0]
    b = c.transform(raw.copy(), source(decimal=","), mini_ctx())[0]
    pd.testing.assert_frame_equal(a, b)
    assert a["value"].iloc[0] == 1.5
