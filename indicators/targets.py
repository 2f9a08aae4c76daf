"""Policy targets (metas), declared once each in `indicators/targets/<id>.yaml` and validated here.

A target names what it measures (an indicator of the registry, or a metric of a programme-monitoring
source), the territories it applies to, its value, deadline and desired direction, the baseline period,
its legal or strategic basis (citation, the rule's text, URL) and whether it binds. Several targets may
point at one indicator (an EU limit for 2030 next to today's limit). Errors name the file and the field.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indicators.model import AREAS, RegistryError, Text, read_entry

HERE = Path(__file__).resolve().parent / "targets"

#: programme-monitoring metrics a target may measure (the ETL counts them from the programme source)
PROGRAMME_METRICS = ("pgu_operacional", "gemeos_digitais", "formandos")


class Scope(BaseModel):
    """Where a target applies: the country (one national figure), every municipality, a list of
    municipalities, or the municipalities of a region (a NUTS or CIM/AM code)."""
    model_config = ConfigDict(extra="forbid")
    kind: Literal["country", "municipalities", "list", "region"]
    territories: list[str] = Field(default_factory=list, description="kind list: DICO codes ('0101')")
    region: str | None = Field(None, description="kind region: a NUTS code ('PT11') or CIM/AM id ('EI16D')")

    @field_validator("territories")
    @classmethod
    def _dico(cls, v):
        bad = [x for x in v if not (isinstance(x, str) and len(x) == 4 and x.isdigit())]
        if bad:
            raise ValueError(f"{bad[0]!r}: a municipality is its 4-character DICO code with the leading zero")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind == "list" and not self.territories:
            raise ValueError("kind 'list' needs territories")
        if self.kind == "region" and not self.region:
            raise ValueError("kind 'region' needs region")
        return self


class Basis(BaseModel):
    """The legal or strategic basis: the reference as titled in its own language, what it says, where."""
    model_config = ConfigDict(extra="forbid")
    citation: str
    text: Text
    url: str
    #: a jurist (or the programme's officer) should confirm the reading of the rule
    to_confirm: bool = False


class ExcessCut(BaseModel):
    """A duty to cut an excess over a limit by a share each year until the limit is met."""
    model_config = ConfigDict(extra="forbid")
    limit: float
    cut: float = Field(gt=0, lt=1, description="the share of the excess to cut each year (0.10 = 10 %)")


class PolicyTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: Text
    indicator: str | None = Field(None, description="the registry indicator the target measures")
    programme_metric: str | None = Field(None, description=f"or a programme metric: {', '.join(PROGRAMME_METRICS)}")
    area: str | None = Field(None, description="policy area; default the indicator's")
    scope: Scope
    value: float
    deadline: dt.date
    direction: Literal["increase", "decrease"]
    baseline: str | None = Field(None, description="the base period ('2015'); default the first with data")
    excess_cut: ExcessCut | None = None
    basis: Basis
    binding: bool
    headline: bool = False
    note: Text | None = None

    @property
    def d(self) -> int:
        return 1 if self.direction == "increase" else -1

    @field_validator("baseline", mode="before")
    @classmethod
    def _baseline(cls, v):
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("area")
    @classmethod
    def _area(cls, v):
        if v is not None and v not in AREAS:
            raise ValueError(f"unknown area {v!r}; valid: {', '.join(AREAS)}")
        return v

    @model_validator(mode="after")
    def _what(self):
        if (self.indicator is None) == (self.programme_metric is None):
            raise ValueError("give exactly one of indicator or programme_metric")
        if self.programme_metric is not None:
            if self.programme_metric not in PROGRAMME_METRICS:
                raise ValueError(f"programme_metric {self.programme_metric!r}; valid: {', '.join(PROGRAMME_METRICS)}")
            if self.area is None:
                raise ValueError("a programme target needs area")
        return self


def _format_error(path: Path, err: ValidationError) -> str:
    lines = [f"{path.name}: invalid target"]
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(file)"
        lines.append(f"  field '{field}': {e['msg']}")
    return "\n".join(lines)


def load_target(path: Path, registry: dict | None = None) -> PolicyTarget:
    path = Path(path)
    raw = read_entry(path)
    try:
        tg = PolicyTarget.model_validate(raw)
    except ValidationError as e:
        raise RegistryError(_format_error(path, e)) from None
    if registry is not None and tg.indicator is not None:
        if tg.indicator not in registry:
            raise RegistryError(f"{path.name}: field 'indicator': {tg.indicator!r} is not in the registry")
        if tg.area is None:
            tg.area = registry[tg.indicator].area
    return tg


def load_targets(folder: Path | None = None, registry: dict | None = None) -> dict[str, PolicyTarget]:
    """Every target, by id (= file name), validated; with `registry`, the indicators must exist."""
    folder = Path(folder or HERE)
    return {p.stem: load_target(p, registry) for p in sorted(folder.glob("*.yaml"))}
