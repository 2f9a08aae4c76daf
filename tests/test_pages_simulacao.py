"""/simulacao's builders and callbacks as plain functions: the URL resolves to a scenario (a bad one
is a 400 naming the field), a weight change moves winners and losers, bad control values say why and
keep the results, export and import go round, and the threshold what-if counts against today's."""
from __future__ import annotations

import base64

import pytest
from dash._callback import NoUpdate

from serving.simulation import files, presets


@pytest.fixture(scope="module")
def P(built):
    import app  # noqa: F401 — registers the pages
    from pages import simulacao
    return simulacao


@pytest.fixture(scope="module")
def ctx(P):
    import app
    with app.server.test_request_context("/simulacao"):
        yield


def page(pid="fgm_art32", lang="pt"):
    return {"lang": lang, "base": presets.presets()[pid]["scenario"], "preset": pid}


def test_status_of_urls(P, ctx):
    assert P._status() == 200
    assert P._status(p="pgu_low_density") == 200
    assert P._status(p="nope") == 400
    assert P._status(s="!!!") == 400
    assert P._status(b="total:1999") == 400


def test_weight_change_moves_winners_and_losers(P, ctx):
    a = P.update(1701091216, [5, 65, 25, 5], None, None, None, "fef:2014", page())
    b = P.update(1701091216, [5, 90, 25, 5], None, None, None, "fef:2014", page())
    assert a[10] == "" and b[10] == ""
    assert "igual ao cêntimo" in a[3] and "igual ao cêntimo" in b[3]
    assert a[4] != b[4]                                   # the winners/losers sentence changed
    assert "s=" in b[12] and b[11] != a[11]               # a new permalink
    sc = files.from_token(b[11])
    assert [round(c.share, 3) for c in sc.components] == [round(x / 125 * 100, 3) for x in (5, 90, 25, 5)]


def test_bad_value_says_why_and_keeps_results(P, ctx):
    out = P.update(1701091216, [5, 65, 25, 5], None, -2.5, 5, "none", page())
    assert isinstance(out[0], NoUpdate) and "Comparar com" in out[10]
    out = P.update(1701091216, [0, 0, 0, 0], None, None, None, "fef:2014", page())
    assert "peso" in out[10]
    out = P.update(10, [5, 65, 25, 5], None, -1, 1, "fef:2014", page(lang="en"))
    assert "guaranteed minimums" in out[10]


def test_export_and_import_round_trip(P, ctx):
    out = P.update(100_000_000, [50, 30, 20], 80, None, None, "none", page("pgu_low_density"))
    csv = P.export(None, 1, out[11], page())
    assert csv["filename"] == "simulacao.csv" and csv["content"].startswith("# observatorio simulation")
    js = P.export(1, None, out[11], page())
    for content in (csv["content"], js["content"]):
        href, msg = P.import_file("data:text/plain;base64," + base64.b64encode(content.encode()).decode(), page())
        assert href.startswith("/simulacao?s=")
        sc = files.from_token(href.split("s=")[1])
        assert sc.budget == 100_000_000 and sc.eligibility[0].value == 80
    href, msg = P.import_file("data:text/plain;base64," + base64.b64encode(b'{"budget": 1}').decode(), page())
    assert isinstance(href, NoUpdate) and "components" in msg


def test_threshold_whatif(P, ctx):
    fig, legend, summary, lst, value = P.whatif("divida_pct_limite#2", 70, page())
    assert "14 municípios" in summary and ", 21 " in summary      # 80 % today; 70 % flags 7 more
    same = P.whatif("divida_pct_limite#2", None, page())
    assert "14 municípios" in same[2] and same[2].endswith("14 (valores de 2024).")


def test_layout_in_english_has_the_limits(P, ctx):
    import json

    import plotly
    lay = json.dumps(P.layout(lang="en"), cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
    assert "Not the official calculation" in lay and "Lei n.º 51/2018" in lay
    assert "of the distribution of actual FEF in 2014" in lay


def test_why_of_any_municipality(P, ctx):
    out = P.update(1701091216, [5, 65, 25, 5], None, None, None, "fef:2014", page(), "0201")
    assert out[13].startswith("Aljustrel recebe ") and "de partes iguais" in out[13]
    assert P.pick_on_map({"points": [{"location": "1106"}]}) == "1106"
    assert P.explain("1106", out[11], page()).startswith("Lisboa recebe ")
    from dash.exceptions import PreventUpdate
    with pytest.raises(PreventUpdate):
        P.pick_on_map({"points": []})
