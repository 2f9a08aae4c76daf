"""api/export.py: CSV dialects, formula injection, metadata, README, ZIP (no database), and the
pandas-free CSV writer for the API (`rows_to_csv`) checked byte for byte against `to_csv`, on
awkward rows and on the session database built from the real data system."""
from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from api import export

AWKWARD = pd.DataFrame({
    "indicator_id": ["ind_a", "ind_a", "ind_a", "ind_a", "ind_a", "ind_a"],
    "territory_id": ["0101", "1108", "4201", "PT11", "DI01", "EI16D"],
    "territory_name": ["Águeda", "Lagoa (R.A.A.)", "Calheta; Madeira", 'Norte, "o"', "=HYPERLINK(\"x\")", "-Menos"],
    "period_id": ["2021", "2024-Q4", "2020-W05", "2020-11-11", "2011/2021", "2021"],
    "value": [-2.07, 0.1 + 0.2, 1e-300, 123456789.12345679, np.nan, -0.0],
    "numerator": [None, 3.0, None, None, None, None],
    "is_break": [False, True, False, False, False, False],
    "note": [None, "@SUM(A1)", "+351", "tab\tinside", "\tlead tab", "D'Ouro\nsegunda linha"],
})


def test_neutralise_only_text_cells():
    out = export.neutralise(AWKWARD)
    assert out["territory_name"].tolist()[4] == "'=HYPERLINK(\"x\")"
    assert out["territory_name"].tolist()[5] == "'-Menos"
    assert out["note"].tolist()[1:5] == ["'@SUM(A1)", "'+351", "tab\tinside", "'\tlead tab"]
    assert pd.isna(out["note"].iloc[0])
    # numbers are data, not formulas
    assert out["value"].iloc[0] == -2.07 and out["value"].dtype.kind == "f"
    assert out["territory_name"].iloc[0] == "Águeda"


@pytest.mark.parametrize("cell,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\rx", "'\rx"), ("\tx", "'\tx"),
    ("a=1", "a=1"), ("", ""), (-2.07, -2.07), (None, None),
])
def test_neutralise_cell(cell, expected):
    assert export.neutralise_cell(cell) == expected


@pytest.mark.parametrize("dialect", ["tidy", "excel"])
def test_round_trip_both_dialects(dialect):
    body = export.to_csv(AWKWARD, dialect)
    back = export.read_csv(body, dialect)
    assert list(back.columns) == list(AWKWARD.columns)
    if dialect == "tidy":   # numbers unchanged, bit for bit (NaN stays missing)
        np.testing.assert_array_equal(back["value"].to_numpy(), AWKWARD["value"].to_numpy())
    else:                   # for people: rounded (no rules given: at most 6 decimals)
        np.testing.assert_allclose(back["value"].to_numpy(), AWKWARD["value"].to_numpy(), atol=5e-7)
    assert back["value"].dtype.kind == "f"
    assert back["territory_id"].tolist() == AWKWARD["territory_id"].tolist()   # leading zero kept
    assert back["period_id"].tolist() == AWKWARD["period_id"].tolist()
    assert back["is_break"].tolist() == AWKWARD["is_break"].tolist()
    assert back["territory_name"].iloc[2] == "Calheta; Madeira"
    assert back["territory_name"].iloc[3] == 'Norte, "o"'
    assert back["note"].iloc[5] == "D'Ouro\nsegunda linha"
    assert back["territory_name"].iloc[4].startswith("'=")


def test_plain_pandas_reads_excel_dialect():
    """How a person's Excel (or pandas with the Portuguese settings) reads it."""
    back = pd.read_csv(io.BytesIO(export.to_csv(AWKWARD, "excel")), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"código": str, "período": str})
    np.testing.assert_allclose(back["valor"].to_numpy(), AWKWARD["value"].to_numpy(), atol=5e-7)
    assert back["código"].iloc[0] == "0101"


def test_dialect_bytes():
    tidy = export.to_csv(AWKWARD, "tidy")
    excel = export.to_csv(AWKWARD, "excel")
    assert not tidy.startswith(b"\xef\xbb\xbf")
    assert tidy.decode("utf-8").splitlines()[0].startswith("indicator_id,territory_id,")
    assert "-2.07" in tidy.decode()
    assert excel.startswith(b"\xef\xbb\xbf")
    text = excel.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("indicador;código;território;período;valor;")
    assert ";-2,07;" in text


def test_demo_column_only_in_demo():
    assert "demo" not in export.read_csv(export.to_csv(AWKWARD, "tidy")).columns
    back = export.read_csv(export.to_csv(AWKWARD, "tidy", demo=True))
    assert back["demo"].tolist() == [True] * len(AWKWARD)


def _doc(demo: bool) -> dict:
    meta = {"id": "ind_a", "title": {"pt": "Indicador A", "en": "Indicator A"},
            "description": {"pt": "Definição A", "en": "Definition A"}, "unit": {"pt": "%", "en": "%"},
            "sources": [{"producer": "INE", "licence": "CC BY 4.0", "url": "https://ine.pt"}],
            "caveats": [{"pt": "Quebra em 2011", "en": "Break in 2011"}], "compute": {"value": "x:y"},
            "visibility": "public"}
    build = {"run_id": "20260101T000000-abcdef", "finished_at": pd.Timestamp("2026-01-01 00:00:05"),
             "is_demo": demo}
    return export.metadata_document(kind="indicator", subject={"id": "ind_a", "title": meta["title"]},
                                    indicators=[meta], build=build, filters={"level": None}, files=["a.csv"],
                                    n_rows=len(AWKWARD), breaks=[{"indicator_id": "ind_a", "territory_id": "1108",
                                                                  "period_id": "2024-Q4"}],
                                    url="http://x/download/indicador/ind_a.zip", demo=demo)


@pytest.mark.parametrize("demo", [False, True])
def test_zip_package(demo):
    doc = _doc(demo)
    z = zipfile.ZipFile(io.BytesIO(export.zip_package("ind_a", AWKWARD, doc, demo=demo)))
    names = sorted(z.namelist())
    assert names == sorted(f"ind_a/{n}" for n in ("ind_a.csv", "ind_a_excel.csv", "metadata.json", "LEIA-ME.md"))
    md = json.loads(z.read("ind_a/metadata.json"))
    assert "compute" not in md["indicators"][0] and "visibility" not in md["indicators"][0]
    assert md["build"]["run_id"] == "20260101T000000-abcdef" and md["build"]["built_at"] == "2026-01-01T00:00:05Z"
    assert md["demo"] is demo and ("notice" in md) is demo
    assert md["licences"] == ["INE: CC BY 4.0"]
    readme = z.read("ind_a/LEIA-ME.md").decode()
    for s in ("Indicador A", "Definição A", "Unidade: %", "INE", "CC BY 4.0", "Como citar", "Quebra em 2011",
              "Quebras de série", "2026-01-01T00:00:05Z", "# English", "How to cite", "Definition A"):
        assert s in readme, s
    assert ("DEMONSTRAÇÃO" in readme) is demo
    tidy = export.read_csv(z.read("ind_a/ind_a.csv"), "tidy")
    excel = export.read_csv(z.read("ind_a/ind_a_excel.csv"), "excel")
    pd.testing.assert_frame_equal(tidy, excel, check_exact=False, atol=5e-7)   # excel: rounded for people
    assert ("demo" in tidy.columns) is demo
    assert md["dialects"]["tidy"]["en"].count("full precision") == 1
    assert md["columns"]["territory_id"]["excel_header"] == {"pt": "código", "en": "code"}
    assert "«código»" in readme and "precisão total" in readme


def test_citation_names_producer_and_build():
    doc = _doc(False)
    assert "Fonte: INE" in doc["citation"]["pt"] and "20260101T000000-abcdef" in doc["citation"]["pt"]
    assert doc["citation"]["en"].startswith("Source: INE")


# -- rows_to_csv: the API's values listing without pandas, the same bytes as to_csv ------------------

ROW_COLS = ["indicator_id", "territory_id", "territory_name", "period_id", "value", "numerator",
            "denominator", "n", "n_gaps", "is_break", "is_flag", "note"]
ROWS = [   # what a DB-API cursor returns: str, float, int, bool, None (NULL)
    ("ind_a", "0101", "Águeda", "2021", -2.07, None, None, 7, 1, False, True, None),
    ("ind_a", "1108", "Lagoa (R.A.A.)", "2024-Q4", 0.1 + 0.2, 3.0, None, 8, None, True, None, "@SUM(A1)"),
    ("ind_a", "4201", "Calheta; Madeira", "2020-W05", 1e-300, 3, None, 9, 2, False, False, "+351"),
    ("ind_a", "PT11", 'Norte, "o"', "2020-11-11", 123456789.12345679, None, None, 10, 3, False, True, "tab\tinside"),
    ("ind_a", "DI01", '=HYPERLINK("x")', "2011/2021", float("nan"), 5e-324, None, 11, 4, False, None, "\tlead tab"),
    ("ind_a", "EI16D", "-Menos", "2021", -0.0, 1e16, None, -12, 5, True, False, "D'Ouro\nsegunda linha"),
    ("ind_a", "0102", "a;b,c", "2021", 1.5e-5, float("inf"), None, 0, 6, False, True, "carriage\rreturn"),
    ("ind_a", "0103", "", "2021", 2.5, -1e-7, None, 1, 7, False, False, '"quoted"'),
    ("ind_a", "0104", "-", "2021", 1e22, 0.0001, None, 2, 8, False, False, "=1;2"),
]


TO_CSV = export.to_csv


def _reference(cols, rows, dialect, demo=False) -> bytes:
    return TO_CSV(pd.DataFrame(list(rows), columns=list(cols)), dialect, demo=demo)


@pytest.fixture
def no_fallback(monkeypatch):
    """rows_to_csv must take its own path here, not hand the table to pandas."""
    def boom(*a, **k):
        raise AssertionError("rows_to_csv fell back to to_csv")
    monkeypatch.setattr(export, "to_csv", boom)


@pytest.mark.parametrize("demo", [False, True])
@pytest.mark.parametrize("dialect", ["tidy", "excel"])
def test_rows_to_csv_same_bytes_as_to_csv(dialect, demo, no_fallback):
    assert export.rows_to_csv(ROW_COLS, ROWS, dialect, demo=demo) == _reference(ROW_COLS, ROWS, dialect, demo)
    # no rows: the header only (with demo in demo builds)
    assert export.rows_to_csv(ROW_COLS, [], dialect, demo=demo) == _reference(ROW_COLS, [], dialect, demo)
    # and it reads back as it should: text guarded, numbers exact
    back = export.read_csv(export.rows_to_csv(ROW_COLS, ROWS, dialect), dialect)
    assert back["territory_name"].tolist()[4:6] == ["'=HYPERLINK(\"x\")", "'-Menos"]
    assert back["note"].tolist()[1] == "'@SUM(A1)" and back["value"].iloc[0] == -2.07


@pytest.mark.parametrize("dialect", ["tidy"])   # the Excel dialect rounds (test_excel_* below)
def test_rows_to_csv_random_floats_round_trip(dialect, no_fallback):
    """Every float64 (bit patterns across the exponent range) is written as pandas writes it."""
    rng = np.random.default_rng(20261126)
    bits = rng.integers(0, 2**63, size=3000, dtype=np.int64).view(np.float64)
    scaled = rng.standard_normal(3000) * 10.0 ** rng.integers(-20, 20, size=3000)
    vals = [float(x) for x in np.concatenate([bits, scaled]) if np.isfinite(x)]
    rows = [("t", v, None if i % 7 == 0 else v / 3, i % 2 == 0) for i, v in enumerate(vals)]
    cols = ["territory_id", "value", "numerator", "is_break"]
    body = export.rows_to_csv(cols, rows, dialect)
    assert body == _reference(cols, rows, dialect)
    np.testing.assert_array_equal(export.read_csv(body, dialect)["value"].to_numpy(), np.array(vals))


@pytest.mark.parametrize("odd", [dt.date(2021, 1, 1), dt.datetime(2021, 1, 1, 12, 30), decimal.Decimal("1.5"), [1, 2]])
@pytest.mark.parametrize("dialect", ["tidy", "excel"])
def test_rows_to_csv_other_types_fall_back_to_pandas(odd, dialect):
    cols = ["a", "b", "c"]
    rows = [("x", odd, 1.5), ("=y", None, None)]
    assert export.rows_to_csv(cols, rows, dialect, demo=True) == _reference(cols, rows, dialect, demo=True)
    assert export.rows_to_csv(["a"], [("",), ("-1",)], dialect) == _reference(["a"], [("",), ("-1",)], dialect)


def test_rows_to_csv_same_bytes_on_real_data(built, no_fallback):
    """Every public indicator of the real data, both dialects, demo or not: the API's CSV writer
    (rows from data.fact_table) and to_csv on data.fact_rows' DataFrame give the same bytes."""
    from serving import data
    ids = data.indicators(public=True)["indicator_id"].tolist()
    assert ids
    for iid in ids:
        df, total = data.fact_rows([iid])
        cols, rows, total2 = data.fact_table([iid])
        assert (total, list(df.columns), len(rows)) == (total2, cols, len(df)), iid
        for dialect in ("tidy", "excel"):
            for demo in (False, True):
                assert export.rows_to_csv(cols, rows, dialect, demo=demo) == TO_CSV(df, dialect, demo=demo), \
                    (iid, dialect, demo)
    # a page of a multi-indicator listing, as the API asks for it
    df, _ = data.fact_rows(None, None, ["nuts2"], limit=500, offset=250)
    cols, rows, _ = data.fact_table(None, None, ["nuts2"], limit=500, offset=250)
    assert export.rows_to_csv(cols, rows, "excel") == TO_CSV(df, "excel")


@pytest.mark.parametrize("dialect", ["tidy", "excel"])
def test_api_values_csv_is_to_csv_of_fact_rows(built, dialect):
    from flask import Flask

    from api import routes as api
    from serving import data
    app = Flask("test_export")
    api.init_app(app)
    r = app.test_client().get(f"/api/v1/values?indicator=indice_envelhecimento&level=municipio"
                              f"&page_size=10000&format=csv&dialect={dialect}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    with app.app_context():
        df, total = data.fact_rows(["indice_envelhecimento"], None, ["municipio"], limit=10000)
        rules = data.excel_rules() if dialect == "excel" else None
    assert r.data == export.to_csv(df, dialect, demo=data.is_demo(), rules=rules)
    assert int(r.headers["X-Total-Count"]) == total


# -- the Excel dialect is for people (issue 8 item 16) ------------------------------------------

PEOPLE = pd.DataFrame({
    "indicator_id": ["var", "var", "dens"],
    "territory_id": ["0101", "PT", "0101"],
    "level": ["municipio", "pais", "municipio"],
    "value": [-3.3712, -0.04, 137.5577],
    "unit": ["%", "%", "habitantes por km²"],
    "numerator": [-1608.413846631476, None, 46119.0],
    "denominator": [47727.413846631476, None, 335.27],
    "is_break": [False, True, False],
    "origin": ["derived", "aggregated", "source"],
})
RULES = {"var": {"value": 2, "numerator": 0, "denominator": 0, "unit": {"pt": "%", "en": "%"}},
         "dens": {"value": 1, "numerator": 0, "denominator": 2,
                  "unit": {"pt": "habitantes por km²", "en": "inhabitants per km²"}}}


def test_excel_dialect_words_yes_no_and_rounding():
    text = export.to_csv(PEOPLE, "excel", rules=RULES).decode("utf-8-sig").splitlines()
    assert text[0] == "indicador;código;nível;valor;unidade;numerador;denominador;quebra de série;origem"
    assert text[1] == "var;0101;município;-3,37;%;-1608;47727;não;calculado pelo Observatório"
    assert text[2] == "var;PT;país;-0,04;%;;;sim;agregado pelo Observatório"
    assert text[3] == "dens;0101;município;137,6;habitantes por km²;46119;335,27;não;fonte"
    en = export.to_csv(PEOPLE, "excel", rules=RULES, lang="en", demo=True).decode("utf-8-sig").splitlines()
    assert en[0] == "indicator;code;level;value;unit;numerator;denominator;break in series;origin;demo data"
    assert en[3] == "dens;0101;municipality;137,6;inhabitants per km²;46119;335,27;no;source;yes"
    # read back (export.read_csv) in tidy form: names, codes, booleans; numbers rounded
    back = export.read_csv(export.to_csv(PEOPLE, "excel", rules=RULES, lang="en"), "excel")
    assert list(back.columns) == list(PEOPLE.columns)
    assert back["level"].tolist() == PEOPLE["level"].tolist() and back["origin"].tolist() == PEOPLE["origin"].tolist()
    assert back["is_break"].tolist() == [False, True, False] and back["denominator"].iloc[0] == 47727
    # rounding to zero writes no minus sign; the tidy dialect keeps everything
    zero = export.to_csv(pd.DataFrame({"indicator_id": ["var"], "value": [-0.001]}), "excel", rules=RULES)
    assert zero.decode("utf-8-sig").splitlines()[1] == "var;0,00"
    assert "47727.413846631476" in export.to_csv(PEOPLE, "tidy").decode()
