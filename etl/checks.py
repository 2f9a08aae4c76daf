"""Checks on every mart's grain, run on the new database before it is swapped in.

From the table declarations in core/schema.py: the primary key is unique and not null, NOT NULL
columns hold values; plus the references between marts declared in REFERENCES.
"""
from __future__ import annotations

from core.schema import metadata

#: (table, column) -> (referenced table, column)
REFERENCES = {
    ("fact_indicator_value", "indicator_id"): ("dim_indicator", "indicator_id"),
    ("fact_indicator_value", "territory_id"): ("dim_territory", "territory_id"),
    ("fact_indicator_value", "period_id"): ("dim_period", "period_id"),
    ("dim_territory", "parent_id"): ("dim_territory", "territory_id"),
    ("fact_alarm", "indicator_id"): ("dim_indicator", "indicator_id"),
    ("fact_alarm", "territory_id"): ("dim_territory", "territory_id"),
    ("fact_alarm", "period_id"): ("dim_period", "period_id"),
    ("fact_alarm_history", "alarm_id"): ("fact_alarm", "alarm_id"),
    ("dim_peer", "territory_id"): ("dim_territory", "territory_id"),
    ("dim_peer", "peer_id"): ("dim_territory", "territory_id"),
    ("fact_peer_position", "territory_id"): ("dim_territory", "territory_id"),
    ("fact_peer_position", "indicator_id"): ("dim_indicator", "indicator_id"),
    ("meta_lineage", "run_id"): ("meta_build", "run_id"),
    ("fact_mortality_surveillance", "indicator_id"): ("dim_indicator", "indicator_id"),
    ("fact_mortality_surveillance", "territory_id"): ("dim_territory", "territory_id"),
    ("fact_mortality_surveillance", "period_id"): ("dim_period", "period_id"),
    ("meta_build_warning", "run_id"): ("meta_build", "run_id"),
    ("meta_build_warning", "indicator_id"): ("dim_indicator", "indicator_id"),
    ("fact_target_status", "target_id"): ("dim_target", "target_id"),          # issue 11
    ("fact_target_status", "territory_id"): ("dim_territory", "territory_id"),
    ("dim_target", "indicator_id"): ("dim_indicator", "indicator_id"),
}


#: domain rules on the marts: (what must hold, SQL counting the rows that break it)
RULES = [
    ("fact values are finite numbers (a gap is no row)",
     "SELECT indicator_id, territory_id, period_id FROM fact_indicator_value "
     "WHERE value IS NULL OR isnan(value) OR isinf(value)"),
    ("aggregated values are regional, never municipal",
     "SELECT f.indicator_id, f.territory_id, f.period_id FROM fact_indicator_value f JOIN dim_territory t "
     "USING (territory_id) WHERE f.origin = 'aggregated' AND t.level = 'municipio'"),
    ("a ratio aggregated here keeps its numerator and denominator",
     "SELECT f.indicator_id, f.territory_id, f.period_id FROM fact_indicator_value f JOIN dim_indicator i "
     "USING (indicator_id) WHERE i.aggregation = 'ratio' AND f.origin = 'aggregated' "
     "AND (f.numerator IS NULL OR f.denominator IS NULL)"),
    ("an indicator's periods are all of one type",
     "SELECT f.indicator_id FROM fact_indicator_value f JOIN dim_period p USING (period_id) "
     "GROUP BY 1 HAVING count(DISTINCT p.period_type) > 1"),
    ("every municipality sits in a NUTS III region",
     "SELECT territory_id FROM dim_territory WHERE level = 'municipio' AND (nuts3_id IS NULL OR NOT "
     "regexp_full_match(territory_id, '[0-9]{4}'))"),
    ("every indicator in dim_indicator has values",
     "SELECT i.indicator_id FROM dim_indicator i WHERE NOT EXISTS (SELECT 1 FROM fact_indicator_value f "
     "WHERE f.indicator_id = i.indicator_id)"),
]


class CheckError(ValueError):
    pass


def run_checks(con) -> list[str]:
    """Return the list of failed checks (empty when all pass)."""
    failures = []
    for t in metadata.sorted_tables:
        pk = [c.name for c in t.primary_key.columns]
        if pk:
            cols = ", ".join(pk)
            n = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM {t.name} GROUP BY {cols} HAVING count(*) > 1)").fetchone()[0]
            if n:
                failures.append(f"{t.name}: {n} duplicate keys on ({cols})")
        for c in t.columns:
            if not c.nullable:
                n = con.execute(f"SELECT count(*) FROM {t.name} WHERE {c.name} IS NULL").fetchone()[0]
                if n:
                    failures.append(f"{t.name}.{c.name}: {n} null values")
    for (t, c), (rt, rc) in REFERENCES.items():
        n = con.execute(f"SELECT count(*) FROM {t} a WHERE a.{c} IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM {rt} b WHERE b.{rc} = a.{c})").fetchone()[0]
        if n:
            failures.append(f"{t}.{c}: {n} values not found in {rt}.{rc}")
    for what, sql in RULES:
        bad = con.execute(sql).fetchall()
        if bad:
            eg = "; ".join("/".join(str(x) for x in r) for r in bad[:3])
            failures.append(f"{what}: {len(bad)} rows break it (e.g. {eg})")
    return failures
