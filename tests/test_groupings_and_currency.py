"""Alternative groupings (districts/islands, CIM/AM) and alarms of discontinued series, on the real build."""
from __future__ import annotations

import pytest


def test_district_turnout_is_ratio_of_its_municipalities_sums(db):
    """District values follow the indicator's rule, like NUTS: here summed voters / summed registered."""
    got = db.execute("SELECT value, numerator, denominator FROM fact_indicator_value "
                     "WHERE indicator_id = 'participacao_autarquicas' AND territory_id = 'DI11' "
                     "AND period_id = '2017'").fetchone()
    n, d = db.execute("""
        SELECT sum(f.numerator), sum(f.denominator) FROM fact_indicator_value f
        JOIN dim_territory t USING (territory_id)
        WHERE f.indicator_id = 'participacao_autarquicas' AND f.period_id = '2017'
          AND t.level = 'municipio' AND t.district_id = 'DI11'""").fetchone()
    assert got[1] == pytest.approx(n) and got[2] == pytest.approx(d)
    assert got[0] == pytest.approx(n / d * 100)


def test_every_district_island_and_cim_has_the_census_population(db):
    rows = db.execute("""
        SELECT t.level, count(*) FROM dim_territory t
        JOIN fact_indicator_value f ON f.territory_id = t.territory_id
         AND f.indicator_id = 'populacao_residente_censos' AND f.period_id = '2021'
        WHERE t.level IN ('distrito', 'ilha', 'cim', 'am') GROUP BY 1""").fetchall()
    assert dict(rows) == {"distrito": 18, "ilha": 11, "cim": 21, "am": 2}


def test_not_aggregable_indicators_get_no_grouping_values(db):
    n = db.execute("""
        SELECT count(*) FROM fact_indicator_value f JOIN dim_territory t USING (territory_id)
        WHERE f.indicator_id = 'prazo_medio_pagamentos' AND t.level IN ('distrito', 'ilha', 'cim', 'am')""").fetchone()[0]
    assert n == 0


def test_discontinued_series_alarms_are_marked_and_explained(db):
    rows = db.execute("SELECT DISTINCT is_current FROM fact_alarm WHERE indicator_id = 'covid19_incidencia_14d'").fetchall()
    assert rows == [(False,)]
    pt, en = db.execute("SELECT explanation_pt, explanation_en FROM fact_alarm "
                        "WHERE indicator_id = 'covid19_incidencia_14d' LIMIT 1").fetchone()
    assert "Série terminada" in pt and "Discontinued series" in en
    # other series are current unless the territory has no recent value (a station closed): "stale"
    assert db.execute("SELECT count(*) FROM fact_alarm WHERE indicator_id <> 'covid19_incidencia_14d' "
                      "AND NOT is_current AND series_state <> 'stale'").fetchone()[0] == 0
    assert db.execute("SELECT DISTINCT series_state FROM fact_alarm WHERE indicator_id = 'covid19_incidencia_14d'"
                      ).fetchall() == [("discontinued",)]


def test_current_alarms_come_first_and_home_counts_only_current(built):
    from serving import data
    df = data.alarms(territory_ids=["1106"], statuses=["new", "ongoing", "reopened"])
    flags = df["is_current"].astype(bool).tolist()
    assert flags == sorted(flags, reverse=True)          # current ones before discontinued ones
    counts = data.alarm_counts()
    n_current = int(df["is_current"].astype(bool).sum())
    assert n_current >= 1 and counts["n"].sum() > 0
    covid = data.alarms(indicator_ids=["covid19_incidencia_14d"], statuses=["new", "ongoing", "reopened"])
    health = counts[counts["area"] == "saude"]["n"].sum() if len(counts) else 0
    assert health < len(covid) or len(covid) == 0        # the discontinued series is not counted


def test_discontinued_is_a_caveat_in_the_registry():
    from indicators import load_registry
    ind = load_registry()["covid19_incidencia_14d"]
    assert ind.caveats[0].pt.startswith("Série terminada")
