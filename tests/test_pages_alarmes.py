"""The Alarmes page (alarm centre): layout, filters, callbacks as plain functions, bad input.

Alarms are computed by the ETL; to test the page whatever the build flags, `sample_alarms` copies the
session database and adds two known alarms with their history.
"""
from __future__ import annotations

import json
import shutil

import pytest

SAMPLE_ID = "indice_envelhecimento|1106|test#1"
SAMPLE_ID_2 = "participacao_autarquicas|4901|test#1"
SAMPLE_EXPLANATION = "Teste: o índice de envelhecimento de Lisboa passou o limiar de 150 idosos por 100 jovens."
SAMPLE_EXPLANATION_2 = "Teste: a participação no Corvo ficou muito abaixo do valor nacional."


def add_sample_alarms(src, dst) -> None:
    """Copy the database at `src` to `dst` and add two alarms (Lisboa: warning, ongoing since 2018,
    with a 3-period history; Corvo: critical, new)."""
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


@pytest.fixture(scope="session")
def sample_alarms_db(built, tmp_path_factory):
    dst = tmp_path_factory.mktemp("alarmdb") / "observatorio.duckdb"
    add_sample_alarms(built["db"], dst)
    return dst


@pytest.fixture()
def sample_alarms(sample_alarms_db, monkeypatch):
    """Point the app at the copy with sample alarms for one test."""
    monkeypatch.setenv("OBS_DB", str(sample_alarms_db))
    yield sample_alarms_db


@pytest.fixture(scope="module")
def page(built):
    import app  # noqa: F401  (registers the pages)
    import pages.alarmes as m
    return m


def _text(component) -> str:
    """The whole component tree as JSON text (for 'contains' assertions)."""
    from plotly.utils import PlotlyJSONEncoder
    return json.dumps(json.loads(json.dumps(component, cls=PlotlyJSONEncoder)), ensure_ascii=False)


def test_layout_without_alarms_says_so(page, built, monkeypatch):
    from obs import data
    out = _text(page.layout())
    assert "Centro de alarmes" in out
    if data.alarms().empty:
        assert "Sem alarmes ativos." in out


def test_layout_lists_alarms_with_explanation_icon_and_label(page, sample_alarms):
    out = _text(page.layout(regiao="PT1A0", nivel="atencao", estado="ongoing", area="demografia"))
    assert SAMPLE_EXPLANATION in out
    assert "Atenção" in out and "obs-alarm-atencao" in out and "obs-level-icon" in out   # icon + label
    assert "Crítico" in out                           # the level filter lists every level
    assert "Em curso" in out                          # status in words
    assert f"alarme={SAMPLE_ID.replace('|', '%7C').replace('#', '%23')}" in out


def test_most_severe_first(sample_alarms):
    from obs import data
    df = data.alarms()
    ours = df[df["alarm_id"].isin([SAMPLE_ID, SAMPLE_ID_2])]
    assert list(ours["alarm_id"]) == [SAMPLE_ID_2, SAMPLE_ID]


def test_filters(page, sample_alarms):
    one, two = SAMPLE_EXPLANATION, SAMPLE_EXPLANATION_2
    by_level = _text(page.alarm_list(None, ["atencao"], "PT1A0", [], "pt"))
    assert one in by_level and two not in by_level
    by_region = _text(page.alarm_list(None, [], "PT200", [], "pt"))       # Açores (NUTS III) holds Corvo
    assert two in by_region and one not in by_region
    by_status = _text(page.alarm_list(None, [], "PT200", ["new"], "pt"))
    assert two in by_status and one not in by_status
    by_area = _text(page.alarm_list("demografia", [], "PT1A0", [], "pt"))
    assert one in by_area and two not in by_area
    none = _text(page.alarm_list("governacao", ["atencao"], "1106", ["resolved"], "pt"))
    assert one not in none and two not in none


def test_update_callback_returns_list_and_url(page, sample_alarms):
    children, search = page.update("demografia", ["atencao"], "PT1A0", ["ongoing"], {"lang": "en"})
    assert "Test: Lisbon" in _text(children)
    assert search == "?area=demografia&nivel=atencao&regiao=PT1A0&estado=ongoing&lang=en"
    assert page.update(None, None, None, None, {"lang": "pt"})[1] == ""


def test_alarm_detail_has_explanation_facts_and_history(page, sample_alarms):
    out = _text(page.layout(alarme=SAMPLE_ID))
    assert "alarme-detalhe" in out
    assert SAMPLE_EXPLANATION in out
    assert "Limiar absoluto" in out
    for period in ("2017", "2018", "2019", "2020"):
        assert f"Histórico {period}" in out
    assert "150,0" in out and "168,5" in out            # pt-PT numbers
    en = _text(page.layout(alarme=SAMPLE_ID, lang="en"))
    assert "History 2019" in en and "Absolute threshold" in en


@pytest.mark.parametrize("params", [
    {"nivel": "grave"}, {"estado": "aberto"}, {"area": "futebol"}, {"regiao": "XX99"}, {"regiao": "1106"},
])
def test_bad_parameters_give_a_400_page(page, built, params):
    out = page.layout(**params)
    assert out.to_plotly_json()["props"].get("data-status") == "400"
    assert "não é válido" in _text(out)
    assert page.http_status(**params) == 400


def test_unknown_alarm_gives_a_404_page(page, built):
    out = page.layout(alarme="nao|existe")
    assert out.to_plotly_json()["props"].get("data-status") == "404"
    assert page.http_status(alarme="nao|existe") == 404
    assert page.http_status() == 200


def test_permalink_round_trip(page):
    s = page.search_of("saude", ["critico", "atencao"], "PT11", ["new"], "en", alarme=None)
    assert s == "?area=saude&nivel=critico,atencao&regiao=PT11&estado=new&lang=en"
