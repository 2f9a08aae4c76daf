"""Derivations and aggregation rules as pure functions on tiny synthetic staged frames."""
from __future__ import annotations

import numpy as np
import pytest

import etl.derive  # noqa: F401  (registers the derivations)
from etl.build import build as _build  # noqa: F401
from etl.compute import DERIVATIONS, compute_indicator
from etl.territory import build_territory, read_reference
from tests._helpers import MINI, indicator, staged_frame

TERR = build_territory(read_reference(MINI))


staged = staged_frame

ind = indicator


def test_turnout_estimates_missing_registered_voters():
    st = staged([("s:votantes", "1106", "2021", 50.0), ("s:participacao_pct", "1106", "2021", 50.0),
                 ("s:votantes", "1106", "2017", 40.0), ("s:inscritos", "1106", "2017", 100.0),
                 ("s:participacao_pct", "1106", "2017", 40.0),
                 ("s:votantes", "0806", "2021", 30.0), ("s:participacao_pct", "0806", "2021", 60.0)])
    i = ind(compute={"derive": "turnout", "inputs": ["s:votantes", "s:inscritos", "s:participacao_pct"], "scale": 100})
    out = compute_indicator(st, TERR, i).set_index(["territory_id", "period_id"])
    assert out.loc[("1106", "2021"), "denominator"] == 100 and bool(out.loc[("1106", "2021"), "is_estimated"])
    assert not out.loc[("1106", "2017"), "is_estimated"]
    # Grande Lisboa (1106 only has a value; Odivelas has none): ratio of sums, flagged partial
    pt = out.loc[("PT", "2021")]
    assert pt["value"] == pytest.approx((50 + 30) / (100 + 50) * 100) and bool(pt["is_estimated"])


def test_rate_by_year_population_uses_same_year_then_carries_last():
    st = staged([("d:obitos", "1106", "2020", 10.0), ("d:obitos", "1106", "2022", 12.0),
                 ("d:obitos", "1106", "2018", 9.0),
                 ("p:pop", "1106", "2020", 1000.0), ("c:pop21", "1106", "2021", 2000.0)])
    st.loc[len(st)] = ["d:obitos", "1106", "2024", 1.0, True, False, None]     # a partial year
    i = ind(compute={"derive": "rate_by_year_population", "inputs": ["d:obitos", "p:pop", "c:pop21"], "scale": 1000})
    out = DERIVATIONS["rate_by_year_population"](st, TERR, i).set_index("period_id")
    assert out.loc["2020", "value"] == 10 and not out.loc["2020", "is_estimated"]
    assert out.loc["2022", "value"] == 6 and out.loc["2022", "is_estimated"] and "2021" in out.loc["2022", "note"]
    assert "2018" not in out.index and "2024" not in out.index


def test_share_with_zeros_only_when_total_present():
    st = staged([("b:n_total", "1106", "P", 10.0), ("b:n_ajuste", "1106", "P", 4.0),
                 ("b:n_total", "0806", "P", 5.0)])
    i = ind(compute={"derive": "share_of_total_with_zeros", "inputs": ["b:n_ajuste", "b:n_total"], "scale": 100})
    out = DERIVATIONS["share_of_total_with_zeros"](st, TERR, i).set_index("territory_id")
    assert out.loc["1106", "value"] == 40 and out.loc["0806", "value"] == 0
    assert "4201" not in out.index                     # no total: absent, not zero


def test_population_change_back_calculates_2011():
    st = staged([("c:rate", "1106", "2011/2021", 10.0), ("r:pop", "1106", "2021", 1100.0),
                 ("c:rate", "PT", "2011/2021", -2.0)])
    i = ind(compute={"derive": "population_change", "inputs": ["c:rate", "r:pop"], "scale": 100})
    out = DERIVATIONS["population_change"](st, TERR, i).set_index("territory_id")
    assert out.loc["1106", "denominator"] == pytest.approx(1000) and out.loc["1106", "numerator"] == pytest.approx(100)
    assert np.isnan(out.loc["PT", "numerator"]) and out.loc["PT", "value"] == -2


def test_sum_needs_every_municipality_and_weighted_mean_uses_population():
    st = staged([("s:v", "1106", "2020", 10.0), ("s:v", "1116", "2020", 20.0)])
    out = compute_indicator(st, TERR, ind(aggregation="sum", compute={"value": "s:v"})).set_index("territory_id")
    assert out.loc["PT1A0", "value"] == 30          # Grande Lisboa = Lisboa + Odivelas in the mini system
    assert "PT" not in out.index                    # other municipalities have no value: no national sum
    out = compute_indicator(st, TERR, ind(aggregation="weighted_mean", compute={"value": "s:v"})).set_index("territory_id")
    assert out.loc["PT1A0", "value"] == pytest.approx((10 * 540000 + 20 * 148000) / (540000 + 148000))
    out = compute_indicator(st, TERR, ind(aggregation="none", compute={"value": "s:v"}))
    assert set(out.territory_id) == {"1106", "1116"}


def test_official_regional_value_wins_and_breaks_are_flagged():
    st = staged([("s:v", "1106", "2020", 10.0), ("s:v", "1116", "2020", 20.0), ("s:v", "PT1A0", "2020", 99.0),
                 ("s:v", "1106", "2021", 11.0)])
    i = ind(aggregation="sum", compute={"value": "s:v"},
            breaks=[{"period": "2021", "reason": {"pt": "Mudança de método"}}])
    out = compute_indicator(st, TERR, i).set_index(["territory_id", "period_id"])
    assert out.loc[("PT1A0", "2020"), "value"] == 99 and out.loc[("PT1A0", "2020"), "origin"] == "source"
    assert out["is_break"].groupby(level=1).all().to_dict() == {"2020": False, "2021": True}


def test_weighted_mean_with_declared_weight():
    st = staged([("s:v", "1106", "2020", 10.0), ("s:v", "1116", "2020", 20.0),
                 ("w:dwellings", "1106", "2021", 1.0), ("w:dwellings", "1116", "2021", 3.0)])
    i = ind(aggregation="weighted_mean", compute={"value": "s:v", "weight": "w:dwellings"})
    out = compute_indicator(st, TERR, i).set_index("territory_id")
    assert out.loc["PT1A0", "value"] == pytest.approx((10 * 1 + 20 * 3) / 4)
