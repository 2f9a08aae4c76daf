"""The marts the app reads, declared once with SQLAlchemy Core.

The ETL creates these tables from this metadata (DDL compiled for DuckDB) and the app queries
them through the same objects, so the two can never drift apart. Types are kept portable
(no DuckDB-only types) so the marts can be served from PostgreSQL later.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, DateTime, Double, Integer, MetaData, String, Table, Text, true,
)

metadata = MetaData()

# -- dimensions ------------------------------------------------------------------------------
territory = Table(
    "dim_territory", metadata,
    Column("territory_id", String, primary_key=True),   # DICO '0101'; NUTS 'PT11'; 'PT'; 'DI01'; 'EI16D'
    Column("level", String, nullable=False),            # pais|nuts1|nuts2|nuts3|municipio|distrito|cim|freguesia
    Column("name", String, nullable=False),
    Column("name_unique", String, nullable=False),      # unique display name (Lagoa (R.A.A.))
    Column("name_search", String, nullable=False),      # lower case, no accents
    Column("parent_id", String),                        # administrative / NUTS parent
    Column("nuts1_id", String), Column("nuts2_id", String), Column("nuts3_id", String),
    Column("district_id", String), Column("cim_id", String),
    Column("tipo_territorio", String),                  # continente|raa|ram
    Column("area_km2", Double),
    Column("population", Double),                       # Census 2021 residents
    Column("sort_key", String, nullable=False),
)

period = Table(
    "dim_period", metadata,
    Column("period_id", String, primary_key=True),      # '2021', '2020-W05', '2020-11-11', '2024-Q4', '2011/2021'
    Column("period_type", String, nullable=False),      # year|week|date|quarter|range
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("year", Integer, nullable=False),
    Column("label_pt", String, nullable=False),
    Column("label_en", String, nullable=False),
)

indicator = Table(
    "dim_indicator", metadata,
    Column("indicator_id", String, primary_key=True),
    Column("title_pt", String, nullable=False), Column("title_en", String, nullable=False),
    Column("description_pt", Text), Column("description_en", Text),
    Column("unit_pt", String), Column("unit_en", String), Column("short_unit", String),
    Column("short_unit_en", String),                    # the short unit in English ("" = none)
    Column("decimals", Integer), Column("area", String), Column("polarity", String),
    Column("aggregation", String), Column("periodicity", String), Column("levels", String),
    Column("visibility", String, nullable=False), Column("headline", Boolean),
    Column("meta_json", Text, nullable=False),          # the whole registry entry, validated
)

# -- facts -----------------------------------------------------------------------------------
fact = Table(
    "fact_indicator_value", metadata,
    Column("indicator_id", String, primary_key=True),
    Column("territory_id", String, primary_key=True),
    Column("period_id", String, primary_key=True),
    Column("value", Double),
    Column("numerator", Double),
    Column("denominator", Double),
    Column("is_provisional", Boolean, nullable=False, default=False),
    Column("provisional_reason", String),               # why provisional: core.vocabulary.PROVISIONAL_REASONS
    Column("is_estimated", Boolean, nullable=False, default=False),
    Column("is_break", Boolean, nullable=False, default=False),
    Column("origin", String, nullable=False),           # source|aggregated|derived
    Column("source_ids", String, nullable=False),       # catalogue ids, comma-separated
    Column("note", String),
)

# -- lineage ---------------------------------------------------------------------------------
build = Table(
    "meta_build", metadata,
    Column("run_id", String, primary_key=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("data_system", String, nullable=False),
    Column("is_demo", Boolean, nullable=False),
    Column("code_version", String),
    Column("n_indicators", Integer), Column("n_values", Integer),
    Column("duration_s", Double), Column("peak_rss_mb", Double),
)

build_warning = Table(
    "meta_build_warning", metadata,
    Column("run_id", String, nullable=False),
    Column("indicator_id", String, nullable=False),
    Column("message", String, nullable=False),           # e.g. keeps 1 of the 8 periods of its numerator
)

lineage = Table(
    "meta_lineage", metadata,
    Column("run_id", String, primary_key=True),
    Column("source_id", String, primary_key=True),
    Column("path", String, nullable=False),
    Column("file_hash", String, nullable=False),        # sha256 of every file read
    Column("format", String, nullable=False),
    Column("licence", String),
    Column("rows_read", Integer, nullable=False),
    Column("rows_kept", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("duration_s", Double, nullable=False),
)

#: the declared sources (etl/catalogue.yaml), their public fields: the app reads them from here, never
#: from the ETL's catalogue file (one import direction: .importlinter)
source = Table(
    "meta_source", metadata,
    Column("source_id", String, primary_key=True),
    Column("position", Integer, nullable=False),        # the catalogue's order
    Column("title", String, nullable=False),             # pt-PT, as the producer names it
    Column("producer", String, nullable=False),
    Column("licence", String, nullable=False),
    Column("url", String, nullable=False, default=""),
    Column("caveats_json", Text, nullable=False, default="[]"),   # list of pt-PT notes
)

rejected = Table(
    "meta_rejected_row", metadata,
    Column("run_id", String, nullable=False),
    Column("source_id", String, nullable=False),
    Column("file", String, nullable=False),
    Column("row_number", Integer),                      # 1-based line in the file (header = 1)
    Column("field", String),
    Column("value", String),
    Column("reason", String, nullable=False),
)

# -- alarms and peers (issue: alarms and peer groups) -----------------------------------------
alarm = Table(
    "fact_alarm", metadata,
    Column("alarm_id", String, primary_key=True),       # stable: indicator|territory|rule
    Column("indicator_id", String, nullable=False),
    Column("territory_id", String, nullable=False),
    Column("rule_id", String, nullable=False),          # '<indicator>#<n>'
    Column("rule_type", String, nullable=False),        # absolute|deviation|trend|missing
    Column("level", String, nullable=False),            # informacao|atencao|critico
    Column("status", String, nullable=False),           # new|ongoing|resolved|reopened
    Column("period_id", String, nullable=False),        # latest period evaluated
    Column("since_period_id", String),                  # start of the current run at this level
    Column("value", Double), Column("threshold", Double), Column("reference_value", Double),
    Column("reference_kind", String),
    Column("official", Boolean, nullable=False, default=False),
    Column("explanation_pt", Text, nullable=False), Column("explanation_en", Text, nullable=False),
    Column("run_id", String, nullable=False),
    Column("group_id", String),                         # rules of one group escalate into one alarm
    Column("first_period_id", String),                  # first period ever flagged
    Column("last_flagged_period_id", String),           # last period flagged (= period_id while active)
    Column("reference_period_id", String),              # trend: start of the window; missing: last delivered
    Column("severity", Integer),                        # core.vocabulary.ALARM_LEVELS[level].severity
    Column("reason_pt", Text), Column("reason_en", Text),
    Column("citation", String),                         # official thresholds only
    # is the alarm's series current? False when the indicator is discontinued or the territory has had no
    # value for the last periods (series_state says which); active = core.alarm_rules.is_active
    Column("is_current", Boolean, nullable=False, server_default=true()),
    Column("series_state", String, nullable=False, server_default="current"),  # current|discontinued|stale
    Column("episode_since_period_id", String),          # first period of the current episode (any level)
    # the alarm in one sentence without its level, status or indicator (shown beside them)
    Column("sentence_pt", Text), Column("sentence_en", Text),
)

alarm_history = Table(
    "fact_alarm_history", metadata,
    Column("alarm_id", String, primary_key=True),
    Column("period_id", String, primary_key=True),
    Column("indicator_id", String, nullable=False),
    Column("territory_id", String, nullable=False),
    Column("rule_id", String, nullable=False),
    Column("level", String),
    Column("flagged", Boolean, nullable=False),
    Column("status", String, nullable=False),
    Column("value", Double), Column("threshold", Double), Column("reference_value", Double),
    Column("explanation_pt", Text), Column("explanation_en", Text),
    Column("run_id", String, nullable=False),
    Column("since_period_id", String),                  # start of the run at this level (or of the resolution)
    Column("reference_period_id", String),
    Column("sentence_pt", Text), Column("sentence_en", Text),
)

peer = Table(
    "dim_peer", metadata,
    Column("territory_id", String, primary_key=True),
    Column("group_type", String, primary_key=True),     # nuts3|cim|size|profile|neighbours
    Column("peer_id", String, primary_key=True),
    Column("rank", Integer),
    Column("distance", Double),
    Column("dimensions", String),                       # profile: dimensions that make them similar
)

peer_position = Table(
    "fact_peer_position", metadata,
    Column("indicator_id", String, primary_key=True),
    Column("territory_id", String, primary_key=True),
    Column("period_id", String, primary_key=True),
    Column("group_type", String, primary_key=True),
    Column("peer_median", Double), Column("peer_n", Integer),
    Column("rank", Integer), Column("percentile", Double),
    Column("position", String),                          # above|similar|below
    Column("peer_q1", Double), Column("peer_q3", Double),  # peers' quartiles (the position rule)
)

# -- weekly mortality surveillance (issue 13; core/surveillance.py, etl/surveillance.py) -----------
mortality_surveillance = Table(
    "fact_mortality_surveillance", metadata,
    Column("indicator_id", String, primary_key=True),   # a weekly count with an `excess` rule
    Column("territory_id", String, primary_key=True),   # PT and NUTS III (the rule's levels)
    Column("period_id", String, primary_key=True),      # ISO week '2022-W28'
    Column("observed", Double),                         # = fact_indicator_value.value
    Column("expected", Double),                         # NULL: no baseline for that year (before 2017)
    Column("lower", Double), Column("upper", Double),   # prediction band, +-z_bound z-scores (2/3 power)
    Column("excess", Double),                           # observed - expected, evaluated weeks only
    Column("zscore", Double),
    Column("above", Boolean, nullable=False),           # observed > upper (evaluated weeks only)
    Column("alarm", Boolean, nullable=False),           # above in this and the previous week(s): the rule
    Column("evaluated", Boolean, nullable=False),       # final week with a baseline (never the partial one)
    Column("is_provisional", Boolean, nullable=False),
    Column("z_bound", Double, nullable=False),
    Column("baseline_years", String),                   # '2015,2016,2017,2018,2019'
    Column("run_id", String, nullable=False),
)

# -- policy targets and their progress (issue 11; written by etl/targets.py) ----------------------
target = Table(
    "dim_target", metadata,
    Column("target_id", String, primary_key=True),      # = indicators/targets/<id>.yaml
    Column("indicator_id", String),                     # the registry indicator (or NULL: a programme metric)
    Column("programme_metric", String),                 # indicators.targets.PROGRAMME_METRICS
    Column("area", String, nullable=False),
    Column("scope_kind", String, nullable=False),       # country|municipalities|list|region
    Column("value", Double, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("direction", String, nullable=False),        # increase|decrease
    Column("binding", Boolean, nullable=False),
    Column("headline", Boolean, nullable=False),
    Column("to_confirm", Boolean, nullable=False),      # a jurist / the programme should confirm the reading
    Column("title_pt", String, nullable=False), Column("title_en", String, nullable=False),
    Column("data_state", String, nullable=False),       # ok | no_source (the programme source is not there yet)
    Column("meta_json", Text, nullable=False),          # the whole validated target
)

target_status = Table(
    "fact_target_status", metadata,
    Column("target_id", String, primary_key=True),
    Column("territory_id", String, primary_key=True),
    Column("level", String, nullable=False),
    Column("status", String, nullable=False),           # core.progress.STATUSES
    Column("reason", String),                           # core.progress.REASONS (not assessable)
    Column("base_period_id", String), Column("base_value", Double),
    Column("latest_period_id", String), Column("latest_value", Double),
    Column("target_value", Double, nullable=False),
    Column("cagr_observed", Double), Column("cagr_required", Double), Column("ratio", Double),
    Column("projection_compound", Double), Column("projection_linear", Double),
    Column("needed_per_year", Double), Column("needed_rate", Double),
    Column("n_points", Integer, nullable=False),        # periods read (provisional values excluded)
    Column("run_id", String, nullable=False),
)
