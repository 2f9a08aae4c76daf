"""Peer groups of every municipality (dim_peer) and its position among them (fact_peer_position).

Five groups per municipality (labels and criteria in core/vocabulary.py):

  nuts3       the other municipalities of the same NUTS III region (NUTS 2024);
  cim         the other municipalities of the same CIM / metropolitan area (mainland only);
  size        the municipalities of the same population size class (SIZE_CLASSES: resident
              population, INE Census 2021; cut-offs 5 000 / 20 000 / 50 000 / 100 000);
  profile     the K = 10 nearest municipalities on a standardised structural profile
              (population, density, ageing, purchasing power per capita, foreign residents, …:
              whatever the build has; a missing dimension is left out, not imputed);
  neighbours  the municipalities sharing a border, from geo/municipios_308.geojson (polygons
              within TOUCH_M metres, since the geometry is simplified); an island municipality
              alone on its island has none.

A municipality is never its own peer. Ties are broken by the peer's DICO, so results are
deterministic. `rank` orders the peers (closest first) and `distance` says how close:
|Δ log10 population| for nuts3/cim/size, the Euclidean distance in the standardised profile for
profile, and the distance between centroids (km) for neighbours. `dimensions` holds the criterion:
the region or class id, or, for profile, the dimensions on which the two are most alike.

Positions: for every indicator × period × municipality with a value × group, the peers' median,
quartiles and count (the municipality excluded), its rank among itself and its peers (1 = highest
value), its percentile among its peers (share below + half the ties) and a robust position: above
the peers' upper quartile, below their lower quartile, or similar (needs >= 3 peers with a value).
Vectorised with numpy: leave-one-out order statistics on sorted blocks for the region/class groups,
a dense slices × municipalities × peers array for profile and neighbours.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from etl.marts import insert
from core.vocabulary import PEER_GROUPS, POSITIONS as VOCAB_POSITIONS, SIZE_CLASSES

log = logging.getLogger(__name__)

K = 10
TOUCH_M = 20.0
GEO_FILE = "geo/municipios_308.geojson"
GROUP_TYPES = tuple(PEER_GROUPS)
MIN_PEERS_POSITION = 3
PEER_COLUMNS = ["territory_id", "group_type", "peer_id", "rank", "distance", "dimensions"]

#: profile dimensions from the build: id -> (candidate indicator ids, candidate staged variables);
#: the first one found is used, at its latest period with values. `population`, `density` (log10)
#: and `foreign` (% foreign residents) come from the reference table (Census 2021). Every id named
#: here is an indicator of the registry (indicators/<id>.yaml; tests/test_peers.py checks it).
PROFILE_SOURCES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ageing": (("indice_envelhecimento",), ("pordata_municipios:indice_envelhecimento",)),
    "pop_change": (("variacao_populacao_2011_2021",), ()),
}
#: purchasing power: the registry has the share (% of Portugal) only, turned into a per-capita index
PP_SHARE = (("poder_compra_pct",), ("pordata_municipios:percentagem_poder_compra",))


# -- pure functions ------------------------------------------------------------------------------

def size_class(population) -> pd.Series:
    """Size class id of each population (SIZE_CLASSES; bounds: lower exclusive, upper inclusive)."""
    pop = pd.to_numeric(pd.Series(population), errors="coerce")
    out = pd.Series(pd.NA, index=pop.index, dtype="object")
    for c in SIZE_CLASSES.values():
        out[(pop > c.lower) & (pop <= c.upper)] = c.id
    return out


def class_peers(munis: pd.DataFrame, key: str, group_type: str) -> pd.DataFrame:
    """Peers sharing the value of column `key` (NaN/None: no group); ranked by closeness of population."""
    m = munis[["territory_id", key, "population"]].dropna(subset=[key])
    m = m.assign(_lp=np.log10(m["population"].clip(lower=1)))
    p = m.merge(m, on=key, suffixes=("", "_p"))
    p = p[p["territory_id"] != p["territory_id_p"]]
    p = p.assign(distance=(p["_lp"] - p["_lp_p"]).abs().round(9))
    p = p.sort_values(["territory_id", "distance", "territory_id_p"])
    p["rank"] = p.groupby("territory_id").cumcount() + 1
    return pd.DataFrame({"territory_id": p["territory_id"].values, "group_type": group_type,
                         "peer_id": p["territory_id_p"].values, "rank": p["rank"].values,
                         "distance": p["distance"].values, "dimensions": p[key].astype(str).values})


def standardise(X: pd.DataFrame, clip: float = 4.0) -> pd.DataFrame:
    """Robust z-scores per column: (x - median) / (1.4826 MAD), clipped to ±clip; falls back to the
    standard deviation when the MAD is 0; constant or empty columns are dropped."""
    out = {}
    for c in X.columns:
        x = pd.to_numeric(X[c], errors="coerce")
        med = x.median()
        scale = 1.4826 * (x - med).abs().median()
        if not scale or np.isnan(scale):
            scale = x.std()
        if not scale or np.isnan(scale):
            continue
        out[c] = ((x - med) / scale).clip(-clip, clip)
    return pd.DataFrame(out, index=X.index)


def profile_peers(Z: pd.DataFrame, k: int = K, close: float = 0.5, max_dims: int = 4) -> pd.DataFrame:
    """The k nearest rows of Z (index = territory id) by Euclidean distance over the dimensions both
    have (rescaled to all dimensions); ties by id. `dimensions`: the dims with |Δz| <= close, closest
    first (at most max_dims; at least the closest one)."""
    ids = np.asarray(Z.index.astype(str))
    order = np.argsort(ids, kind="stable")
    ids, A = ids[order], Z.to_numpy(dtype=float)[order]
    n, d = A.shape
    if n < 2 or d == 0:
        return pd.DataFrame(columns=PEER_COLUMNS)
    diff = A[:, None, :] - A[None, :, :]                    # n × n × d
    both = ~np.isnan(diff)
    nd = both.sum(axis=2)
    sq = np.where(both, diff ** 2, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(sq * d / nd)
    dist[nd == 0] = np.inf
    np.fill_diagonal(dist, np.inf)
    dist = np.round(dist, 9)
    kk = min(k, n - 1)
    # stable sort on distance; ids are already sorted, so ties go to the lower id
    nn = np.argsort(dist, axis=1, kind="stable")[:, :kk]
    cols = np.asarray(Z.columns)
    rows = []
    for i in range(n):
        for r, j in enumerate(nn[i], 1):
            dz = np.abs(diff[i, j])
            ok = ~np.isnan(dz)
            idx = np.where(ok)[0][np.argsort(dz[ok], kind="stable")]
            near = [cols[t] for t in idx if dz[t] <= close][:max_dims] or [cols[idx[0]]] if len(idx) else []
            rows.append((ids[i], "profile", ids[j], r, float(dist[i, j]), ",".join(near)))
    return pd.DataFrame(rows, columns=PEER_COLUMNS)


def neighbour_peers(geo, tolerance_m: float = TOUCH_M) -> pd.DataFrame:
    """Municipalities whose polygons lie within tolerance_m metres (GeoDataFrame with `territory_id`)."""
    import geopandas as gpd
    g = geo[["territory_id", "geometry"]].to_crs(3035).reset_index(drop=True)
    j = gpd.sjoin(g, g, predicate="dwithin", distance=tolerance_m)
    j = j[j["territory_id_left"] != j["territory_id_right"]]
    cent = g.set_index("territory_id").geometry.centroid
    a = cent.loc[j["territory_id_left"]].values
    b = cent.loc[j["territory_id_right"]].values
    km = np.round(gpd.GeoSeries(a, crs=3035).distance(gpd.GeoSeries(b, crs=3035)).values / 1000.0, 3)
    p = pd.DataFrame({"territory_id": j["territory_id_left"].values, "peer_id": j["territory_id_right"].values,
                      "distance": km}).drop_duplicates(["territory_id", "peer_id"])
    p = p.sort_values(["territory_id", "distance", "peer_id"])
    p["rank"] = p.groupby("territory_id").cumcount() + 1
    return p.assign(group_type="neighbours", dimensions="border")[PEER_COLUMNS]


# -- structural profile from the build -----------------------------------------------------------

def _latest(facts: pd.DataFrame, staged: pd.DataFrame | None, ind_ids, variables, munis) -> pd.Series | None:
    """Latest municipal value per municipality of the first indicator (or staged variable) present."""
    def pick(df, id_col, ids):
        for i in ids:
            d = df[(df[id_col] == i) & df["territory_id"].isin(munis) & df["value"].notna()]
            if len(d):
                last = d.assign(_k=d["period_id"].astype(str)).sort_values("_k").groupby("territory_id").tail(1)
                return last.set_index("territory_id")["value"].astype(float)
        return None
    s = pick(facts, "indicator_id", ind_ids) if facts is not None and len(facts) else None
    if s is None and staged is not None and len(staged) and variables:
        s = pick(staged, "variable", variables)
    return s


def profile_matrix(territory: pd.DataFrame, reference: pd.DataFrame | None = None,
                   facts: pd.DataFrame | None = None, staged: pd.DataFrame | None = None) -> pd.DataFrame:
    """Raw structural dimensions per municipality (index = DICO), before standardisation."""
    m = territory[territory["level"] == "municipio"].set_index("territory_id")
    munis = set(m.index)
    X = pd.DataFrame(index=m.index.sort_values())
    pop = pd.to_numeric(m["population"], errors="coerce")
    X["population"] = np.log10(pop.clip(lower=1))
    X["density"] = np.log10((pop / pd.to_numeric(m["area_km2"], errors="coerce")).clip(lower=0.01))
    if reference is not None and "pop_estrangeira_2021_censos" in reference:
        ref = reference.set_index("dico")
        fr = pd.to_numeric(ref["pop_estrangeira_2021_censos"], errors="coerce")
        X["foreign"] = (fr / pd.to_numeric(ref["pop_2021_censos"], errors="coerce") * 100).reindex(X.index)
    for dim, (ids, variables) in PROFILE_SOURCES.items():
        s = _latest(facts, staged, ids, variables, munis)
        if s is not None:
            X[dim] = s.reindex(X.index)
    share = _latest(facts, staged, *PP_SHARE, munis)
    if share is not None and reference is not None:
        ref = reference.set_index("dico")
        p = pd.to_numeric(ref.get("pop_2019", ref["pop_2021_censos"]), errors="coerce").reindex(X.index)
        X["purchasing_power"] = share.reindex(X.index) / (p / p.sum() * 100) * 100
    return X.dropna(axis=1, how="all")


# -- the build step ------------------------------------------------------------------------------

def peer_table(territory, reference=None, facts=None, staged=None, geo=None, k: int = K) -> pd.DataFrame:
    m = territory[territory["level"] == "municipio"][["territory_id", "nuts3_id", "cim_id", "population"]].copy()
    m["size_class"] = size_class(m["population"]).values
    parts = [class_peers(m, "nuts3_id", "nuts3"), class_peers(m, "cim_id", "cim"),
             class_peers(m, "size_class", "size")]
    Z = standardise(profile_matrix(territory, reference, facts, staged))
    out_profile = profile_peers(Z, k)
    parts.append(out_profile)
    if geo is not None:
        parts.append(neighbour_peers(geo))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out["rank"] = out["rank"].astype(int)
    out.attrs["profile_dimensions"] = list(Z.columns)
    return out


def read_geo(data_system: Path):
    path = Path(data_system) / GEO_FILE
    if not path.exists():
        log.warning("no %s: the neighbours group is left empty", path)
        return None
    import geopandas as gpd
    g = gpd.read_file(path, columns=["dico"])
    return g.rename(columns={"dico": "territory_id"})


POSITION_COLUMNS = ["indicator_id", "territory_id", "period_id", "group_type", "peer_median", "peer_q1",
                    "peer_q3", "peer_n", "rank", "percentile", "position"]


def _quantile_sorted(S: np.ndarray, start: np.ndarray, m: np.ndarray, q: float,
                     skip: np.ndarray | None = None) -> np.ndarray:
    """Quantile q (linear interpolation, as numpy/quantile_cont) of the m values that start at
    S[start] in the ascending flat array S, leaving out the element at absolute index `skip`."""
    h = np.maximum(m - 1, 0) * q
    lo = np.floor(h).astype(np.int64)
    frac = h - lo
    hi = np.minimum(lo + 1, np.maximum(m - 1, 0))

    def at(i):
        idx = start + i
        if skip is not None:
            idx = idx + (idx >= skip)
        return S[np.clip(idx, 0, len(S) - 1)]
    a = at(lo)
    out = a + frac * (at(hi) - a)
    return np.where(m > 0, out, np.nan)


POSITIONS = list(VOCAB_POSITIONS)


def _position(value, q1, q3, n):
    """Codes into POSITIONS (-1: too few peers to say)."""
    pos = np.where(value > q3, 0, np.where(value < q1, 2, 1)).astype(np.int8)
    pos[n < MIN_PEERS_POSITION] = -1
    return pos


def class_positions(slice_id, tid, value, key) -> dict[str, np.ndarray]:
    """Positions among the other members of the same class (key < 0: no class), leave-one-out.

    All inputs are aligned 1-D arrays (one row per slice = indicator × period and municipality).
    """
    keep = key >= 0
    slice_id, tid, value, key = slice_id[keep], tid[keep], value[keep], key[keep]
    o = np.lexsort((value, key, slice_id))
    sl, t, v, k = slice_id[o], tid[o], value[o], key[o]
    N = len(v)
    idx = np.arange(N)
    new_block = np.ones(N, dtype=bool)
    new_block[1:] = (sl[1:] != sl[:-1]) | (k[1:] != k[:-1])
    bstarts = np.flatnonzero(new_block)
    bid = np.cumsum(new_block) - 1
    off = bstarts[bid]
    n = np.diff(np.r_[bstarts, N])[bid]
    m = n - 1
    new_run = new_block.copy()
    new_run[1:] |= v[1:] != v[:-1]
    rstarts = np.flatnonzero(new_run)
    rid = np.cumsum(new_run) - 1
    first = rstarts[rid]
    last = (np.r_[rstarts[1:], N] - 1)[rid]
    below, equal, above = first - off, last - first, off + n - 1 - last
    q1 = _quantile_sorted(v, off, m, 0.25, idx)
    med = _quantile_sorted(v, off, m, 0.5, idx)
    q3 = _quantile_sorted(v, off, m, 0.75, idx)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = (below + 0.5 * equal) / m * 100
    ok = m > 0
    return {"slice": sl[ok], "tid": t[ok], "peer_median": med[ok], "peer_q1": q1[ok], "peer_q3": q3[ok],
            "peer_n": m[ok], "rank": above[ok] + 1, "percentile": pct[ok],
            "position": _position(v, q1, q3, m)[ok]}


def pair_positions(V: np.ndarray, peer_idx: np.ndarray) -> dict[str, np.ndarray]:
    """Positions among explicit peers. V: slices × (municipalities + 1) values (last column NaN);
    peer_idx: municipalities × kmax peer columns (padded with the NaN column)."""
    n_s, n_t = V.shape[0], peer_idx.shape[0]
    G = V[:, peer_idx]                                   # slices × municipalities × kmax
    x = V[:, :n_t][:, :, None]
    with np.errstate(invalid="ignore"):
        above = (G > x).sum(-1)
        below = (G < x).sum(-1)
        equal = (G == x).sum(-1)
    m = (~np.isnan(G)).sum(-1)
    S = np.sort(G, axis=-1)
    kmax = S.shape[-1]
    flat = S.reshape(-1)
    start = np.arange(n_s * n_t) * kmax
    mm = m.reshape(-1)
    q1, med, q3 = (_quantile_sorted(flat, start, mm, q) for q in (0.25, 0.5, 0.75))
    xv = V[:, :n_t].reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = (below.reshape(-1) + 0.5 * equal.reshape(-1)) / mm * 100
    ok = (mm > 0) & ~np.isnan(xv)
    sl, t = np.divmod(np.arange(n_s * n_t), n_t)
    return {"slice": sl[ok], "tid": t[ok], "peer_median": med[ok], "peer_q1": q1[ok], "peer_q3": q3[ok],
            "peer_n": mm[ok], "rank": above.reshape(-1)[ok] + 1, "percentile": pct[ok],
            "position": _position(xv, q1, q3, mm)[ok]}


def positions(facts: pd.DataFrame, territory: pd.DataFrame, peers: pd.DataFrame) -> pd.DataFrame:
    """fact_peer_position for every indicator × period × municipality with a value × group type."""
    mun = territory[territory["level"] == "municipio"].sort_values("territory_id")
    tids = mun["territory_id"].to_numpy()
    t_index = pd.Index(tids)
    f = facts[facts["territory_id"].isin(t_index)]
    f = f[np.isfinite(f["value"].to_numpy(dtype=float))]
    if f.empty:
        return pd.DataFrame(columns=POSITION_COLUMNS)
    ic, inds = pd.factorize(f["indicator_id"])
    pc, pers = pd.factorize(f["period_id"])
    slice_codes, uniq = pd.factorize(ic.astype(np.int64) * len(pers) + pc)
    slice_ind, slice_per = np.divmod(np.asarray(uniq), len(pers))
    tid = t_index.get_indexer(f["territory_id"])
    val = f["value"].to_numpy(dtype=float)
    keys = {"nuts3": mun["nuts3_id"], "cim": mun["cim_id"], "size": size_class(mun["population"])}
    parts = []
    for g, col in keys.items():
        codes, _ = pd.factorize(pd.Series(np.asarray(col, dtype=object)), use_na_sentinel=True)
        parts.append((g, class_positions(slice_codes, tid, val, codes[tid])))
    V = np.full((len(uniq), len(tids) + 1), np.nan)
    V[slice_codes, tid] = val
    for g in ("profile", "neighbours"):
        pg = peers[peers["group_type"] == g]
        if pg.empty:
            continue
        a = t_index.get_indexer(pg["territory_id"])
        b = t_index.get_indexer(pg["peer_id"])
        col = pg.groupby("territory_id").cumcount().to_numpy()
        P = np.full((len(tids), int(col.max()) + 1), len(tids))
        P[a, col] = b
        parts.append((g, pair_positions(V, P)))
    cat = pd.Categorical.from_codes
    groups = list(GROUP_TYPES)
    cols = {k: np.concatenate([d[k] for _, d in parts]) for k in parts[0][1]}
    gcode = np.concatenate([np.full(len(d["slice"]), groups.index(g), dtype=np.int8) for g, d in parts])
    return pd.DataFrame({
        "indicator_id": cat(slice_ind[cols["slice"]], categories=pd.Index(inds, dtype=str)),
        "territory_id": cat(cols["tid"], categories=pd.Index(tids, dtype=str)),
        "period_id": cat(slice_per[cols["slice"]], categories=pd.Index(pers, dtype=str)),
        "group_type": cat(gcode, categories=groups),
        "peer_median": cols["peer_median"], "peer_q1": cols["peer_q1"], "peer_q3": cols["peer_q3"],
        "peer_n": cols["peer_n"].astype(np.int32), "rank": cols["rank"].astype(np.int32),
        "percentile": cols["percentile"], "position": cat(cols["position"], categories=POSITIONS)})


def recreate_without_index(con, table: str) -> None:
    """Re-create an (empty) mart without its PRIMARY KEY index, keeping the columns, types and NOT NULLs.

    Building DuckDB's ART index for the ~10^6 rows of fact_peer_position takes ~8 s on 2 cores and no
    query needs it; the grain (the declared primary key) is still checked by etl/checks.py.
    """
    import re
    from duckdb_engine import Dialect
    from sqlalchemy.schema import CreateTable
    from core.schema import metadata
    ddl = str(CreateTable(metadata.tables[table]).compile(dialect=Dialect()))
    ddl = re.sub(r",\s*PRIMARY KEY \([^)]*\)", "", ddl)
    con.execute(f"DROP TABLE {table}")
    con.execute(ddl)


def public_inputs(ctx) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The build's facts and staged observations without restricted data: the peer groups are public
    (profile pages, API), so a restricted indicator, or a staged variable only restricted indicators
    read (ctx.restricted, etl.build.restricted_inputs), never shapes them."""
    hidden = ctx.restricted
    facts, staged = ctx.facts, ctx.staged
    if hidden and facts is not None and len(facts):
        facts = facts[~facts["indicator_id"].isin(hidden)]
    if hidden and staged is not None and len(staged):
        staged = staged[~staged["variable"].isin(hidden)]
    return facts, staged


def run(con, ctx) -> None:
    """The pipeline step (etl.build.PIPELINE, before alarms): dim_peer and fact_peer_position."""
    t0 = time.perf_counter()
    geo = read_geo(ctx.data_system)
    facts, staged = public_inputs(ctx)
    peers = peer_table(ctx.territory, ctx.reference, facts, staged, geo)
    insert(con, "dim_peer", peers)
    ctx.peers = peers
    t1 = time.perf_counter()
    pos = positions(ctx.facts, ctx.territory, peers)
    recreate_without_index(con, "fact_peer_position")
    insert(con, "fact_peer_position", pos)
    n = len(pos)
    dims = ", ".join(peers.attrs.get("profile_dimensions", []))
    ctx.progress(f"peers: {len(peers)} peer pairs, profile on {dims} ({t1 - t0:.2f} s); {n} peer positions "
                 f"({time.perf_counter() - t1:.2f} s)")
