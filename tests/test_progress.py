"""The progress method (core/progress.py) on the Open SDG rules and on edge cases.

The rules come from open-sdg docs/progress-methodology.md (commit 26d2e38) and sdg-build
sdg/ProgressMeasure.py (commit 139fede): thresholds 95 % / 60 % / 0 for R, 1.5 % / 0.5 % / 0 for the
CAGR without a target, zero replaced by 0.001, at least two points of one sign, a target achieved whatever
the trend. The figures below are worked by hand from the formulas.
"""
import math

import pytest

from core import progress as P


def test_cagr_formula():
    # (12 / 10) ** (1 / 5) - 1
    assert P.cagr(12, 10, 2020, 2015) == pytest.approx(0.037137, abs=1e-6)


def test_with_target_ratio_moderate():
    # base 2015 = 10, 2020 = 12, target 20 in 2030, higher is better:
    # CAGR_o = 3.714 %, CAGR_r = 2 ** (1/15) - 1 = 4.729 %, R = 0.785 -> moderate progress
    a = P.assess([(2015, 10), (2020, 12)], direction=1, target=20, deadline_t=2030)
    assert a.cagr_required == pytest.approx(2 ** (1 / 15) - 1)
    assert a.ratio == pytest.approx(0.78527, abs=1e-4)
    assert a.status == "moderate_progress"


@pytest.mark.parametrize("ratio, status", [(0.95, "substantial_progress"), (0.9499, "moderate_progress"),
                                           (0.60, "moderate_progress"), (0.5999, "limited_progress"),
                                           (0.0, "limited_progress"), (-0.0001, "deterioration")])
def test_ratio_thresholds_are_the_documented_ones(ratio, status):
    assert P.classify(ratio, P.RATIO_THRESHOLDS) == status


@pytest.mark.parametrize("growth, status", [(0.015, "substantial_progress"), (0.0149, "moderate_progress"),
                                            (0.005, "moderate_progress"), (0.0049, "limited_progress"),
                                            (0.0, "limited_progress"), (-0.001, "deterioration")])
def test_growth_thresholds_without_target(growth, status):
    assert P.classify(growth, P.GROWTH_THRESHOLDS) == status


def test_without_target_direction_flips():
    # falling 2 % a year: deterioration when higher is better, substantial progress when lower is better
    pts = [(2015, 100), (2020, 100 * 0.98 ** 5)]
    assert P.assess(pts, direction=1).status == "deterioration"
    assert P.assess(pts, direction=-1).status == "substantial_progress"


def test_lower_is_better_with_target():
    # PM2.5 from 14 (2015) to 12 (2020), target 10 in 2030: CAGR_o = -3.04 %, CAGR_r = -2.22 %, R = 1.37
    a = P.assess([(2015, 14), (2020, 12)], direction=-1, target=10, deadline_t=2030)
    assert a.ratio == pytest.approx(-P.cagr(12, 14, 2020, 2015) / abs(P.cagr(10, 14, 2030, 2015)))
    assert a.status == "substantial_progress"
    # projections to 2030 from the same base and latest period
    assert a.projection_compound == pytest.approx(12 * (12 / 14) ** 2)
    assert a.projection_linear == pytest.approx(12 - 0.4 * 10)
    assert a.needed_per_year == pytest.approx(-0.2)


def test_target_already_met():
    a = P.assess([(2015, 14), (2020, 16), (2021, 9)], direction=-1, target=10, deadline_t=2030)
    assert a.status == "target_achieved"


def test_one_point_is_not_assessable():
    a = P.assess([(2021, 12)], direction=-1, target=10, deadline_t=2030)
    assert (a.status, a.reason) == ("not_assessable", "one_point")


def test_one_point_already_achieved_is_achieved():
    assert P.assess([(2021, 8)], direction=-1, target=10, deadline_t=2030).status == "target_achieved"


def test_sign_change_is_not_assessable():
    a = P.assess([(2015, -2), (2020, 3)], direction=1)
    assert (a.status, a.reason) == ("not_assessable", "sign_change")


def test_all_negative_flips_the_direction():
    # from -10 to -5 (rising, i.e. better when higher is better): the magnitude falls, so the method flips
    a = P.assess([(2015, -10), (2020, -5)], direction=1)
    assert a.status == "substantial_progress"


def test_zero_base_is_replaced():
    a = P.assess([(2015, 0), (2020, 5)], direction=1, target=10, deadline_t=2030)
    assert "zero_base" in a.notes
    assert a.cagr_observed == pytest.approx(P.cagr(5, 0.001, 2020, 2015))
    assert a.status == "substantial_progress"


def test_zero_target_is_replaced():
    a = P.assess([(2015, 4), (2020, 2)], direction=-1, target=0, deadline_t=2030)
    assert "zero_target" in a.notes
    assert a.cagr_required == pytest.approx(P.cagr(0.001, 4, 2030, 2015))
    assert not math.isnan(a.ratio)


def test_deadline_passed_is_binary():
    pts = [(2019, 70), (2023, 65)]
    assert P.assess(pts, direction=-1, target=60, deadline_t=2013.4, as_of_t=2026).status == "not_achieved"
    assert P.assess([(2019, 70), (2023, 55)], direction=-1, target=60, deadline_t=2013.4,
                    as_of_t=2026).status == "target_achieved"


def test_base_period_skips_earlier_points():
    a = P.assess([(2010, 1), (2015, 10), (2020, 12)], direction=1, target=20, deadline_t=2030, base_t=2015)
    assert a.base_t == 2015 and a.base_value == 10


def test_excess_cut():
    # 150 % of the limit, then 144 %: the excess fell from 50 to 44, 6 points against the 5 required -> on track
    a = P.assess_excess_cut([(2021, 150), (2022, 144)], limit=100, cut=0.10)
    assert a.ratio == pytest.approx(1.2)
    assert a.status == "substantial_progress"
    assert a.projection_compound == pytest.approx(100 + 44 * 0.9)
    assert P.assess_excess_cut([(2021, 150), (2022, 152)], 100, 0.10).status == "deterioration"
    assert P.assess_excess_cut([(2021, 150), (2022, 98)], 100, 0.10).status == "target_achieved"
    assert P.assess_excess_cut([(2022, 150)], 100, 0.10).reason == "one_point"


def test_statuses_never_colour_alone():
    for s in P.STATUSES.values():
        assert s.symbol and s.icon and s.label_key.startswith("progress.status.")


def test_every_status_and_reason_has_texts_in_both_languages():
    from core.i18n import has
    for lang in ("pt", "en"):
        for s in P.STATUSES.values():
            assert has(s.label_key, lang), (s.label_key, lang)
        for r in P.REASONS:
            assert has(f"progress.reason.{r}", lang), (r, lang)
