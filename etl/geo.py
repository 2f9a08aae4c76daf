"""Web boundary layers and the tile map, built from the data system's municipality boundaries.

Load `geo/municipios_308.geojson` and the reference table -> simplify the polygon coverage
(topology-aware: shared edges stay shared) and round to 4 decimals -> dissolve NUTS III and NUTS II
(NUTS 2024) from the simplified municipalities -> assign one tile per municipality -> write
static files into a temporary folder and swap it in (a failed run leaves the old layers).

Outputs (EPSG:4326, RFC 7946 winding; feature `id` = territory id):
  municipios.geojson  properties id (DICO), name (unique display name), tipo (continente|raa|ram)
  nuts3.geojson       id 'PT111', name          nuts2.geojson   id 'PT11', name
  tiles.json          {"cols", "rows", "cell_deg", "blocks", "tiles": {dico: {"col", "row"}}}
  tiles.geojson       one square per municipality in tile space (lon = col·cell, lat = −row·cell),
                      same ids and properties as municipios.geojson plus col/row, so the app draws
                      the tile map with its choropleth code (equirectangular projection, fitbounds)
  inset/<layer>       the map layers with Açores and Madeira moved into framed boxes west of the mainland
                      (etl/geo_inset.py); the manifest's `insets` gives their frames and bounds
  manifest.json       per file: bytes, gzip bytes, sha256 and a short hash for cache-busting URLs
  *.gz                pre-compressed copies (gzip -9, mtime 0) for static serving

Açores and Madeira keep their real positions in the map layers (their inset variants move them); in the
tile map they are separate blocks to the left of the mainland (Açores level with Lisboa, Madeira at
the bottom).
"""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely

from etl.buildfiles import swapped_folder
from etl.demo import is_demo_system
from etl.geo_inset import inset_layer
from etl.territory import read_reference

SOURCE = "geo/municipios_308.geojson"
#: coverage simplification tolerance (degrees; GEOS: ~ square root of the removed triangles' area)
TOLERANCE = 0.002
DECIMALS = 4
#: municipality layer budget (issue 2 §6): whole country, gzipped
BUDGET_GZIP = 300 * 1024
#: tile-map geometry: one cell in degrees of the tile space; tile side as a share of the cell
CELL_DEG = 0.1
TILE_SIDE = 0.94
#: mainland grid: cells inside the outline per municipality (a little slack; more leaves holes in the
#: sparse south, less pushes dense areas apart: 1.05 keeps 99 % of touching pairs within 2 cells)
MAINLAND_CELL_RATIO = 1.05
#: island blocks (cols, rows)
ISLAND_BLOCKS = {"raa": (7, 4), "ram": (5, 3)}
LAYERS = ["municipios.geojson", "nuts3.geojson", "nuts2.geojson", "tiles.geojson", "tiles.json"]
#: map layers that also get an islands-inset variant (inset/<name>; etl/geo_inset.py)
INSET_LAYERS = ["municipios.geojson", "nuts3.geojson", "nuts2.geojson"]


class GeoError(ValueError):
    pass


# -- load ----------------------------------------------------------------------------------------

def load_municipalities(data_system: Path, source: str = SOURCE) -> gpd.GeoDataFrame:
    """The boundary layer joined to the reference table; errors name the file and the feature."""
    data_system = Path(data_system)
    path = data_system / source
    if not path.exists():
        raise GeoError(f"{path}: boundary file not found")
    g = gpd.read_file(path)
    if g.crs is None:
        g = g.set_crs(4326)
    elif g.crs.to_epsg() != 4326:
        g = g.to_crs(4326)
    key = "dico" if "dico" in g.columns else "DICO"
    if key not in g.columns:
        raise GeoError(f"{path}: no 'dico' property")
    g["dico"] = g[key].astype(str).str.strip()
    ref = read_reference(data_system)
    missing = sorted(set(ref["dico"]) - set(g["dico"]))
    extra = g[~g["dico"].isin(ref["dico"])]
    if len(extra):
        i = extra.index[0]
        raise GeoError(f"{path}: feature {i + 1}, field 'dico': {g.at[i, 'dico']!r} is not in reference/municipios.csv")
    if missing:
        raise GeoError(f"{path}: no polygon for {len(missing)} municipalities: {', '.join(missing[:10])}")
    dup = g[g["dico"].duplicated()]
    if len(dup):
        raise GeoError(f"{path}: feature {dup.index[0] + 1}, field 'dico': duplicate {dup.iloc[0]['dico']!r}")
    bad = g[g.geometry.isna() | g.geometry.is_empty]
    if len(bad):
        raise GeoError(f"{path}: feature {bad.index[0] + 1} ({bad.iloc[0]['dico']}): empty geometry")
    cols = ["dico", "municipio_unico", "tipo_territorio", "nuts3_2024_code", "nuts3_2024_nome",
            "nuts2_2024_code", "nuts2_2024_nome"]
    out = g[["dico", "geometry"]].merge(ref[cols], on="dico", how="left")
    out["geometry"] = shapely.make_valid(out.geometry.values)
    return gpd.GeoDataFrame(out.sort_values("dico").reset_index(drop=True), geometry="geometry", crs=4326)


# -- simplify and dissolve -------------------------------------------------------------------------

def simplify(geoms: np.ndarray, tolerance: float = TOLERANCE, decimals: int = DECIMALS) -> np.ndarray:
    """Simplify a polygon coverage keeping shared edges shared, then snap to a 10^-decimals grid."""
    geoms = np.asarray(geoms)
    if tolerance:
        s = shapely.coverage_simplify(geoms, tolerance) if shapely.coverage_is_valid(geoms) else \
            shapely.simplify(geoms, tolerance, preserve_topology=True)
    else:
        s = geoms
    s = shapely.set_precision(s, 10.0 ** -decimals)
    # a sliver that collapses on the grid falls back to the unsimplified shape (never lose a polygon)
    empty = shapely.is_empty(s)
    if empty.any():
        s[empty] = shapely.set_precision(geoms[empty], 10.0 ** -(decimals + 1))
    return shapely.orient_polygons(s, exterior_cw=False)


def dissolve(g: gpd.GeoDataFrame, code: str, name: str, prefix: str = "PT") -> gpd.GeoDataFrame:
    rows = []
    for c, part in g.groupby(code, sort=True):
        geoms = part.geometry.values
        u = shapely.coverage_union_all(geoms) if shapely.coverage_is_valid(geoms) else shapely.union_all(geoms)
        rows.append({"id": prefix + c, "name": part[name].iloc[0], "geometry": u})
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    out["geometry"] = shapely.orient_polygons(shapely.set_precision(out.geometry.values, 10.0 ** -DECIMALS),
                                              exterior_cw=False)
    return out


# -- tile map --------------------------------------------------------------------------------------

def _assign(points: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Index of the cell given to each point: minimum total squared distance (Hungarian)."""
    from scipy.optimize import linear_sum_assignment
    cost = ((points[:, None, :] - cells[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    out = np.empty(len(points), dtype=int)
    out[rows] = cols
    return out


def _mainland_grid(polys: np.ndarray, ratio: float):
    """Square cells (projected metres) whose centres lie in the mainland outline (grown by 0.3 cell),
    about ratio·n of them; the cell size is found by bisection (deterministic)."""
    outline = shapely.union_all(polys).simplify(500)
    minx, miny, maxx, maxy = outline.bounds

    def cells(size):
        X, Y = np.meshgrid(np.arange(minx + size / 2, maxx, size), np.arange(maxy - size / 2, miny, -size))
        inside = shapely.contains_xy(outline.buffer(0.3 * size), X.ravel(), Y.ravel())
        return X.ravel()[inside], Y.ravel()[inside]

    lo, hi = 1000.0, 100000.0
    for _ in range(30):
        size = (lo + hi) / 2
        lo, hi = (size, hi) if len(cells(size)[0]) > ratio * len(polys) else (lo, size)
    cx, cy = cells(lo)
    col = np.rint((cx - minx - lo / 2) / lo).astype(int)
    row = np.rint((maxy - lo / 2 - cy) / lo).astype(int)
    return np.c_[cx, cy], np.c_[col, row]


def tile_layout(g: gpd.GeoDataFrame, ratio: float = MAINLAND_CELL_RATIO) -> dict:
    """{'cols', 'rows', 'blocks', 'tiles': {dico: {'col', 'row'}}}: one cell per municipality.

    Mainland: cells of a square grid inside the outline (PT-TM06 metres), assigned to municipality
    centroids by minimum total squared distance. Açores and Madeira: the same on a small box each,
    their centroids scaled into it, placed left of the mainland."""
    tipo = g["tipo_territorio"].to_numpy()
    main = g[tipo == "continente"]
    pm = main.to_crs(3763)
    cen = pm.geometry.centroid
    pts = np.c_[cen.x, cen.y]
    cells, colrow = _mainland_grid(pm.geometry.values, ratio)
    idx = _assign(pts, cells)
    cr = colrow[idx]
    left = max(w for w, _ in ISLAND_BLOCKS.values()) + 1          # island blocks + one empty column
    cr = cr - [cr[:, 0].min(), cr[:, 1].min()]
    tiles = {d: (int(c) + left, int(r)) for d, (c, r) in zip(main["dico"], cr)}
    main_rows = int(cr[:, 1].max()) + 1
    blocks = {"continente": {"col": left, "row": 0, "cols": int(cr[:, 0].max()) + 1, "rows": main_rows}}
    # the Açores block is level with Lisboa (as in reality, give or take a degree)
    lisboa_row = tiles["1106"][1] if "1106" in tiles else main_rows // 2
    for t, (w, h) in ISLAND_BLOCKS.items():
        part = g[tipo == t]
        if not len(part):
            continue
        c = part.to_crs(5015 if t == "raa" else 5016).geometry.centroid  # PTRA08 / UTM 26N, 28N
        p = np.c_[c.x, c.y]
        span = np.ptp(p, axis=0)
        scale = min((w - 1) / span[0] if span[0] else np.inf, (h - 1) / span[1] if span[1] else np.inf)
        q = (p - [p[:, 0].min(), p[:, 1].max()]) * scale * [1, -1]  # col right, row down
        q += [((w - 1) - span[0] * scale) / 2, ((h - 1) - span[1] * scale) / 2]
        bc, br = np.meshgrid(np.arange(w), np.arange(h))
        bcells = np.c_[bc.ravel(), br.ravel()].astype(float)
        k = _assign(q, bcells)
        top = max(0, min(lisboa_row - h // 2, main_rows - 2 * h - 2)) if t == "raa" else main_rows - h
        for d, (cc, rr) in zip(part["dico"], bcells[k].astype(int)):
            tiles[d] = (int(cc), int(rr) + top)
        blocks[t] = {"col": 0, "row": int(top), "cols": w, "rows": h}
    cols = max(c for c, _ in tiles.values()) + 1
    rows = max(r for _, r in tiles.values()) + 1
    return {"cols": cols, "rows": rows, "cell_deg": CELL_DEG, "origin": "top-left; row grows southwards",
            "blocks": blocks, "tiles": {d: {"col": c, "row": r} for d, (c, r) in sorted(tiles.items())}}


def tile_squares(layout: dict, g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    cell, half = layout["cell_deg"], layout["cell_deg"] * TILE_SIDE / 2
    rows = []
    for _, m in g.iterrows():
        t = layout["tiles"][m["dico"]]
        cx, cy = (t["col"] + 0.5) * cell, -(t["row"] + 0.5) * cell
        rows.append({"id": m["dico"], "name": m["municipio_unico"], "tipo": m["tipo_territorio"],
                     "col": t["col"], "row": t["row"],
                     "geometry": shapely.box(cx - half, cy - half, cx + half, cy + half, ccw=True)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


# -- write -----------------------------------------------------------------------------------------

def _round(obj, nd):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), nd) for v in obj]
        return [_round(o, nd) for o in obj]
    return obj


def feature_collection(g: gpd.GeoDataFrame, props: list[str], decimals: int = DECIMALS) -> str:
    feats = []
    for _, r in g.iterrows():
        geom = shapely.geometry.mapping(r.geometry)
        feats.append({"type": "Feature", "id": r["id"],
                      "properties": {p: (r[p].item() if hasattr(r[p], "item") else r[p]) for p in props},
                      "geometry": {"type": geom["type"], "coordinates": _round(geom["coordinates"], decimals)}})
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False, separators=(",", ":"))


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def build_geo(data_system: Path, geo_dir: Path, progress: Callable[[str], None] = print, *,
              source: str = SOURCE, tolerance: float = TOLERANCE) -> dict:
    """Write the web layers into geo_dir (swapped in whole). Returns the manifest."""
    data_system, geo_dir = Path(data_system), Path(geo_dir)
    g = load_municipalities(data_system, source)
    g["geometry"] = simplify(g.geometry.values, tolerance)
    g["id"], g["name"], g["tipo"] = g["dico"], g["municipio_unico"], g["tipo_territorio"]
    layout = tile_layout(g)
    texts = {
        "municipios.geojson": feature_collection(g, ["id", "name", "tipo"]),
        "nuts3.geojson": feature_collection(dissolve(g, "nuts3_2024_code", "nuts3_2024_nome"), ["id", "name"]),
        "nuts2.geojson": feature_collection(dissolve(g, "nuts2_2024_code", "nuts2_2024_nome"), ["id", "name"]),
        "tiles.geojson": feature_collection(tile_squares(layout, g), ["id", "name", "tipo", "col", "row"], 4),
        "tiles.json": json.dumps(layout, ensure_ascii=False, separators=(",", ":")),
    }
    src_path = data_system / source
    manifest = {"version": 1, "crs": "EPSG:4326", "is_demo": is_demo_system(data_system),
                "source": {"path": source, "sha256": hashlib.sha256(src_path.read_bytes()).hexdigest()},
                "simplify_tolerance_deg": tolerance, "decimals": DECIMALS, "files": {}}
    if geo_dir.exists() and any(geo_dir.iterdir()) and not (geo_dir / "manifest.json").exists():
        raise GeoError(f"{geo_dir}: exists and does not hold web layers (no manifest.json); refusing to replace it")
    with swapped_folder(geo_dir) as tmp:
        def write(name: str, data: bytes) -> dict:
            gz = _gzip(data)
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(data)
            (tmp / (name + ".gz")).write_bytes(gz)
            h = hashlib.sha256(data).hexdigest()
            return {"bytes": len(data), "gzip_bytes": len(gz), "sha256": h, "hash": h[:12]}
        for name, text in texts.items():
            manifest["files"][name] = write(name, text.encode("utf-8"))
        # the islands inset of each map layer with both archipelagos (etl/geo_inset.py), as its own file
        manifest["insets"] = {}
        for name in INSET_LAYERS:
            inset = inset_layer(json.loads(texts[name]))
            if inset is not None:
                data = json.dumps(inset["geojson"], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                manifest["insets"][name] = dict(write(f"inset/{name}", data), file=f"inset/{name}",
                                                bounds=inset["bounds"], frames=inset["frames"])
        mun_gz = manifest["files"]["municipios.geojson"]["gzip_bytes"]
        if mun_gz > BUDGET_GZIP:
            raise GeoError(f"municipios.geojson is {mun_gz / 1024:.0f} KB gzipped, over the "
                           f"{BUDGET_GZIP // 1024} KB budget: raise the simplification tolerance")
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sizes = ", ".join(f"{n} {f['gzip_bytes'] / 1024:.0f} KB" for n, f in manifest["files"].items() if n.endswith("geojson"))
    progress(f"geo: {len(g)} municipalities, tile map {layout['cols']}×{layout['rows']}; gzipped {sizes}")
    return manifest
