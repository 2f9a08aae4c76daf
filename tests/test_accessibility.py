"""axe-core (WCAG 2.0/2.1 A and AA rules) on every page: zero serious or critical violations.

One threaded server for the app on the session database and one headless Chromium for the module.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.axe import AXE_JS, chrome, format_violations, live_server, run_axe, serious, wait_rendered

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(built):
    import app
    with live_server(app.server) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url):
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} missing: run `make system-deps`")
    d = chrome(1280, 900)
    yield d
    d.quit()


def _headline() -> str:
    from serving import data
    inds = data.indicators()
    head = inds[inds["headline"].fillna(False).astype(bool)]
    return (head if len(head) else inds).iloc[0]["indicator_id"]


def _an_alarm() -> str | None:
    from serving import data
    df = data.alarms()
    return None if df.empty else df.iloc[0]["alarm_id"]


PAGES = [
    "/",
    "/indicador/{headline}",
    "/municipio/1106",
    "/municipio/4901",
    "/regiao/PT111",
    "/comparar?t=1106,1312",
    "/alarmes",
    "/alarmes?alarme={alarm}",
    "/alarmes?area=saude&pagina=2&lang=en",      # the pager (previous and next) and "discontinued series" rows
    "/sobre",
    "/embed/indicador/{headline}",
    "/pagina-que-nao-existe",
    "/municipio/1106?lang=en",
    "/simulacao",                                 # issue 12
    "/simulacao?p=art35_2013&b=preset:pgu_low_density&lang=en",
]


def _url(path: str) -> str | None:
    if "{alarm}" in path:
        alarm = _an_alarm()
        if alarm is None:
            return None
        return path.replace("{alarm}", quote(alarm, safe=""))
    return path.replace("{headline}", _headline())


def _audit(browser, base_url, path):
    browser.get(base_url + path)
    wait_rendered(browser, selector="h1")
    bad = serious(run_axe(browser))
    assert not bad, format_violations(bad, path)


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_axe_violations(browser, base_url, path):
    url = _url(path)
    assert url is not None, "the real build has alarms: /alarmes?alarme= must be audited"
    _audit(browser, base_url, url)


@pytest.mark.parametrize("path", ["/municipio/1106", "/comparar?t=1106,1312", "/simulacao"])
def test_phone_width_has_no_serious_axe_violations(base_url, path):
    d = chrome(375, 812)
    try:
        _audit(d, base_url, path)
        # usable at 375 px: nothing but focusable scroll regions is wider than the viewport
        overflow = d.execute_script(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;")
        assert not overflow, f"{path} scrolls sideways at 375 px"
    finally:
        d.quit()


def test_html_lang_follows_the_language(browser, base_url):
    browser.get(base_url + "/sobre")
    wait_rendered(browser, selector="h1")
    assert browser.execute_script("return document.documentElement.lang") == "pt-PT"
    browser.get(base_url + "/sobre?lang=en")
    wait_rendered(browser, selector="h1")
    assert browser.execute_script("return document.documentElement.lang") == "en"


def test_keyboard_reaches_the_peer_groups_with_visible_focus(browser, base_url):
    """Tab through the profile: the peer-group links get focus and show an outline."""
    from selenium.webdriver.common.keys import Keys
    browser.get(base_url + "/municipio/1106")
    wait_rendered(browser, selector="h1")
    body = browser.find_element("tag name", "body")
    body.click()
    seen = None
    for _ in range(60):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        el = browser.switch_to.active_element
        if "obs-peer-groups" in (browser.execute_script(
                "return arguments[0].closest('ul') ? arguments[0].closest('ul').className : ''", el) or ""):
            seen = el
            break
    assert seen is not None, "the peer-group links are not reachable with Tab"
    outline = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle", seen)
    assert outline not in ("none", ""), "focused link has no visible outline"
