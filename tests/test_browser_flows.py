"""Browser flows with dash_duo (headless Chromium): find a municipality by typing its name and open
its page; compare two municipalities; open an alarm's explanation; change the peer group and the
chart indicator of a profile, with the URL as the permalink."""
from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.sample_alarms import SAMPLE_EXPLANATION, SAMPLE_ID  # the fixtures duo, sample_alarms: conftest.py
from web import alarm_centre_view as ACV

pytestmark = pytest.mark.browser


def _query(duo) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(duo.driver.current_url).query).items()}


def _wait(duo, cond, timeout=15, msg=""):
    WebDriverWait(duo.driver, timeout).until(lambda d: cond(), message=msg)


def test_find_a_municipality_by_typing_its_name(duo):
    duo.wait_for_element("#shell-search", timeout=15)
    box = duo.find_element("#shell-search")
    box.send_keys("corvo")
    duo.wait_for_contains_text("#shell-search-results", "Corvo", timeout=15)
    duo.find_element("#shell-search-results a.search-link").click()
    duo.wait_for_text_to_equal("main h1", "Corvo", timeout=20)
    assert urlparse(duo.driver.current_url).path == "/municipio/4901"
    assert "Mediana dos pares" in duo.find_element("main").text


def test_compare_two_municipalities(duo):
    duo.driver.get(duo.server_url + "/comparar")
    duo.wait_for_element("#comparar-add", timeout=20)
    box = duo.find_element("#comparar-add")
    box.send_keys("Lisboa")
    box.send_keys(Keys.ENTER)
    duo.wait_for_contains_text("#comparar-chosen-list", "Lisboa", timeout=15)
    box = duo.find_element("#comparar-add")
    box.send_keys("Porto")
    duo.find_element("#comparar-add-button").click()
    duo.wait_for_contains_text("#comparar-chosen-list", "Porto", timeout=15)
    duo.wait_for_contains_text(".obs-compare-table thead", "Porto", timeout=15)
    head = duo.find_element(".obs-compare-table thead").text
    assert "Lisboa" in head and "Porto" in head and "Portugal" in head
    _wait(duo, lambda: _query(duo).get("t") == "1106,1312", msg="the URL keeps the comparison")
    # the permalink reopens the same comparison
    duo.driver.get(duo.driver.current_url)
    duo.wait_for_contains_text(".obs-compare-table thead", "Porto", timeout=20)
    # remove Lisboa with its button
    duo.find_element("#comparar-chosen-list .obs-remove").click()
    _wait(duo, lambda: _query(duo).get("t") == "1312", msg="removing updates the URL")


def test_open_an_alarm_explanation(duo, sample_alarms):
    duo.driver.get(duo.server_url + "/alarmes?area=demografia&nivel=atencao&regiao=PT1A0")
    duo.wait_for_contains_text("#alarmes-list", SAMPLE_EXPLANATION, timeout=20)   # one sentence per flag
    link = duo.driver.find_element(By.CSS_SELECTOR, f'a[href*="alarme={quote(SAMPLE_ID, safe="")}"]')
    link.click()
    duo.wait_for_element("#alarme-detalhe", timeout=20)
    detail = duo.find_element(".obs-alarm-detail").text
    assert SAMPLE_EXPLANATION in detail
    assert "Histórico 2018" in detail and "Histórico 2020" in detail          # the flag's history
    assert "Atenção" in detail                                                # level in words
    assert _query(duo).get("alarme") == SAMPLE_ID


def test_alarm_filters_update_the_list_and_the_url(duo, sample_alarms):
    duo.driver.get(duo.server_url + "/alarmes?regiao=PT1A0&area=demografia")
    duo.wait_for_contains_text("#alarmes-list", SAMPLE_EXPLANATION, timeout=20)
    duo.driver.find_element(By.CSS_SELECTOR, "#alarmes-level input[value='critico']").click()
    _wait(duo, lambda: _query(duo).get("nivel") == "critico", msg="the level filter goes to the URL")
    _wait(duo, lambda: SAMPLE_EXPLANATION not in duo.find_element("#alarmes-list").text)


def _click(duo, selector: str) -> None:
    """Click an element far down a long page: scroll it to the middle of the window first, at once
    (the page scrolls smoothly, and chromedriver would click before the scroll ends)."""
    el = duo.find_element(selector)
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", el)
    el.click()


def test_alarm_pages_next_previous_and_history(duo, sample_alarms):
    assert ACV.n_pages(len(ACV.filtered_alarms(None, ["critico", "atencao"], None, []))) >= 2, \
        "the real build has more than one page of critical and attention alarms"
    duo.driver.get(duo.server_url + "/alarmes?nivel=critico,atencao")
    duo.wait_for_element("#alarmes-pager-next", timeout=20)
    _click(duo, "#alarmes-pager-next")
    _wait(duo, lambda: _query(duo).get("pagina") == "2", msg="the page goes to the URL")
    duo.wait_for_contains_text("#alarmes-pager", "Página 2 de", timeout=20)
    # dcc.Link scrolls the new page to the top, smoothly: let it arrive before the next click
    _wait(duo, lambda: duo.driver.execute_script("return window.scrollY") == 0, msg="the new page starts at the top")
    assert _query(duo).get("nivel") == "critico,atencao"                        # the filters stay
    _click(duo, "#alarmes-pager-prev")
    _wait(duo, lambda: "pagina" not in _query(duo), msg="back to page 1")
    duo.wait_for_contains_text("#alarmes-pager", "Página 1 de", timeout=20)
    _wait(duo, lambda: duo.driver.execute_script("return window.scrollY") == 0)
    assert "Série terminada" not in duo.find_element("#alarmes-list").text       # active by default
    _click(duo, "#alarmes-scope input[value='historico']")
    _wait(duo, lambda: _query(duo).get("ver") == "historico", msg="the history choice goes to the URL")
    duo.wait_for_contains_text("#alarmes-list", "no histórico", timeout=20)


def test_profile_peer_group_and_chart_indicator_are_in_the_url(duo):
    duo.driver.get(duo.server_url + "/municipio/1106")
    duo.wait_for_text_to_equal("main h1", "Lisboa", timeout=20)
    duo.driver.find_element(By.PARTIAL_LINK_TEXT, "Vizinhos").click()
    _wait(duo, lambda: _query(duo).get("grupo") == "neighbours", msg="peer group in the URL")
    duo.wait_for_contains_text(".obs-peer-groups .active", "Vizinhos", timeout=15)
    select = Select(duo.find_element("#municipio-band-indicator"))
    current = select.first_selected_option.get_attribute("value")
    target = [v for v in (o.get_attribute("value") for o in select.options) if v and v != current][-1]
    select.select_by_value(target)
    _wait(duo, lambda: _query(duo).get("i") == target, msg="chart indicator in the URL")
    summary = duo.find_element("#municipio-band-summary").text
    assert summary.startswith("Em ") and "Lisboa" in summary
    lang_href = duo.find_element("#shell-lang").get_attribute("href")               # the language switch keeps
    assert f"i={target}" in lang_href and "grupo=neighbours" in lang_href and "lang=en" in lang_href  # the state
    duo.driver.get(duo.driver.current_url)                                     # permalink
    duo.wait_for_text_to_equal("main h1", "Lisboa", timeout=20)
    assert Select(duo.find_element("#municipio-band-indicator")).first_selected_option.get_attribute("value") == target
    assert "Vizinhos" in duo.find_element(".obs-peer-groups .active").text
