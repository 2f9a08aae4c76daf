"""Reading the indicator map as a person does (issue 8 item 11): Portugal fills the frame, Corvo shows its
colour on a phone, no data is hatched on the map, in the legend and in the table, threshold classes say
what they mean, a click offers the territory's page or the time series, the ranking links and sorts."""
from __future__ import annotations

import io
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests import see

pytestmark = pytest.mark.browser

IND = "indice_envelhecimento"
NO2 = "no2_media_anual"
CANVAS = "#ind-map canvas.maplibregl-canvas"

_MAP = "var gd = document.querySelector('#ind-map .js-plotly-plot'); var m = gd._fullLayout.map._subplot.map;"


def fill(d) -> dict:
    """How much of the map's box the country (its fitted bounds: mainland and island frames) covers."""
    return d.execute_script(_MAP + """
        var b = gd.layout.meta.fitbounds, p0 = m.project([b[0], b[1]]), p1 = m.project([b[2], b[3]]);
        var W = m.getCanvas().clientWidth, H = m.getCanvas().clientHeight;
        var x0 = Math.max(0, Math.min(p0.x, p1.x)), x1 = Math.min(W, Math.max(p0.x, p1.x));
        var y0 = Math.max(0, Math.min(p0.y, p1.y)), y1 = Math.min(H, Math.max(p0.y, p1.y));
        return {w: (x1 - x0) / W, h: (y1 - y0) / H, area: (x1 - x0) * (y1 - y0) / (W * H), W: W, H: H};""")


def feature_point(d, tid: str) -> dict:
    """Where a territory is drawn (the centre of its drawn bounding box, in canvas pixels), its class
    (z) and the colour the map gives that class."""
    d.set_script_timeout(30)
    return d.execute_async_script(_MAP + """
        var tid = arguments[0], done = arguments[arguments.length - 1];
        var tr = gd._fullData[0], i = Array.prototype.indexOf.call(tr.locations, tid);
        fetch(tr.geojson).then(function (r) { return r.json(); }).then(function (gj) {
          var f = gj.features.filter(function (f) { return String(f.id) === tid; })[0], xs = [], ys = [];
          (function walk(c) { if (typeof c[0] === 'number') { xs.push(c[0]); ys.push(c[1]); } else { c.forEach(walk); } })(f.geometry.coordinates);
          var a = m.project([Math.min.apply(null, xs), Math.min.apply(null, ys)]);
          var b = m.project([Math.max.apply(null, xs), Math.max.apply(null, ys)]);
          var z = +tr.z[i], scale = tr.colorscale, n = scale.length / 2;
          done({x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y),
                z: z, colour: scale[2 * z][1], hover: String(tr.hovertext[i])});
        });""", tid)


def pixels(d, x: float, y: float, r: int = 1) -> list[tuple]:
    """The canvas pixels in a (2r+1)² square around (x, y)."""
    from PIL import Image
    canvas = d.find_element("css selector", CANVAS)
    im = Image.open(io.BytesIO(canvas.screenshot_as_png)).convert("RGB")
    sx = im.size[0] / see.box(d, canvas)["w"]
    return [im.getpixel((int(round((x + dx) * sx)), int(round((y + dy) * sx))))
            for dx in range(-r, r + 1) for dy in range(-r, r + 1)]


def rgb(h: str) -> tuple:
    return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))


def near(a, b, tol=18) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def click_map(d, x: float, y: float) -> None:
    """Move over a point of the map (plotly needs the hover first) and click it."""
    canvas = d.find_element("css selector", CANVAS)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    time.sleep(0.3)
    b = see.box(d, canvas)
    ActionChains(d).move_to_element(canvas).pause(0.2) \
        .move_by_offset(int(x - b["w"] / 2), int(y - b["h"] / 2)).pause(0.6).click().perform()


def tap(d, selector: str):
    """Scroll an element to the middle of the screen (the phone is an emulated viewport: selenium's own
    scrolling misses it) and click it, as a finger would."""
    el = see.visible(d, selector)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    time.sleep(0.2)
    el.click()
    return el


def lisbon_area(d) -> dict:
    """A municipality in the middle of the mainland (Arraiolos, 0702), where a click lands on it."""
    return feature_point(d, "0702")


# -- the frame -----------------------------------------------------------------------------------

@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_portugal_fills_the_map_frame(screen, request, live_url):
    """Before: 19 % of the frame at 1280 px (35 % of its width), 44 % at 375 px."""
    d = request.getfixturevalue(screen)
    for view, min_area in (("mapa", 0.75), ("tiles", 0.7)):
        see.open(d, f"{live_url}/indicador/{IND}?view={view}")
        see.painted(d, "#ind-map", min_height=250)
        f = see.until(lambda: (lambda r: r if r["area"] >= min_area else None)(fill(d)), 15,
                      f"the {view} map to fill its frame (now {fill(d)})")
        assert f["w"] >= 0.85 or f["h"] >= 0.85, f
        see.fits(d)
        see.shot(d, f"h1-map-fill-{view}-{screen}")


def test_corvo_shows_its_colour_on_a_phone(phone, live_url):
    see.open(phone, f"{live_url}/indicador/{IND}")
    see.painted(phone, "#ind-map", min_height=250)
    phone.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", CANVAS)
    time.sleep(0.8)
    p = feature_point(phone, "4901")
    assert p["w"] >= 4 and p["h"] >= 5, f"Corvo is drawn {p['w']:.1f} × {p['h']:.1f} px"
    px = pixels(phone, p["x"], p["y"], r=1)
    want = rgb(p["colour"])
    assert sum(near(c, want) for c in px) >= 6, f"Corvo's class colour {p['colour']} not seen at its place: {px}"


# -- no data -------------------------------------------------------------------------------------

def test_no_data_is_hatched_on_the_map_in_the_legend_and_in_the_table(desktop, live_url):
    d = desktop
    see.open(d, f"{live_url}/indicador/{NO2}?tab=ranking")
    see.painted(d, "#ind-map")
    # the legend's no-data swatch is hatched, with the same words
    sw = see.visible(d, "#ind-legend .swatch--nodata")
    assert "repeating-linear-gradient" in d.execute_script("return getComputedStyle(arguments[0]).backgroundImage", sw)
    see.text(d, "#ind-legend", "Sem dados")
    # a municipality without a station (Bragança, 0402): hatched on the map, "Sem dados" on hover
    p = feature_point(d, "0402")
    assert p["z"] == 0 and p["hover"] == "Sem dados"
    time.sleep(0.5)
    px = pixels(d, p["x"], p["y"], r=5)
    hatch, base = rgb("#767676"), rgb("#f4f4f4")
    dark = sum(near(c, hatch, 40) for c in px)
    light = sum(near(c, base, 12) for c in px)
    assert dark >= 6 and light >= 20, f"no hatching where Bragança has no data ({dark} dark, {light} light px)"
    # and in the ranking table: same swatch, same words
    row = see.visible(d, "#ind-ranking tr.row-nodata")
    assert "Sem dados" in row.text
    assert row.find_elements("css selector", ".swatch--nodata")
    see.shot(d, "h1-map-nodata-desktop")


# -- threshold classes ---------------------------------------------------------------------------

def test_threshold_classes_are_the_default_and_say_what_they_mean(desktop, live_url):
    d = desktop
    see.open(d, f"{live_url}/indicador/{NO2}")
    see.text(d, "#ind-legend", "> 40 µg/m³ (acima do valor-limite legal)")
    see.text(d, "#ind-legend", "(acima do valor-limite da UE para 2030)")
    see.text(d, "#ind-legend", "nenhum limiar ultrapassado")
    see.text(d, "#ind-map-note", "Diretiva 2008/50/CE")
    assert d.find_element("css selector", "#ind-classification").get_attribute("value") == "limiares"
    # the default stays out of the permalink; another classification goes in
    assert "classification" not in d.current_url
    from selenium.webdriver.support.ui import Select
    Select(d.find_element("css selector", "#ind-classification")).select_by_value("quantis")
    see.settle(d)
    see.until(lambda: "classification=quantis" in d.current_url, msg="quantiles in the URL")
    assert "acima do valor-limite" not in d.find_element("css selector", "#ind-legend").text
    see.shot(d, "h1-map-thresholds-desktop")


# -- a click on the map ----------------------------------------------------------------------------

@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_click_offers_the_page_or_the_series(screen, request, live_url):
    d = request.getfixturevalue(screen)
    see.open(d, f"{live_url}/indicador/{IND}")
    see.painted(d, "#ind-map", min_height=250)
    time.sleep(0.5)
    p = lisbon_area(d)
    click_map(d, p["x"], p["y"])
    see.settle(d)
    panel = see.visible(d, "#ind-pick")
    see.text(d, "#ind-pick", "Arraiolos")
    link = see.text(d, "#ind-pick-open", "Abrir a página de Arraiolos")
    assert link.get_attribute("href").endswith("/municipio/0702")
    see.text(d, "#ind-pick-add", "Adicionar à série temporal")
    assert "territories" not in d.current_url           # nothing was added silently
    see.fits(d)
    see.shot(d, f"h1-map-click-{screen}")
    # the keyboard is in the panel: Tab reaches both actions, Enter on "add" adds it and opens the series
    assert d.switch_to.active_element == panel
    see.focus_reaches(d, "#ind-pick-add", max_tabs=4, start="#ind-pick")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    see.settle(d)
    see.until(lambda: "territories=0702" in d.current_url, msg="Arraiolos in the series")
    assert d.find_element("css selector", "#ind-pick").get_attribute("hidden") is not None
    assert d.find_element("css selector", "#ind-tab-serie").get_attribute("aria-selected") == "true"
    see.text(d, "#ind-series-summary", "Portugal")
    # again, and Escape closes the panel; again, and the link opens the page
    click_map(d, p["x"], p["y"])
    see.visible(d, "#ind-pick")
    d.switch_to.active_element.send_keys(Keys.ESCAPE)
    see.until(lambda: d.find_element("css selector", "#ind-pick").get_attribute("hidden") is not None,
              msg="Escape to close the panel")
    click_map(d, p["x"], p["y"])
    tap(d, "#ind-pick-open")
    see.until(lambda: "/municipio/0702" in d.current_url, msg="the municipality's page")
    see.until(lambda: "Arraiolos" in d.find_element("css selector", "main h1").text, msg="its heading")


# -- the ranking table -----------------------------------------------------------------------------

@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_ranking_links_to_territories_and_sorts(screen, request, live_url):
    d = request.getfixturevalue(screen)
    see.open(d, f"{live_url}/indicador/{IND}?tab=ranking")
    see.visible(d, "#ind-ranking table")
    first = lambda: d.find_element("css selector", "#ind-ranking tbody tr th a")  # noqa: E731
    assert first().get_attribute("href").endswith("/municipio/0506")          # Oleiros, the highest
    head = lambda col: d.find_element("css selector", f"#ind-rank-sort-{col}").find_element("xpath", "..")  # noqa: E731
    assert head("pos").get_attribute("aria-sort") == "ascending"
    tap(d, "#ind-rank-sort-territory")
    see.settle(d)
    see.until(lambda: head("territory").get_attribute("aria-sort") == "ascending", msg="sorted by name")
    assert first().text == "Abrantes"
    see.text(d, "#ind-ranking caption", "ordem alfabética")
    tap(d, "#ind-rank-sort-territory")
    see.settle(d)
    see.until(lambda: head("territory").get_attribute("aria-sort") == "descending", msg="reversed")
    assert first().text == "Vouzela"
    tap(d, "#ind-rank-sort-value")
    see.settle(d)
    see.until(lambda: head("value").get_attribute("aria-sort") == "descending", msg="sorted by value")
    assert first().text == "Oleiros"
    # names with accents sort within their letter: Águeda among the A's, Óbidos among the O's
    tap(d, "#ind-rank-sort-territory")
    see.settle(d)
    names = [a.text for a in d.find_elements("css selector", "#ind-ranking tbody tr th a")]
    assert names.index("Águeda") < names.index("Albergaria-a-Velha") and names.index("Óbidos") < names.index("Odemira")
    see.fits(d)
    see.shot(d, f"h1-ranking-{screen}")
    first().send_keys(Keys.ENTER)                          # the keyboard follows the link too
    see.until(lambda: "/municipio/" in d.current_url, msg="the territory's page")
