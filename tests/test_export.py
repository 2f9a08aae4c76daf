"""obs/export.py without a database: CSV dialects, formula injection, metadata, README, ZIP."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from obs import export

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
    # numbers unchanged, bit for bit (NaN stays missing)
    np.testing.assert_array_equal(back["value"].to_numpy(), AWKWARD["value"].to_numpy())
    assert back["value"].dtype.kind == "f"
    assert back["territory_id"].tolist() == AWKWARD["territory_id"].tolist()   # leading zero kept
    assert back["period_id"].tolist() == AWKWARD["period_id"].tolist()
    assert back["is_break"].tolist() == AWKWARD["is_break"].tolist()
    assert back["territory_name"].iloc[2] == "Calheta; Madeira"
    assert back["territory_name"].iloc[3] == 'Norte, "o"'
    assert back["note"].iloc[5] == "D'Ouro\nsegunda linha"
    assert back["territory_name"].iloc[4].startswith("'=")


def test_plain_pandas_reads_excel_dialect():
    """What the README tells an analyst to type."""
    back = pd.read_csv(io.BytesIO(export.to_csv(AWKWARD, "excel")), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"territory_id": str, "period_id": str})
    np.testing.assert_array_equal(back["value"].to_numpy(), AWKWARD["value"].to_numpy())
    assert back["territory_id"].iloc[0] == "0101"


def test_dialect_bytes():
    tidy = export.to_csv(AWKWARD, "tidy")
    excel = export.to_csv(AWKWARD, "excel")
    assert not tidy.startswith(b"\xef\xbb\xbf")
    assert tidy.decode("utf-8").splitlines()[0].startswith("indicator_id,territory_id,")
    assert "-2.07" in tidy.decode()
    assert excel.startswith(b"\xef\xbb\xbf")
    text = excel.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("indicator_id;territory_id;")
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
    pd.testing.assert_frame_equal(tidy, excel)
    assert ("demo" in tidy.columns) is demo


def test_citation_names_producer_and_build():
    doc = _doc(False)
    assert "Fonte: INE" in doc["citation"]["pt"] and "20260101T000000-abcdef" in doc["citation"]["pt"]
    assert doc["citation"]["en"].startswith("Source: INE")
