"""Weekly mortality surveillance: the model (core/surveillance.py) on made-up series, then on the real
SICO-eVM weekly deaths of the built database (fact_mortality_surveillance and the `excess` alarms).

Known events the surveillance must flag (observed above the upper bound in two consecutive weeks):
the heat wave of early August 2018, the COVID-19 peak of January 2021, the heat wave of July 2022.
"Ordinary" weeks, where an alarm is a false alarm: ISO weeks 15-26 and 36-45 (spring and autumn, the
weeks EuroMOMO deems free of influenza and heat) of the evaluated non-pandemic years (2017-2019, 2023).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import surveillance as S


def series(years=range(2014, 2025), level=2000.0, amp=0.15, trend=0.01, seed=1, noise=True):
    rng = np.random.default_rng(seed)
    rows = []
    for y in years:
        for w in range(1, 53):
            t = (y - 2014) * S.YEAR_WEEKS + w
            mu = level * (1 + trend) ** (y - 2014) * np.exp(amp * np.cos(2 * np.pi * w / S.YEAR_WEEKS))
            rows.append((f"{y}-W{w:02d}", float(rng.poisson(mu)) if noise else mu, t))
    return pd.DataFrame(rows, columns=["period_id", "value", "t"])


# -- the model on made-up series ------------------------------------------------------------------------

def test_recovers_a_seasonal_series_and_stays_quiet():
    s = series()
    b = S.baseline(s["period_id"], s["value"])
    ev = b[b["evaluated"]]
    assert ev["iso_year"].min() == 2017            # 3 baseline years needed (2014-2016)
    # winter is extrapolated from spring and autumn by the annual cycle: within 5 % of the truth
    truth = series(noise=False).set_index("period_id")["value"]
    rel = (ev.set_index("period_id")["expected"] / truth.reindex(ev["period_id"]).to_numpy() - 1).abs()
    assert rel.max() < 0.05
    # pure Poisson noise (and a season the model only approximates): two weeks above 2 z are rare
    assert S.runs_above(b).sum() / len(ev) < 0.01


def test_pandemic_years_never_in_a_baseline_and_at_most_five_years():
    s = series()
    b = S.baseline(s["period_id"], s["value"])
    by_year = b.groupby("iso_year")["baseline_years"].first()
    assert by_year[2019] == "2014,2015,2016,2017,2018"
    assert by_year[2021] == "2015,2016,2017,2018,2019"
    assert by_year[2024] == "2016,2017,2018,2019,2023"
    assert S.baseline_years(2016, range(2014, 2016)) == []


def test_bound_is_strict_and_two_consecutive_weeks_make_an_alarm():
    s = series()
    b = S.baseline(s["period_id"], s["value"])
    up = dict(zip(b["period_id"], b["upper"]))
    v = s.set_index("period_id")["value"].copy()
    v["2019-W30"] = up["2019-W30"]                 # exactly at the bound: not above
    v["2019-W31"] = up["2019-W31"] + 1
    v["2019-W40"] = up["2019-W40"] + 1             # one week only: no alarm
    v["2019-W45"], v["2019-W46"] = up["2019-W45"] + 1, up["2019-W46"] + 1
    b2 = S.baseline(v.index, v.to_numpy())
    b2["alarm"] = S.runs_above(b2)
    a = b2.set_index("period_id")
    assert not a.loc["2019-W30", "above"] and a.loc["2019-W31", "above"]
    assert not a.loc["2019-W31", "alarm"] and not a.loc["2019-W40", "alarm"]
    assert not a.loc["2019-W45", "alarm"] and a.loc["2019-W46", "alarm"]


def test_a_run_crosses_the_year_end_and_a_gap_breaks_it():
    s = series(years=range(2014, 2021))
    b = S.baseline(s["period_id"], s["value"])
    up = dict(zip(b["period_id"], b["upper"]))
    v = s.set_index("period_id")["value"].copy()
    v["2018-W52"], v["2019-W01"] = up["2018-W52"] + 5, up["2019-W01"] + 5   # 2018 has 52 ISO weeks
    v["2019-W20"], v["2019-W22"] = up["2019-W20"] + 5, up["2019-W22"] + 5
    v = v.drop("2019-W21")
    b2 = S.baseline(v.index, v.to_numpy())
    a = b2.assign(alarm=S.runs_above(b2)).set_index("period_id")["alarm"]
    assert a["2019-W01"] and not a["2019-W22"]


def test_the_provisional_week_is_shown_never_evaluated():
    s = series(years=range(2014, 2020))
    prov = s["period_id"] == "2019-W52"
    v = s["value"].where(~prov, 10.0)             # a partial week: far below expected
    b = S.baseline(s["period_id"], v, prov).set_index("period_id")
    row = b.loc["2019-W52"]
    assert row["is_provisional"] and not row["evaluated"] and not row["above"]
    assert np.isnan(row["excess"]) and np.isnan(row["zscore"]) and row["expected"] > 0


# -- the real weekly deaths -----------------------------------------------------------------------------

EVENTS = {  # event -> (territory, week that closes the two-week run)
    "heat wave, August 2018": ("PT", "2018-W32"),
    "COVID-19 peak, January 2021": ("PT", "2021-W03"),
    "heat wave, July 2022": ("PT", "2022-W28"),
}


@pytest.fixture(scope="module")
def mart(db):
    return db.execute("SELECT * FROM fact_mortality_surveillance WHERE indicator_id = 'obitos_semanais'").df()


def test_mart_covers_country_and_nuts3_with_one_row_per_fact(db, mart):
    n3 = db.execute("SELECT count(*) FROM dim_territory WHERE level = 'nuts3'").fetchone()[0]
    assert set(mart["territory_id"]) == {"PT"} | {r[0] for r in db.execute(
        "SELECT territory_id FROM dim_territory WHERE level = 'nuts3'").fetchall()}
    assert mart["territory_id"].nunique() == n3 + 1
    facts = db.execute("SELECT count(*) FROM fact_indicator_value f JOIN dim_territory t USING (territory_id) "
                       "WHERE indicator_id = 'obitos_semanais' AND t.level IN ('pais', 'nuts3')").fetchone()[0]
    assert len(mart) == facts
    ok = mart[mart["evaluated"]]
    assert (ok["lower"] <= ok["expected"]).all() and (ok["expected"] <= ok["upper"]).all()
    assert np.allclose(ok["excess"], ok["observed"] - ok["expected"])


@pytest.mark.parametrize("event", list(EVENTS))
def test_known_events_are_flagged(db, mart, event):
    tid, week = EVENTS[event]
    r = mart[(mart["territory_id"] == tid) & (mart["period_id"] == week)].iloc[0]
    assert r["evaluated"] and r["above"] and r["alarm"], (event, r.to_dict())
    print(f"{event}: {tid} {week}: observed {r['observed']:.0f}, expected {r['expected']:.0f}, "
          f"upper bound {r['upper']:.0f}, z {r['zscore']:.1f}")
    # and the alarm engine raised the same alarm in the same week
    h = db.execute("SELECT flagged, level, explanation_pt FROM fact_alarm_history WHERE indicator_id = "
                   "'obitos_semanais' AND territory_id = ? AND period_id = ?", [tid, week]).fetchone()
    assert h is not None and h[0], h
    assert "semanas seguidas" in h[2]


def test_january_2021_is_flagged_in_most_regions_and_critical_nationally(db, mart):
    w = mart[mart["period_id"] == "2021-W03"]
    assert w["alarm"].mean() > 0.9
    lvl = db.execute("SELECT level FROM fact_alarm_history WHERE alarm_id = 'obitos_semanais|PT|excesso' "
                     "AND period_id = '2021-W03'").fetchone()[0]
    assert lvl == "critico"


def test_false_alarm_rate_in_ordinary_weeks_is_low(mart):
    wk = mart["period_id"].str.slice(6).astype(int)
    yr = mart["period_id"].str.slice(0, 4).astype(int)
    ordinary = mart["evaluated"] & ~yr.isin(S.PANDEMIC_YEARS) & wk.isin(S.FIT_WEEKS)
    n, alarms = int(ordinary.sum()), int((ordinary & mart["alarm"]).sum())
    rate = alarms / n
    print(f"false-alarm rate in ordinary weeks: {alarms}/{n} = {rate:.2%}")
    assert n > 2000
    assert rate < 0.01


def test_the_partial_last_week_is_never_evaluated(db, mart):
    prov = mart[mart["is_provisional"]]
    assert set(prov["period_id"]) == {"2024-W09"}
    assert not prov["evaluated"].any() and not prov["alarm"].any() and prov["excess"].isna().all()
    n = db.execute("SELECT count(*) FROM fact_alarm_history WHERE indicator_id = 'obitos_semanais' "
                   "AND period_id = '2024-W09'").fetchone()[0]
    assert n == 0


# -- the API --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def api(built):
    from tests._helpers import api_client
    return api_client()


def test_api_serves_a_territory_surveillance(api):
    r = api.get("/api/v1/surveillance/PT?page_size=1000")
    assert r.status_code == 200, r.json
    rows = {x["period_id"]: x for x in r.json["data"]}
    assert rows["2022-W28"]["alarm"] is True and rows["2022-W28"]["observed"] == 2734
    assert rows["2024-W09"]["is_provisional"] is True and rows["2024-W09"]["excess"] is None
    csv = api.get("/api/v1/surveillance/pt111?format=csv&page_size=5")
    assert csv.status_code == 200 and csv.data.decode().splitlines()[0].startswith("indicator_id,territory_id")


@pytest.mark.parametrize("url, status, param", [
    ("/api/v1/surveillance/1106", 404, "territory_id"),          # a municipality: not under surveillance
    ("/api/v1/surveillance/PT?indicator=no2_media_anual", 400, "indicator"),
    ("/api/v1/surveillance/PT?x=1", 400, "x"),
])
def test_api_bad_requests_are_explained(api, url, status, param):
    r = api.get(url)
    assert r.status_code == status
    assert param in r.get_data(as_text=True)


# -- the pages' hooks (plain functions) -----------------------------------------------------------------

def test_indicator_page_block_follows_the_indicator(built):
    from web import surveillance_view as SV
    assert SV.indicator_section("no2_media_anual", "pt") is None
    sec = SV.indicator_section("obitos_semanais", "en")
    assert sec is not None and "Portugal" in str(sec.children[0].children)


def test_region_hook_adds_the_section_after_the_alarms_only_where_there_is_surveillance(built):
    from dash import html

    from web import surveillance_view as SV
    page = html.Div([html.H1("x"), html.Section("a", className="obs-alarms"), html.Section("members")])
    out = SV.with_section(page, "PT11A", "pt")
    assert [getattr(c, "className", None) for c in out.children][:3] == [None, "obs-alarms", "obs-surveillance mt-4"]
    same = html.Div([html.H1("y")])
    assert SV.with_section(same, "1106", "pt").children == same.children
