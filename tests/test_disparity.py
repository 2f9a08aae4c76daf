"""Disparity measures of the cockpit (core/disparity.py), worked by hand."""
import math

import pandas as pd
import pytest

from core import disparity as D


def test_weighted_cv_by_hand():
    # values 10 and 20, weights 3 and 1: mean 12.5, variance (3*6.25 + 1*56.25)/4 = 18.75
    assert D.weighted_cv([10, 20], [3, 1]) == pytest.approx(math.sqrt(18.75) / 12.5)
    assert D.weighted_cv([10, 10, 10], [1, 2, 3]) == 0
    assert D.weighted_cv([5]) is None


def test_decile_ratio():
    assert D.decile_ratio(range(1, 101)) == pytest.approx(90.1 / 10.9)
    assert D.decile_ratio([0] * 20 + [5]) is None
    assert D.decile_ratio([1, 2, 3]) is None


def test_sigma_convergence_narrowing_and_widening():
    rows = []
    for year, spread in ((2019, 10), (2020, 8), (2021, 5)):
        rows += [{"territory_id": "a", "period_id": str(year), "t": year, "value": 50 - spread, "weight": 1},
                 {"territory_id": "b", "period_id": str(year), "t": year, "value": 50 + spread, "weight": 1}]
    df = pd.DataFrame(rows)
    got = D.sigma_convergence(df)
    assert got["trend"] == "narrowing" and got["first"] == "2019" and got["last"] == "2021"
    assert got["cv_last"] == pytest.approx(0.1)
    df["value"] = df["value"].where(df["territory_id"] == "a", 50 + (df["t"] - 2018) * 10)
    assert D.sigma_convergence(df)["trend"] == "widening"
    assert D.sigma_convergence(df[df["t"] == 2021])["trend"] == "not_assessable"
