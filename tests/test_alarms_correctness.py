"""Alarms on the real build (issue 8, items 7 and 8): one definition of "active", and the wrong alarms
found by recomputing from the raw files — a partial year, "desde", a partial week, a zero that means
missing, the 1,25× text, trend rules over gaps, and the ETL step order."""
from __future__ import annotations

import pytest

# imported at collection, before the session build, as test_alarms.py does: under the old import-order
# registration this ran alarms before peers and the tested database lost its peer-reference alarms
import etl.alarms  # noqa: F401,E402

AIR = ("no2_media_anual", "pm10_media_anual", "pm25_media_anual")
ACTIVE = "status <> 'resolved' AND is_current"


def rows(db, sql, params=()):
    return db.execute(sql, list(params)).fetchall()


# -- item 8 (a): a partial year never raises or keeps an annual alarm ------------------------------

def test_partial_2022_air_quality_is_provisional_with_its_reason(db):
    prov = rows(db, "SELECT DISTINCT period_id, provisional_reason FROM fact_indicator_value "
                    "WHERE indicator_id IN (SELECT unnest(?)) AND is_provisional", [list(AIR)])
    assert prov == [("2022", "ano_incompleto")]
    assert rows(db, "SELECT value, is_provisional FROM fact_indicator_value WHERE indicator_id = 'pm10_media_anual' "
                    "AND territory_id = '1312' AND period_id = '2022'") == [(pytest.approx(41.3, abs=0.05), True)]


def test_no_alarm_is_raised_or_kept_on_a_provisional_value(db):
    """83 of the 96 active air-quality alarms stood on 2022 (an April extract); none may."""
    on_prov = rows(db, """
        SELECT h.alarm_id, h.period_id FROM fact_alarm_history h
        JOIN fact_indicator_value f ON f.indicator_id = h.indicator_id AND f.territory_id = h.territory_id
         AND f.period_id = h.period_id
        WHERE f.is_provisional LIMIT 5""")
    assert on_prov == []
    assert rows(db, "SELECT count(*) FROM fact_alarm WHERE period_id = '2022' AND indicator_id IN (SELECT unnest(?))",
                [list(AIR)]) == [(0,)]
    # Porto PM10: 41,3 in the partial 2022 made it "Crítico"; on the last full year (2021: 21,7) it is a warning
    lvl, period, value, expl = rows(db, "SELECT level, period_id, value, explanation_pt FROM fact_alarm "
                                        "WHERE alarm_id = 'pm10_media_anual|1312|absolute'")[0]
    assert (lvl, period) == ("atencao", "2021") and value == pytest.approx(21.7, abs=0.05)
    assert "2021" in expl and "41,3" not in expl
    assert rows(db, f"SELECT count(*) FROM fact_alarm WHERE indicator_id = 'pm10_media_anual' AND level = 'critico' "
                    f"AND {ACTIVE}") == [(0,)]


# -- item 8 (b): "desde" is the start of the run at the stated level -------------------------------

def test_since_is_the_start_of_the_current_run_at_the_stated_level(db):
    hist = db.execute("SELECT alarm_id, period_id, level, flagged FROM fact_alarm_history ORDER BY alarm_id").df()
    order = db.execute("SELECT period_id, end_date, start_date FROM dim_period").df()
    hist = hist.merge(order, on="period_id").sort_values(["alarm_id", "end_date", "start_date"])
    cur = db.execute("SELECT alarm_id, level, since_period_id FROM fact_alarm WHERE status = 'ongoing'").df()
    expected = {}
    for aid, h in hist.groupby("alarm_id", sort=False):
        lv, start = None, None
        for r in h.itertuples():
            if r.flagged and r.level == lv:
                continue
            lv, start = (r.level, r.period_id) if r.flagged else (None, None)
        expected[aid] = (lv, start)
    wrong = [(r.alarm_id, r.since_period_id, expected[r.alarm_id]) for r in cur.itertuples()
             if expected[r.alarm_id] != (r.level, r.since_period_id)]
    assert not wrong, f"{len(wrong)} alarms say 'desde' something else than their run at that level: {wrong[:5]}"
    porto = rows(db, "SELECT since_period_id, explanation_pt FROM fact_alarm WHERE alarm_id = 'pm10_media_anual|1312|absolute'")
    assert porto[0][0] == "2019" and porto[0][1].startswith("Atenção desde 2019")


# -- item 8 (c): the partial last week ----------------------------------------------------------------

def test_partial_last_week_is_flagged_provisional(db):
    flagged = rows(db, "SELECT DISTINCT period_id, provisional_reason FROM fact_indicator_value "
                       "WHERE indicator_id = 'obitos_semanais' AND is_provisional")
    assert flagged == [("2024-W09", "semana_incompleta")]
    w9, w8 = (rows(db, "SELECT value FROM fact_indicator_value WHERE indicator_id = 'obitos_semanais' "
                       "AND territory_id = 'PT' AND period_id = ?", [p])[0][0] for p in ("2024-W09", "2024-W08"))
    assert w9 == 864 and w8 > 2000
    # every municipality of that week, and the regions summed from them, carry the flag
    assert rows(db, "SELECT bool_and(is_provisional), count(*) > 308 FROM fact_indicator_value "
                    "WHERE indicator_id = 'obitos_semanais' AND period_id = '2024-W09'") == [(True, True)]


# -- item 8 (d): a zero that means missing -------------------------------------------------------------

def test_zero_annual_mean_with_no_measurement_is_rejected_not_stored(db):
    assert rows(db, "SELECT count(*) FROM fact_indicator_value WHERE indicator_id = 'pm25_media_anual' "
                    "AND territory_id = '0805' AND period_id = '2011'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM fact_indicator_value WHERE indicator_id IN (SELECT unnest(?)) "
                    "AND value = 0", [list(AIR)]) == [(0,)]
    rej = rows(db, "SELECT file, field, value, reason FROM meta_rejected_row WHERE source_id = 'eea_qualidade_ar' "
                   "AND reason LIKE 'missing value stored as 0%'")
    assert len(rej) == 1 and rej[0][1] == "valor" and rej[0][2] in ("0.0", "0")
    # Faro's other PM2.5 years stay (2012: 1,4)
    assert rows(db, "SELECT value FROM fact_indicator_value WHERE indicator_id = 'pm25_media_anual' "
                    "AND territory_id = '0805' AND period_id = '2012'") == [(pytest.approx(1.407),)]


# -- item 8 (e): the text states the rule's own factor --------------------------------------------------

def test_ratio_rule_text_says_its_factor(db):
    from indicators import load_registry
    for ind in load_registry().values():
        for n, th in enumerate(ind.thresholds, 1):
            if th.rule != "deviation" or th.ratio is None:
                continue
            texts = rows(db, "SELECT explanation_pt, explanation_en, sentence_pt FROM fact_alarm WHERE rule_id = ?",
                         [f"{ind.id}#{n}"])
            pt = f"{th.ratio:g}".replace(".", ",")
            for e_pt, e_en, s_pt in texts:
                assert f"{pt} vezes" in e_pt and f"{th.ratio:g} times" in e_en and f"{pt} vezes" in s_pt, e_pt
    assert rows(db, "SELECT count(*) FROM fact_alarm WHERE indicator_id = 'renda_mediana_novos_contratos' "
                    "AND explanation_pt LIKE '%1,25 vezes%'")[0][0] > 0


# -- item 8 (f): trend rules count calendar periods ------------------------------------------------------

def _calendar(period_id: str, periodicity: str) -> int | None:
    from core.periods import parse_period
    p = parse_period(period_id)
    if periodicity == "annual":
        return p.end_date.year
    if periodicity == "quarterly":
        return p.end_date.year * 4 + (p.end_date.month - 1) // 3
    return None


def test_trend_windows_span_exactly_n_calendar_periods(db):
    """indice_envelhecimento has 2001 then 2009–2020: "5 years" must not reach from 2013 back to 2001."""
    from indicators import load_registry
    checked = 0
    for ind in load_registry().values():
        per = ind.periodicity.value
        for n, th in enumerate(ind.thresholds, 1):
            if th.rule != "trend" or per not in ("annual", "quarterly"):
                continue
            h = db.execute("SELECT h.period_id, h.reference_period_id FROM fact_alarm_history h "
                           "JOIN fact_alarm a USING (alarm_id) WHERE a.rule_type = 'trend' AND h.rule_id = ? "
                           "AND h.reference_period_id IS NOT NULL", [f"{ind.id}#{n}"]).fetchall()
            for pid, ref in h:
                assert _calendar(pid, per) - _calendar(ref, per) == th.periods, (ind.id, pid, ref)
                checked += 1
    assert checked > 100


# -- item 8 (g): the ETL step order is declared, and the tested database has the peer alarms --------------

def test_pipeline_is_an_explicit_ordered_list():
    import etl.alarms  # noqa: F401 — imported first on purpose: the order must not depend on it
    import etl.build as B
    import etl.peers  # noqa: F401
    assert [name for name, _ in B.pipeline_steps()] == ["peers", "surveillance", "alarms", "targets"]   # issues 13, 11


def test_peer_reference_alarms_exist_in_the_built_database(db):
    n_peers = rows(db, "SELECT count(*) FROM dim_peer")[0][0]
    assert n_peers > 0
    n, active = rows(db, f"SELECT count(*), count(*) FILTER (WHERE {ACTIVE}) FROM fact_alarm "
                         "WHERE reference_kind = 'peers'")[0]
    assert n >= 100 and active > 0, (n, active)


# -- item 7: one definition of active -------------------------------------------------------------------

def test_active_is_defined_once_and_the_three_forms_agree(db):
    from sqlalchemy import select

    from core import alarm_rules as AL
    from serving import data
    from core import schema as S
    df = db.execute("SELECT alarm_id, status, is_current FROM fact_alarm").df()
    by_fn = {r.alarm_id for r in df.itertuples() if AL.is_active(r.status, r.is_current)}
    by_sql = {r[0] for r in rows(db, f"SELECT alarm_id FROM fact_alarm WHERE {AL.active_sql()}")}
    by_clause = set(data.query(select(S.alarm.c.alarm_id).where(AL.active_clause(S.alarm)))["alarm_id"])
    assert by_fn == by_sql == by_clause and 0 < len(by_fn) < len(df)
    # COVID-19 (ended in 2022) is never active; an ended series is history
    assert rows(db, f"SELECT count(*) FROM fact_alarm WHERE indicator_id = 'covid19_incidencia_14d' AND "
                    f"{AL.active_sql()}") == [(0,)]


def test_every_count_and_list_uses_the_same_active_alarms(built, db):
    """Home counts = alarm centre default = API default = the municipalities' pages = the CLI."""
    from flask import Flask

    from etl.alarms import report
    from api import routes as api
    from serving import data
    home = int(data.alarm_counts()["n"].sum())
    centre = data.alarms()
    assert home == len(centre) and centre["is_active"].all()
    assert not (centre["status"] == "resolved").any() and centre["is_current"].all()
    app = Flask("t")
    api.init_app(app)
    body = app.test_client().get("/api/v1/alarms?page_size=1").get_json()
    assert body["pagination"]["total"] == home
    assert app.test_client().get("/api/v1/alarms?scope=all&page_size=1").get_json()["pagination"]["total"] > home
    assert app.test_client().get("/api/v1/alarms?status=resolved").status_code == 400
    lisboa = data.alarms(territory_ids=["1106"])
    text, code = report(db, "Lisboa")
    assert code == 0 and f"— {len(lisboa)} alarmes ativos" in text.splitlines()[0]
    assert "COVID" not in text


def test_critical_first_everywhere(built):
    from flask import Flask

    from api import routes as api
    from serving import data
    from core.vocabulary import ALARM_LEVELS as LEVELS
    sev = [LEVELS[x].severity for x in data.alarms()["level"]]
    assert sev == sorted(sev, reverse=True) and sev[0] == 3
    app = Flask("t")
    api.init_app(app)
    got = [a["level"] for a in app.test_client().get("/api/v1/alarms?page_size=500").get_json()["data"]]
    assert [LEVELS[x].severity for x in got] == sorted((LEVELS[x].severity for x in got), reverse=True)


def test_one_sentence_without_level_status_or_indicator(db):
    from core.vocabulary import ALARM_LEVELS as LEVELS, STATUSES
    df = db.execute("SELECT a.sentence_pt, a.sentence_en, i.title_pt, i.title_en FROM fact_alarm a "
                    "JOIN dim_indicator i USING (indicator_id)").df()
    assert len(df) and df["sentence_pt"].notna().all() and df["sentence_en"].notna().all()
    words_pt = [lv.label("pt") for lv in LEVELS.values()] + [s.label("pt") for s in STATUSES.values()] + ["desde"]
    for r in df.itertuples():
        assert r.title_pt.lower() not in r.sentence_pt.lower() and r.title_en.lower() not in r.sentence_en.lower()
        assert not any(r.sentence_pt.startswith(w) for w in words_pt), r.sentence_pt
        assert r.sentence_pt.endswith(".") and "\n" not in r.sentence_pt, r.sentence_pt
        assert " — regra analítica" not in r.sentence_pt and "limiar oficial" not in r.sentence_pt.lower()
