"""Território pages (/municipio/<dico>, /regiao/<code>) and Sobre: layouts and callbacks as plain
functions, the profile's pure helpers on tiny frames, and bad input."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from web import territory_view as tv


@pytest.fixture(scope="module")
def pages(built):
    import app  # noqa: F401  (registers the pages)
    import pages.municipio as municipio
    import pages.regiao as regiao
    import pages.sobre as sobre
    return {"municipio": municipio, "regiao": regiao, "sobre": sobre}


def _text(component) -> str:
    from plotly.utils import PlotlyJSONEncoder
    return json.dumps(json.loads(json.dumps(component, cls=PlotlyJSONEncoder)), ensure_ascii=False)


def _status(component) -> str | None:
    return component.to_plotly_json()["props"].get("data-status")


# -- pure helpers -------------------------------------------------------------------------------

def _frame(rows, cols=("indicator_id", "territory_id", "period_id", "value")):
    df = pd.DataFrame(rows, columns=list(cols))
    df["start_date"] = pd.to_datetime(df["period_id"] + "-01-01")
    df["label_pt"] = df["label_en"] = df["period_id"]
    return df


def test_profile_rows_latest_national_and_peers():
    inds = pd.DataFrame([{"indicator_id": "a", "area": "x"}, {"indicator_id": "b", "area": "x"}])
    own = _frame([("a", "T", "2019", 10.0), ("a", "T", "2020", 12.0), ("b", "T", "2020", None)])
    nat = _frame([("a", "PT", "2020", 11.0)])
    peers = _frame([("a", p, "2020", v) for p, v in (("P1", 5.0), ("P2", 6.0), ("P3", 7.0), ("P4", 8.0))])
    rows = tv.profile_rows(inds, own, nat, peers).set_index("indicator_id")
    assert rows.loc["a", "value"] == 12.0 and rows.loc["a", "period_id"] == "2020"
    assert rows.loc["a", "national"] == 11.0
    assert rows.loc["a", "peer_median"] == 6.5 and rows.loc["a", "peer_n"] == 4
    assert rows.loc["a", "position"] == "above"                       # above the peers' upper quartile
    assert pd.isna(rows.loc["b", "value"]) and not isinstance(rows.loc["b", "position"], str)


def test_stored_positions_win_over_computed():
    inds = pd.DataFrame([{"indicator_id": "a", "area": "x"}])
    own = _frame([("a", "T", "2020", 12.0)])
    peers = _frame([("a", p, "2020", v) for p, v in (("P1", 5.0), ("P2", 6.0), ("P3", 7.0))])
    stored = pd.DataFrame([{"indicator_id": "a", "period_id": "2020", "peer_median": 12.5, "peer_n": 9,
                            "position": "similar"}])
    r = tv.profile_rows(inds, own, own.iloc[0:0], peers, stored).iloc[0]
    assert (r["peer_median"], r["peer_n"], r["position"]) == (12.5, 9, "similar")


def test_peer_position_rule():
    assert tv.peer_position_of(10, [1, 2, 3, 4]) == "above"
    assert tv.peer_position_of(0, [1, 2, 3, 4]) == "below"
    assert tv.peer_position_of(2.5, [1, 2, 3, 4]) == "similar"
    assert tv.peer_position_of(2.5, [1, 2]) is None                  # fewer than 3 peers


def test_position_in_words_with_polarity():
    assert tv.position_words("above", "lower_is_better", "pt") == "acima (pior)"
    assert tv.position_words("above", "higher_is_better", "en") == "above (better)"
    assert tv.position_words("similar", "higher_is_better", "pt") == "semelhante"
    assert tv.position_words(None, None, "pt") == "—"


def test_sparkline_is_light_inline_svg_with_alt():
    img = tv.sparkline([1, 3, 2, None, 4], "Tendência: de 1 para 4")
    assert img.src.startswith("data:image/svg+xml") and "polyline" in img.src
    assert img.alt == "Tendência: de 1 para 4"
    assert "polyline" not in tv.sparkline([1], "x").src


def test_band_summary_is_one_sentence_in_pt_and_en():
    ind = {"title_pt": "Índice", "title_en": "Index", "decimals": 1, "short_unit": "", "polarity": "lower_is_better"}
    own = _frame([("a", "T", "2020", 1234.5)])
    nat = _frame([("a", "PT", "2020", 1000.0)])
    peers = _frame([("a", p, "2020", v) for p, v in (("P1", 900.0), ("P2", 1000.0), ("P3", 1100.0))])
    band = tv.peer_band(own, nat, peers)
    pt = tv.band_summary(band, ind, "Terra", "pt")
    # the peers' part follows the position rule (quartiles), with the median for scale (issue 8, item 10)
    assert pt == ("Em 2020, Terra registou 1\u00a0234,5 em Índice, acima do P75 dos pares (1\u00a0050,0; mediana "
                  "1\u00a0000,0; pior) e acima do valor nacional (1\u00a0000,0; pior).")
    assert tv.band_summary(band, ind, "Terra", "en").startswith(
        "In 2020, Terra had 1,234.5 for Index, above the peers' P75 (1,050.0; median 1,000.0; worse)")
    band.loc[0, "territory"] = 1040.0          # far from the median (1 000) but inside P25–P75: "similar"
    assert "no intervalo interquartil dos pares (950,0–1\u00a0050,0; mediana 1\u00a0000,0)" in tv.band_summary(
        band, ind, "Terra", "pt")


# -- Município --------------------------------------------------------------------------------

def test_municipality_profile_has_every_indicator(pages, built):
    from serving import data
    out = _text(pages["municipio"].layout(dico="1106"))
    assert "Lisboa" in out
    for title in data.indicators()["title_pt"]:
        assert title in out
    assert "data:image/svg+xml" in out                                # sparklines
    assert "Mediana dos pares" in out and "Posição face aos pares" in out
    assert "/download/territorio/1106.csv?dialect=tidy" in out and "/download/territorio/1106.zip" in out
    assert "municipio-band-graph" in out and "Ver os dados do gráfico em tabela" in out


def test_municipality_peer_groups_and_alarms(pages, built):
    from serving import data
    groups = data.peer_groups("1106")
    assert groups and groups[0] == "nuts3"
    out = _text(pages["municipio"].layout(dico="1106", grupo=groups[-1]))
    assert '"aria-current": "true"' in out                           # the chosen group is marked
    alarms = data.alarms(territory_ids=["1106"], statuses=["new", "ongoing", "reopened"])
    if alarms.empty:
        assert "Sem alarmes ativos." in out
    else:
        assert alarms.iloc[0]["sentence_pt"] in out          # one sentence beside level and indicator


def test_municipality_with_sample_alarm_shows_explanation(pages, sample_alarms):
    from tests.sample_alarms import SAMPLE_EXPLANATION
    out = _text(pages["municipio"].layout(dico="1106"))
    assert SAMPLE_EXPLANATION in out and "obs-level-icon" in out and "Atenção" in out


def test_corvo_and_english(pages, built):
    out = _text(pages["municipio"].layout(dico="4901", lang="en"))
    assert "Corvo" in out and "Latest value" in out and "Peer median" in out


@pytest.mark.parametrize("dico", ["9999", "PT11", "abc", "", "11060"])
def test_unknown_municipality_is_a_404(pages, built, dico):
    out = pages["municipio"].layout(dico=dico)
    assert _status(out) == "404"
    assert pages["municipio"].http_status(dico=dico) == 404


@pytest.mark.parametrize("params", [{"grupo": "amigos"}, {"i": "nao_existe"}])
def test_bad_profile_parameters_are_a_400(pages, built, params):
    out = pages["municipio"].layout(dico="1106", **params)
    assert _status(out) == "400" and "não é válido" in _text(out)
    assert pages["municipio"].http_status(dico="1106", **params) == 400
    assert pages["municipio"].http_status(dico="1106") == 200


def test_band_callback_returns_chart_summary_table_and_url(pages, built):
    from serving import data
    ind = data.indicators().iloc[-1]["indicator_id"]
    state = {"territory_id": "1106", "group": "nuts3", "lang": "pt", "default_group": "nuts3"}
    fig, summary, table, search = pages["municipio"].update_band(ind, state)
    assert len(fig.data) >= 2 and any(t.name == "Lisboa" for t in fig.data)
    assert summary.startswith("Em ") and "Lisboa" in summary and summary.endswith(".")
    assert "Mediana dos pares" in _text(table)
    assert search == f"?i={ind}"
    state_en = {**state, "group": "size", "lang": "en"}
    assert pages["municipio"].update_band(ind, state_en)[3] == f"?grupo=size&i={ind}&lang=en"


# -- Região -----------------------------------------------------------------------------------

def test_region_profile_lists_members_and_same_level_peers(pages, built):
    out = _text(pages["regiao"].layout(code="PT111"))
    assert "Alto Minho" in out and "Municípios da região (10)" in out
    assert "/municipio/1601" in out                                   # Arcos de Valdevez
    assert "Regiões do mesmo nível" in out


@pytest.mark.parametrize("code", ["PT", "PT1", "PT11", "DI01", "pt111"])
def test_other_regions_render(pages, built, code):
    out = pages["regiao"].layout(code=code)
    assert _status(out) is None
    assert pages["regiao"].http_status(code=code) == 200


@pytest.mark.parametrize("code", ["XX", "1106", "PT999"])
def test_unknown_region_is_a_404(pages, built, code):
    assert _status(pages["regiao"].layout(code=code)) == "404"


def test_region_band_callback(pages, built):
    from serving import data
    ind = data.indicators().iloc[0]["indicator_id"]
    state = {"territory_id": "PT111", "group": "level", "lang": "pt", "default_group": "level"}
    fig, summary, _table, search = pages["regiao"].update_band(ind, state)
    assert "Alto Minho" in summary and search == f"?i={ind}"


# -- one builder for both profile pages -----------------------------------------------------------

def _ids_in(component) -> set[str]:
    """Every component id in a layout."""
    out = set()

    def walk(c):
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
            return
        if not hasattr(c, "to_plotly_json"):
            return
        if getattr(c, "id", None) and isinstance(c.id, str):
            out.add(c.id)
        walk(getattr(c, "children", None))
    walk(component)
    return out


def test_municipio_and_regiao_render_through_the_same_builder(pages, built, monkeypatch):
    """Both pages are thin wrappers of web.profile_view: the same builder makes both layouts (the kind
    only changes how the code is read and the ids' prefix), and both wire the same band callback."""
    from web import profile_view as PV
    calls = []
    real = PV.profile

    def spy(ter, grupo, i, lang, path, ids, **kw):
        calls.append((ter["territory_id"], path, ids.BAND_GRAPH))
        return real(ter, grupo, i, lang, path, ids, **kw)
    monkeypatch.setattr(PV, "profile", spy)
    mun, reg = pages["municipio"].layout(dico="1106"), pages["regiao"].layout(code="pt111")
    assert calls == [("1106", "/municipio/1106", "municipio-band-graph"),
                     ("PT111", "/regiao/PT111", "regiao-band-graph")]
    # the same components, ids differing only by the page's prefix
    assert mun.className == reg.className == "obs-profile"
    strip = {"municipio": lambda x: x.replace("municipio-", "", 1), "regiao": lambda x: x.replace("regiao-", "", 1)}
    page_ids = {k: {strip[k](x) for x in _ids_in(c) if x.startswith(k + "-")} for k, c in (("municipio", mun),
                                                                                         ("regiao", reg))}
    common = {"state", "url-search", "url-sync", "band-indicator", "band-summary", "band-graph", "band-table"}
    # a municipality's page also polls for live alarms (issue 13: live alarms are per municipality)
    assert page_ids["regiao"] == common and page_ids["municipio"] == common | {"live-tick", "live-version"}
    assert pages["municipio"].ids.__dict__ == PV.MUNICIPIO.ids.__dict__
    assert pages["regiao"].ids.__dict__ == PV.REGIAO.ids.__dict__
    # the pages hold no building code of their own: register, layout, status, the wired callback
    for m in (pages["municipio"], pages["regiao"]):
        own = {k for k, v in vars(m).items() if callable(v) and getattr(v, "__module__", None) == m.__name__}
        assert own == {"layout", "http_status"}, own
        assert m.update_band.__module__ == "web.profile_view"


def test_profile_kinds_read_their_codes(built):
    from web import profile_view as PV
    assert PV.MUNICIPIO.territory("1106")["name"] == "Lisboa" and PV.MUNICIPIO.territory("PT111") is None
    assert PV.REGIAO.territory("pt111")["territory_id"] == "PT111" and PV.REGIAO.territory("1106") is None
    assert PV.http_status(PV.MUNICIPIO, "1106", grupo="nope") == 400
    assert PV.http_status(PV.REGIAO, "XX") == 404


# -- Sobre ------------------------------------------------------------------------------------

def test_sobre_has_sources_licences_methods_and_openapi(pages, built):
    out = _text(pages["sobre"].layout())
    for producer in ("DGT", "CAOP", "INE", "PORDATA", "MAI", "DGS"):
        assert producer in out
    assert "CC BY 4.0" in out and "EUPL-1.2" in out
    assert "/api/v1/openapi.json" in out
    assert "razão das somas" in out and "média ponderada" in out      # aggregations
    assert "desvio" in out and "tendência" in out                     # alarm rule types
    en = _text(pages["sobre"].layout(lang="en"))
    assert "Sources, licences and attribution" in en


# -- HTTP: status of direct loads, download links ---------------------------------------------

@pytest.mark.parametrize("path,status", [
    ("/municipio/1106", 200), ("/municipio/4901?grupo=size&lang=en", 200), ("/municipio/9999", 404),
    ("/municipio/1106?grupo=amigos", 400), ("/municipio/1106?i=nao_existe", 400),
    ("/regiao/PT111", 200), ("/regiao/XX", 404), ("/regiao/PT111?grupo=size", 400),
    ("/comparar?t=1106,1312", 200), ("/comparar?t=1106,9999", 400),
    ("/alarmes", 200), ("/alarmes?nivel=grave", 400), ("/alarmes?alarme=nao%7Cexiste", 404),
    ("/sobre", 200),
])
def test_direct_loads_get_the_right_http_status(pages, built, path, status):
    import app
    resp = app.server.test_client().get(path, headers={"Accept": "text/html"})
    assert resp.status_code == status


def test_profile_download_links_resolve(pages, built):
    import app
    client = app.server.test_client()
    out = _text(pages["municipio"].layout(dico="1106"))
    for href in ("/download/territorio/1106.csv?dialect=tidy", "/download/territorio/1106.csv?dialect=excel",
                 "/download/territorio/1106.zip"):
        assert href in out
        assert client.get(href).status_code == 200


def test_region_without_values_points_to_its_municipalities(pages, built, monkeypatch):
    """Every region of the real build has values (DI11 included), so the
    region without values is made by blanking the profile's own values: the page then says so and
    points to its municipalities instead of showing an empty table."""
    rows_of = tv.profile_table_rows

    def without_values(ter, group):
        inds, rows, own = rows_of(ter, group)
        return inds, rows, own.assign(value=float("nan"))

    monkeypatch.setattr(tv, "profile_table_rows", without_values)
    out = _text(pages["regiao"].layout(code="DI11"))
    assert "não são agregados a este nível" in out
    assert "/comparar?t=" in out and "/municipio/1106" in out


def test_a_query_parameter_named_like_the_path_variable_is_no_500(pages, built):
    import app
    client = app.server.test_client()
    assert client.get("/municipio/1106?dico=9999", headers={"Accept": "text/html"}).status_code == 404
    assert client.get("/regiao/PT11?code=PT11", headers={"Accept": "text/html"}).status_code == 200
