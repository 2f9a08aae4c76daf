"""What "active" means for an alarm, defined once for every page, count, API default and the CLI.

An alarm is active when its status is not resolved and its series is current (fact_alarm.is_current:
the indicator is still published and the territory has a recent value). Everything else is history.
The same predicate three ways: on Python values (`is_active`), as SQL text for plain DuckDB queries
(`active_sql`) and as a SQLAlchemy Core clause (`active_clause`). The statuses are core.vocabulary.STATUSES.
"""
from __future__ import annotations

from core.vocabulary import ACTIVE_STATUSES, STATUSES


def is_active(status: str, is_current: bool) -> bool:
    """Not resolved and the series is current."""
    return bool(STATUSES[status].active and is_current)


def active_sql(alias: str = "") -> str:
    """The same predicate as SQL over fact_alarm's columns (`alias`: e.g. "a."), for plain DuckDB queries."""
    return f"({alias}status IN (" + ", ".join(f"'{s}'" for s in ACTIVE_STATUSES) + f") AND {alias}is_current)"


def active_clause(table):
    """The same predicate as a SQLAlchemy Core clause over a fact_alarm table (serving/data.py)."""
    from sqlalchemy import and_
    return and_(table.c.status.in_(ACTIVE_STATUSES), table.c.is_current.is_(True))
