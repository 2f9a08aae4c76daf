"""Web boundary layers, the tile map and the boundary connectors (etl/geo.py, etl/connectors/geo.py)."""
from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from etl import connectors
from etl.catalogue import load_catalogue
from etl.geo import BUDGET_GZIP, LAYERS, GeoError, build_geo, load_municipalities
from etl.territory import build_territory, read_reference


@pytest.fixture(scope="module")
def geo_dir(tmp_path_factory, data_system) -> Path:
    out = tmp_path_factory.mktemp("geo") / "geo"
    build_geo(data_system, out, progress=lambda m: None)
    return out


@pytest.fixture(scope="module")
def reference(data_system) -> pd.DataFrame:
    return read_reference(data_system)


def load(geo_dir, name):
    return json.loads((geo_dir / name).read_text(encoding="utf-8"))


def shapes(fc) -> dict:
    return {f["id"]: shapely.geometry.shape(f["geometry"]) for f in fc["features"]}


# -- layers ----------------------------------------------------------------------------------------

def test_municipality_layer_has_every_dico_once(geo_dir, reference):
    fc = load(geo_dir, "municipios.geojson")
    ids = [f["id"] for f in fc["features"]]
    assert sorted(ids) == sorted(reference["dico"]) and len(set(ids)) == 308
    assert all(isinstance(i, str) and len(i) == 4 for i in ids)
    for f in fc["features"]:
        assert f["properties"]["id"] == f["id"] and f["properties"]["name"]
    names = {f["id"]: f["properties"]["name"] for f in fc["features"]}
    assert names["3101"] == "Calheta (R.A.M.)" and names["4501"] == "Calheta (R.A.A.)"


def test_geometries_valid_rounded_and_a_coverage(geo_dir):
    fc = load(geo_dir, "municipios.geojson")
    g = shapes(fc)
    geoms = np.array(list(g.values()))
    assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
    coords = shapely.get_coordinates(geoms)
    assert np.allclose(coords, np.round(coords, 4), atol=1e-9)
    # topology-aware simplification: neighbours still share edges, nothing overlaps
    assert shapely.coverage_is_valid(geoms)
    # RFC 7946 winding: exterior rings counter-clockwise
    assert all(p.exterior.is_ccw for geom in geoms for p in shapely.get_parts(geom))


def test_islands_keep_their_real_position(geo_dir):
    g = shapes(load(geo_dir, "municipios.geojson"))
    assert g["3103"].centroid.x == pytest.approx(-16.9, abs=0.3)   # Funchal
    assert g["4201"].centroid.x < -25                               # Lagoa (Açores)


def test_nuts_layers_dissolved_from_municipalities(geo_dir, reference):
    mun = shapes(load(geo_dir, "municipios.geojson"))
    for name, col in (("nuts3.geojson", "nuts3_2024_code"), ("nuts2.geojson", "nuts2_2024_code")):
        fc = load(geo_dir, name)
        g = shapes(fc)
        assert set(g) == set("PT" + reference[col])
        assert all(f["properties"]["name"] for f in fc["features"])
        for _, r in reference.iterrows():
            assert g["PT" + r[col]].covers(mun[r["dico"]].representative_point()), (name, r["dico"])
        total = sum(x.area for x in g.values())
        assert total == pytest.approx(sum(x.area for x in mun.values()), rel=1e-3)
    assert "PT111" in shapes(load(geo_dir, "nuts3.geojson"))
    assert {"PT11", "PT1A", "PT1D", "PT20", "PT30"} <= set(shapes(load(geo_dir, "nuts2.geojson")))


def test_budget_and_manifest(geo_dir):
    """Issue 2 §6: the whole-country municipality layer is at most 300 KB gzipped."""
    m = load(geo_dir, "manifest.json")
    assert set(m["files"]) == set(LAYERS)
    for name, f in m["files"].items():
        data = (geo_dir / name).read_bytes()
        assert f["bytes"] == len(data)
        assert f["sha256"] == hashlib.sha256(data).hexdigest() and f["hash"] == f["sha256"][:12]
        gz = (geo_dir / (name + ".gz")).read_bytes()
        assert f["gzip_bytes"] == len(gz) and gzip.decompress(gz) == data
    assert m["files"]["municipios.geojson"]["gzip_bytes"] <= BUDGET_GZIP
    assert m["is_demo"] is False and m["crs"] == "EPSG:4326"


def test_deterministic(geo_dir, data_system, tmp_path):
    build_geo(data_system, tmp_path / "geo", progress=lambda m: None)
    for name in LAYERS + ["manifest.json"]:
        assert (tmp_path / "geo" / name).read_bytes() == (geo_dir / name).read_bytes(), name


def test_failed_run_leaves_the_old_layers(data_system, tmp_path):
    out = tmp_path / "geo"
    build_geo(data_system, out, progress=lambda m: None)
    before = (out / "manifest.json").read_bytes()
    broken = tmp_path / "ds"
    (broken / "geo").mkdir(parents=True)
    shutil.copytree(data_system / "reference", broken / "reference")
    fc = json.loads((data_system / "geo/municipios_308.geojson").read_text(encoding="utf-8"))
    fc["features"] = [f for f in fc["features"] if f["properties"]["dico"] != "1106"]
    (broken / "geo/municipios_308.geojson").write_text(json.dumps(fc), encoding="utf-8")
    with pytest.raises(GeoError, match="1106"):
        build_geo(broken, out, progress=lambda m: None)
    assert (out / "manifest.json").read_bytes() == before
    assert not list(tmp_path.glob(".geo.*"))          # no temporary folder left behind


def test_unknown_code_names_file_feature_and_field(data_system, tmp_path):
    ds = tmp_path / "ds"
    (ds / "geo").mkdir(parents=True)
    shutil.copytree(data_system / "reference", ds / "reference")
    fc = json.loads((data_system / "geo/municipios_308.geojson").read_text(encoding="utf-8"))
    fc["features"][4]["properties"]["dico"] = "9999"
    (ds / "geo/municipios_308.geojson").write_text(json.dumps(fc), encoding="utf-8")
    with pytest.raises(GeoError, match=r"municipios_308.geojson: feature 5, field 'dico': '9999'"):
        load_municipalities(ds)


def test_built_database_has_geo_layers(built):
    geo = Path(built["db"]).parent / "geo"
    m = json.loads((geo / "manifest.json").read_text())
    assert set(m["files"]) == set(LAYERS)


# -- tile map --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiles(geo_dir):
    return load(geo_dir, "tiles.json")


def test_every_municipality_has_exactly_one_tile(tiles, reference):
    assert sorted(tiles["tiles"]) == sorted(reference["dico"])
    cells = [(t["col"], t["row"]) for t in tiles["tiles"].values()]
    assert len(set(cells)) == len(cells) == 308               # no two tiles in one cell
    assert all(0 <= c < tiles["cols"] and 0 <= r < tiles["rows"] for c, r in cells)


def test_tile_squares_do_not_overlap(geo_dir, tiles):
    fc = load(geo_dir, "tiles.geojson")
    g = shapes(fc)
    assert sorted(g) == sorted(tiles["tiles"])
    geoms = np.array(list(g.values()))
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    assert (a == b).all(), "tile squares intersect"
    for f in fc["features"]:
        assert (f["properties"]["col"], f["properties"]["row"]) == (tiles["tiles"][f["id"]]["col"],
                                                                     tiles["tiles"][f["id"]]["row"])


def test_islands_are_separate_blocks(tiles, reference):
    tipo = dict(zip(reference["dico"], reference["tipo_territorio"]))
    for t, block in tiles["blocks"].items():
        for d, cell in tiles["tiles"].items():
            inside = (block["col"] <= cell["col"] < block["col"] + block["cols"]
                      and block["row"] <= cell["row"] < block["row"] + block["rows"])
            assert inside == (tipo[d] == t), (d, t)


def test_neighbours_stay_near(data_system, tiles):
    """Municipalities whose polygons touch keep their tiles close.

    A perfect layout (every touching pair in adjacent cells) is impossible: a municipality has 5.3
    neighbours on average and some have more than 8, the most a tile can touch. So: ≥ 95 % of the
    touching pairs at most 2 cells apart (Chebyshev: at most one tile between them; 99 % measured),
    median Euclidean distance ≤ 1.5 cells (a diagonal neighbour is 1.41; measured 1.41), none more
    than 4 cells apart (measured 3)."""
    g = load_municipalities(data_system)
    geoms = g.geometry.values
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = [(g["dico"][i], g["dico"][j]) for i, j in zip(a, b) if i < j]
    assert len(pairs) > 700
    pos = {d: np.array([t["col"], t["row"]]) for d, t in tiles["tiles"].items()}
    cheb = np.array([np.abs(pos[i] - pos[j]).max() for i, j in pairs])
    eucl = np.array([np.hypot(*(pos[i] - pos[j])) for i, j in pairs])
    assert (cheb <= 2).mean() >= 0.95
    assert np.median(eucl) <= 1.5
    assert cheb.max() <= 4


def test_tiles_keep_the_map_orientation(tiles):
    t = tiles["tiles"]
    assert t["1609"]["row"] < t["1106"]["row"] < t["0805"]["row"]     # Viana do Castelo, Lisboa, Faro
    assert t["1106"]["col"] < t["0705"]["col"]                        # Lisboa west of Évora
    assert t["1312"]["col"] < t["0402"]["col"]                        # Porto west of Bragança


# -- connectors ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cctx(data_system, reference):
    terr = build_territory(reference)
    return connectors.Context(territories=set(terr["territory_id"]), reference=reference, data_system=data_system)


def test_geojson_connector_stages_polygon_area(data_system, cctx, reference):
    src = load_catalogue()["boundaries"]
    conn = connectors.get("geojson")
    raw = conn.read(src, src.files(data_system))
    assert len(raw) == 308 and {"dico", "geometry", "_file", "_row"} <= set(raw.columns)
    assert raw["geometry"].str.startswith(("POLYGON", "MULTIPOLYGON")).all()
    staged, rejected = conn.transform(raw, src, cctx)
    assert len(staged) == 308 and len(rejected) == 0
    assert set(staged["variable"]) == {"area_km2_geom"} and set(staged["period_id"]) == {"2021"}
    ratio = staged.set_index("territory_id")["value"] / pd.to_numeric(reference.set_index("dico")["area_km2"])
    assert ratio.median() == pytest.approx(1, abs=0.01) and ratio.between(0.95, 1.05).all()


def test_geojson_connector_rejects_bad_features(data_system, cctx):
    src = load_catalogue()["boundaries"]
    conn = connectors.get("geojson")
    raw = conn.read(src, src.files(data_system))
    raw.loc[0, "dico"] = "9999"
    raw.loc[1, "geometry"] = ""
    raw.loc[3, "dico"] = raw.loc[2, "dico"]
    staged, rejected = conn.transform(raw, src, cctx)
    assert len(staged) == 308 - 4
    r = rejected.set_index("row_number")
    assert r.loc[1, "field"] == "dico" and r.loc[1, "value"] == "9999" and "unknown" in r.loc[1, "reason"]
    assert r.loc[2, "field"] == "geometry"
    assert set(rejected.loc[rejected["reason"].str.startswith("duplicate"), "row_number"]) == {3, 4}
    assert rejected["file"].str.endswith("municipios_308.geojson").all()


def test_topojson_connector_decodes_arcs(data_system, cctx):
    base = load_catalogue()["boundaries"]
    src = base.model_copy(update={"path": "geo/municipios_308_simplified.topojson", "format": "topojson"})
    conn = connectors.get("topojson")
    staged, rejected = conn.transform(conn.read(src, src.files(data_system)), src, cctx)
    assert len(staged) == 308 and len(rejected) == 0
    geo = connectors.get("geojson")
    ref, _ = geo.transform(geo.read(base, base.files(data_system)), base, cctx)
    assert staged["value"].sum() == pytest.approx(ref["value"].sum(), rel=0.005)


def test_a_folder_is_swapped_in_whole_or_not_at_all(tmp_path):
    """etl.buildfiles.swapped_folder (the geo layers, the demo data system): an error inside leaves the
    old folder as it was and no temporary folder; success replaces it whole."""
    from etl.buildfiles import swapped_folder
    target = tmp_path / "geo"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with swapped_folder(target) as tmp:
            (tmp / "new.txt").write_text("half")
            raise RuntimeError("killed half-way")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geo"]
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    with swapped_folder(target) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geo"]
    assert [p.name for p in target.iterdir()] == ["new.txt"]
