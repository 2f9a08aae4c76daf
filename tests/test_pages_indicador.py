"""Indicador, Início and embed pages: URL validation, layouts, and callbacks called as plain functions."""
from __future__ import annotations

import json
from contextvars import copy_context

import plotly
import pytest
from dash import Patch
from dash._callback_context import context_value
from dash._utils import AttributeDict

IND = "indice_envelhecimento"


@pytest.fixture(scope="module")
def pages(built):
    import app  # noqa: F401  (registers the pages)
    from pages import embed, indicador, inicio
    return {"indicador": indicador, "inicio": inicio, "embed": embed}


def run(fn, *args, trigger: str = "ind-period.value"):
    """Call a callback as a plain function inside a callback context (ctx.triggered_id works)."""
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": None}]))
        return fn(*args)
    return copy_context().run(go)


def size(obj) -> int:
    return len(json.dumps(obj, cls=plotly.utils.PlotlyJSONEncoder).encode())


def text(component) -> str:
    return json.dumps(component.to_plotly_json() if hasattr(component, "to_plotly_json") else component,
                      cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)


# -- URL validation -----------------------------------------------------------------------------

def test_resolve_defaults(built):
    from serving import data
    from web import indicator_view as IV
    v = IV.resolve(IND)
    assert isinstance(v, IV.View)
    assert v.period == data.periods(IND)["period_id"].iloc[-1] and v.level == "municipio"
    assert v.classification == "quantis" and v.view == "mapa" and v.tab == "serie" and v.lang == "pt"


def test_resolve_problems_list_valid_values(built):
    from web import indicator_view as IV
    p = IV.resolve("nope")
    assert p.status == 404 and any(i == IND for i, _ in p.valid_indicators)
    p = IV.resolve(IND, "en", period="1800", level="freguesia")
    assert p.status == 400 and len(p.messages) == 2
    assert "2011" in p.messages[0] and "municipio" in p.messages[1] and "Valid values" in p.messages[0]
    assert IV.resolve(IND, period=["2011", "2012"]).status == 400
    assert IV.resolve(IND, territories="0101,XXXX").status == 400
    assert IV.resolve(IND, territories=",".join(["0101"] * 3)).territories == ("0101",)


def test_layout_renders_for_good_and_bad_urls(pages):
    ind = pages["indicador"]
    good = text(ind.layout(IND, period="2011", level="nuts3", classification="intervalos", tab="ranking",
                           territories="0101,PT11", lang="en"))
    assert "Ageing index" in good and '"value": "2011"' in good and "NUTS 3" in good
    assert "/download/indicador/indice_envelhecimento.csv?dialect=tidy" in good
    assert "/geo/" in good and '"coordinates"' not in good  # geometry by URL, never inline
    assert '"data-status": "404"' in text(ind.layout("nope"))
    bad = text(ind.layout(IND, period="1800"))
    assert '"data-status": "400"' in bad and "2011" in bad


def test_map_update_is_a_small_patch(pages):
    ind = pages["indicador"]
    from web import indicator_view as IV
    v = IV.resolve(IND)
    key = IV.map_bundle(v)["key"]
    out = run(ind.update_map, IND, "2011", "municipio", "quantis", "mapa", {"lang": "pt"}, key)
    fig = out[0]
    assert isinstance(fig, Patch)
    assert size(out) < 30 * 1024
    ops = fig.to_plotly_json()["operations"]
    assert not any("geojson" in json.dumps(op["location"]) for op in ops)
    assert "2011" in out[2]  # the summary names the period


def test_map_update_new_indicator_and_level(pages):
    ind = pages["indicador"]
    from serving import data
    other = next(i for i in data.indicators()["indicator_id"] if i != IND)
    out = run(ind.update_map, other, "2020", "municipio", "quantis", "mapa", {"lang": "en"}, "stale",
              trigger="ind-indicator.value")
    fig, _, summary, _, key, per_opts, per_val, _, _, title, _, classification, defaults, wrap = out
    assert not isinstance(fig, Patch) and fig["data"][0]["geojson"].startswith("/geo/")  # new layer -> new figure
    assert "template" not in fig["layout"]
    assert size(out) < 30 * 1024
    valid = set(per_opts) if isinstance(per_opts, dict) else {o["value"] for o in per_opts}
    assert per_val in valid if isinstance(per_val, str) else "2020" in valid  # kept if valid, else the latest
    assert title == data.indicator(other)["title_en"]
    # a new indicator starts from its own default classification: official thresholds where it has them
    out = run(ind.update_map, "no2_media_anual", None, "municipio", "quantis", "mapa", {"lang": "pt"}, key,
              trigger="ind-indicator.value")
    assert out[11] == "limiares" and out[12] == {"classification": "limiares"}
    assert "acima do valor-limite legal" in text(out[1])
    out = run(ind.update_map, IND, "2011", "nuts3", "limiares", "tiles", {"lang": "pt"}, key,
              trigger="ind-level.value")
    assert "NUTS III" in out[2]


def test_every_indicator_switch_stays_small(pages):
    """Switching to any indicator (weekly ones have hundreds of periods) stays within 30 KB."""
    ind = pages["indicador"]
    from serving import data
    from web import indicator_view as IV
    key = IV.map_bundle(IV.resolve(IND))["key"]
    for other in data.indicators()["indicator_id"]:
        out = run(ind.update_map, other, None, "municipio", "quantis", "mapa", {"lang": "pt"}, key,
                  trigger="ind-indicator.value")
        assert size(out) < 30 * 1024, other


def test_classifications():
    import numpy as np

    from web import figures as F
    vals = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None]
    cls, edges, note = F.classify(vals, "quantis")
    assert cls[-1] == 0 and set(cls[:-1]) == {1, 2, 3, 4, 5} and note is None
    cls, edges, _ = F.classify(vals, "intervalos")
    assert np.allclose(edges, [1, 2.8, 4.6, 6.4, 8.2, 10])
    meta = {"thresholds": [{"rule": "absolute", "op": ">", "value": 7.5}]}
    cls, edges, _ = F.classify(vals, "limiares", meta)
    assert edges == [1, 7.5, 10] and list(cls[:-1]) == [1] * 7 + [2] * 3
    cls, edges, note = F.classify(vals, "limiares", {})
    assert note == "class.limiares.none" and len(edges) == 6
    assert list(F.classify([None, None], "quantis")[0]) == [0, 0]


def test_details_series_downloads(pages):
    ind = pages["indicador"]
    ranking, dist, dist_text, meta = run(ind.update_details, IND, "2011", "nuts2", "quantis", "ranking", None,
                                         {"lang": "pt"}, trigger="ind-tabs.data")
    assert "NUTS II" in text(ranking)
    ranking, dist, dist_text, meta = run(ind.update_details, IND, "2011", "nuts2", "quantis", "distribuicao", None,
                                         {"lang": "pt"}, trigger="ind-tabs.data")
    assert "Distribuição" in dist_text and dist["data"][0]["type"] == "histogram"
    fig, summary, table = run(ind.update_series, IND, ["0101", "PT11"], {"lang": "en"})
    assert {tr["name"] for tr in fig["data"]} >= {"Portugal", "Águeda"} and "in Portugal" in summary
    # a click on the map offers the page and the series (issue 8 §11): "add" adds and opens the series tab
    pick = run(ind.pick_territory, {"points": [{"location": "0102", "hovertext": "12,3"}]}, ["0101"], {"lang": "pt"})
    assert pick[0] is False and pick[3] == "/municipio/0102" and pick[5] == "0102" and "Abrir a página" in pick[2]
    assert ind.add_clicked(1, "0102", ["0101"]) == (["0101", "0102"], "serie", True)
    dl = text(run(ind.update_downloads, IND, "2011", "nuts3", "quantis", "mapa", ["0101"], "ranking",
                  {"lang": "pt"}))
    assert "level=nuts3&period=2011&territories=0101" in dl and ".zip?" in dl


def test_inicio_and_embed(pages):
    home = text(pages["inicio"].layout(lang="en"))
    assert "Headline indicators" in home and "/indicador/" in home and "How fresh the data are" in home
    emb = pages["embed"]
    m = text(emb.layout(IND, view="map", period="2011"))
    assert "embed-body" in m and "Fonte:" in m and "navbar" not in m
    c = text(emb.layout(IND, view="chart", territories="0101", lang="en"))
    assert "Source:" in c and "Águeda" in c
    assert '"data-status": "400"' in text(emb.layout(IND, view="table"))
    assert pages["embed"].status(IND, view="table") == 400
