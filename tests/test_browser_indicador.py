"""Browser flows (dash_duo, headless Chromium): the indicator map, language, permalinks, search."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

pytestmark = pytest.mark.browser

IND = "indice_envelhecimento"
MAP_LAYER = "#ind-map .maplibregl-canvas"


@pytest.fixture
def dash_app(built):
    import app
    return app.app


def wait_for(dash_duo, cond, timeout=20, msg="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cond():
                return
        except Exception:  # noqa: BLE001 — DOM still changing
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {msg} at {dash_duo.driver.current_url}")


def open_page(dash_duo, path: str):
    dash_duo.driver.set_window_size(1280, 1000)  # desktop: the navbar is expanded
    dash_duo.driver.get(dash_duo.server_url + path)


def query(dash_duo) -> dict:
    u = urlparse(dash_duo.driver.current_url)
    return {"path": u.path, **{k: v[0] for k, v in parse_qs(u.query).items()}}


def test_change_indicator_and_period_on_the_map(dash_duo, dash_app):
    from serving import data
    dash_duo.start_server(dash_app)
    open_page(dash_duo, f"/indicador/{IND}")
    dash_duo.wait_for_element(MAP_LAYER, timeout=30)
    summary = dash_duo.find_element("#ind-map-summary")
    Select(dash_duo.find_element("#ind-period")).select_by_value("2011")
    wait_for(dash_duo, lambda: "2011" in summary.text, msg="summary for 2011")
    assert query(dash_duo)["period"] == "2011"
    other = next(i for i in data.indicators()["indicator_id"] if i != IND)
    title = data.indicator(other)["title_pt"]
    # the indicator list is a combobox (issue 8 §2: arrow keys must not switch at once): type, then Enter
    box = dash_duo.find_element("#ind-indicator input")
    box.send_keys(title[:20])
    time.sleep(0.3)
    box.send_keys(Keys.ENTER)
    wait_for(dash_duo, lambda: dash_duo.find_element("#ind-title").text == title, msg="new title")
    wait_for(dash_duo, lambda: query(dash_duo)["path"] == f"/indicador/{other}", msg="URL path follows")
    periods = set(data.periods(other)["period_id"])
    wait_for(dash_duo, lambda: query(dash_duo).get("period") in periods, msg="a valid period")
    wait_for(dash_duo, lambda: title in dash_duo.find_element("#ind-map-summary").text, msg="map summary updated")
    assert dash_duo.get_logs() in ([], None) or not [x for x in dash_duo.get_logs() if x["level"] == "SEVERE"]


def test_switch_language(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    open_page(dash_duo, f"/indicador/{IND}?period=2011")
    dash_duo.wait_for_element(MAP_LAYER, timeout=30)
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == "pt-PT"
    dash_duo.find_element("#shell-lang").click()
    dash_duo.wait_for_text_to_equal("#ind-title", "Ageing index", timeout=30)
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == "en"
    q = query(dash_duo)
    assert q["lang"] == "en" and q["period"] == "2011"  # the view survives the switch
    assert "Period" in dash_duo.find_element("label[for=ind-period]").text
    dash_duo.find_element("#shell-lang").click()
    dash_duo.wait_for_text_to_equal("#ind-title", "Índice de envelhecimento", timeout=30)


def test_permalink_reopens_the_same_view(dash_duo, dash_app):
    from web import indicator_view as IV
    dash_duo.start_server(dash_app)
    url = f"/indicador/{IND}?period=2011&level=nuts3&classification=intervalos&territories=0101&tab=ranking"
    open_page(dash_duo, url)
    dash_duo.wait_for_element("#ind-map .maplibregl-canvas", timeout=30)
    assert Select(dash_duo.find_element("#ind-period")).first_selected_option.get_attribute("value") == "2011"
    assert Select(dash_duo.find_element("#ind-classification")).first_selected_option.get_attribute(
        "value") == "intervalos"
    assert dash_duo.find_element("#ind-level input[value=nuts3]").is_selected()
    expected = IV.map_bundle(IV.resolve(IND, period="2011", level="nuts3", classification="intervalos"))["summary"]
    assert dash_duo.find_element("#ind-map-summary").text == expected
    assert "Classificação" in dash_duo.find_element(".obs-tab--selected").text
    assert dash_duo.find_element("#ind-ranking table")
    # changing the view rewrites the URL in place; reopening it gives the same view
    Select(dash_duo.find_element("#ind-period")).select_by_value("2013")
    wait_for(dash_duo, lambda: query(dash_duo).get("period") == "2013", msg="URL follows")
    link = dash_duo.driver.current_url
    assert "level=nuts3" in link and "classification=intervalos" in link and "tab=ranking" in link
    dash_duo.driver.get(link)
    dash_duo.wait_for_element(MAP_LAYER, timeout=30)
    wait_for(dash_duo, lambda: "2013" in dash_duo.find_element("#ind-map-summary").text, msg="same view")


def test_find_municipality_by_name(dash_duo, dash_app):
    dash_duo.start_server(dash_app)
    open_page(dash_duo, "/")
    box = dash_duo.wait_for_element("#shell-search", timeout=30)
    box.send_keys("agueda")
    link = dash_duo.wait_for_element("#shell-search-results a[href='/municipio/0101']", timeout=20)
    assert "Águeda" in link.text
    link.click()
    wait_for(dash_duo, lambda: query(dash_duo)["path"] == "/municipio/0101", msg="municipality page")
    wait_for(dash_duo, lambda: "Águeda" in dash_duo.find_element("main h1").text, msg="its heading")
    # Enter opens the first hit
    box = dash_duo.wait_for_element("#shell-search")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys("sao bras")
    # wait for this query's results before pressing Enter (the previous page's path is still shown)
    first = dash_duo.wait_for_element("#shell-search-results a[href^='/municipio/']", timeout=20)
    wait_for(dash_duo, lambda: "São Brás" in dash_duo.find_element("#shell-search-results a").text,
             msg="results for the new query")
    target = dash_duo.find_element("#shell-search-results a").get_attribute("href").split("?")[0]
    box.send_keys(Keys.ENTER)
    wait_for(dash_duo, lambda: query(dash_duo)["path"] != "/municipio/0101", msg="first hit opened")
    assert target.endswith(query(dash_duo)["path"])
    assert first is not None
