"""The indicator map as a person sees it: it keeps its size and picture after every control change
(issue 8 item 1), at 1280 px and on a 375 px phone, for the geographic and the tile map and the embed."""
from __future__ import annotations

import time

import pytest
from selenium.webdriver.support.ui import Select

from tests import see

pytestmark = pytest.mark.browser

IND = "indice_envelhecimento"
OTHER = "taxa_mortalidade"
MAP = "#ind-map"
CANVAS = "#ind-map canvas.maplibregl-canvas"


def map_ok(d, height: float, step: str) -> None:
    """After `step`: the map keeps its height (± 2 px), has a drawn canvas and a picture; the page fits."""
    see.settle(d)
    el = see.visible(d, MAP, min_height=height - 2)
    b = see.box(d, el)
    assert abs(b["h"] - height) <= 2, f"after {step} the map is {b['h']:.0f} px tall, was {height:.0f}"
    see.visible(d, CANVAS, min_height=height - 2)
    see.painted(d, MAP, min_height=height - 2)
    see.fits(d)


def choose(d, selector: str, value: str) -> None:
    Select(d.find_element("css selector", selector)).select_by_value(value)


def radio(d, group: str, value: str) -> None:
    d.find_element("css selector", f"#{group} input[value={value}]").click()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_map_keeps_its_size_after_every_control(screen, request, live_url):
    d = request.getfixturevalue(screen)
    see.open(d, f"{live_url}/indicador/{IND}")
    h = see.box(d, see.visible(d, MAP, min_height=250))["h"]
    assert h >= (300 if screen == "desktop" else 250), f"the map is only {h:.0f} px tall"
    map_ok(d, h, "loading the page")
    # the tile map is taller than the geographic one (its box takes its shape): each keeps its own height
    steps = [
        ("NUTS III", "mapa", lambda: radio(d, "ind-level", "nuts3")),
        ("NUTS II", "mapa", lambda: radio(d, "ind-level", "nuts2")),
        ("equal intervals", "mapa", lambda: choose(d, "#ind-classification", "intervalos")),
        ("municipalities", "mapa", lambda: radio(d, "ind-level", "municipio")),
        ("the tile map", "tiles", lambda: radio(d, "ind-view", "tiles")),
        ("another period", "tiles", lambda: choose(d, "#ind-period", "2011")),
        ("the geographic map", "mapa", lambda: radio(d, "ind-view", "mapa")),
        ("another indicator", "mapa", lambda: choose_indicator(d, OTHER)),
    ]
    heights = {"mapa": h}
    for name, view, act in steps:
        act()
        if view not in heights:
            see.settle(d)
            heights[view] = see.box(d, see.visible(d, MAP, min_height=250))["h"]
        map_ok(d, heights[view], name)
    see.shot(d, f"h1-map-after-controls-{screen}")


def choose_indicator(d, indicator_id: str) -> None:
    """Pick an indicator as a person does: type part of its title in the combobox, press Enter."""
    from serving import data
    from selenium.webdriver.common.keys import Keys
    box = d.find_element("css selector", "#ind-indicator input")
    box.send_keys(data.indicator(indicator_id)["title_pt"][:18])
    time.sleep(0.3)
    box.send_keys(Keys.ENTER)
    see.until(lambda: indicator_id in d.current_url, msg="the URL to follow the indicator")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_embed_map_is_drawn(screen, request, live_url):
    d = request.getfixturevalue(screen)
    see.open(d, f"{live_url}/embed/indicador/{IND}?view=map", selector="h1")
    el = see.visible(d, "#embed-map", min_height=250)
    see.visible(d, "#embed-map canvas.maplibregl-canvas", min_height=250)
    see.painted(d, "#embed-map", min_height=250)
    see.fits(d)
    assert see.box(d, el)["h"] >= 250
