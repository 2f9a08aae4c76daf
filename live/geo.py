"""Where an entity is: its point placed in a municipality (point in polygon), and which municipalities a
sender's scope covers (a municipality, a CIM or a metropolitan area).

Boundaries are the data system's `geo/municipios_308.geojson` (the full-detail layer the ETL also reads),
loaded once per process into a shapely STRtree; scopes come from the built database's territories
(serving.data: each municipality's CIM/AM), so a key's scope is checked against the same reference the
app publishes.
"""
from __future__ import annotations

import json
import threading
from functools import lru_cache

from core import settings

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _index():
    import numpy as np
    from shapely import STRtree
    from shapely.geometry import shape
    from shapely.prepared import prep

    ds = settings.paths().data_system
    path = ds / "geo" / "municipios_308.geojson" if ds else settings.paths().geo_dir / "municipios.geojson"
    feats = json.loads(path.read_text("utf-8"))["features"]
    geoms = [shape(f["geometry"]) for f in feats]
    ids = np.array([str(f["properties"].get("dico") or f["properties"].get("id")).zfill(4) for f in feats])
    return STRtree(geoms), geoms, ids, [prep(g) for g in geoms]


def municipality_at(lon: float, lat: float) -> str | None:
    """The DICO of the municipality containing (lon, lat), or None (at sea, abroad)."""
    from shapely.geometry import Point
    tree, geoms, ids, prepared = _index()
    p = Point(lon, lat)
    for i in tree.query(p):
        if prepared[int(i)].covers(p):
            return str(ids[int(i)])
    return None


def scope_municipalities(scope_id: str) -> tuple[str, list[str]]:
    """(name, DICOs) of a scope: a municipality (DICO) or a CIM/AM (territory id `EI…`). ValueError otherwise."""
    from serving import data
    t = data.territories(["municipio", "cim", "am"])
    row = t[t["territory_id"] == scope_id]
    if row.empty:
        raise ValueError(f"unknown scope {scope_id!r}: a municipality's DICO (e.g. 1312) or a CIM/AM id "
                         f"(e.g. EI11A); see /api/v1/territories?level=cim and ?level=am")
    r = row.iloc[0]
    if r["level"] == "municipio":
        return str(r["name_unique"]), [scope_id]
    members = t[(t["level"] == "municipio") & (t["cim_id"] == scope_id)]["territory_id"].astype(str).tolist()
    return str(r["name"]), sorted(members)


def names() -> dict[str, str]:
    """DICO -> unique municipality name."""
    from serving import data
    t = data.territories(["municipio"])
    return dict(zip(t["territory_id"].astype(str), t["name_unique"].astype(str)))
