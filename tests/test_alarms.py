"""The alarm engine: each rule type on tiny fixtures (values exactly at the threshold included),
missing values, every lifecycle transition, explanations, and the alarms of the real build."""
from __future__ import annotations

import typing

import numpy as np
import pandas as pd
import pytest

from etl import alarms as A
from indicators.model import Indicator, Threshold
from core.vocabulary import ACTIVE_STATUSES, ALARM_LEVELS as LEVELS, STATUSES

NAN = float("nan")


def th(**kw) -> Threshold:
    kw.setdefault("level", "atencao")
    kw.setdefault("reason", {"pt": "motivo", "en": "reason"})
    return Threshold(**kw)


def panel(rows) -> pd.DataFrame:
    """rows: (territory, period, value); periods ordered as first seen."""
    df = pd.DataFrame(rows, columns=["territory_id", "period_id", "value"])
    order = {p: i for i, p in enumerate(dict.fromkeys(df["period_id"]))}
    return df.assign(order=df["period_id"].map(order), value=df["value"].astype(float))


def flags(ev: pd.DataFrame) -> dict:
    return {(r.territory_id, r.period_id): bool(r.flagged) for r in ev.itertuples()}


# -- registry ---------------------------------------------------------------------------------------

def test_every_rule_type_of_the_model_is_registered():
    rules = typing.get_args(Threshold.model_fields["rule"].annotation)
    assert set(rules) == set(A.RULE_TYPES)
    refs = typing.get_args(typing.get_args(Threshold.model_fields["reference"].annotation)[0])
    assert set(refs) == set(A.REFERENCES)
    levels = typing.get_args(Threshold.model_fields["level"].annotation)
    assert set(levels) == set(LEVELS)


def test_levels_and_statuses_are_complete():
    assert sorted(lv.severity for lv in LEVELS.values()) == [1, 2, 3]
    for lv in LEVELS.values():
        assert lv.label("pt") and lv.label("en") and lv.icon and lv.symbol and lv.colour.startswith("#")
    assert set(STATUSES) == {"new", "ongoing", "resolved", "reopened"}
    assert set(ACTIVE_STATUSES) == {"new", "ongoing", "reopened"}


def _luminance(hex_colour: str) -> float:
    c = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


@pytest.mark.parametrize("lv", list(LEVELS.values()), ids=list(LEVELS))
def test_level_colours_have_accessible_contrast(lv):
    for bg in ("#ffffff", lv.background):
        ratio = (max(_luminance(bg), _luminance(lv.colour)) + 0.05) / (min(_luminance(bg), _luminance(lv.colour)) + 0.05)
        assert ratio >= 4.5, (lv.id, bg, ratio)


def test_model_rejects_inconsistent_rules():
    with pytest.raises(ValueError):
        th(rule="absolute", op=">")                       # no value
    with pytest.raises(ValueError):
        th(rule="deviation", reference="national")        # no k / ratio
    with pytest.raises(ValueError):
        th(rule="deviation", reference="national", k=2, ratio=1.5)
    with pytest.raises(ValueError):
        th(rule="trend", periods=1)
    with pytest.raises(ValueError):
        th(rule="absolute", op=">", value=1, official=True)   # official without a citation
    with pytest.raises(ValueError):
        th(rule="absolute", op="outside", band=(5, 1))


# -- absolute ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("op,expected", [(">", [False, False, True]), (">=", [False, True, True]),
                                         ("<", [True, False, False]), ("<=", [True, True, False])])
def test_absolute_at_the_threshold(op, expected):
    p = panel([("a", "2020", 99.0), ("b", "2020", 100.0), ("c", "2020", 101.0)])
    ev = A.RULE_TYPES["absolute"](p, th(rule="absolute", op=op, value=100))
    assert [flags(ev)[(t, "2020")] for t in "abc"] == expected
    assert (ev["threshold"] == 100).all()


def test_absolute_outside_band_inclusive_bounds():
    p = panel([("a", "2020", 9.9), ("b", "2020", 10.0), ("c", "2020", 20.0), ("d", "2020", 20.1)])
    ev = A.absolute(p, th(rule="absolute", op="outside", band=(10, 20)))
    assert flags(ev) == {("a", "2020"): True, ("b", "2020"): False, ("c", "2020"): False, ("d", "2020"): True}
    assert ev.set_index("territory_id").loc["a", "threshold"] == 10
    assert ev.set_index("territory_id").loc["d", "threshold"] == 20


def test_missing_value_never_flags_and_is_not_evaluated():
    p = panel([("a", "2020", NAN), ("b", "2020", 500.0)])
    ev = A.absolute(p, th(rule="absolute", op="<", value=1000))
    assert list(ev["territory_id"]) == ["b"]


# -- deviation --------------------------------------------------------------------------------------

def dev_panel(values, ref, spread):
    p = panel([(t, "2020", v) for t, v in values])
    return p.assign(reference=ref, spread=spread)


def test_deviation_k_mad_strictly_beyond():
    # reference 100, MAD 10, k 2: cut at 120 (up) / 80 (down)
    p = dev_panel([("a", 120.0), ("b", 120.1), ("c", 79.9), ("d", NAN)], 100.0, 10.0)
    t = th(rule="deviation", reference="national", k=2)
    up = A.deviation(p, t, "up")
    assert flags(up) == {("a", "2020"): False, ("b", "2020"): True, ("c", "2020"): False}
    both = A.deviation(p, t, "both")
    assert flags(both)[("c", "2020")] is True
    assert both.set_index("territory_id").loc["c", "threshold"] == pytest.approx(80)
    assert both.set_index("territory_id").loc["b", "reference_value"] == 100


def test_deviation_zero_spread_or_missing_reference_is_not_evaluated():
    t = th(rule="deviation", reference="peers", k=3)
    assert A.deviation(dev_panel([("a", 500.0)], 100.0, 0.0), t, "up").empty
    assert A.deviation(dev_panel([("a", 500.0)], NAN, 10.0), t, "up").empty


def test_deviation_ratio():
    t = th(rule="deviation", reference="national", ratio=1.5)
    p = dev_panel([("a", 150.0), ("b", 150.01), ("c", 66.0), ("d", 66.7)], 100.0, NAN)
    assert flags(A.deviation(p, t, "up")) == {("a", "2020"): False, ("b", "2020"): True,
                                              ("c", "2020"): False, ("d", "2020"): False}
    down = flags(A.deviation(p, t, "down"))
    assert down[("c", "2020")] is True and down[("d", "2020")] is False


def test_reference_resolvers():
    terr = pd.DataFrame({"territory_id": ["a", "b", "c", "d", "R"], "level": ["municipio"] * 4 + ["nuts3"],
                         "nuts3_id": ["R", "R", "R", "R", None]})
    facts = pd.DataFrame({"territory_id": ["a", "b", "c", "d", "R", "PT"], "period_id": ["2020"] * 6,
                          "value": [1.0, 2.0, 3.0, 10.0, 4.0, 5.0]})
    p = panel([(t, "2020", v) for t, v in zip("abcd", [1.0, 2.0, 3.0, 10.0])])
    env = A.Env(facts=facts, territory=terr)
    nat = A.REFERENCES["national"](p, th(rule="deviation", reference="national", k=1), env)
    assert (nat["reference"] == 5).all() and (nat["spread"] == 1.0).all()   # MAD of 1,2,3,10 = 1
    n3 = A.REFERENCES["nuts3"](p, th(rule="deviation", reference="nuts3", k=1), env)
    assert (n3["reference"] == 4).all()
    peers = pd.DataFrame({"territory_id": ["d", "d", "d"], "group_type": "profile", "peer_id": ["a", "b", "c"]})
    env.peers = peers
    pr = A.REFERENCES["peers"](p, th(rule="deviation", reference="peers", k=1), env).set_index("territory_id")
    assert pr.loc["d", "reference"] == 2 and pr.loc["d", "spread"] == 1
    assert np.isnan(pr.loc["a", "reference"])          # no peers: no reference, no flag


def test_peers_reference_never_uses_the_municipality_itself():
    peers = pd.DataFrame({"territory_id": ["a"] * 3, "group_type": "profile", "peer_id": ["b", "c", "d"]})
    p = panel([("a", "2020", 1000.0), ("b", "2020", 1.0), ("c", "2020", 2.0), ("d", "2020", 3.0)])
    env = A.Env(facts=p, territory=pd.DataFrame(), peers=peers)
    r = A.ref_peers(p, th(rule="deviation", reference="peers", k=2), env).set_index("territory_id")
    assert r.loc["a", "reference"] == 2


# -- trend ------------------------------------------------------------------------------------------

def test_trend_worse_in_each_period_follows_polarity():
    p = panel([("a", y, v) for y, v in zip(["2017", "2018", "2019", "2020"], [1.0, 2.0, 3.0, 4.0])]
              + [("b", y, v) for y, v in zip(["2017", "2018", "2019", "2020"], [4.0, 3.0, 3.0, 2.0])])
    t = th(rule="trend", periods=3)
    up = flags(A.trend(p, t, "up"))            # lower is better: rising is worse
    assert up == {("a", "2020"): True, ("b", "2020"): False}
    down = flags(A.trend(p, t, "down"))         # b has a flat step: not worse in *each* period
    assert down == {("a", "2020"): False, ("b", "2020"): False}
    ev = A.trend(p, t, "up").set_index("territory_id")
    assert ev.loc["a", "reference_value"] == 1 and ev.loc["a", "reference_period_id"] == "2017"


def test_trend_pct_exactly_at_threshold_is_not_flagged():
    p = panel([("a", "2019", 100.0), ("a", "2020", 105.0), ("a", "2021", 110.0),
               ("b", "2019", 100.0), ("b", "2020", 90.0), ("b", "2021", 110.01)])
    ev = A.trend(p, th(rule="trend", periods=2, pct=10), "up")
    assert flags(ev) == {("a", "2021"): False, ("b", "2021"): True}
    assert ev.set_index("territory_id").loc["a", "threshold"] == pytest.approx(110)
    down = A.trend(panel([("a", "2019", 100.0), ("a", "2020", 95.0), ("a", "2021", 80.0)]),
                   th(rule="trend", periods=2, pct=10), "down")
    assert flags(down) == {("a", "2021"): True}


def test_trend_counts_calendar_periods_not_observations():
    """Over a gap, "2 periods" is two calendar periods: 2021 against 2019, which is missing, is not
    decided (the old rule compared 2021 with 2018, three years back, as if the gap were not there)."""
    p = panel([("a", "2018", 1.0), ("a", "2019", NAN), ("a", "2020", 2.0), ("a", "2021", 3.0)])
    assert A.trend(p, th(rule="trend", periods=2), "up").empty
    pct = A.trend(p, th(rule="trend", periods=2, pct=10), "up")
    assert flags(pct) == {("a", "2020"): True}                # 2020 vs 2018; 2021 vs 2019 (missing): undecided
    q = panel([("a", "2018", 1.0), ("a", "2019", 2.0), ("a", "2020", NAN), ("a", "2021", 3.0)])
    assert A.trend(q, th(rule="trend", periods=2), "up").empty   # "each" needs every period in between
    ev = A.trend(q, th(rule="trend", periods=2, pct=10), "up").set_index("period_id")
    assert bool(ev.loc["2021", "flagged"]) and ev.loc["2021", "reference_period_id"] == "2019"  # endpoints only
    assert A.trend(panel([("a", "2020", 1.0), ("a", "2021", 2.0)]), th(rule="trend", periods=2), "up").empty


def test_calendar_positions_follow_the_periodicity():
    assert A.calendar_positions(["2001", "2009", "2010"], "annual") == {"2001": 2001, "2009": 2009, "2010": 2010}
    q = A.calendar_positions(["2024-Q4", "2025-Q1", "2025-Q3"], "quarterly")
    assert q["2025-Q1"] - q["2024-Q4"] == 1 and q["2025-Q3"] - q["2025-Q1"] == 2
    assert A.calendar_positions(["2020-Q4", "2022-Q4"], "annual") == {"2020-Q4": 2020, "2022-Q4": 2022}
    w = A.calendar_positions(["2020-W53", "2021-W01"], "weekly")
    assert w["2021-W01"] - w["2020-W53"] == 1
    assert A.calendar_positions(["2017", "2013", "2021"], "election") == {"2013": 0, "2017": 1, "2021": 2}


def test_since_is_the_run_at_the_current_level():
    h = pd.DataFrame({"alarm_id": "x", "period_id": ["2000", "2001", "2002", "2003", "2004"],
                      "level": ["atencao", "critico", "atencao", "critico", "critico"],
                      "flagged": [True, True, True, True, True], "since_period_id": "2000"})
    assert list(A.level_runs(h)) == ["2000", "2001", "2002", "2003", "2003"]
    r = pd.DataFrame({"alarm_id": "x", "period_id": ["2000", "2001", "2002"], "level": ["critico", None, "critico"],
                      "flagged": [True, False, True], "since_period_id": ["2000", "2001", "2002"]})
    assert list(A.level_runs(r)) == ["2000", "2001", "2002"]


def test_ratio_and_k_keep_their_decimals():
    t = th(rule="deviation", reference="national", ratio=1.25, level="informacao")
    lab = A.labels_for(_indicator([t], short_unit="€/m²", decimals=2))
    row = {"status": "ongoing", "level": "informacao", "period_id": "2025", "since_period_id": "2024",
           "value": 14.0, "reference_value": 10.0}
    assert "mais de 1,25 vezes o valor nacional (10,00)" in A.explain(row, t, lab, "pt")
    assert "more than 1.25 times the national value" in A.explain(row, t, lab, "en")
    assert A.sentence(row, t, lab, "pt") == "14,00\u00a0€/m² em 2025, mais de 1,25 vezes o valor nacional (10,00)."


# -- missing ----------------------------------------------------------------------------------------

def test_missing_reported_and_all():
    p = panel([("a", "2019", 1.0), ("a", "2020", NAN), ("a", "2021", NAN),
               ("b", "2019", NAN), ("b", "2020", NAN), ("b", "2021", 5.0),
               ("c", "2019", 1.0), ("c", "2020", 1.0), ("c", "2021", 1.0)])
    rep = A.missing(p, th(rule="missing"))
    assert flags(rep) == {("a", "2020"): True, ("a", "2021"): True, ("c", "2020"): False, ("c", "2021"): False}
    assert rep.set_index(["territory_id", "period_id"]).loc[("a", "2021"), "reference_period_id"] == "2019"
    two = flags(A.missing(p, th(rule="missing", periods=2)))
    assert two[("a", "2020")] is False and two[("a", "2021")] is True
    al = flags(A.missing(p, th(rule="missing", expected="all")))
    assert al[("b", "2019")] is True and al[("b", "2020")] is True and al[("b", "2021")] is False


# -- lifecycle --------------------------------------------------------------------------------------

def run_lifecycle(seq):
    ev = pd.DataFrame({"alarm_id": "x", "order": range(len(seq)), "period_id": [str(2010 + i) for i in range(len(seq))],
                       "flagged": seq})
    out = A.lifecycle(ev)
    return list(out["status"]), list(out["since_period_id"])


def test_lifecycle_every_transition():
    status, since = run_lifecycle([False, True, True, False, False, True, True])
    assert status == ["new", "ongoing", "resolved", "resolved", "reopened", "ongoing"]
    assert since == ["2011", "2011", "2013", "2013", "2015", "2015"]


def test_lifecycle_never_flagged_leaves_no_alarm():
    status, _ = run_lifecycle([False, False, False])
    assert status == []


def test_lifecycle_separate_alarms():
    ev = pd.DataFrame({"alarm_id": ["x", "x", "y", "y"], "order": [0, 1, 0, 1], "period_id": ["1", "2", "1", "2"],
                       "flagged": [True, False, False, True]})
    out = A.lifecycle(ev)
    assert list(zip(out["alarm_id"], out["status"])) == [("x", "new"), ("x", "resolved"), ("y", "new")]


def test_groups_escalate_to_the_most_severe_rule():
    ind = _indicator([th(rule="absolute", op=">=", value=960, level="critico", group="risco"),
                      th(rule="absolute", op=">=", value=240, level="atencao", group="risco"),
                      th(rule="absolute", op=">=", value=120, level="informacao", group="risco")])
    facts = pd.DataFrame({"territory_id": "0101", "period_id": ["2020-11-11", "2020-11-25", "2020-12-09", "2020-12-23"],
                          "value": [100.0, 250.0, 1000.0, 90.0]})
    terr = pd.DataFrame({"territory_id": ["0101"], "level": ["municipio"], "nuts3_id": ["PT111"]})
    order = A.period_order(facts["period_id"])
    hist, cur = A.alarms_for(ind, facts, terr, order, None, "run1")
    assert list(hist["status"]) == ["new", "ongoing", "resolved"]
    assert list(hist["level"].fillna("-")) == ["atencao", "critico", "-"]
    assert list(hist["rule_id"]) == ["x#2", "x#1", "x#3"]
    assert len(cur) == 1 and cur.iloc[0]["status"] == "resolved" and cur.iloc[0]["level"] == "critico"
    assert cur.iloc[0]["alarm_id"] == "x|0101|risco"
    assert cur.iloc[0]["first_period_id"] == "2020-11-25" and cur.iloc[0]["last_flagged_period_id"] == "2020-12-09"


# -- explanations -----------------------------------------------------------------------------------

def _indicator(thresholds, **kw) -> Indicator:
    base = dict(id="x", title={"pt": "Índice de envelhecimento", "en": "Ageing index"},
                description={"pt": "d"}, unit={"pt": "idosos por 100 jovens", "en": "older people per 100 young"},
                decimals=1, area="demografia", polarity="lower_is_better", aggregation="weighted_mean",
                compute={"value": "s:v"}, sources=[{"producer": "INE", "licence": "x"}], thresholds=thresholds)
    base.update(kw)
    return Indicator(**base)


def test_explanation_peers_pt_and_en():
    t = th(rule="deviation", reference="peers", k=3, level="critico")
    lab = A.labels_for(_indicator([t]))
    row = {"status": "ongoing", "level": "critico", "period_id": "2020", "since_period_id": "2019",
           "value": 1412.34, "threshold": 300.0, "reference_value": 198.4, "flagged": True}
    pt = A.explain(row, t, lab, "pt")
    assert pt.startswith("Crítico desde 2019: índice de envelhecimento 1\u00a0412,3\u00a0idosos por 100 jovens")
    assert "acima da mediana dos pares (198,4) em mais de 3 desvios absolutos medianos" in pt
    assert pt.endswith(" — regra analítica.")
    en = A.explain(row, t, lab, "en")
    assert en.startswith("Critical since 2019: ageing index 1,412.3\u00a0older people per 100 young")
    assert "by more than 3 median absolute deviations" in en and en.endswith(" — analytical rule.")


def test_explanation_statuses_and_official_rules():
    t = th(rule="absolute", op=">", value=100, level="critico", official=True, citation="Lei n.º 73/2013, art. 52.º")
    lab = A.labels_for(_indicator([t], short_unit="%", title={"pt": "Dívida em % do limite", "en": "Debt as % of limit"}))
    base = {"level": "critico", "period_id": "2024", "since_period_id": "2024", "value": 104.96,
            "threshold": 100.0, "reference_value": NAN}
    new = A.explain(dict(base, status="new"), t, lab, "pt")
    assert new == ("Crítico, novo em 2024: dívida em % do limite 105,0\u00a0%, acima de 100\u00a0% "
                   "— limiar oficial: Lei n.º 73/2013, art. 52.º.")
    assert A.explain(dict(base, status="new"), t, lab, "en").startswith("Critical, new in 2024: debt as % of limit 105.0%, above 100%")
    assert A.explain(dict(base, status="reopened"), t, lab, "pt").startswith("Crítico, reaberto em 2024")
    res = A.explain(dict(base, status="resolved", value=90.0), t, lab, "pt")
    assert res.startswith("Resolvido em 2024 (era crítico):") and "já não acima de 100" in res


def test_explanation_missing_and_trend():
    t = th(rule="missing", periods=2)
    lab = A.labels_for(_indicator([t], title={"pt": "PMP", "en": "PMP"}))
    row = {"status": "new", "level": "atencao", "period_id": "2025-12-31", "since_period_id": "2025-12-31",
           "value": NAN, "threshold": 2.0, "reference_value": NAN, "reference_period_id": "2025-06-30"}
    s = A.explain(row, t, lab, "pt")
    assert "PMP: sem valor publicado nos últimos 2 períodos esperados (último valor em 30 jun 2025)" in s
    assert "PMP: no value published for the last 2 expected periods (last value in 30 Jun 2025)" in \
        A.explain(row, t, lab, "en")
    t2 = th(rule="trend", periods=3, pct=10)
    row2 = {"status": "ongoing", "level": "atencao", "period_id": "2020", "since_period_id": "2019", "value": 120.0,
            "threshold": 110.0, "reference_value": 100.0, "reference_period_id": "2017"}
    assert "subiu 20,0\u00a0% em 3 períodos (de 100,0\u00a0idosos por 100 jovens em 2017), mais do que 10\u00a0%" in \
        A.explain(row2, t2, A.labels_for(_indicator([t2])), "pt")


def test_units_words_follow_the_language():
    assert A.is_symbol("%") and A.is_symbol("€/m²") and A.is_symbol("µg/m³") and A.is_symbol("min")
    assert not A.is_symbol("dias") and not A.is_symbol("/100 mil") and not A.is_symbol("")
    t = th(rule="absolute", op=">", value=60)
    lab = A.labels_for(_indicator([t], short_unit="dias", unit={"pt": "dias", "en": "days"}))
    row = {"status": "new", "level": "atencao", "period_id": "2025-Q4", "since_period_id": "2025-Q4", "value": 76.0}
    assert "76,0\u00a0dias, acima de 60\u00a0dias" in A.explain(row, t, lab, "pt")
    assert "76.0\u00a0days, above 60\u00a0days" in A.explain(row, t, lab, "en")
    t2 = th(rule="trend", periods=2, pct=25)
    row2 = dict(row, status="resolved", value=110.0, reference_value=100.0, reference_period_id="2023-Q4")
    assert "subiu 10,0\u00a0% em 2 períodos (de 100,0\u00a0dias em 4.º trim. 2023), já não mais do que 25\u00a0%" in \
        A.explain(row2, t2, lab, "pt")


def test_title_lower_case_keeps_acronyms():
    assert A._title_lc("Índice de envelhecimento") == "índice de envelhecimento"
    assert A._title_lc("PMP a fornecedores") == "PMP a fornecedores"
    assert A._title_lc("NO2: média anual") == "NO2: média anual"


# -- the real build ---------------------------------------------------------------------------------

def test_indicators_with_thresholds():
    from indicators import load_registry
    reg = load_registry()
    with_rules = [i for i in reg.values() if i.thresholds]
    assert len(with_rules) >= 10, [i.id for i in with_rules]
    for ind in with_rules:
        for t in ind.thresholds:
            assert t.reason.pt and t.reason.en
            if t.official:
                assert t.citation


def test_build_holds_alarms_with_history(db):
    n = db.execute("SELECT count(*) FROM fact_alarm").fetchone()[0]
    assert n > 0
    bad = db.execute("SELECT count(*) FROM fact_alarm WHERE level NOT IN ('informacao','atencao','critico') "
                     "OR status NOT IN ('new','ongoing','resolved','reopened')").fetchone()[0]
    assert bad == 0
    # every alarm has a history row at its current period, with the same status
    miss = db.execute("SELECT count(*) FROM fact_alarm a LEFT JOIN fact_alarm_history h "
                      "ON h.alarm_id = a.alarm_id AND h.period_id = a.period_id "
                      "WHERE h.alarm_id IS NULL OR h.status <> a.status").fetchone()[0]
    assert miss == 0
    # flags carry their rule, value and build; a missing value flags only through the missing rule
    assert db.execute("SELECT count(*) FROM fact_alarm_history WHERE flagged AND value IS NULL "
                      "AND alarm_id NOT IN (SELECT alarm_id FROM fact_alarm WHERE rule_type = 'missing')"
                      ).fetchone()[0] == 0
    run = db.execute("SELECT run_id FROM meta_build").fetchone()[0]
    assert db.execute("SELECT count(DISTINCT run_id) FROM fact_alarm").fetchone()[0] == 1
    assert db.execute("SELECT any_value(run_id) FROM fact_alarm").fetchone()[0] == run
    assert db.execute("SELECT count(*) FROM fact_alarm WHERE explanation_pt = '' OR explanation_en = ''").fetchone()[0] == 0


def test_cli_report_explains_a_territory(db):
    text, code = A.report(db, "Lisboa", include_resolved=True)
    assert code == 0 and text.startswith("Lisboa (1106")
    text, code = A.report(db, "0101", lang="en")
    assert code == 0 and "Águeda" in text
    text, code = A.report(db, "lagoa")
    assert code == 2 and "4201" in text and "0806" in text       # ambiguous name: candidates listed
    text, code = A.report(db, "PT")
    assert code == 0
    _, code = A.report(db, "nowhere at all")
    assert code == 2


def test_cli_alarms_command(built):
    """`python -m etl alarms <territory>` in a separate process (its own read-only connection)."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, OBS_DB=built["db"])
    r = subprocess.run([sys.executable, "-m", "etl", "alarms", "Vila Real de Santo António", "--lang", "en"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Vila Real de Santo António (0816") and "Critical" in r.stdout
    assert "Law" in r.stdout or "Lei n.º 73/2013" in r.stdout
