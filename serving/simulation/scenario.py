"""The Scenario model: a scenario is data, validated by this one pydantic model.

A bad scenario is rejected with the path of the field at fault (`components.1.share`), which the API
turns into a 400 naming it. The names of the staged variables a driver can use are a closed list here;
indicators from the registry are checked against the database by the caller (`inputs.check`).
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: staged variables a driver or a rule can use: name -> (source indicator or column, period)
VARIABLES = ("population", "area", "overnight_stays", "overnight_stays_daily", "density", "ageing_index",
             "purchasing_power_per_capita", "unemployment", "unemployment_per_100")

MAX_BUDGET_EUR = 100_000_000_000  # 100 thousand million €: well above any State transfer line
Op = Literal["<", "<=", ">", ">=", "==", "!="]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A number per municipality: a staged variable, or an indicator of the registry (latest period
    unless one is named)."""
    variable: str | None = Field(None, description="one of VARIABLES", examples=["population"])
    indicator: str | None = Field(None, max_length=80, pattern=r"^[a-z0-9_]+$")
    period: str | None = Field(None, max_length=32, pattern=r"^[0-9A-Za-z/\-]+$")

    @model_validator(mode="after")
    def _one(self):
        if (self.variable is None) == (self.indicator is None):
            raise ValueError("give exactly one of 'variable' or 'indicator'")
        if self.variable is not None and self.variable not in VARIABLES:
            raise ValueError(f"unknown variable {self.variable!r}; one of {', '.join(VARIABLES)}")
        if self.period is not None and self.indicator is None:
            raise ValueError("'period' only applies to an indicator")
        return self

    @property
    def key(self) -> str:
        return self.variable or f"{self.indicator}@{self.period or 'latest'}"


class Band(_Strict):
    """A marginal band: the part of the value up to `upto` (after the previous band) counts `weight`
    times; the last band has no `upto`."""
    upto: float | None = Field(None, gt=0, le=1e12)
    weight: float = Field(..., ge=0, le=1000)


class Term(_Strict):
    """Another number added to the driver: factor × source (e.g. overnight stays ÷ 365)."""
    source: Source
    factor: float = Field(1.0, ge=0, le=1e6)


class Driver(_Strict):
    """How a component is shared: equally, or in proportion to a number with optional transforms,
    applied in this order: bands (marginal weights) → islands multiplier → + terms → invert → cap."""
    kind: Literal["equal", "proportional"] = "equal"
    source: Source | None = None
    bands: list[Band] | None = Field(None, max_length=20)
    islands_multiplier: float = Field(1.0, ge=0, le=100,
                                      description="multiplies the value of municipalities of the Açores and Madeira")
    plus: list[Term] = Field(default_factory=list, max_length=5)
    invert: Literal["none", "reciprocal", "reverse"] = "none"
    cap: float | None = Field(None, gt=0, le=1e12, description="upper bound on the transformed value")

    @model_validator(mode="after")
    def _source(self):
        if self.kind == "proportional" and self.source is None:
            raise ValueError("a proportional driver needs a 'source'")
        if self.kind == "equal" and (self.source is not None or self.bands or self.plus):
            raise ValueError("an equal driver takes no 'source', 'bands' or 'plus'")
        if self.bands:
            for i, b in enumerate(self.bands[:-1]):
                if b.upto is None:
                    raise ValueError(f"bands.{i}: only the last band may have no 'upto'")
            if self.bands[-1].upto is not None:
                raise ValueError("the last band must have no 'upto' (it takes the rest)")
            ups = [b.upto for b in self.bands[:-1]]
            if any(a >= b for a, b in zip(ups, ups[1:])):
                raise ValueError("bands: 'upto' must increase")
        return self


class Component(_Strict):
    id: str = Field(..., min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    label: dict[str, str] = Field(default_factory=dict, description="{pt: …, en: …}")
    share: float = Field(..., ge=0, le=100, description="percent of the budget")
    driver: Driver = Field(default_factory=Driver)

    @field_validator("label")
    @classmethod
    def _label(cls, v):
        if set(v) - {"pt", "en"} or any(len(s) > 120 for s in v.values()):
            raise ValueError("label is {pt: …, en: …}, each at most 120 characters")
        return v


class Rule(_Strict):
    """Eligibility: a municipality takes part only if `source op value` holds (missing value: not eligible)."""
    source: Source
    op: Op
    value: float = Field(..., ge=-1e12, le=1e12)


class Limits(_Strict):
    """Floors and caps on the change against the baseline (art. 35.º style). Percent limits apply where
    the baseline is positive; euro limits everywhere. The floors are funded the law's way: first by what
    the caps cut, then by cutting everyone above their floor in proportion to their margin over it."""
    floor_pct: float | None = Field(None, ge=-100, le=1000)
    cap_pct: float | None = Field(None, ge=-100, le=10000)
    floor_eur: float | None = Field(None, ge=-MAX_BUDGET_EUR, le=MAX_BUDGET_EUR)
    cap_eur: float | None = Field(None, ge=-MAX_BUDGET_EUR, le=MAX_BUDGET_EUR)

    @model_validator(mode="after")
    def _order(self):
        if self.floor_pct is not None and self.cap_pct is not None and self.floor_pct > self.cap_pct:
            raise ValueError("floor_pct must not exceed cap_pct")
        if self.floor_eur is not None and self.cap_eur is not None and self.floor_eur > self.cap_eur:
            raise ValueError("floor_eur must not exceed cap_eur")
        return self

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.floor_pct, self.cap_pct, self.floor_eur, self.cap_eur))


BASELINES = ("total", "fef", "fsm", "irs")


class Baseline(_Strict):
    """What a scenario is compared with: the actual transfers of a year (`measure` total for 2014–2023;
    fef, fsm or irs for 2014 only), or none."""
    kind: Literal["actual", "none"] = "actual"
    year: int = Field(2014, ge=2014, le=2023)
    measure: Literal["total", "fef", "fsm", "irs"] = "total"

    @model_validator(mode="after")
    def _year(self):
        if self.kind == "actual" and self.measure != "total" and self.year != 2014:
            raise ValueError("the FEF/FSM/IRS breakdown exists for 2014 only; use measure 'total' for 2015–2023")
        return self

    @property
    def key(self) -> str:
        return "none" if self.kind == "none" else f"{self.measure}:{self.year}"


class Scenario(_Strict):
    name: str = Field("", max_length=120)
    budget: float = Field(..., gt=0, le=MAX_BUDGET_EUR, description="euros to distribute, exactly")
    components: list[Component] = Field(..., min_length=1, max_length=12)
    eligibility: list[Rule] = Field(default_factory=list, max_length=8)
    limits: Limits = Field(default_factory=Limits)
    baseline: Baseline = Field(default_factory=Baseline)
    preset: str | None = Field(None, max_length=60, pattern=r"^[a-z0-9_]+$")

    @field_validator("budget")
    @classmethod
    def _cents(cls, v):
        # to a ten-thousandth of a cent: 136599223.27 × 100 is 13659922327.000002 in binary floats
        if abs(v * 100 - round(v * 100)) > 1e-4:
            raise ValueError("budget must be a whole number of cents")
        return v

    @field_validator("components")
    @classmethod
    def _shares(cls, v):
        total = sum(c.share for c in v)
        if abs(total - 100) > 1e-6:
            raise ValueError(f"the shares must add up to 100 (they add up to {total:g})")
        ids = [c.id for c in v]
        if len(set(ids)) != len(ids):
            raise ValueError("each component id must be unique")
        return v

    @model_validator(mode="after")
    def _limits(self):
        if self.limits.any and self.baseline.kind == "none":
            raise ValueError("limits: floors and caps need a baseline")
        return self

    def sources(self) -> list[Source]:
        """Every number the scenario reads, once."""
        out: dict[str, Source] = {}
        for c in self.components:
            d = c.driver
            for s in ([d.source] if d.source else []) + [t.source for t in d.plus]:
                out.setdefault(s.key, s)
        for r in self.eligibility:
            out.setdefault(r.source.key, r.source)
        return list(out.values())


def errors(exc) -> list[dict]:
    """A pydantic ValidationError as [{field, message}], the field a dotted path (`components.0.share`);
    a whole-model check names its field as the prefix of its message ("limits: …")."""
    out = []
    for e in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"])
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        if not loc and ": " in msg:
            loc, msg = msg.split(": ", 1)
        out.append({"field": loc or "scenario", "message": msg})
    return out
