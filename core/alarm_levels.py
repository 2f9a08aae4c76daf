"""The closed lists of the alarm engine and the peer groups, defined once (the ETL writes ids, the app shows labels).

- LEVELS: alarm levels, from the least to the most severe, each with a pt-PT and English label,
  a colour with at least 4.5:1 contrast on white, a Bootstrap icon name and a unicode symbol, so
  that meaning never depends on colour alone.
- STATUSES: the lifecycle of an alarm across periods.
- ACTIVE: what "active" means, once for every page, count, API default and the CLI: the status is
  not resolved and the series is current (`is_active`, `active_clause`, `active_sql`).
- SERIES_STATES: why an alarm's series is or is not current (discontinued indicator, stale territory).
- PROVISIONAL_REASONS: why a value is provisional (a partial year or week); never used by a rule.
- RULE_TYPES, REFERENCES: the kinds of rule and of reference value a threshold can use.
- PEER_GROUPS, SIZE_CLASSES, PROFILE_DIMENSIONS, POSITIONS: the peer groups of a municipality,
  how they are built and where their criteria come from.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    id: str
    label_pt: str
    label_en: str
    colour: str          # text/icon colour, contrast >= 4.5:1 on white (WCAG AA)
    background: str      # a light tint for badges/rows (text in `colour` stays >= 4.5:1 on it)
    icon: str            # Bootstrap Icons name (bi-<icon>)
    symbol: str          # unicode, for plain text (CLI, CSV, alt text)
    severity: int        # 1 = least severe

    def label(self, lang: str = "pt") -> str:
        return self.label_en if lang == "en" else self.label_pt


@dataclass(frozen=True)
class Status:
    id: str
    label_pt: str
    label_en: str
    icon: str
    symbol: str
    active: bool         # the alarm holds at its latest evaluated period

    def label(self, lang: str = "pt") -> str:
        return self.label_en if lang == "en" else self.label_pt


LEVELS: dict[str, Level] = {
    "informacao": Level("informacao", "Informação", "Information", "#0b5394", "#e7f0fa",
                        "info-circle-fill", "ℹ", 1),
    "atencao": Level("atencao", "Atenção", "Warning", "#8a4b00", "#fdf1e0",
                     "exclamation-triangle-fill", "⚠", 2),
    "critico": Level("critico", "Crítico", "Critical", "#b00020", "#fbe9eb",
                     "x-octagon-fill", "⛔", 3),
}
#: level ids from the most to the least severe
LEVEL_ORDER: list[str] = sorted(LEVELS, key=lambda k: -LEVELS[k].severity)

STATUSES: dict[str, Status] = {
    "new": Status("new", "Novo", "New", "plus-circle", "+", True),
    "ongoing": Status("ongoing", "Em curso", "Ongoing", "arrow-repeat", "↻", True),
    "reopened": Status("reopened", "Reaberto", "Reopened", "arrow-counterclockwise", "↺", True),
    "resolved": Status("resolved", "Resolvido", "Resolved", "check-circle", "✓", False),
}
ACTIVE_STATUSES: tuple[str, ...] = tuple(k for k, s in STATUSES.items() if s.active)


# -- "active": one definition ---------------------------------------------------------------------

def is_active(status: str, is_current: bool) -> bool:
    """An alarm is active when its status is not resolved and its series is current (fact_alarm.is_current:
    the indicator is still published and the territory has a recent value). Everything else is history."""
    return bool(STATUSES[status].active and is_current)


def active_sql(alias: str = "") -> str:
    """The same predicate as SQL over fact_alarm's columns (`alias`: e.g. "a."), for plain DuckDB queries."""
    return f"({alias}status IN (" + ", ".join(f"'{s}'" for s in ACTIVE_STATUSES) + f") AND {alias}is_current)"


def active_clause(table):
    """The same predicate as a SQLAlchemy Core clause over a fact_alarm table (serving/data.py)."""
    from sqlalchemy import and_
    return and_(table.c.status.in_(ACTIVE_STATUSES), table.c.is_current.is_(True))


#: which alarms a list shows: id -> (pt, en). `ativos` is every list's default.
SCOPES: dict[str, tuple[str, str]] = {
    "ativos": ("Ativos", "Active"),
    "historico": ("Histórico", "History"),
    "todos": ("Todos", "All"),
}
DEFAULT_SCOPE = "ativos"


@dataclass(frozen=True)
class SeriesState:
    id: str
    label_pt: str
    label_en: str
    current: bool

    def label(self, lang: str = "pt") -> str:
        return self.label_en if lang == "en" else self.label_pt


#: is the series behind an alarm current? A discontinued indicator (COVID-19, ended 2022) or a territory
#: without a value in the indicator's last STALE_AFTER periods (a station closed in 2012) is history.
SERIES_STATES: dict[str, SeriesState] = {
    "current": SeriesState("current", "Série atual", "Current series", True),
    "discontinued": SeriesState("discontinued", "Série terminada", "Discontinued series", False),
    "stale": SeriesState("stale", "Sem dados recentes", "No recent data", False),
}
#: a territory whose last evaluated period is more than this many calendar periods behind the
#: indicator's latest one has a stale series (one late delivery is not yet history)
STALE_AFTER = 1

#: why a value is provisional: id -> (pt, en). A provisional value is shown, flagged, and never
#: evaluated by an alarm rule (an annual rule on a partial year would compare unlike with like).
PROVISIONAL_REASONS: dict[str, tuple[str, str]] = {
    "ano_incompleto": ("valor provisório — ano incompleto", "provisional value — incomplete year"),
    "semana_incompleta": ("valor provisório — semana incompleta", "provisional value — incomplete week"),
    "provisorio": ("valor provisório", "provisional value"),
}


def provisional_label(reason: str | None, lang: str = "pt") -> str:
    pt, en = PROVISIONAL_REASONS.get(reason or "provisorio", PROVISIONAL_REASONS["provisorio"])
    return en if lang == "en" else pt

#: rule type id -> (pt, en)
RULE_TYPES: dict[str, tuple[str, str]] = {
    "absolute": ("Limiar absoluto", "Absolute threshold"),
    "deviation": ("Desvio face a uma referência", "Deviation from a reference"),
    "trend": ("Tendência de agravamento", "Worsening trend"),
    "missing": ("Dados em falta ou atrasados", "Missing or late data"),
    "excess": ("Excesso face ao esperado (vigilância semanal)", "Excess over expected (weekly surveillance)"),
}

#: reference kind id -> (pt, en)
REFERENCES: dict[str, tuple[str, str]] = {
    "national": ("valor nacional (Portugal, mesmo período)", "national value (Portugal, same period)"),
    "nuts3": ("valor da própria NUTS III", "value of the municipality's own NUTS 3 region"),
    "peers": ("mediana dos pares", "peer-group median"),
}

#: rule kinds: official (a legal or official threshold, cited) or analytical (the observatory's own rule)
RULE_KINDS: dict[bool, tuple[str, str]] = {
    True: ("Limiar oficial", "Official threshold"),
    False: ("Regra analítica", "Analytical rule"),
}
#: what each kind means, for a tooltip beside the alarm (and the Sobre page)
RULE_KIND_NOTES: dict[bool, tuple[str, str]] = {
    True: ("Limiar fixado em lei ou por uma entidade oficial; a fonte é citada.",
           "A threshold set in law or by an official body; the source is cited."),
    False: ("Regra do Observatório para assinalar o que merece atenção — não é um limiar legal nem uma "
            "infração.",
            "A rule of the Observatório to flag what deserves attention — not a legal threshold nor a breach."),
}


# -- peer groups ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeerGroup:
    id: str
    label_pt: str
    label_en: str
    description_pt: str
    description_en: str

    def label(self, lang: str = "pt") -> str:
        return self.label_en if lang == "en" else self.label_pt

    def description(self, lang: str = "pt") -> str:
        return self.description_en if lang == "en" else self.description_pt


PEER_GROUPS: dict[str, PeerGroup] = {
    "nuts3": PeerGroup(
        "nuts3", "Mesma NUTS III", "Same NUTS 3 region",
        "Os outros municípios da mesma NUTS III (NUTS 2024).",
        "The other municipalities of the same NUTS 3 region (NUTS 2024)."),
    "cim": PeerGroup(
        "cim", "Mesma CIM / área metropolitana", "Same CIM / metropolitan area",
        "Os outros municípios da mesma comunidade intermunicipal ou área metropolitana (só no Continente; "
        "tomada como a NUTS III 2013).",
        "The other municipalities of the same intermunicipal community or metropolitan area (mainland "
        "only; taken as the 2013 NUTS 3 unit)."),
    "size": PeerGroup(
        "size", "Mesma dimensão populacional", "Same population size class",
        "Os municípios da mesma classe de dimensão (população residente, Censos 2021), ordenados pela "
        "proximidade da população.",
        "The municipalities of the same size class (resident population, Census 2021), ordered by how "
        "close their population is."),
    "profile": PeerGroup(
        "profile", "Perfil estrutural semelhante", "Similar structural profile",
        "Os 10 municípios mais próximos num perfil estrutural padronizado (população, densidade, "
        "envelhecimento, poder de compra, residentes estrangeiros, …); a coluna `dimensions` diz em que "
        "dimensões são mais parecidos.",
        "The 10 municipalities closest on a standardised structural profile (population, density, ageing, "
        "purchasing power, foreign residents, …); the `dimensions` column says on which dimensions they "
        "are most alike."),
    "neighbours": PeerGroup(
        "neighbours", "Vizinhos (fronteira comum)", "Neighbours (shared border)",
        "Os municípios que partilham fronteira terrestre, a partir dos limites municipais; um município "
        "sozinho na sua ilha não tem vizinhos.",
        "The municipalities sharing a land border, from the municipal boundaries; a municipality alone on "
        "its island has none."),
}

#: size classes: (id, lower bound exclusive, upper bound inclusive, pt, en). Resident population,
#: INE Census 2021. The cut-offs at 20 000 and 100 000 are those of the Anuário Financeiro dos
#: Municípios Portugueses (OCC; pequenos <= 20 000, médios 20 001-100 000, grandes > 100 000
#: habitantes); the cuts at 5 000 and 50 000 split the small and medium classes. This is an
#: analytical convention of the observatory, not an official classification.
SIZE_CLASSES: list[tuple[str, float, float, str, str]] = [
    ("ate_5000", 0, 5_000, "até 5 000 habitantes", "up to 5,000 residents"),
    ("5001_20000", 5_000, 20_000, "5 001 a 20 000 habitantes", "5,001 to 20,000 residents"),
    ("20001_50000", 20_000, 50_000, "20 001 a 50 000 habitantes", "20,001 to 50,000 residents"),
    ("50001_100000", 50_000, 100_000, "50 001 a 100 000 habitantes", "50,001 to 100,000 residents"),
    ("mais_100000", 100_000, float("inf"), "mais de 100 000 habitantes", "over 100,000 residents"),
]
#: structural profile dimensions: id -> (pt, en, source)
PROFILE_DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "population": ("população (escala log.)", "population (log scale)", "INE, Censos 2021"),
    "density": ("densidade populacional (escala log.)", "population density (log scale)",
                "INE, Censos 2021; área DGT/CAOP"),
    "ageing": ("índice de envelhecimento", "ageing index", "INE via PORDATA (último ano)"),
    "purchasing_power": ("poder de compra per capita", "purchasing power per capita",
                         "INE, Estudo sobre o Poder de Compra Concelhio (quota nacional / quota da população)"),
    "foreign": ("residentes estrangeiros (%)", "foreign residents (%)", "INE, Censos 2021"),
    "pop_change": ("variação da população 2011–2021", "population change 2011–2021", "INE, Censos 2021"),
    "old_dependency": ("índice de dependência de idosos", "old-age dependency ratio",
                       "INE via PORDATA (último ano)"),
}

#: position of a municipality among its peers: id -> (pt, en, symbol)
POSITIONS: dict[str, tuple[str, str, str]] = {
    "above": ("acima dos pares", "above its peers", "▲"),
    "similar": ("semelhante aos pares", "similar to its peers", "●"),
    "below": ("abaixo dos pares", "below its peers", "▼"),
}
def level(level_id: str) -> Level:
    return LEVELS[level_id]


def status(status_id: str) -> Status:
    return STATUSES[status_id]
