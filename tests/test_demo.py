"""The demo data system (etl/demo.py): deterministic, same layout as the real one, builds as demo."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely

from etl import demo


@pytest.fixture(scope="module")
def demo_system(tmp_path_factory):
    return demo.ensure_demo_system(tmp_path_factory.mktemp("demo") / "demo-system", progress=lambda m: None)


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_runs_give_identical_bytes(demo_system, tmp_path):
    other = demo.ensure_demo_system(tmp_path / "again", force=True, progress=lambda m: None)
    a, b = files(demo_system), files(other)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k], k


def test_marked_synthetic(demo_system):
    first = (demo_system / "SOURCES.md").read_text(encoding="utf-8").splitlines()[0]
    assert "SYNTHETIC DEMO DATA" in first
    assert demo.is_demo_system(demo_system)


def test_same_layout_as_the_real_data_system(demo_system, data_system):
    """Every demo file exists in the real data system with the same header (so the same catalogue builds)."""
    for rel in ["reference/municipios.csv", *demo.FILES]:
        if rel in demo.ONLY_IN_DEMO and not (data_system / rel).exists():
            continue   # an optional source the real system does not have yet: its header is checked below
        real = (data_system / rel).read_text(encoding="utf-8").splitlines()[0]
        mine = (demo_system / rel).read_text(encoding="utf-8").splitlines()[0]
        assert mine == real, rel


def test_optional_demo_files_follow_their_documented_schema(demo_system):
    """Issue 11: the ENTI programme file (absent from the real system) has the connector's columns."""
    from etl.connectors.enti_programa import COLUMNS
    head = (demo_system / "programmes/enti_monitorizacao.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head.split(",") == COLUMNS and set(demo.ONLY_IN_DEMO) <= set(demo.FILES)


def test_producer_formats_match_the_real_files(demo_system, data_system):
    """The synthetic 'verbatim' files (INE cp1252 tables, PORDATA JSON and xlsx) have the real layout."""
    census = sorted((demo_system / "indicators/sources/ine_censos2021").glob("*.csv"))
    assert [p.name for p in census] == sorted(p.name for p in (data_system / "indicators/sources/ine_censos2021").glob("*.csv"))
    for p in census:
        mine = p.read_bytes().decode("cp1252").splitlines()
        real = (data_system / p.relative_to(demo_system)).read_bytes().decode("cp1252").splitlines()
        for i in (1, 2):   # indicator names, years
            assert [c.strip() for c in mine[i].split(";")] == [c.strip() for c in real[i].split(";")], (p.name, i)
    for stem in demo.VI21:
        mine = json.loads((demo_system / f"indicators/sources/pordata_vi21/{stem}.json").read_text(encoding="utf-8"))
        real = json.loads((data_system / f"indicators/sources/pordata_vi21/{stem}.json").read_text(encoding="utf-8"))
        assert set(mine) <= set(real) and len(mine) == 309
        assert set(mine["Portugal"]) == set(real["Portugal"])
    for rel in ("indicators/sources/sico_evm/mortalidade_concelhos.csv", "indicators/mappings/sico_coluna_para_dico.csv"):
        mine = (demo_system / rel).read_text(encoding="utf-8").splitlines()
        real = (data_system / rel).read_text(encoding="utf-8").splitlines()
        assert mine[0].split(",")[0] == real[0].split(",")[0], rel
        assert len(mine[0].split(",")) == len(real[0].split(",")), rel     # 308 municipalities + 2 (+ week)
    for name in demo.PORDATA_XLSX:
        assert (data_system / "reference/sources" / name).exists()
        assert (demo_system / "reference/sources" / name).exists()


def test_official_list_of_municipalities_and_regions(demo_system, data_system):
    ref = pd.read_csv(demo_system / "reference/municipios.csv", dtype=str, keep_default_na=False)
    real = pd.read_csv(data_system / "reference/municipios.csv", dtype=str, keep_default_na=False)
    assert list(ref.columns) == list(real.columns)
    codes = [c for c in demo.NOMENCLATURE_COLUMNS if c not in ("lon", "lat")] + ["pordata_nome"]
    pd.testing.assert_frame_equal(ref[codes].sort_values("dico").reset_index(drop=True),
                                  real[codes].sort_values("dico").reset_index(drop=True))
    assert ref["dico"].str.fullmatch(r"\d{4}").all()
    # synthetic, not copied: the populations differ from the real ones
    assert (ref["pop_2021_censos"] != real.set_index("dico").loc[ref["dico"], "pop_2021_censos"].values).mean() > 0.95
    assert (ref.loc[ref["dico"].isin(demo.CREATED_1998), "pop_1981"] == "").all()


def test_nomenclature_holds_no_values():
    nom = demo.read_nomenclature()
    assert list(nom.columns) == demo.NOMENCLATURE_COLUMNS and len(nom) == 308
    assert not any(c.startswith(("pop", "area")) for c in nom.columns)
    header = demo.NOMENCLATURE.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("#")
    assert (nom["lon"].str.fullmatch(r"-\d+\.\d") & nom["lat"].str.fullmatch(r"\d+\.\d")).all()


def test_synthetic_polygons(demo_system):
    fc = json.loads((demo_system / "geo/municipios_308.geojson").read_text(encoding="utf-8"))
    g = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
    assert len({f["properties"]["dico"] for f in fc["features"]}) == 308
    assert all(x.is_valid and not x.is_empty for x in g)
    assert shapely.coverage_is_valid(g)
    assert all("SINTÉTICO" in f["properties"]["fonte_geometria"] for f in fc["features"])


def test_reuses_an_up_to_date_system_and_refuses_a_real_one(demo_system, tmp_path):
    stamp = (demo_system / demo.STAMP).stat().st_mtime_ns
    demo.ensure_demo_system(demo_system, progress=lambda m: None)
    assert (demo_system / demo.STAMP).stat().st_mtime_ns == stamp
    real_looking = tmp_path / "data"
    (real_looking / "reference").mkdir(parents=True)
    (real_looking / "reference" / "municipios.csv").write_text("dico\n0101\n")
    with pytest.raises(ValueError, match="not a demo data system"):
        demo.ensure_demo_system(real_looking, progress=lambda m: None)


def test_build_without_a_data_system_is_marked_demo(tmp_path, monkeypatch):
    from etl.build import build
    from etl.marts import connect
    monkeypatch.setenv("OBS_DATA_SYSTEM", "")
    monkeypatch.setenv("OBS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OBS_DB", str(tmp_path / "observatorio.duckdb"))
    summary = build(progress=lambda m: None)
    assert summary["is_demo"] is True
    con = connect(summary["db"], read_only=True)
    try:
        assert con.execute("SELECT is_demo, data_system FROM meta_build").fetchall() == [(True, "demo")]
        assert con.execute("SELECT count(*) FROM fact_indicator_value").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM dim_territory WHERE level = 'municipio'").fetchone()[0] == 308
    finally:
        con.close()
    manifest = json.loads((tmp_path / "geo" / "manifest.json").read_text())
    assert manifest["is_demo"] is True
    assert demo.is_demo_system(tmp_path / "demo-system")


def test_cli_demo_command(tmp_path, monkeypatch, capsys):
    from etl.cli import main
    monkeypatch.setenv("OBS_DATA_DIR", str(tmp_path))
    assert main(["demo"]) == 0
    assert demo.is_demo_system(tmp_path / "demo-system")
    assert "demo data system written" in capsys.readouterr().out
