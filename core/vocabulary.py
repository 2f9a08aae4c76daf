"""The closed lists of the product, each defined once: ids, labels, colours, icons, symbols and order.

The ETL writes ids, the registry validates against them, the API lists them and the app shows their
labels. A label is never stored here: every term reads it from the interface catalogues
(`core/locale`, `core.i18n.t`) under the key `<kind>.<id>` (`level.nuts3`, `alarm.critico`,
`peer.size`), so translators see every text in one place and the code has one way to get one:

    ALARM_LEVELS["critico"].label(lang)        # a term of a known list
    label("area", "saude", lang)               # any list by its kind (ids from data, URLs, …)

The lists (kind -> dict of terms, in display order):

- `level` TERRITORIAL_LEVELS: the levels of the territory table, from the country down; each with its
  plural ("regions" of a map: `levels.<id>` when the catalogue has one) and its rank in a sort.
  REGISTRY_LEVELS are those an indicator file may declare (the NUTS ladder; groupings are derived).
- `alarm` ALARM_LEVELS (colour >= 4.5:1 on white and on its tint, WCAG AA; icon and symbol so that meaning
  never depends on colour alone), `alarm.status` STATUSES (lifecycle), `alarm.scope` SCOPES (which alarms
  a list shows), `series` SERIES_STATES, `provisional` PROVISIONAL_REASONS, `rule` RULE_TYPES,
  `rule.kind` RULE_KINDS, `reference` REFERENCES — the alarm engine (its "active" predicate is in
  `core.alarm_rules`).
- `peer` PEER_GROUPS, `size` SIZE_CLASSES, `profile` PROFILE_DIMENSIONS, `position` POSITIONS — peers.
- `area` AREAS (policy areas), `periodicity` PERIODICITIES (of an indicator), `period` PERIOD_TYPES (the
  shape of a period id, core.periods), `class` CLASSIFICATIONS (map classes), `origin` ORIGINS (of a
  value), `polarity`, `agg`.

`core` imports nothing above it: `indicators.model` takes AREAS and REGISTRY_LEVELS from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.i18n import has, t


@dataclass(frozen=True)
class Term:
    """One entry of a closed list; its label is the catalogue text `<KIND>.<id>`."""
    KIND: ClassVar[str] = ""
    id: str

    @property
    def key(self) -> str:
        return f"{self.KIND}.{self.id}"

    def label(self, lang: str = "pt") -> str:
        return t(self.key, lang)


@dataclass(frozen=True)
class TerritorialLevel(Term):
    KIND: ClassVar[str] = "level"
    rank: int            # sort order of a territory list: country first, groupings last

    def label(self, lang: str = "pt", plural: bool = False) -> str:
        """"NUTS III", plural "NUTS III" / en "NUTS 3" / "NUTS 3 regions" (the singular when no plural)."""
        key = f"levels.{self.id}"
        return t(key, lang) if plural and has(key) else t(self.key, lang)


@dataclass(frozen=True)
class AlarmLevel(Term):
    KIND: ClassVar[str] = "alarm"
    colour: str          # text/icon colour, contrast >= 4.5:1 on white (WCAG AA)
    background: str      # a light tint for badges/rows (text in `colour` stays >= 4.5:1 on it)
    icon: str            # Bootstrap Icons name (bi-<icon>)
    symbol: str          # unicode, for plain text (CLI, CSV, alt text)
    severity: int        # 1 = least severe


@dataclass(frozen=True)
class Status(Term):
    KIND: ClassVar[str] = "alarm.status"
    icon: str
    symbol: str
    active: bool         # the alarm holds at its latest evaluated period


@dataclass(frozen=True)
class Scope(Term):
    KIND: ClassVar[str] = "alarm.scope"


@dataclass(frozen=True)
class SeriesState(Term):
    KIND: ClassVar[str] = "series"
    current: bool


@dataclass(frozen=True)
class ProvisionalReason(Term):
    KIND: ClassVar[str] = "provisional"


@dataclass(frozen=True)
class RuleType(Term):
    KIND: ClassVar[str] = "rule"


@dataclass(frozen=True)
class RuleKind(Term):
    """Official (a legal or official threshold, cited) or analytical (the observatory's own rule)."""
    KIND: ClassVar[str] = "rule.kind"
    official: bool

    def note(self, lang: str = "pt") -> str:
        """What the kind means, for a tooltip beside the alarm (and the Sobre page)."""
        return t(f"{self.key}.note", lang)


@dataclass(frozen=True)
class Reference(Term):
    KIND: ClassVar[str] = "reference"


@dataclass(frozen=True)
class PeerGroup(Term):
    KIND: ClassVar[str] = "peer"

    def description(self, lang: str = "pt") -> str:
        return t(f"{self.key}.description", lang)


@dataclass(frozen=True)
class SizeClass(Term):
    KIND: ClassVar[str] = "size"
    lower: float         # exclusive
    upper: float         # inclusive

    def holds(self, population) -> bool:
        return self.lower < population <= self.upper


@dataclass(frozen=True)
class ProfileDimension(Term):
    KIND: ClassVar[str] = "profile"
    source: str          # where the figure comes from (a citation: not translated)

    def short(self, lang: str = "pt") -> str:
        """The dimension in a few words, for a chip or a table column."""
        return t(f"{self.key}.short", lang)


@dataclass(frozen=True)
class Position(Term):
    KIND: ClassVar[str] = "position"
    symbol: str
    icon: str            # Bootstrap Icons name


@dataclass(frozen=True)
class Area(Term):
    KIND: ClassVar[str] = "area"


@dataclass(frozen=True)
class Periodicity(Term):
    KIND: ClassVar[str] = "periodicity"


@dataclass(frozen=True)
class PeriodType(Term):
    KIND: ClassVar[str] = "period"


@dataclass(frozen=True)
class Classification(Term):
    KIND: ClassVar[str] = "class"


@dataclass(frozen=True)
class Origin(Term):
    KIND: ClassVar[str] = "origin"


@dataclass(frozen=True)
class Polarity(Term):
    KIND: ClassVar[str] = "polarity"


@dataclass(frozen=True)
class Aggregation(Term):
    KIND: ClassVar[str] = "agg"


def _index(*terms: Term) -> dict:
    return {x.id: x for x in terms}


# -- territories ------------------------------------------------------------------------------

#: the levels of dim_territory; rank orders a list of territories (country, NUTS ladder, municipalities,
#: then the groupings). Parishes are modelled, not yet loaded.
TERRITORIAL_LEVELS: dict[str, TerritorialLevel] = _index(
    TerritorialLevel("pais", 0), TerritorialLevel("nuts1", 1), TerritorialLevel("nuts2", 2),
    TerritorialLevel("nuts3", 3), TerritorialLevel("municipio", 4), TerritorialLevel("distrito", 5),
    TerritorialLevel("ilha", 5), TerritorialLevel("am", 6), TerritorialLevel("cim", 6), TerritorialLevel("freguesia", 7),
)
#: the levels an indicator file may declare, from the most detailed (the NUTS ladder: districts, islands
#: and CIM/AM are groupings every aggregable indicator gets)
REGISTRY_LEVELS: dict[str, TerritorialLevel] = {k: TERRITORIAL_LEVELS[k] for k in
                                                ("freguesia", "municipio", "nuts3", "nuts2", "nuts1", "pais")}
#: the levels a region page, a region filter or a map of regions shows, in that order
REGION_LEVELS: tuple[str, ...] = ("nuts1", "nuts2", "nuts3", "distrito", "ilha", "cim", "am")

# -- alarms -----------------------------------------------------------------------------------

ALARM_LEVELS: dict[str, AlarmLevel] = _index(
    AlarmLevel("informacao", "#0b5394", "#e7f0fa", "info-circle-fill", "ℹ", 1),
    AlarmLevel("atencao", "#8a4b00", "#fdf1e0", "exclamation-triangle-fill", "⚠", 2),
    AlarmLevel("critico", "#b00020", "#fbe9eb", "x-octagon-fill", "⛔", 3),
)
#: alarm level ids from the most to the least severe
LEVEL_ORDER: list[str] = sorted(ALARM_LEVELS, key=lambda k: -ALARM_LEVELS[k].severity)

STATUSES: dict[str, Status] = _index(
    Status("new", "plus-circle", "+", True),
    Status("ongoing", "arrow-repeat", "↻", True),
    Status("reopened", "arrow-counterclockwise", "↺", True),
    Status("resolved", "check-circle", "✓", False),
)
ACTIVE_STATUSES: tuple[str, ...] = tuple(k for k, s in STATUSES.items() if s.active)

#: which alarms a list shows; `ativos` is every list's default
SCOPES: dict[str, Scope] = _index(Scope("ativos"), Scope("historico"), Scope("todos"))
DEFAULT_SCOPE = "ativos"

#: is the series behind an alarm current? A discontinued indicator (COVID-19, ended 2022) or a territory
#: without a value in the indicator's last STALE_AFTER periods (a station closed in 2012) is history.
SERIES_STATES: dict[str, SeriesState] = _index(
    SeriesState("current", True), SeriesState("discontinued", False), SeriesState("stale", False))
#: a territory whose last evaluated period is more than this many calendar periods behind the
#: indicator's latest one has a stale series (one late delivery is not yet history)
STALE_AFTER = 1

#: why a value is provisional. A provisional value is shown, flagged, and never evaluated by an alarm
#: rule (an annual rule on a partial year would compare unlike with like).
PROVISIONAL_REASONS: dict[str, ProvisionalReason] = _index(
    ProvisionalReason("ano_incompleto"), ProvisionalReason("semana_incompleta"), ProvisionalReason("provisorio"))

#: the kinds of rule a threshold can use (etl.alarms registers one function per id)
RULE_TYPES: dict[str, RuleType] = _index(
    RuleType("absolute"), RuleType("deviation"), RuleType("trend"), RuleType("missing"),
    RuleType("excess"))   # excess: weekly mortality surveillance (issue 13; core/surveillance.py)
#: by `official`: a legal or official threshold (cited), or the observatory's own analytical rule
RULE_KINDS: dict[bool, RuleKind] = {True: RuleKind("official", True), False: RuleKind("analytical", False)}
#: the kinds of reference value a deviation rule compares with (etl.alarms registers one function per id)
REFERENCES: dict[str, Reference] = _index(Reference("national"), Reference("nuts3"), Reference("peers"))

# -- peers ------------------------------------------------------------------------------------

PEER_GROUPS: dict[str, PeerGroup] = _index(
    PeerGroup("nuts3"), PeerGroup("cim"), PeerGroup("size"), PeerGroup("profile"), PeerGroup("neighbours"))

#: size classes by resident population (INE, Census 2021). The cut-offs at 20 000 and 100 000 are those
#: of the Anuário Financeiro dos Municípios Portugueses (OCC; pequenos <= 20 000, médios 20 001-100 000,
#: grandes > 100 000 habitantes); the cuts at 5 000 and 50 000 split the small and medium classes. This
#: is an analytical convention of the observatory, not an official classification.
SIZE_CLASSES: dict[str, SizeClass] = _index(
    SizeClass("ate_5000", 0, 5_000), SizeClass("5001_20000", 5_000, 20_000),
    SizeClass("20001_50000", 20_000, 50_000), SizeClass("50001_100000", 50_000, 100_000),
    SizeClass("mais_100000", 100_000, float("inf")),
)

#: the dimensions of the structural profile (the 10 most similar municipalities), with their sources
PROFILE_DIMENSIONS: dict[str, ProfileDimension] = _index(
    ProfileDimension("population", "INE, Censos 2021"),
    ProfileDimension("density", "INE, Censos 2021; área DGT/CAOP"),
    ProfileDimension("ageing", "INE via PORDATA (último ano)"),
    ProfileDimension("purchasing_power",
                     "INE, Estudo sobre o Poder de Compra Concelhio (quota nacional / quota da população)"),
    ProfileDimension("foreign", "INE, Censos 2021"),
    ProfileDimension("pop_change", "INE, Censos 2021"),
    ProfileDimension("old_dependency", "INE via PORDATA (último ano)"),
)

#: position of a municipality among its peers
POSITIONS: dict[str, Position] = _index(
    Position("above", "▲", "caret-up-fill"), Position("similar", "●", "circle-fill"),
    Position("below", "▼", "caret-down-fill"))

# -- indicators -------------------------------------------------------------------------------

AREAS: dict[str, Area] = _index(*(Area(a) for a in (
    "demografia", "economia", "governacao", "qualidade_vida", "mobilidade", "ambiente", "sociedade", "saude",
    "protecao_seguranca")))

#: how often an indicator is published (the registry's `periodicity`)
PERIODICITIES: dict[str, Periodicity] = _index(*(Periodicity(p) for p in (
    "annual", "quarterly", "monthly", "weekly", "daily", "census", "election", "irregular")))

#: the shape of a period id (core.periods.parse_period): 2021, 2024-Q4, 2020-W05, 2020-11-11, ranges
PERIOD_TYPES: dict[str, PeriodType] = _index(*(PeriodType(p) for p in ("year", "quarter", "week", "date", "range")))

#: how a map puts values into classes (web.figures.classify)
CLASSIFICATIONS: dict[str, Classification] = _index(
    Classification("quantis"), Classification("intervalos"), Classification("limiares"))

#: where a value comes from (fact_indicator_value.origin): the source, aggregated from municipalities by
#: the indicator's rule, or computed from other series
ORIGINS: dict[str, Origin] = _index(Origin("source"), Origin("aggregated"), Origin("derived"))

POLARITIES: dict[str, Polarity] = _index(Polarity("higher_is_better"), Polarity("lower_is_better"),
                                         Polarity("neutral"))
#: how an indicator's municipal values make a region's: add them; sum(numerator) / sum(denominator) x scale;
#: population-weighted mean; not aggregable (regional values only where a source gives them)
AGGREGATIONS: dict[str, Aggregation] = _index(Aggregation("sum"), Aggregation("ratio"),
                                              Aggregation("weighted_mean"), Aggregation("none"))


# -- one way to a label -----------------------------------------------------------------------

#: kind -> its list: every closed list whose labels the catalogues hold
VOCABULARIES: dict[str, dict] = {
    "level": TERRITORIAL_LEVELS, "alarm": ALARM_LEVELS, "alarm.status": STATUSES, "alarm.scope": SCOPES,
    "series": SERIES_STATES, "provisional": PROVISIONAL_REASONS, "rule": RULE_TYPES,
    "rule.kind": {k.id: k for k in RULE_KINDS.values()}, "reference": REFERENCES, "peer": PEER_GROUPS,
    "size": SIZE_CLASSES, "profile": PROFILE_DIMENSIONS, "position": POSITIONS, "area": AREAS,
    "periodicity": PERIODICITIES, "period": PERIOD_TYPES, "class": CLASSIFICATIONS, "origin": ORIGINS,
    "polarity": POLARITIES,
    "agg": AGGREGATIONS,
}


def label(kind: str, id, lang: str = "pt", default: str | None = None) -> str:
    """The label of `id` in the list `kind` ("area", "saude" -> "Saúde"). An id outside the list gives
    `default` (the id itself when None): data may hold a code the app does not know yet."""
    term = VOCABULARIES[kind].get(id)
    if term is None:
        return str(id) if default is None else default
    return term.label(lang)


def provisional_label(reason: str | None, lang: str = "pt") -> str:
    """Why a value is provisional, in words ("valor provisório — ano incompleto"); the generic one when
    the reason is unknown."""
    return PROVISIONAL_REASONS.get(reason or "provisorio", PROVISIONAL_REASONS["provisorio"]).label(lang)


def size_class(population) -> SizeClass | None:
    """The size class of a resident population (None when missing)."""
    try:
        p = float(population)
    except (TypeError, ValueError):
        return None
    return next((c for c in SIZE_CLASSES.values() if c.holds(p)), None)


def used_keys() -> set[str]:
    """Every catalogue key the lists read (their labels and notes): the i18n check counts them as used."""
    out = set()
    for kind, terms in VOCABULARIES.items():
        for term in terms.values():
            out.add(term.key)
            if isinstance(term, TerritorialLevel) and has(f"levels.{term.id}"):
                out.add(f"levels.{term.id}")
            if isinstance(term, RuleKind):
                out.add(f"{term.key}.note")
            if isinstance(term, PeerGroup):
                out.add(f"{term.key}.description")
            if isinstance(term, ProfileDimension):
                out.add(f"{term.key}.short")
    return out
