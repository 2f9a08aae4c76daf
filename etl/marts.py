"""Writing the marts: the DuckDB connection, the tables declared in core/schema.py, and inserts.

A low module of the ETL: the build and its pipeline steps (etl/peers.py, etl/alarms.py) all write
through it, so none of the steps imports the build that runs them (.importlinter: no cycles in etl).
"""
from __future__ import annotations

import duckdb
import pandas as pd
from sqlalchemy.schema import CreateTable

from core.schema import metadata

DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def connect(path, read_only=False) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only, config=DUCKDB_CONFIG)


def create_marts(con):
    from duckdb_engine import Dialect
    d = Dialect()
    for t in metadata.sorted_tables:
        con.execute(str(CreateTable(t).compile(dialect=d)))


def insert(con, table: str, df: pd.DataFrame):
    # the table's columns that the frame has: the others get their declared default (or NULL)
    cols = [c.name for c in metadata.tables[table].columns if c.name in df.columns]
    con.register("_df", df)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _df")
    con.unregister("_df")
