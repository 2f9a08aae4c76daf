"""Checks on every mart's grain, run on the new database before it is swapped in.

From the table declarations in obs/schema.py: the primary key is unique and not null, NOT NULL
columns hold values; plus the references between marts declared in REFERENCES.
"""
from __future__ import annotations

from obs.schema import metadata

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
}


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
    return failures
