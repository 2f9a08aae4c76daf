"""The typed model of an indicator file, with its defaults. Validation errors name the file and field."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core import vocabulary

HERE = Path(__file__).resolve().parent

#: Policy areas and the territorial levels an indicator may declare (from the most detailed; parishes are
#: modelled, not yet loaded): closed lists defined once in core.vocabulary, with their labels.
AREAS = vocabulary.AREAS
LEVELS = vocabulary.REGISTRY_LEVELS


class RegistryError(ValueError):
    """A registry file is invalid; the message names the file and the field."""


class Text(BaseModel):
    """A text in pt-PT (required) and English (falls back to pt)."""
    model_config = ConfigDict(extra="forbid")
    pt: str
    en: str = ""

    @model_validator(mode="after")
    def _fallback(self):
        if not self.en:
            self.en = self.pt
        return self

    def __call__(self, lang: str = "pt") -> str:
        return self.en if lang == "en" else self.pt


#: closed lists of core.vocabulary as enums (members named by their ids: Aggregation.ratio, Periodicity.annual)
Polarity = Enum("Polarity", {k: k for k in vocabulary.POLARITIES}, type=str)
Aggregation = Enum("Aggregation", {k: k for k in vocabulary.AGGREGATIONS}, type=str)
Periodicity = Enum("Periodicity", {k: k for k in vocabulary.PERIODICITIES}, type=str)


class Keywords(BaseModel):
    """Words people search for that the title does not hold (synonyms, related terms, acronyms), per
    language; the header search matches them, accents and case optional."""
    model_config = ConfigDict(extra="forbid")
    pt: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    producer: str
    licence: str
    #: the licence terms in English when the pt-PT text is more than a licence's name
    licence_en: str = ""
    url: str = ""
    dataset: str = ""          # catalogue source id this indicator is read from
    note: str = ""
    note_en: str = ""


class Denominator(BaseModel):
    """A ratio's denominator read from one period for every period of the numerator (e.g. a
    municipality's area, which the data system gives for one year only)."""
    model_config = ConfigDict(extra="forbid")
    variable: str = Field(description="the staged variable ('source_id:variable')")
    period: str = Field("same", description="'same' (matched period by period, as a plain denominator), "
                                            "'latest' (the latest period the variable has, for every numerator "
                                            "period) or a period id such as \"2021\" (that period, for every one)")

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v):
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)   # period: 2021 written without quotes
        if not isinstance(v, str) or not v.strip():
            raise ValueError("period is 'same', 'latest' or a period id such as \"2021\"")
        return v.strip()

    @field_validator("variable")
    @classmethod
    def _variable(cls, v):
        if ":" not in v:
            raise ValueError(f"{v!r}: a staged variable is named 'source_id:variable'")
        return v


class Compute(BaseModel):
    """How the municipal (and, where given, regional) values are obtained from staging.

    `value` names a staged variable (`source_id:variable`). For a ratio, `numerator` and
    `denominator` name staged variables and `scale` multiplies; `derive` names a registered
    Python derivation for anything else.
    """
    model_config = ConfigDict(extra="forbid")
    value: str | None = Field(None, description="the staged variable ('source_id:variable') whose values are the "
                                                "indicator's municipal values")
    numerator: str | None = Field(None, description="a ratio's numerator: a staged variable; goes with denominator")
    denominator: str | Denominator | None = Field(
        None, description="a ratio's denominator: a staged variable matched period by period, or "
                          "{variable: 'source:variable', period: latest | \"2021\"} to divide every period by "
                          "one period's values (a fixed denominator such as the area)")
    scale: float = Field(1.0, description="multiplies a ratio (100: a percentage; 1000: per 1000)")
    derive: str | None = Field(None, description="a registered Python derivation (etl/derive.py), for what "
                                                 "value or numerator/denominator cannot say")
    inputs: list[str] = Field(default_factory=list, description="derive: the staged variables it reads")
    population: list[str] = Field(default_factory=list, description="derive per_resident*: municipal population "
                                                                    "variables by year (the first that covers a "
                                                                    "year wins)")
    regional: str | None = Field(None, description="a staged variable with official regional values (they win "
                                                   "over values aggregated here)")
    weight: str | None = Field(None, description="aggregation weighted_mean: the weight variable (default: Census "
                                                 "2021 residents)")

    @property
    def denominator_variable(self) -> str | None:
        d = self.denominator
        return d.variable if isinstance(d, Denominator) else d

    @property
    def denominator_period(self) -> str:
        """'same', 'latest' or a period id."""
        return self.denominator.period if isinstance(self.denominator, Denominator) else "same"

    @field_validator("value", "numerator", "denominator", "regional", "weight")
    @classmethod
    def _staged_name(cls, v):
        if isinstance(v, str) and ":" not in v:
            raise ValueError(f"{v!r}: a staged variable is named 'source_id:variable'")
        return v

    @field_validator("inputs", "population")
    @classmethod
    def _staged_names(cls, vs):
        for v in vs:
            cls._staged_name(v)
        return vs

    def variables(self) -> list[str]:
        """Every staged variable this indicator reads (its declared dependencies)."""
        vs = [self.value, self.numerator, self.denominator_variable, self.regional, self.weight, *self.inputs,
              *self.population]
        return [v for v in vs if v]

    def source_ids(self) -> list[str]:
        return sorted({v.split(":", 1)[0] for v in self.variables()})

    @model_validator(mode="after")
    def _one_way(self):
        ways = [self.value is not None, self.numerator is not None, self.derive is not None]
        if sum(ways) != 1:
            raise ValueError("give exactly one of value, numerator/denominator or derive")
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("numerator and denominator go together")
        if self.derive is not None and not self.inputs:
            raise ValueError("a derive needs its inputs (the staged variables it reads)")
        if self.population and self.derive is None:
            raise ValueError("population goes with a derive (per_resident, per_resident_fixed)")
        if self.scale <= 0:
            raise ValueError("scale must be positive")
        return self


Op = Literal[">", ">=", "<", "<=", "outside"]


class Threshold(BaseModel):
    """An alarm rule; `rule` names a rule type of the alarm engine (etl/alarms.py).

    absolute   value `op` `value` (op >, >=, <, <=), or `op: outside` a `band: [low, high]`;
               a value exactly at the threshold is flagged by >= and <= only.
    deviation  beyond `k` x the median absolute deviation (MAD) from a `reference` (national value of
               the same period, the own NUTS III value, or the median of a peer group), or beyond
               `ratio` x the reference (ratio > 1; below reference / ratio when lower is worse).
    trend      worse in each of the last `periods` changes, or, with `pct`, worse by more than `pct` %
               over `periods` changes; "worse" follows the indicator's polarity (or `direction`).
    missing    no value in the last `periods` (default 1) periods the indicator was delivered for;
               `expected: all` expects every territory, `reported` (default) only those that
               delivered before.
    excess     weekly counts above the upper bound of the expected count (core/surveillance.py: the
               EuroMOMO-style baseline; `k` = the bound's z-score, default 2) in each of the last
               `periods` (default 2) consecutive ISO weeks.
    Rules of one indicator that share a `group` (default: the rule type, plus the reference for a
    deviation) make one alarm whose level is the most severe rule that fires (e.g. risk bands).
    """
    model_config = ConfigDict(extra="forbid")
    rule: Literal[tuple(vocabulary.RULE_TYPES)]
    level: Literal[tuple(vocabulary.ALARM_LEVELS)]
    op: Op | None = None
    value: float | None = None
    band: tuple[float, float] | None = None
    reference: Literal[tuple(vocabulary.REFERENCES)] | None = None
    peer_group: Literal[tuple(vocabulary.PEER_GROUPS)] = "profile"  # reference: peers
    k: float | None = None               # deviation: k x MAD
    ratio: float | None = None           # deviation: value / reference beyond ratio
    periods: int | None = None           # trend / missing: N periods
    pct: float | None = None             # trend: worse by more than pct % over N periods
    direction: Literal["up", "down", "both"] | None = None   # which way is worse; default from polarity
    expected: Literal["reported", "all"] = "reported"        # missing: who is expected to deliver
    levels: list[str] | None = None      # territorial levels evaluated; default per rule type
    group: str | None = None             # rules sharing a group make one alarm (the most severe fires)
    reason: Text
    #: absolute rules: what a value beyond the threshold means, short, for map legends and hovers
    #: ("acima do valor-limite legal"); without it the map says "acima do limiar «Crítico»"
    label: Text | None = None
    official: bool = False
    #: the legal or official reference, as titled in its own language (kept in Portuguese in English
    #: texts): "Decreto n.º 9/2020, de 21 de novembro"
    citation: str = ""
    #: what that reference says, in pt-PT and English: "concelhos de risco extremamente elevado, …"
    citation_text: Text | None = None
    url: str = ""

    def cite(self, lang: str = "pt") -> str:
        """The citation for a sentence in `lang`: the reference's own title, then the rule in `lang`."""
        if self.citation_text is None:
            return self.citation
        return f"{self.citation}: {self.citation_text(lang)}" if self.citation else self.citation_text(lang)

    @model_validator(mode="after")
    def _consistent(self):
        if self.rule == "absolute":
            if self.op is None:
                raise ValueError("absolute rule needs op")
            if self.op == "outside":
                if self.band is None or self.band[0] >= self.band[1]:
                    raise ValueError("band must be [low, high] with low < high")
            elif self.value is None:
                raise ValueError("absolute rule needs value")
        if self.rule == "deviation":
            if self.reference is None or (self.k is None and self.ratio is None):
                raise ValueError("deviation rule needs reference and k or ratio")
            if self.k is not None and self.ratio is not None:
                raise ValueError("deviation rule takes k or ratio, not both")
            if (self.k is not None and self.k <= 0) or (self.ratio is not None and self.ratio <= 1):
                raise ValueError("k must be positive and ratio greater than 1")
        if self.rule == "trend":
            if not self.periods or self.periods < 2:
                raise ValueError("trend rule needs periods >= 2")
            if self.pct is not None and self.pct <= 0:
                raise ValueError("pct must be positive")
        if self.rule == "missing" and self.periods is not None and self.periods < 1:
            raise ValueError("missing rule needs periods >= 1")
        if self.rule == "excess" and ((self.k is not None and self.k <= 0)
                                      or (self.periods is not None and self.periods < 1)):
            raise ValueError("excess rule needs k > 0 and periods >= 1")
        if self.levels is not None:
            bad = [x for x in self.levels if x not in LEVELS]
            if bad:
                raise ValueError(f"unknown levels {bad}; valid: {', '.join(LEVELS)}")
        if self.official and not self.citation:
            raise ValueError("an official threshold must cite its source (citation)")
        return self

    @property
    def group_id(self) -> str:
        """The alarm this rule belongs to (rules of one indicator with the same group escalate)."""
        if self.group:
            return self.group
        if self.rule == "deviation":
            return f"deviation-{self.reference}" + (f"-{self.peer_group}" if self.reference == "peers" else "")
        return self.rule


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float
    deadline: str
    source: str
    label: Text | None = None


class Break(BaseModel):
    """A break in series: values from `period` on are not comparable with earlier ones."""
    model_config = ConfigDict(extra="forbid")
    period: str
    reason: Text


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)
    id: str
    title: Text
    short_title: Text | None = None
    keywords: Keywords = Field(default_factory=Keywords)
    description: Text
    unit: Text
    short_unit: str = ""
    #: the short unit in English when it differs ("dias" -> "days"; "" for none, e.g. "N.º" counts)
    short_unit_en: str | None = None
    decimals: int = Field(1, ge=0, le=6)
    bounds: tuple[float | None, float | None] | None = Field(
        None, description="[low, high] the values the indicator can take (null: open); default 0–100 when "
                          "short_unit is '%'")
    area: str
    polarity: Polarity = Polarity.neutral
    aggregation: Aggregation = Field(
        description="how municipal values roll up to regions and the country: 'sum' (only where every "
                    "municipality has a value), 'ratio' (sum of numerators / sum of denominators x scale), "
                    "'weighted_mean' (by Census 2021 residents or compute.weight), 'none' (official regional "
                    "values only)")
    #: a regional value from only some of the region's municipalities (ratio, weighted_mean): 'flag' it
    #: (estimated, with a note 'n/N municípios com valor') or 'omit' it (e.g. where the missing ones are
    #: cells the producer suppressed, so the region's figure would mislead); a sum always omits it
    partial_regions: Literal["flag", "omit"] = Field(
        "flag", description="a ratio or weighted mean from only some of a region's municipalities: 'flag' it "
                            "(estimated, note 'n/N municípios com valor') or 'omit' it; a sum always omits it")
    periodicity: Periodicity = Field(Periodicity.annual, description="annual, quarterly, monthly, weekly, daily, "
                                                                     "census, election or irregular")
    levels: list[str] = Field(default_factory=lambda: ["municipio", "nuts3", "nuts2", "nuts1", "pais"],
                              description="the territorial levels the indicator has (regions are aggregated "
                                          "to those listed); districts/islands and CIM/AM follow 'municipio'")
    visibility: Literal["public", "restricted"] = "public"
    headline: bool = False
    compute: Compute
    sources: list[Source] = Field(min_length=1)
    caveats: list[Text] = Field(default_factory=list)
    #: the series is no longer published (why, and since when): its alarms are history, not news
    discontinued: Text | None = None
    breaks: list[Break] = Field(default_factory=list, description="breaks in series: [{period, reason: {pt, "
                                                                  "en}}], flagged on the first period after it")
    thresholds: list[Threshold] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("area")
    @classmethod
    def _area(cls, v):
        if v not in AREAS:
            raise ValueError(f"unknown area {v!r}; valid: {', '.join(AREAS)}")
        return v

    @field_validator("levels")
    @classmethod
    def _levels(cls, v):
        bad = [x for x in v if x not in LEVELS]
        if bad:
            raise ValueError(f"unknown levels {bad}; valid: {', '.join(LEVELS)}")
        return v

    def short_unit_for(self, lang: str = "pt") -> str:
        return self.short_unit_en if lang == "en" and self.short_unit_en is not None else self.short_unit

    def value_bounds(self) -> tuple[float | None, float | None]:
        """The values the indicator can take: `bounds` when given, else 0–100 for a share ('%')."""
        if self.bounds is not None:
            return self.bounds
        return (0.0, 100.0) if self.short_unit.strip() == "%" else (None, None)

    @model_validator(mode="after")
    def _thresholds_possible(self):
        """An absolute threshold must be reachable: e.g. a share cannot pass 100 % or fall below 0."""
        lo, hi = self.value_bounds()
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError(f"bounds: {lo} must be below {hi}")
        for i, t in enumerate(self.thresholds):
            vals = [t.value] if t.value is not None else list(t.band or [])
            for v in vals:
                if (lo is not None and v < lo) or (hi is not None and v > hi):
                    raise ValueError(f"thresholds.{i}.value: {v} is impossible: the indicator's values lie in "
                                     f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]")
        return self

    @model_validator(mode="after")
    def _targets_declared_once(self):
        """Issue 11: a target is declared once, in indicators/targets/<id>.yaml (indicators/targets.py)."""
        if self.targets:
            raise ValueError("targets: declare each target once in indicators/targets/<id>.yaml "
                             "(indicator, scope, value, deadline, direction, basis, binding)")
        return self

    @model_validator(mode="after")
    def _agg(self):
        if self.aggregation == Aggregation.ratio and self.compute.numerator is None and self.compute.derive is None:
            raise ValueError("aggregation 'ratio' needs compute.numerator and compute.denominator (or a derive)")
        return self

    @model_validator(mode="after")
    def _discontinued_is_a_caveat(self):
        """A discontinued series says so wherever caveats are shown (page, API, ZIP README)."""
        if self.discontinued is not None:
            note = Text(pt="Série terminada: " + self.discontinued.pt, en="Discontinued series: " + self.discontinued.en)
            if note not in self.caveats:
                self.caveats.insert(0, note)
        return self


def _format_error(path: Path, err: ValidationError) -> str:
    lines = [f"{path.name}: invalid indicator"]
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(file)"
        lines.append(f"  field '{field}': {e['msg']}")
    return "\n".join(lines)


def read_entry(path: Path) -> dict:
    """A registry file's fields (an indicator, a target): a YAML mapping whose `id` is the file's name (added
    when absent). A file that is not valid YAML, not a mapping, or names another id is a RegistryError that
    names the file and the field."""
    path = Path(path)
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RegistryError(f"{path.name}: not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise RegistryError(f"{path.name}: expected a mapping of fields")
    if "id" in raw and raw["id"] != path.stem:
        raise RegistryError(f"{path.name}: field 'id': {raw['id']!r} differs from the file name {path.stem!r}")
    raw["id"] = path.stem
    return raw


def load_indicator(path: Path) -> Indicator:
    path = Path(path)
    raw = read_entry(path)
    try:
        return Indicator.model_validate(raw)
    except ValidationError as e:
        raise RegistryError(_format_error(path, e)) from None


def load_registry(folder: Path | None = None) -> dict[str, Indicator]:
    folder = Path(folder or HERE)
    out = {}
    for p in sorted(folder.glob("*.yaml")):
        ind = load_indicator(p)
        out[ind.id] = ind
    return out
