"""Boundary files: GeoJSON and TopoJSON (GDAL, through pyogrio, decodes TopoJSON arcs).

read: one row per feature, every property a string, plus the geometry as WKT (so the raw layer
records the boundary file as delivered) and `_file` / `_row` (1-based feature number).
transform: each feature's polygon area in km² (EPSG:3035, equal-area) as variable `area_km2_geom`.
Unknown or duplicate codes and empty or unreadable geometries are rejected, naming file, feature
and field.

Options (catalogue `options`):
  territory: property holding the DICO; default 'dico'
  period: period id given to the staged area (the boundary vintage), e.g. '2021'
  layer: layer to read (TopoJSON object name); default: the first
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.connectors import (
    REJECTED_COLUMNS, Context, SourceError, connector, reject, staged,
)

EQUAL_AREA = 3035   # ETRS89-extended / LAEA Europe


def read_features(path, layer=None) -> pd.DataFrame:
    try:
        g = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as e:  # noqa: BLE001 — GDAL raises several types; name the file
        raise SourceError(f"{path}: cannot read as a boundary file: {e}") from e
    if g.crs is None:
        g = g.set_crs(4326)
    elif g.crs.to_epsg() != 4326:
        g = g.to_crs(4326)
    df = pd.DataFrame(g.drop(columns="geometry")).astype(str).replace({"None": "", "nan": ""})
    df["geometry"] = shapely.to_wkt(g.geometry.values, rounding_precision=-1)
    df["geometry"] = df["geometry"].fillna("")
    df["_file"] = str(path)
    df["_row"] = range(1, len(df) + 1)
    return df


class _Boundaries:
    def read(self, source, files):
        layer = source.options.get("layer")
        return pd.concat([read_features(f, layer) for f in files], ignore_index=True)

    def transform(self, raw: pd.DataFrame, source, ctx: Context):
        opts = source.options
        key = opts.get("territory", "dico")
        if not opts.get("period"):
            raise SourceError(f"catalogue source {source.id}: options: 'period' (the boundary vintage) is required")
        if key not in raw.columns:
            raise SourceError(f"{raw['_file'].iloc[0] if len(raw) else source.path}: no property {key!r}")
        df = raw.assign(_territory=raw[key].astype(str).str.strip())
        wkt = np.array([w if isinstance(w, str) and w.strip() else None for w in df["geometry"]], dtype=object)
        geom = shapely.from_wkt(wkt, on_invalid="ignore")
        rejected = []
        unknown = ~df["_territory"].isin(ctx.municipalities)
        rejected.append(reject(df, unknown, key, "unknown municipality code (not in reference/municipios.csv)"))
        bad = (pd.isna(geom) | shapely.is_empty(geom)) & ~unknown
        rejected.append(reject(df, bad, "geometry", "empty or unreadable geometry").assign(
            value=df.loc[bad, "geometry"].str.slice(0, 60)))
        ok = ~unknown & ~bad
        dup = df["_territory"].duplicated(keep=False) & ok
        rejected.append(reject(df, dup, key, "duplicate municipality code (one polygon per municipality)"))
        ok &= ~dup
        kept = df[ok]
        g = gpd.GeoSeries(geom[ok.to_numpy()], crs=4326, index=kept.index)
        area = g.to_crs(EQUAL_AREA).area / 1e6
        out = staged(kept, variable="area_km2_geom", territory_id=kept["_territory"],
                     period_id=str(opts["period"]), value=area.round(3))
        rej = [r for r in rejected if len(r)]
        return out, (pd.concat(rej, ignore_index=True) if rej else pd.DataFrame(columns=REJECTED_COLUMNS))


@connector("geojson")
class GeoJson(_Boundaries):
    pass


@connector("topojson")
class TopoJson(_Boundaries):
    pass
