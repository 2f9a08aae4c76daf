"""Three known alarms (with a history) added to a copy of the session database, so that the alarm
pages can be tested whatever the build flags: the data here, the fixtures `sample_alarms_db` and
`sample_alarms` in conftest.py."""
from __future__ import annotations

import shutil

SAMPLE_ID = "indice_envelhecimento|1106|test#1"
SAMPLE_ID_2 = "participacao_autarquicas|4901|test#1"
SAMPLE_EXPLANATION = "Teste: o índice de envelhecimento de Lisboa passou o limiar de 150 idosos por 100 jovens."
SAMPLE_EXPLANATION_2 = "Teste: a participação no Corvo ficou muito abaixo do valor nacional."
SAMPLE_ID_3 = "covid19_incidencia_14d|1106|test#1"          # of a discontinued series (is_current = False)
SAMPLE_EXPLANATION_3 = "Teste: a incidência de COVID-19 em Lisboa passou o limiar (série terminada em 2022)."


def add_sample_alarms(src, dst) -> None:
    """Copy the database at `src` to `dst` and add three alarms (Lisboa: warning, ongoing since 2018,
    with a 3-period history; Corvo: critical, new; Lisboa, COVID-19: critical, ongoing, of a discontinued
    series)."""
    import duckdb
    shutil.copyfile(src, dst)
    con = duckdb.connect(str(dst))
    try:
        cols = ("alarm_id, indicator_id, territory_id, rule_id, rule_type, level, status, period_id, "
                "since_period_id, value, threshold, reference_value, reference_kind, official, explanation_pt, "
                "explanation_en, run_id")
        con.execute(f"INSERT INTO fact_alarm ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [
            SAMPLE_ID, "indice_envelhecimento", "1106", "indice_envelhecimento#test", "absolute", "atencao",
            "ongoing", "2020", "2018", 168.5, 150.0, None, None, False, SAMPLE_EXPLANATION,
            "Test: Lisbon's ageing index crossed the threshold of 150 older people per 100 young people.", "test"])
        con.execute(f"INSERT INTO fact_alarm ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [
            SAMPLE_ID_2, "participacao_autarquicas", "4901", "participacao_autarquicas#test", "deviation",
            "critico", "new", "2025", "2025", 40.0, 50.0, 59.3, "national", False,
            SAMPLE_EXPLANATION_2,
            "Test: turnout in Corvo was far below the national value.", "test"])
        con.execute(f"INSERT INTO fact_alarm ({cols}, is_current) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [
            SAMPLE_ID_3, "covid19_incidencia_14d", "1106", "covid19_incidencia_14d#test", "absolute", "critico",
            "ongoing", "2022-03-03", "2021-10-21", 1511.0, 960.0, None, None, True, SAMPLE_EXPLANATION_3,
            "Test: COVID-19 incidence in Lisbon crossed the threshold (series ended in 2022).", "test", False])
        hcols = ("alarm_id, period_id, indicator_id, territory_id, rule_id, level, flagged, status, value, "
                 "threshold, reference_value, explanation_pt, explanation_en, run_id")
        for period, flagged, status, value in (("2017", False, "resolved", 140.0), ("2018", True, "new", 151.0),
                                               ("2019", True, "ongoing", 160.0), ("2020", True, "ongoing", 168.5)):
            con.execute(f"INSERT INTO fact_alarm_history ({hcols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [
                SAMPLE_ID, period, "indice_envelhecimento", "1106", "indice_envelhecimento#test",
                "atencao" if flagged else None, flagged, status, value, 150.0, None,
                f"Histórico {period}", f"History {period}", "test"])
    finally:
        con.close()
