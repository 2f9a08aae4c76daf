"""The source catalogue (etl/catalogue.yaml): every source declared once.

Adding a source is a catalogue entry; a new format also needs one connector (etl/connectors/).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE / "catalogue.yaml"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    kind: str = "derived"             # verbatim (as the producer published it) | derived
    path: str | list[str]             # glob(s), relative to the data system
    format: str                       # a registered connector
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    keys: list[str] = Field(default_factory=list)
    producer: str
    licence: str
    url: str = ""
    caveats: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)   # mapping files etc. (relative paths)
    options: dict = Field(default_factory=dict)
    required: bool = True             # a missing file fails the build (else: skipped, logged)
    #: possible values per staged variable (the connector's name, without the source id): [lo, hi],
    #: inclusive, null for no bound; a value outside is rejected with its file, row and field (etl/bounds.py)
    bounds: dict[str, tuple[float | None, float | None]] = Field(default_factory=dict)

    def files(self, data_system: Path) -> list[Path]:
        globs = [self.path] if isinstance(self.path, str) else self.path
        return sorted({f for g in globs for f in Path(data_system).glob(g)})

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, v):
        for var, (lo, hi) in v.items():
            if lo is not None and hi is not None and lo >= hi:
                raise ValueError(f"variable {var!r}: lower bound {lo} must be below the upper bound {hi}")
        return v

    @field_validator("kind")
    @classmethod
    def _kind(cls, v):
        if v not in ("verbatim", "derived"):
            raise ValueError("kind must be 'verbatim' or 'derived'")
        return v


def load_catalogue(path: Path = CATALOGUE) -> dict[str, Source]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = {}
    for i, entry in enumerate(raw.get("sources", [])):
        try:
            s = Source.model_validate(entry)
        except ValidationError as e:
            where = entry.get("id", f"entry {i + 1}") if isinstance(entry, dict) else f"entry {i + 1}"
            fields = "; ".join(f"field '{'.'.join(map(str, x['loc']))}': {x['msg']}" for x in e.errors())
            raise ValueError(f"{Path(path).name}: source {where}: {fields}") from None
        if s.id in out:
            raise ValueError(f"{Path(path).name}: source {s.id}: declared twice")
        out[s.id] = s
    return out
