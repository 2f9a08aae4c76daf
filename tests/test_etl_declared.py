"""What a source's declarations (coverage, missing) and a fixed-period denominator give, on tiny
synthetic staged frames over the mini territory (mainland: Lagoa 0806, Lisboa 1106, Odivelas 1116
(created 1998); Madeira: Calheta 3101; Azores: Lagoa 4201, Calheta 4501)."""
from __future__ import annotations

import pandas as pd
import pytest

from etl.catalogue import Source
from etl.compute import compute_indicator
from etl.declared import apply_declarations, covered_municipalities, kept_warnings
from etl.territory import build_territory, read_reference
from indicators.model import Indicator
from tests._helpers import MINI

TERR = build_territory(read_reference(MINI))


def staged(rows, prov=()):
    df = pd.DataFrame(rows, columns=["variable", "territory_id", "period_id", "value"])
    df["is_provisional"] = df["period_id"].isin(prov)
    df["is_estimated"] = False
    df["note"] = None
    df["source_id"] = df["variable"].str.split(":").str[0]
    return df


def src(sid, **kw):
    return Source.model_validate({"id": sid, "title": "T", "path": "x.csv", "format": "tidy_csv",
                                  "producer": "T", "licence": "L", **kw})


def ind(**kw):
    base = {"id": "x", "title": {"pt": "X"}, "description": {"pt": "X"}, "unit": {"pt": "u"},
            "area": "protecao_seguranca", "aggregation": "sum", "sources": [{"producer": "T", "licence": "L"}]}
    return Indicator.model_validate({**base, **kw})


def values(df) -> dict:
    return {(t, p): v for t, p, v in df[["territory_id", "period_id", "value"]].itertuples(index=False)}


def test_missing_zero_fills_covered_municipalities_that_existed_only():
    st = staged([("e:n", "1106", "1995", 5.0), ("e:n", "1106", "2001", 7.0)])
    out = values(apply_declarations(st, TERR, {"e": src("e", missing="zero", coverage="mainland")}))
    assert out[("0806", "1995")] == 0 and out[("0806", "2001")] == 0 and out[("1116", "2001")] == 0
    assert ("1116", "1995") not in out          # Odivelas did not exist yet: a gap, not a zero
    assert ("3101", "2001") not in out and ("4201", "2001") not in out   # outside the coverage
    assert ("1106", "1999") not in out          # a period the source does not publish stays absent


def test_missing_per_variable_and_the_period_provisional_flag():
    st = staged([("e:n", "1106", "2023", 5.0), ("e:n", "1106", "2024", 2.0), ("e:v", "1106", "2024", 9.0)],
                prov=("2024",))
    out = apply_declarations(st, TERR, {"e": src("e", missing={"n": "zero"})})
    n = out[out["variable"] == "e:n"].set_index(["territory_id", "period_id"])
    assert n.loc[("4501", "2023"), "value"] == 0 and not n.loc[("4501", "2023"), "is_provisional"]
    assert n.loc[("4501", "2024"), "value"] == 0 and n.loc[("4501", "2024"), "is_provisional"]
    assert set(out.loc[out["variable"] == "e:v", "territory_id"]) == {"1106"}     # absent stays absent


def test_coverage_sets_aside_rows_outside_it_and_aggregates_only_whole_regions():
    st = staged([("e:n", t, "2024", v) for t, v in (("1106", 5.0), ("1116", 2.0), ("0806", 1.0), ("3101", 4.0))])
    cat = {"e": src("e", coverage={"nuts3": ["PT1A0"]})}
    st = apply_declarations(st, TERR, cat)
    i = ind(compute={"value": "e:n"})
    covered = covered_municipalities(i, cat, TERR)
    assert covered == {"1106", "1116"}
    out = values(compute_indicator(st, TERR, i, covered=covered))
    assert out[("PT1A0", "2024")] == 7 and out[("DI11", "2024")] == 7    # Grande Lisboa, Lisboa district
    assert ("0806", "2024") not in out and ("3101", "2024") not in out    # outside: no data
    for region in ("PT1", "PT", "PT150", "PT3"):                          # partly or not covered: no value
        assert (region, "2024") not in out


def test_an_indicator_covers_what_all_its_sources_cover():
    cat = {"e": src("e", coverage="mainland"), "r": src("r"), "a": src("a", coverage="azores")}
    ratio = dict(aggregation="ratio", compute={"numerator": "e:n", "denominator": "r:area"})
    assert covered_municipalities(ind(**ratio), cat, TERR) == {"0806", "1106", "1116"}
    assert covered_municipalities(ind(compute={"value": "r:area"}), cat, TERR) is None
    both = dict(aggregation="ratio", compute={"numerator": "e:n", "denominator": "a:area"})
    assert covered_municipalities(ind(**both), cat, TERR) == set()


@pytest.mark.parametrize("period, used", [("latest", "2024"), ("2021", "2021"), (2021, "2021")])
def test_fixed_denominator_divides_every_period_by_one_period(period, used):
    st = staged([("e:n", "1106", "2022", 10.0), ("e:n", "1106", "2023", 20.0),
                 ("r:area", "1106", "2021", 100.0), ("r:area", "1106", "2024", 50.0)])
    i = ind(aggregation="ratio", compute={"numerator": "e:n", "denominator": {"variable": "r:area", "period": period},
                                          "scale": 100})
    out = compute_indicator(st, TERR, i).set_index(["territory_id", "period_id"])
    area = {"2021": 100.0, "2024": 50.0}[used]
    assert out.loc[("1106", "2022"), "value"] == pytest.approx(10 / area * 100)
    assert out.loc[("1106", "2023"), "value"] == pytest.approx(20 / area * 100)
    assert out.loc[("1106", "2023"), "denominator"] == area


def test_plain_denominator_is_still_matched_period_by_period():
    st = staged([("e:n", "1106", "2022", 10.0), ("e:n", "1106", "2023", 20.0), ("r:area", "1106", "2023", 100.0)])
    out = compute_indicator(st, TERR, ind(aggregation="ratio", compute={"numerator": "e:n", "denominator": "r:area"}))
    assert set(out.loc[out["territory_id"] == "1106", "period_id"]) == {"2023"}


def test_no_warning_for_an_indicator_as_rich_as_its_inputs():
    st = staged([("e:n", t, p, 1.0) for t in ("0806", "1106", "1116", "3101", "4201", "4501")
                 for p in ("2023", "2024")])
    i = ind(compute={"value": "e:n"})
    assert kept_warnings(st, TERR, i, compute_indicator(st, TERR, i)) == []
