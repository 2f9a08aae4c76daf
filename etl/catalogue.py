"""The source catalogue (etl/catalogue.yaml): every source declared once.

Adding a source is a catalogue entry; a new format also needs one connector (etl/connectors/).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE / "catalogue.yaml"


#: named coverages: the NUTS I regions each stands for
COVERAGE_NAMES = {"all": None, "mainland": ["PT1"], "azores": ["PT2"], "madeira": ["PT3"]}


class Coverage(BaseModel):
    """The territories a source covers, as NUTS I/II/III codes and/or municipalities (DICO): the
    union of what is listed. Outside it a territory has no data (never zero)."""
    model_config = ConfigDict(extra="forbid")
    nuts1: list[str] = Field(default_factory=list, description="NUTS I codes ('PT1' mainland, 'PT2' Azores, "
                                                                 "'PT3' Madeira)")
    nuts2: list[str] = Field(default_factory=list, description="NUTS II codes (NUTS 2024), e.g. 'PT11'")
    nuts3: list[str] = Field(default_factory=list, description="NUTS III codes (NUTS 2024), e.g. 'PT111'")
    municipalities: list[str] = Field(default_factory=list, description="municipality codes (DICO, 4 digits)")

    @field_validator("nuts1", "nuts2", "nuts3")
    @classmethod
    def _nuts(cls, v, info):
        n = {"nuts1": 1, "nuts2": 2, "nuts3": 3}[info.field_name]
        bad = [c for c in v if not (isinstance(c, str) and c.startswith("PT") and len(c) == 2 + n)]
        if bad:
            raise ValueError(f"{bad}: a {info.field_name.upper()} code is 'PT' + {n} characters")
        return v

    @field_validator("municipalities", mode="before")
    @classmethod
    def _dico(cls, v):
        if not isinstance(v, list):
            raise ValueError("a list of municipality codes (DICO), quoted: ['0101', '1106']")
        bad = [c for c in v if not (isinstance(c, str) and len(c) == 4 and c.isdigit())]
        if bad:
            raise ValueError(f"{bad}: a municipality code (DICO) is a 4-digit string, quoted: '0101'")
        return v

    @model_validator(mode="after")
    def _not_empty(self):
        if not (self.nuts1 or self.nuts2 or self.nuts3 or self.municipalities):
            raise ValueError("list at least one territory (nuts1, nuts2, nuts3 or municipalities)")
        return self

    def municipalities_in(self, territory) -> set[str]:
        """The DICOs covered, from the territory dimension (etl.territory.build_territory)."""
        m = territory[territory["level"] == "municipio"]
        keep = (m["nuts1_id"].isin(self.nuts1) | m["nuts2_id"].isin(self.nuts2) | m["nuts3_id"].isin(self.nuts3)
                | m["territory_id"].isin(self.municipalities))
        for field, col in (("nuts1", "nuts1_id"), ("nuts2", "nuts2_id"), ("nuts3", "nuts3_id"),
                           ("municipalities", "territory_id")):
            unknown = sorted(set(getattr(self, field)) - set(m[col]))
            if unknown:
                raise ValueError(f"{field}: {', '.join(unknown)} not in the reference table")
        return set(m.loc[keep, "territory_id"])


class Source(BaseModel):
    """One source of the data system (an entry of etl/catalogue.yaml)."""
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the source's id: staged variables are named '<id>:<variable>'")
    title: str = Field(description="what the source is, in pt-PT")
    kind: str = Field("derived", description="'verbatim' (the file as the producer published it) or 'derived' "
                                             "(made for the data system; SOURCES.md says how)")
    path: str | list[str] = Field(description="glob(s) relative to the data system")
    format: str = Field(description="a registered connector (etl/connectors/), e.g. 'tidy_csv'")
    encoding: str = Field("utf-8", description="text encoding of the file(s)")
    delimiter: str = Field(",", description="CSV field delimiter")
    decimal: str = Field(".", description="decimal mark of the numbers ('.' or ',')")
    keys: list[str] = Field(default_factory=list, description="the columns that identify a row (documentation)")
    producer: str = Field(description="who produced the data")
    licence: str = Field(description="the licence or terms of reuse")
    url: str = Field("", description="where the producer publishes it")
    caveats: list[str] = Field(default_factory=list, description="what a reader must know (pt-PT)")
    depends_on: list[str] = Field(default_factory=list,
                                  description="mapping files etc. the connector reads (relative paths)")
    options: dict = Field(default_factory=dict, description="the connector's options (below, per format); for "
                                                              "every format, provisional_reason: why its "
                                                              "provisional values are provisional (a code of "
                                                              "core.vocabulary.PROVISIONAL_REASONS)")
    required: bool = Field(True, description="a missing file fails the build (false: skipped, logged)")
    bounds: dict[str, tuple[float | None, float | None]] = Field(
        default_factory=dict, description="possible values per staged variable (the connector's name, without "
                                          "the source id): [lo, hi], inclusive, null for no bound; a value "
                                          "outside is rejected with its file, row and field (etl/bounds.py)")
    coverage: str | Coverage = Field(
        "all", description="the territories the source covers: 'all', 'mainland', 'azores', 'madeira' or "
                           "{nuts1: [...], nuts2: [...], nuts3: [...], municipalities: [...]}. Outside it: no "
                           "data (never zero); regions only partly inside it get no aggregated value (so a "
                           "mainland-only source has no national value); regions wholly inside it do")
    missing: str | dict[str, str] = Field(
        "absent", description="how a municipality-period the source does not list is read: 'absent' (no data) or "
                              "'zero' (the source states that it lists only municipalities with events, so "
                              "absence means 0); a mapping {variable: absent|zero} sets it per variable. Zeros "
                              "are filled for the covered municipalities (that existed then) in the periods "
                              "the variable has")

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

    @field_validator("coverage", mode="before")
    @classmethod
    def _coverage(cls, v):
        if isinstance(v, str) and v not in COVERAGE_NAMES:
            raise ValueError(f"{v!r}: a named coverage is one of {', '.join(COVERAGE_NAMES)}; or list territories: "
                             "{nuts1: [...], nuts2: [...], nuts3: [...], municipalities: [...]}")
        if isinstance(v, dict):   # validated here so an error names the nested field, not the union
            try:
                return Coverage.model_validate(v)
            except ValidationError as e:
                raise ValueError("; ".join(f"{'.'.join(map(str, x['loc'])) or 'coverage'}: {x['msg'].removeprefix('Value error, ')}"
                                           for x in e.errors())) from None
        if not isinstance(v, (str, Coverage)):
            raise ValueError("a named coverage (all, mainland, azores, madeira) or a mapping of territories")
        return v

    @field_validator("missing", mode="before")
    @classmethod
    def _missing(cls, v):
        ok = ("absent", "zero")
        vals = v.values() if isinstance(v, dict) else [v]
        bad = [x for x in vals if x not in ok]
        if bad:
            raise ValueError(f"{bad[0]!r}: missing is 'absent' (no data) or 'zero' (the source states that absence "
                             "means zero), for the whole source or as {variable: absent|zero}")
        return v

    def coverage_of(self) -> Coverage | None:
        """The coverage as territories (None: the whole country)."""
        if isinstance(self.coverage, Coverage):
            return self.coverage
        nuts1 = COVERAGE_NAMES[self.coverage]
        return Coverage(nuts1=nuts1) if nuts1 else None

    def missing_for(self, variable: str) -> str:
        """'absent' or 'zero' for one of the source's variables (the name after 'source:')."""
        if isinstance(self.missing, str):
            return self.missing
        return self.missing.get(variable, "absent")


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
