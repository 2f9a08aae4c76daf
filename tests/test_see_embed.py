"""Embeds (issue 8 item 4), tested as a news site uses them: the code copied from the Downloads tab is
pasted into a page served from another origin (a second local server), opened in Chromium, and the
frame is looked at: absolute `src`, every view parameter honoured, the map painted, its legend, source
and link to the full view shown, the frame fitted to its content (nothing scrolls inside it), and a
chart embed that fetches no map geometry."""
from __future__ import annotations

import contextlib
import http.server
import threading
from functools import partial

import pytest

from tests import see
from tests.axe import free_port

pytestmark = pytest.mark.browser

IND = "indice_envelhecimento"


@contextlib.contextmanager
def news_site(folder, body: str):
    (folder / "index.html").write_text(
        "<!doctype html><html lang='pt-PT'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Jornal</title></head>"
        f"<body style='font-family: sans-serif; margin: 8px'><h1>Notícia</h1><p>Texto da notícia.</p>{body}"
        "<p>Fim.</p></body></html>", encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://localhost:{srv.server_address[1]}/index.html"   # another origin than the app
    finally:
        srv.shutdown()


def copied_snippet(d, url: str, which: int) -> str:
    """The embed code a person copies from the Downloads tab (1: map, 2: chart)."""
    see.open(d, url)
    pre = see.visible(d, f".embed-list > li:nth-child({which}) pre.embed-code")
    return pre.text


def into_frame(d, news_url: str, frame_selector: str):
    d.get(news_url)
    frame = see.visible(d, "iframe[data-observatorio-embed]", min_height=100)
    d.switch_to.frame(frame)
    see.visible(d, frame_selector, min_height=150, timeout=30)
    see.settle(d)
    d.switch_to.default_content()
    # the frame took its content's height (postMessage), not the snippet's default
    see.until(lambda: abs(d.execute_script(
        "return document.querySelector('iframe[data-observatorio-embed]').getBoundingClientRect().height") - 760) > 2,
        msg="the iframe to be resized to its content")
    d.switch_to.frame(d.find_element("css selector", "iframe[data-observatorio-embed]"))


NO_SCROLL = ("var e = document.documentElement; return {sh: e.scrollHeight, ch: e.clientHeight, sw: e.scrollWidth, "
             "cw: e.clientWidth};")


def assert_no_scroll(d):
    def fits():
        s = d.execute_script(NO_SCROLL)
        return s["sh"] <= s["ch"] + 1 and s["sw"] <= s["cw"] + 1
    see.until(fits, 10, f"nothing to scroll inside the frame ({d.execute_script(NO_SCROLL)})")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_map_embed_from_another_origin(request, base, tmp_path, device):
    from web import indicator_view as IV
    d = request.getfixturevalue(device)
    code = copied_snippet(d, f"{base}/indicador/{IND}?period=2011&level=nuts3&classification=intervalos&tab=downloads", 1)
    assert f'src="{base}/embed/indicador/{IND}?view=map&amp;period=2011&amp;level=nuts3&amp;classification=intervalos"' in code
    expected = IV.map_bundle(IV.resolve(IND, period="2011", level="nuts3", classification="intervalos"))["md"]["legend"]
    with news_site(tmp_path, code) as news:
        into_frame(d, news, "#embed-map")
        try:
            see.painted(d, "#embed-map")
            legend = see.text(d, ".legend-list", expected[0][1])       # equal intervals, as on the page
            assert expected[-2][1] in legend.text
            see.text(d, "main h1", "Índice de envelhecimento — 2011")
            source = see.text(d, ".embed-source", "Fonte: INE")
            assert "Licença:" in source.text
            link = d.find_element("css selector", ".embed-source a")
            assert link.get_attribute("href").startswith(f"{base}/indicador/{IND}?period=2011&level=nuts3")
            assert "classification=intervalos" in link.get_attribute("href")
            assert_no_scroll(d)
            see.fits(d)
        finally:
            d.switch_to.default_content()
        see.fits(d)
        if device == "phone":
            see.shot(d, "embed-map-news-site")


def test_chart_embed_loads_no_map_geometry(desktop, base, tmp_path):
    d = desktop
    code = copied_snippet(d, f"{base}/indicador/{IND}?territories=1106&tab=downloads", 2)
    assert f'src="{base}/embed/indicador/{IND}?view=chart&amp;period=2020&amp;level=municipio&amp;territories=1106"' in code
    with news_site(tmp_path, code) as news:
        into_frame(d, news, "#embed-chart")
        try:
            see.painted(d, "#embed-chart")
            names = d.execute_script("return [...document.querySelectorAll('#embed-chart .legendtext')].map(e => e.textContent)")
            assert names == ["Portugal", "Lisboa"]
            fetched = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
            assert fetched and not [u for u in fetched if "/geo/" in u], [u for u in fetched if "/geo/" in u]
            assert not d.execute_script("return document.querySelector('link[rel=preload][href*=\"/geo/\"]')")
            see.text(d, ".embed-source", "Fonte:")
            assert_no_scroll(d)
        finally:
            d.switch_to.default_content()


def test_embed_honours_the_map_type_and_rejects_bad_values(base):
    import requests
    r = requests.get(f"{base}/embed/indicador/{IND}?tipo=tiles&classification=limiares", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "X-Frame-Options" not in r.headers
    assert "frame-ancestors *" in r.headers["Content-Security-Policy"]
    assert requests.get(f"{base}/embed/indicador/{IND}?classification=nope", headers={"Accept": "text/html"}).status_code == 400
    assert requests.get(f"{base}/indicador/{IND}", headers={"Accept": "text/html"}).headers["X-Frame-Options"] == "SAMEORIGIN"
    from web import indicator_view as IV
    from pages import embed
    v = IV.resolve(IND, "en", view="tiles", classification="limiares", period="2011")
    assert embed.src(v, "map") == f"{base}/embed/indicador/{IND}?view=map&period=2011&level=municipio&classification=limiares&tipo=tiles&lang=en"
