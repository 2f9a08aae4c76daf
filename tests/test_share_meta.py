"""Social previews and the modebar (issue 8 item 3): what a crawler gets in the raw HTML (no JavaScript),
and the chart configuration every page uses.

The pages are fetched with `requests` from the live server, as a link preview crawler would, with a
forged Host header: every absolute URL must come from OBS_BASE_URL.
"""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
import requests

BASE = "https://observatorio.example.gov.pt"


@pytest.fixture(scope="module")
def base(live_url):
    mp = pytest.MonkeyPatch()
    mp.setenv("OBS_BASE_URL", BASE + "/")
    yield live_url
    mp.undo()


def head(base: str, path: str) -> dict:
    r = requests.get(base + path, headers={"Accept": "text/html", "Host": "evil.example"}, timeout=30)
    assert r.status_code == 200, (path, r.status_code)
    html = r.text.split("</head>")[0]
    metas = {}
    for m in re.finditer(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', html):
        metas.setdefault(m[1], unescape(m[2]))
    titles = re.findall(r"<title>([^<]*)</title>", html)
    canon = re.findall(r'<link rel="canonical" href="([^"]+)"', html)
    return {"title": unescape(titles[0]) if len(titles) == 1 else titles, "meta": metas,
            "canonical": unescape(canon[0]) if canon else None, "raw": html}


PAGES = [
    ("/", "Observatório — Dashboard de Políticas Públicas", "Indicadores territoriais"),
    ("/?lang=en", "Observatório — Public-Policy Dashboard", "Territorial indicators"),
    ("/indicador/indice_envelhecimento", "Índice de envelhecimento · Observatório", "65"),
    ("/indicador/indice_envelhecimento?lang=en&period=2011", "Ageing index · Observatório", "65"),
    ("/municipio/1106", "Lisboa · Observatório", "alarmes"),
    ("/municipio/0101?lang=en", "Águeda · Observatório", "alarms"),
    ("/regiao/PT111", "Alto Minho · Observatório", "territórios semelhantes"),
    ("/alarmes", "Alarmes · Observatório", "limiar"),
    ("/alarmes?lang=en", "Alarms · Observatório", "threshold"),
    ("/sobre", "Sobre · Observatório", "Fontes"),
    ("/sobre?lang=en", "About · Observatório", "Sources"),
]


@pytest.mark.parametrize("path,title,words", PAGES)
def test_every_page_has_its_own_preview_in_the_raw_html(base, path, title, words):
    h = head(base, path)
    m = h["meta"]
    assert h["title"] == title and m["og:title"] == title and m["twitter:title"] == title
    assert words in m["og:description"] and m["description"] == m["og:description"] and len(m["og:description"]) <= 200
    assert m["twitter:card"] == "summary_large_image"
    for key in ("og:image", "twitter:image", "og:url"):
        assert m[key].startswith(BASE + "/"), f"{key} = {m[key]}: not from OBS_BASE_URL"
    assert "evil.example" not in h["raw"] and "127.0.0.1" not in h["raw"].replace(base, "")
    assert h["canonical"] == m["og:url"] and m["og:url"] == BASE + path.replace("&", "&")
    assert "Plotly Cloud" not in h["raw"]


def test_the_preview_images_exist(base):
    from PIL import Image
    for path in ("/", "/indicador/indice_envelhecimento?lang=en", "/municipio/1106", "/regiao/PT111", "/sobre"):
        image = head(base, path)["meta"]["og:image"]
        r = requests.get(base + image[len(BASE):], timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/png", image
        assert Image.open(io.BytesIO(r.content)).size == (1200, 630)
    assert "indicador/indice_envelhecimento.png" in head(base, "/indicador/indice_envelhecimento")["meta"]["og:image"]
    assert requests.get(base + "/og/indicador/nope.png", timeout=30).status_code == 404


def test_unknown_pages_get_a_not_found_preview(base):
    r = requests.get(base + "/indicador/nope", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 404 and "<title>Página não encontrada · Observatório</title>" in r.text


def test_one_modebar_configuration_without_cloud_sharing():
    from web import figures as F
    pt, en, static = F.graph_config("chart", "pt", "x"), F.graph_config("map", "en"), F.graph_config("static", "pt")
    for cfg in (pt, en, static):
        assert cfg["showSendToCloud"] is False and cfg["displaylogo"] is False and cfg["plotlyServerURL"] == ""
    assert "sendChartToCloud" in pt["modeBarButtonsToRemove"] and "toImage" in pt["modeBarButtonsToRemove"]
    assert pt["locale"] == "pt-PT" and pt["locales"]["pt-PT"]["dictionary"]["Zoom in"] == "Aproximar"
    assert en["locale"] == "en" and "locales" not in en and en["scrollZoom"] is False
    assert static["displayModeBar"] is False
    with pytest.raises(ValueError):
        F.graph_config("pie")


def test_every_graph_on_every_page_uses_the_shared_configuration():
    """No page builds its own `config={…}` for a dcc.Graph (the old ones offered Plotly Cloud sharing)."""
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    for f in [*root.glob("pages/*.py"), *root.glob("obs/*.py")]:
        if f.name == "figures.py":  # where graph_config is defined (its docstring shows the call)
            continue
        for m in re.finditer(r"dcc\.Graph\([^)]*?config=([^,)]+)", f.read_text(encoding="utf-8"), re.S):
            assert "graph_config(" in m[1], f"{f.name}: dcc.Graph(config={m[1]})"


def test_embed_snippet_is_absolute_and_keeps_the_view(built, monkeypatch):
    """The old snippet had a relative src (404 once pasted into a news site) and dropped the classification."""
    monkeypatch.setenv("OBS_BASE_URL", "https://gov.example.pt/observatorio/")
    import app  # noqa: F401  (registers the pages)
    from web import indicator_view as IV
    from pages import embed, indicador
    v = IV.resolve("indice_envelhecimento", period="2011", level="nuts3", classification="intervalos",
                   territories="1106")
    code = embed.snippet(v, "map")
    assert code.startswith('<iframe src="https://gov.example.pt/observatorio/embed/indicador/indice_envelhecimento?'
                           'view=map&amp;period=2011&amp;level=nuts3&amp;classification=intervalos"')
    assert 'e.origin!=="https://gov.example.pt"' in code and 'width="100%"' in code
    assert "territories=1106" in embed.snippet(v, "chart")
    page = json_text(indicador.downloads(v))
    assert "https://gov.example.pt/observatorio/embed/indicador/indice_envelhecimento?view=map" in page
    assert 'src=\\"/embed' not in page and "width=\\\"640\\\"" not in page


def json_text(component) -> str:
    import json

    import plotly
    return json.dumps(component.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
