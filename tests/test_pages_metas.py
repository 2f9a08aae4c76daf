"""/metas and /painel as plain functions (issue 11): texts in both languages, bad input as 400/404 pages."""
from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def pages(built):
    import app  # noqa: F401  (registers the pages)
    import pages.metas as metas
    import pages.painel as painel
    return metas, painel


def _text(component) -> str:
    from plotly.utils import PlotlyJSONEncoder
    return json.dumps(json.loads(json.dumps(component, cls=PlotlyJSONEncoder)), ensure_ascii=False)


def test_metas_lists_every_target_with_status_and_distribution(pages):
    metas, _ = pages
    out = _text(metas.layout())
    assert "Metas de política pública" in out and out.count('"target-card') == 12
    assert "48 municípios com dados" in out          # NO2: the stations' municipalities
    assert "Ainda não há dados de monitorização" in out
    en = _text(metas.layout(lang="en"))
    assert "Public policy targets" in en and "municipalities with data" in en and "Metas de" not in en


def test_metas_drill_down_worst_first_with_projection(pages):
    metas, _ = pages
    out = _text(metas.layout(meta="ar_no2_2030"))
    assert "projeção para 2030" in out and "para chegar à meta" in out
    assert out.index("Em deterioração") < out.index("Meta alcançada")


@pytest.mark.parametrize("kw, code", [({"area": "lua"}, 400), ({"regiao": "XX"}, 400), ({"estado": "bom"}, 400),
                                       ({"meta": "nao_existe"}, 404), ({"area": "ambiente", "regiao": "PT11"}, 200)])
def test_metas_bad_input(pages, kw, code):
    metas, _ = pages
    assert metas.status(**kw) == code
    out = _text(metas.layout(**kw))
    assert (f'"data-status": "{code}"' in out) == (code != 200)


def test_painel_has_disparity_targets_and_alarms(pages):
    _, painel = pages
    out = _text(painel.layout())
    for s in ("Painel nacional", "Coeficiente de variação", "P90/P10", "NUTS III mais atrasadas",
              "Alarmes ativos", "Prazo médio de pagamentos até 60 dias", "/metas?meta=pmp_60_dias"):
        assert s in out, s
    en = _text(painel.layout(lang="en"))
    assert "National cockpit" in en and "Coefficient of variation" in en and "Painel nacional" not in en


@pytest.mark.parametrize("url, code", [("/metas", 200), ("/painel", 200), ("/metas?area=lua", 400),
                                       ("/metas?meta=nao_existe", 404), ("/metas?meta=pmp_60_dias&lang=en", 200)])
def test_direct_loads_get_the_right_http_status(pages, url, code):
    import app
    assert app.server.test_client().get(url).status_code == code
