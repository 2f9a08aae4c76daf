"""Peer groups: size classes, class peers, profile peers (k always, never itself, deterministic),
neighbours (islands have none), and the peer positions of the real build."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl import peers as P
from core.vocabulary import PEER_GROUPS, POSITIONS, PROFILE_DIMENSIONS, SIZE_CLASSES


def test_size_class_bounds():
    got = list(P.size_class([384, 5000, 5001, 20000, 20001, 50000, 100000, 100001, np.nan]).fillna("-"))
    assert got == ["ate_5000", "ate_5000", "5001_20000", "5001_20000", "20001_50000", "20001_50000",
                   "50001_100000", "mais_100000", "-"]
    assert list(SIZE_CLASSES) == ["ate_5000", "5001_20000", "20001_50000", "50001_100000", "mais_100000"]


def test_closed_lists_are_labelled():
    assert set(PEER_GROUPS) == set(P.GROUP_TYPES)
    for g in PEER_GROUPS.values():
        assert g.label("pt") and g.label("en") and g.description("pt") and g.description("en")
    assert set(POSITIONS) == {"above", "similar", "below"}
    assert {"population", "density", "ageing", "purchasing_power", "foreign"} <= set(PROFILE_DIMENSIONS)


def test_profile_dimensions_name_real_indicators():
    """The profile reads indicators of the registry: a guessed id would silently drop a dimension."""
    from indicators import load_registry
    known = set(load_registry())
    named = [i for ids, _ in P.PROFILE_SOURCES.values() for i in ids] + list(P.PP_SHARE[0])
    assert named and set(named) <= known, sorted(set(named) - known)


def munis():
    return pd.DataFrame({"territory_id": ["0101", "0102", "0103", "0201", "4901"],
                         "nuts3_id": ["A", "A", "A", "B", "C"], "cim_id": ["X", "X", "X", "Y", None],
                         "population": [1000, 2000, 1500, 900, 384]})


def test_class_peers_exclude_self_and_order_by_size():
    p = P.class_peers(munis(), "nuts3_id", "nuts3")
    assert not (p["territory_id"] == p["peer_id"]).any()
    a = p[p["territory_id"] == "0101"]
    assert list(a["peer_id"]) == ["0103", "0102"] and list(a["rank"]) == [1, 2]
    assert "4901" not in set(p["territory_id"])            # alone in its region: no peers
    cim = P.class_peers(munis(), "cim_id", "cim")
    assert "4901" not in set(cim["territory_id"]) and "4901" not in set(cim["peer_id"])


def test_profile_peers_k_always_never_self_deterministic():
    rng = np.random.default_rng(0)
    ids = [f"{i:04d}" for i in range(1, 41)]
    Z = pd.DataFrame(rng.normal(size=(40, 4)), index=ids, columns=["population", "density", "ageing", "foreign"])
    Z.iloc[3, 2] = np.nan                                    # a missing dimension is left out, not imputed
    p1 = P.profile_peers(Z, k=10)
    p2 = P.profile_peers(Z.sample(frac=1, random_state=1), k=10)   # row order does not matter
    pd.testing.assert_frame_equal(p1.reset_index(drop=True), p2.reset_index(drop=True))
    assert (p1.groupby("territory_id").size() == 10).all()
    assert not (p1["territory_id"] == p1["peer_id"]).any()
    assert (p1.groupby("territory_id")["distance"].apply(lambda s: s.is_monotonic_increasing)).all()
    assert p1["dimensions"].str.len().gt(0).all()


def test_profile_peers_ties_broken_by_id():
    Z = pd.DataFrame({"a": [0.0, 1.0, 1.0, 1.0, -1.0]}, index=["0005", "0004", "0003", "0002", "0001"])
    p = P.profile_peers(Z, k=3)
    assert list(p[p["territory_id"] == "0005"]["peer_id"]) == ["0001", "0002", "0003"]
    # tiny municipality far from everyone (Corvo): still k peers
    Z2 = pd.DataFrame({"a": [0.0, 0.1, 0.2, 9.0]}, index=["0101", "0102", "0103", "4901"])
    p2 = P.profile_peers(Z2, k=2)
    assert list(p2[p2["territory_id"] == "4901"]["peer_id"]) == ["0103", "0102"]


def test_standardise_is_robust_and_drops_constant_columns():
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 1000.0], "c": [5.0] * 5})
    Z = P.standardise(X)
    assert list(Z.columns) == ["x"]
    assert Z["x"].iloc[2] == 0 and Z["x"].iloc[-1] == 4.0       # clipped outlier


def test_neighbours_touching_polygons_islands_have_none():
    import geopandas as gpd  # a runtime dependency (etl/geo.py): missing, the test fails
    from shapely.geometry import box
    # three squares of ~1 km at lon/lat near Portugal: two touch, one is an island
    d = 0.01
    geo = gpd.GeoDataFrame({"territory_id": ["0101", "0102", "4901"]},
                           geometry=[box(-8.0, 40.0, -8.0 + d, 40.0 + d), box(-8.0 + d, 40.0, -8.0 + 2 * d, 40.0 + d),
                                     box(-31.1, 39.7, -31.1 + d, 39.7 + d)], crs=4326)
    p = P.neighbour_peers(geo)
    assert set(zip(p["territory_id"], p["peer_id"])) == {("0101", "0102"), ("0102", "0101")}
    assert (p["group_type"] == "neighbours").all()


# -- the real build ---------------------------------------------------------------------------------

def test_every_municipality_has_peer_groups(db):
    n = dict(db.execute("SELECT group_type, count(DISTINCT territory_id) FROM dim_peer GROUP BY 1").fetchall())
    assert n["nuts3"] == 308 and n["size"] == 308 and n["profile"] == 308
    assert n["cim"] == 278                                  # mainland only
    assert db.execute("SELECT count(*) FROM dim_peer WHERE territory_id = peer_id").fetchone()[0] == 0
    k = db.execute("SELECT min(c), max(c) FROM (SELECT territory_id, count(*) c FROM dim_peer "
                   "WHERE group_type = 'profile' GROUP BY 1)").fetchone()
    assert k == (P.K, P.K)
    # peers are municipalities
    assert db.execute("SELECT count(*) FROM dim_peer p JOIN dim_territory t ON t.territory_id = p.peer_id "
                      "WHERE t.level <> 'municipio'").fetchone()[0] == 0


def test_corvo_and_flores(db):
    groups = lambda t: dict(db.execute("SELECT group_type, count(*) FROM dim_peer WHERE territory_id = ? "  # noqa: E731
                                       "GROUP BY 1", [t]).fetchall())
    corvo = groups("4901")
    assert "neighbours" not in corvo and "cim" not in corvo
    assert corvo["profile"] == P.K and corvo["nuts3"] == 18 and corvo["size"] > 0
    flores = db.execute("SELECT peer_id FROM dim_peer WHERE territory_id = '4801' AND group_type = 'neighbours'").fetchall()
    assert flores == [("4802",)]
    islands = {r[0] for r in db.execute("SELECT territory_id FROM dim_territory WHERE level = 'municipio' AND "
                                        "territory_id NOT IN (SELECT territory_id FROM dim_peer "
                                        "WHERE group_type = 'neighbours')").fetchall()}
    assert islands == {"3201", "4101", "4401", "4701", "4901"}   # alone on their island


def test_peer_positions(db):
    bad = db.execute("SELECT count(*) FROM fact_peer_position WHERE position NOT IN ('above','similar','below') "
                     "OR peer_n < 1 OR percentile < 0 OR percentile > 100 OR rank < 1 OR rank > peer_n + 1").fetchone()[0]
    assert bad == 0
    assert db.execute("SELECT count(DISTINCT group_type) FROM fact_peer_position").fetchone()[0] == 5
    # the peer median excludes the municipality itself (Lisboa, its NUTS III, ageing index, latest period)
    row = db.execute("SELECT period_id, peer_median, peer_n FROM fact_peer_position WHERE territory_id = '1106' "
                     "AND group_type = 'nuts3' AND indicator_id = 'indice_envelhecimento' "
                     "ORDER BY period_id DESC LIMIT 1").fetchone()
    vals = [r[0] for r in db.execute(
        "SELECT f.value FROM fact_indicator_value f JOIN dim_peer p ON p.peer_id = f.territory_id "
        "WHERE p.territory_id = '1106' AND p.group_type = 'nuts3' AND f.indicator_id = 'indice_envelhecimento' "
        "AND f.period_id = ? AND f.value IS NOT NULL", [row[0]]).fetchall()]
    assert row[2] == len(vals) and row[1] == pytest.approx(float(np.median(vals)))
    # same for a pair-based group
    row = db.execute("SELECT period_id, peer_median, peer_n FROM fact_peer_position WHERE territory_id = '4901' "
                     "AND group_type = 'profile' AND indicator_id = 'indice_envelhecimento' "
                     "ORDER BY period_id DESC LIMIT 1").fetchone()
    vals = [r[0] for r in db.execute(
        "SELECT f.value FROM fact_indicator_value f JOIN dim_peer p ON p.peer_id = f.territory_id "
        "WHERE p.territory_id = '4901' AND p.group_type = 'profile' AND f.indicator_id = 'indice_envelhecimento' "
        "AND f.period_id = ? AND f.value IS NOT NULL", [row[0]]).fetchall()]
    assert row[2] == len(vals) and row[1] == pytest.approx(float(np.median(vals)))


def test_peer_table_is_deterministic_on_the_real_reference(data_system):
    from etl.territory import build_territory, read_reference
    ref = read_reference(data_system)
    terr = build_territory(ref)
    geo = P.read_geo(data_system)
    a = P.peer_table(terr, ref, geo=geo)
    b = P.peer_table(terr.sample(frac=1, random_state=3), ref.sample(frac=1, random_state=4),
                     geo=geo.sample(frac=1, random_state=5))
    key = ["territory_id", "group_type", "rank"]
    pd.testing.assert_frame_equal(a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True))
    prof = a[a["group_type"] == "profile"]
    assert prof.groupby("territory_id").size().eq(P.K).all() and prof["territory_id"].nunique() == 308
    assert not (a["territory_id"] == a["peer_id"]).any()
