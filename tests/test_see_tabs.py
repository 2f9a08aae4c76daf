"""The indicator page by keyboard (issue 8 item 2): the five tabs are real tabs reached with Tab and moved
with the arrow keys, the indicator list does not switch at each arrow key, the map's focus is visible,
the toolbar icons can be seen (>= 3:1)."""
from __future__ import annotations

import io
import re
import time

import pytest
from selenium.webdriver.common.keys import Keys

from tests import see
from tests.axe import format_violations, run_axe, serious

pytestmark = pytest.mark.browser

IND = "indice_envelhecimento"


def selected_tab(d) -> str:
    return d.execute_script("var t = document.querySelector('[role=tab][aria-selected=true]'); return t && t.id;")


def press(d, key) -> None:
    d.switch_to.active_element.send_keys(key)
    see.settle(d)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_tabs_are_reached_and_moved_with_the_keyboard(screen, request, live_url):
    d = request.getfixturevalue(screen)
    see.open(d, f"{live_url}/indicador/{IND}")
    tab = see.focus_reaches(d, "[role=tab]", max_tabs=80)
    assert tab.get_attribute("id") == "ind-tab-serie" and tab.get_attribute("aria-selected") == "true"
    # one tab stop: the others are out of the Tab order until chosen
    assert [t.get_attribute("tabindex") for t in d.find_elements("css selector", "[role=tab]")] == ["0", "-1", "-1", "-1", "-1"]
    assert tab.get_attribute("aria-controls") == "ind-panel-serie"
    # Right arrow: the ranking tab, with its table (the map's text alternative)
    press(d, Keys.ARROW_RIGHT)
    assert d.switch_to.active_element.get_attribute("id") == "ind-tab-ranking" == selected_tab(d)
    see.visible(d, "#ind-panel-ranking")
    see.text(d, "#ind-ranking table", "Oleiros")
    assert not d.find_element("css selector", "#ind-panel-serie").is_displayed()
    see.until(lambda: "tab=ranking" in d.current_url, msg="the tab in the permalink")
    see.fits(d)
    # Tab from the tab goes into its panel; the table can be scrolled with the keyboard
    see.focus_reaches(d, "#ind-ranking [role=region]", max_tabs=4, start="#ind-tab-ranking")
    # End: downloads with the embed code; Home: back to the series; Left wraps to the last tab
    d.execute_script("document.getElementById('ind-tab-ranking').focus()")
    press(d, Keys.END)
    assert selected_tab(d) == "ind-tab-downloads"
    see.text(d, "#ind-panel-downloads", "<iframe")
    see.focus_reaches(d, "#ind-panel-downloads a", max_tabs=4, start="#ind-tab-downloads")
    d.execute_script("document.getElementById('ind-tab-downloads').focus()")
    press(d, Keys.HOME)
    assert selected_tab(d) == "ind-tab-serie"
    press(d, Keys.ARROW_LEFT)
    assert selected_tab(d) == "ind-tab-downloads"
    press(d, Keys.ARROW_LEFT)
    assert selected_tab(d) == "ind-tab-metadados"
    see.text(d, "#ind-metadata", "Fontes")
    # the charts drawn in panels that were hidden keep their size
    for tab, graph in (("distribuicao", "#ind-dist"), ("serie", "#ind-series")):
        d.execute_script(f"document.getElementById('ind-tab-{tab}').focus()")
        press(d, Keys.SPACE)
        assert selected_tab(d) == f"ind-tab-{tab}"
        d.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'center'})", graph)
        see.painted(d, graph, min_height=250)
    see.fits(d)
    see.shot(d, f"h1-tabs-{screen}")


def test_tab_opened_from_the_permalink_and_axe_clean(desktop, live_url):
    d = desktop
    see.open(d, f"{live_url}/indicador/{IND}?tab=distribuicao")
    assert selected_tab(d) == "ind-tab-distribuicao"
    d.execute_script("document.getElementById('ind-dist').scrollIntoView({block: 'center'})")
    see.settle(d)
    see.painted(d, "#ind-dist")
    # with the ranking open and the map's click panel showing, axe finds nothing serious
    d.execute_script("document.getElementById('ind-tab-ranking').click()")
    see.settle(d)
    see.visible(d, "#ind-ranking table")
    d.execute_script("document.getElementById('ind-pick').hidden = false")
    bad = serious(run_axe(d))
    assert not bad, format_violations(bad, d.current_url)


def test_arrow_keys_do_not_switch_the_indicator(desktop, live_url):
    d = desktop
    see.open(d, f"{live_url}/indicador/{IND}")
    title = see.text(d, "#ind-title", "Índice de envelhecimento").text
    box = see.focus_reaches(d, "#ind-indicator input, select#ind-indicator", max_tabs=30)
    for _ in range(3):
        box.send_keys(Keys.ARROW_DOWN)
        time.sleep(0.3)
    see.settle(d)
    assert d.find_element("css selector", "#ind-title").text == title, "an arrow key switched the indicator"
    assert f"/indicador/{IND}" in d.current_url
    see.visible(d, "#ind-indicator .Select-menu-outer")          # the list is open, nothing chosen yet
    box.send_keys(Keys.ENTER)                                       # Enter chooses
    see.until(lambda: d.find_element("css selector", "#ind-title").text != title, msg="the new indicator")
    assert f"/indicador/{IND}" not in d.current_url
    # the list is in Portuguese alphabetical order: titles starting with Í sit among the I's
    d.find_element("css selector", "#ind-indicator .Select-control").click()
    opts = [o.text for o in see.until(lambda: d.find_elements("css selector", "#ind-indicator .VirtualizedSelectOption"),
                                      msg="the options")]
    ii = [i for i, o in enumerate(opts) if o.startswith(("Í", "I"))]
    assert ii and ii == list(range(ii[0], ii[-1] + 1)), opts


def _focus_ring_pixels(d, selector: str) -> int:
    """Pixels of the focus colour (#b35c00) inside the element's box, as the screen shows them."""
    from PIL import Image
    el = d.find_element("css selector", selector)
    im = Image.open(io.BytesIO(el.screenshot_as_png)).convert("RGB")
    w, h = im.size
    px = im.load()
    return sum(1 for x in range(w) for y in range(h)
               if abs(px[x, y][0] - 0xb3) < 30 and abs(px[x, y][1] - 0x5c) < 30 and px[x, y][2] < 50)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_focus_on_the_map_is_visible(screen, request, live_url):
    d = request.getfixturevalue(screen)
    see.open(d, f"{live_url}/indicador/{IND}")
    see.painted(d, "#ind-map", min_height=250)
    see.focus_reaches(d, "#ind-map canvas.maplibregl-canvas", max_tabs=40)
    time.sleep(0.3)
    ring = _focus_ring_pixels(d, ".map-wrap")
    b = see.box(d, ".map-wrap")
    assert ring >= (b["w"] + b["h"]) * 2, f"only {ring} px of focus ring around a {b['w']:.0f}×{b['h']:.0f} map"
    label = d.switch_to.active_element.get_attribute("aria-label")
    assert label.startswith("Mapa interativo"), label


def _rgba(css: str) -> tuple:
    v = [float(x) for x in re.findall(r"[\d.]+", css)]
    return (v + [1.0])[:4]


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_toolbar_icons_have_3_to_1_contrast(screen, request, live_url):
    d = request.getfixturevalue(screen)
    see.open(d, f"{live_url}/indicador/{IND}")
    see.painted(d, "#ind-map", min_height=250)
    btns = d.find_elements("css selector", ".modebar-btn")
    assert btns
    for b in btns:
        fill = _rgba(d.execute_script("var p = arguments[0].querySelector('.icon path'); return getComputedStyle(p).fill;", b))
        bg = _rgba(d.execute_script("return getComputedStyle(arguments[0].closest('.modebar-group')).backgroundColor;", b))
        # the group's background over the page's white, then the icon over that
        back = tuple(bg[3] * c + (1 - bg[3]) * 255 for c in bg[:3])
        icon = tuple(fill[3] * c + (1 - fill[3]) * k for c, k in zip(fill[:3], back))
        ratio = see.contrast(icon, back)
        assert ratio >= 3, f"{b.get_attribute('data-title')}: icon {icon} on {back} is {ratio:.2f}:1"
    # a toolbar button reached with the keyboard shows the toolbar and a visible focus
    btn = see.focus_reaches(d, "#ind-map .modebar-btn", max_tabs=60)
    assert float(d.execute_script("return getComputedStyle(arguments[0].closest('.modebar-group')).opacity", btn)) > 0.9
