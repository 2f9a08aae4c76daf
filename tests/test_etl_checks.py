"""Mart checks catch broken grains and broken domain rules; periods are typed from their ids."""
from __future__ import annotations

import shutil

import pytest

import etl.build as B
from etl.checks import run_checks
from core.periods import parse_period
from tests._helpers import build_mini as build  # the `mini` fixture: conftest.py


def test_checks_pass_then_catch_breakage(mini, tmp_path):
    out = tmp_path / "obs.duckdb"
    build(mini, out)
    broken = tmp_path / "broken.duckdb"
    shutil.copy(out, broken)
    con = B.connect(broken)
    try:
        assert run_checks(con) == []
        con.execute("UPDATE fact_indicator_value SET origin = 'aggregated' WHERE territory_id = '1106' "
                    "AND period_id = '2001' AND indicator_id = 'participacao'")
        con.execute("INSERT INTO fact_indicator_value (indicator_id, territory_id, period_id, value, is_provisional, "
                    "is_estimated, is_break, origin, source_ids) VALUES ('nada', '9999', '2001', 'NaN', false, false, "
                    "false, 'source', 'x')")
        failures = "\n".join(run_checks(con))
    finally:
        con.close()
    assert "fact_indicator_value.indicator_id: 1 values not found in dim_indicator" in failures
    assert "fact_indicator_value.territory_id: 1 values not found in dim_territory" in failures
    assert "finite numbers" in failures
    assert "never municipal" in failures


@pytest.mark.parametrize("pid,kind,start,end", [
    ("2021", "year", "2021-01-01", "2021-12-31"),
    ("2024-Q4", "quarter", "2024-10-01", "2024-12-31"),
    ("2020-W53", "week", "2020-12-28", "2021-01-03"),
    ("2020-11-11", "date", "2020-11-11", "2020-11-11"),
    ("2011/2021", "range", "2011-01-01", "2021-12-31"),
    ("2024-01-01/2024-02-28", "range", "2024-01-01", "2024-02-28"),
])
def test_periods(pid, kind, start, end):
    p = parse_period(pid)
    assert (p.period_type, str(p.start_date), str(p.end_date)) == (kind, start, end)


@pytest.mark.parametrize("bad", ["2021-13-01", "2021/2011", "21", "2021-Q5", "2021-W54"])
def test_bad_period_ids(bad):
    with pytest.raises(ValueError, match="period"):
        parse_period(bad)
