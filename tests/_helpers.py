"""Helpers shared by the ETL tests: a synthetic connector context and catalogue entries."""
from __future__ import annotations

from pathlib import Path

from etl import connectors
from etl.catalogue import Source
from etl.territory import build_territory, read_reference

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini_system"


def mini_ctx(data_system: Path = MINI) -> connectors.Context:
    ref = read_reference(data_system)
    terr = build_territory(ref)
    return connectors.Context(territories=set(terr["territory_id"]), reference=ref, data_system=data_system)


def source(fmt: str = "tidy_csv", **kw) -> Source:
    base = {"id": "teste", "title": "Teste", "path": "x.csv", "format": fmt, "producer": "Teste", "licence": "CC0"}
    return Source.model_validate({**base, **kw})


def run(src: Source, files: list[Path], ctx=None):
    c = connectors.get(src.format)
    raw = c.read(src, files)
    return c.transform(raw, src, ctx or mini_ctx())


def build_mini(ds: Path, out: Path, **kw):
    """Build the mini data system `ds` (the `mini` fixture) with the mini catalogue and registry."""
    import etl.build
    return etl.build.build(ds, out=out, catalogue_path=FIXTURES / "mini_catalogue.yaml",
                           registry_dir=FIXTURES / "mini_registry", progress=lambda m: None, **kw)


def api_client():
    """A Flask test client of the API alone (api.routes on a bare Flask app, no Dash)."""
    from flask import Flask

    from api import routes as api
    app = Flask("test_api")
    app.config["TESTING"] = True
    api.init_app(app)
    return app.test_client()


def staged_frame(rows):
    """Staged observations (variable, territory_id, period_id, value), none provisional or estimated."""
    import pandas as pd
    df = pd.DataFrame(rows, columns=["variable", "territory_id", "period_id", "value"])
    df["is_provisional"] = False
    df["is_estimated"] = False
    df["note"] = None
    return df


def indicator(**kw):
    """A registry indicator with the fields every test needs filled in (a ratio in governacao)."""
    from indicators.model import Indicator
    base = {"id": "x", "title": {"pt": "X"}, "description": {"pt": "X"}, "unit": {"pt": "u"}, "area": "governacao",
            "aggregation": "ratio", "sources": [{"producer": "T", "licence": "L"}]}
    return Indicator.model_validate({**base, **kw})


def geo_points(coords) -> list:
    """Every [lon, lat] of a GeoJSON geometry's coordinates, at any depth."""
    if coords and isinstance(coords[0], (int, float)):
        return [coords]
    return [p for c in coords for p in geo_points(c)]


def geo_bbox(coords) -> tuple:
    pts = geo_points(coords)
    return min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts)
