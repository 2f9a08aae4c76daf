"""Per-resident derivations, one series from several files, and regions that must not be published
incomplete: pure functions on tiny synthetic staged frames (mini data system: 6 municipalities)."""
from __future__ import annotations

import pandas as pd
import pytest

import etl.derive  # noqa: F401  (registers the derivations)
from etl.compute import DERIVATIONS, compute_indicator
from etl.territory import build_territory, read_reference
from indicators.model import Indicator, RegistryError, load_indicator
from tests._helpers import MINI, indicator, staged_frame

TERR = build_territory(read_reference(MINI))
MUNIS = ["0806", "1106", "1116", "3101", "4201", "4501"]
POP19 = {"0806": 20000, "1106": 500000, "1116": 150000, "3101": 11000, "4201": 14700, "4501": 3200}


staged = staged_frame

ind = indicator


def pop_rows(year, pops=POP19, var="p:pop"):
    return [(var, t, str(year), float(v)) for t, v in pops.items()]


def test_series_first_listed_wins_and_a_gap_hides_nothing():
    st = staged([("a:total", "1106", "2014", 10.0), ("b:total", "1106", "2015", 11.0),
                 ("b:total", "1106", "2014", 99.0),                      # overlap: the first listed (a) wins
                 ("a:total", "0806", "2014", float("nan")), ("b:total", "0806", "2014", 5.0)])
    i = ind(aggregation="sum", compute={"derive": "series", "inputs": ["a:total", "b:total"]})
    out = DERIVATIONS["series"](st, TERR, i).set_index(["territory_id", "period_id"])["value"]
    assert out[("1106", "2014")] == 10 and out[("1106", "2015")] == 11 and out[("0806", "2014")] == 5


def test_per_resident_same_year_else_nearest_flagged():
    st = staged([*[("q:eur", "1106", str(y), 1000.0) for y in (2014, 2019, 2020, 2022)],
                 ("p:pop", "1106", "2019", 100.0), ("p:pop", "1106", "2020", 200.0), ("c:pop21", "1106", "2021", 400.0),
                 ("p:pop", "1106", "1981", 50.0)])
    i = ind(compute={"derive": "per_resident", "inputs": ["q:eur"], "population": ["p:pop", "c:pop21"]})
    out = DERIVATIONS["per_resident"](st, TERR, i).set_index("period_id")
    assert out.loc["2019", "value"] == 10 and not out.loc["2019", "is_estimated"] and pd.isna(out.loc["2019", "note"])
    assert out.loc["2020", "value"] == 5 and not out.loc["2020", "is_estimated"]
    # 2014: the nearest year with a population is 2019 (not 1981); 2022: 2021 (the Census)
    assert out.loc["2014", "value"] == 10 and out.loc["2014", "is_estimated"] and "2019" in out.loc["2014", "note"]
    assert out.loc["2022", "value"] == 2.5 and out.loc["2022", "is_estimated"] and "2021" in out.loc["2022", "note"]
    assert (out["numerator"] == 1000).all() and out.loc["2022", "denominator"] == 400


def test_per_resident_tie_takes_the_later_year():
    st = staged([("q:n", "1106", "2020", 60.0), ("p:pop", "1106", "2019", 100.0), ("p:pop", "1106", "2021", 300.0)])
    i = ind(compute={"derive": "per_resident", "inputs": ["q:n"], "population": ["p:pop"]})
    assert DERIVATIONS["per_resident"](st, TERR, i)["value"].iloc[0] == 0.2


def test_per_resident_fixed_is_not_flagged_estimated():
    st = staged([("q:n", "1106", "2025-12-31", 50.0), ("c:pop21", "1106", "2021", 1000.0)])
    i = ind(compute={"derive": "per_resident_fixed", "inputs": ["q:n"], "population": ["c:pop21"], "scale": 100})
    out = DERIVATIONS["per_resident_fixed"](st, TERR, i).iloc[0]
    assert out["value"] == 5 and not out["is_estimated"] and out["period_id"] == "2025-12-31"


def test_official_regional_quantity_over_all_municipalities_population():
    """INE publishes PT and Açores totals that include a suppressed municipality (4501): the regional
    ratio is that official total over the population of *all* the region's municipalities."""
    st = staged([*[("m:dorm", t, "2019", 1000.0) for t in MUNIS if t != "4501"],
                 ("m:dorm", "4501", "2019", float("nan")),                                  # suppressed
                 ("o:dorm", "PT", "2019", 6000.0), ("o:dorm", "PT200", "2019", 1300.0),
                 *pop_rows(2019)])
    i = ind(partial_regions="omit",
            compute={"derive": "per_resident", "inputs": ["m:dorm", "o:dorm"], "population": ["p:pop"], "scale": 100})
    out = compute_indicator(st, TERR, i).set_index("territory_id")
    assert out.loc["PT", "value"] == pytest.approx(6000 / sum(POP19.values()) * 100)
    assert out.loc["PT200", "value"] == pytest.approx(1300 / (14700 + 3200) * 100)
    assert out.loc["PT", "origin"] == "derived" and not out.loc["PT", "is_estimated"]
    assert "4501" not in out.index                                            # a gap, never a zero
    # Açores NUTS I (PT2) is not published by this "source": the aggregate would miss 4501 -> omitted
    assert "PT2" not in out.index and "PT20" not in out.index
    # complete regions are aggregated as a ratio of sums
    assert out.loc["PT1A0", "value"] == pytest.approx(2000 / (500000 + 150000) * 100)


def test_partial_regions_flag_by_default_omit_on_request():
    st = staged([("s:n", "1106", "2020", 10.0), ("s:d", "1106", "2020", 100.0),
                 ("s:n", "1116", "2020", float("nan")), ("s:d", "1116", "2020", 50.0)])
    flag = compute_indicator(st, TERR, ind(compute={"numerator": "s:n", "denominator": "s:d", "scale": 100}))
    row = flag.set_index("territory_id").loc["PT1A0"]
    assert row["value"] == 10 and row["is_estimated"] and row["note"] == "1/2 municípios com valor"
    omit = compute_indicator(st, TERR, ind(partial_regions="omit",
                                           compute={"numerator": "s:n", "denominator": "s:d", "scale": 100}))
    assert set(omit["territory_id"]) == {"1106"}


def test_population_goes_with_a_derive(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("title: {pt: X}\ndescription: {pt: X}\nunit: {pt: u}\narea: economia\naggregation: sum\n"
                 "compute: {value: 'a:b', population: ['p:pop']}\nsources: [{producer: T, licence: L}]\n",
                 encoding="utf-8")
    with pytest.raises(RegistryError, match="population goes with a derive"):
        load_indicator(p)
    p.write_text(p.read_text(encoding="utf-8").replace("{value: 'a:b', population: ['p:pop']}",
                                                       "{derive: per_resident, inputs: ['a:b'], population: [pop]}"),
                 encoding="utf-8")
    with pytest.raises(RegistryError, match="compute.population"):
        load_indicator(p)
