"""Settings, declared once. Every setting is read from the environment (documented in README)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name -> (default, description). README's settings table is checked against this.
SETTINGS: dict[str, tuple[str, str]] = {
    "OBS_DATA_SYSTEM": ("", "Path of the data system (e.g. ../shared/data). Empty: use the generated demo data system."),
    "OBS_DATA_DIR": (str(ROOT / "data"), "Where built artefacts go: the DuckDB file, web boundaries, the demo data system."),
    "OBS_DB": ("", "Path of the DuckDB database the app serves. Default: $OBS_DATA_DIR/observatorio.duckdb."),
    "OBS_CACHE_TIMEOUT": ("300", "Seconds a query result stays in the app's cache (flask-caching)."),
    "OBS_BASE_URL": ("http://127.0.0.1:8050", "Public base URL, used in permalinks, embeds and citations."),
    # -- live path (issue 13) --
    "OBS_OPERATIONAL_URL": ("", "SQLAlchemy URL of the operational store (live observations, alarm events, subscriptions, credentials). Empty: a SQLite file $OBS_DATA_DIR/operational.sqlite."),
    "OBS_NGSI_BROKER_URL": ("", "Base URL of an NGSI-LD context broker whose temporal API `python -m live pull` reads (e.g. http://broker:1026)."),
}


def env(name: str) -> str:
    default, _ = SETTINGS[name]
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Paths:
    data_system: Path | None
    data_dir: Path
    db: Path

    @property
    def geo_dir(self) -> Path:
        return self.data_dir / "geo"

    @property
    def demo_system(self) -> Path:
        return self.data_dir / "demo-system"

    @property
    def is_demo(self) -> bool:
        return self.data_system is None


def paths(data_system: str | os.PathLike | None = None) -> Paths:
    """Resolve paths; an explicit data_system argument (CLI flag) wins over the environment."""
    ds = str(data_system) if data_system is not None else env("OBS_DATA_SYSTEM")
    data_dir = Path(env("OBS_DATA_DIR")).resolve()
    db = Path(env("OBS_DB") or data_dir / "observatorio.duckdb").resolve()
    return Paths(Path(ds).resolve() if ds else None, data_dir, db)
