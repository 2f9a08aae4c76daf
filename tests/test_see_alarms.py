"""What a person sees of the alarms (issue 8, item 7): the same active alarms on the home page, in the
alarm centre and on a municipality's page; critical first; one sentence each; the rule kind explained
in a tooltip the keyboard reaches; history on request (kept in the permalink); short pages at 375 px."""
from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests import see
from tests.axe import format_violations, run_axe, serious

pytestmark = pytest.mark.browser

COVID_LISBOA = "covid19_incidencia_14d|1106|risco_dgs"


def _query(driver) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(driver.current_url).query).items()}


def _height(driver, selector: str | None = None) -> float:
    if selector is None:
        return driver.execute_script("return document.documentElement.scrollHeight")
    return driver.execute_script("return document.querySelector(arguments[0]).getBoundingClientRect().height",
                                 selector)


def _click(driver, el):
    """Scroll the element to the middle of the screen, wait until nothing covers it, click it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", el)
    see.until(lambda: driver.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "var t = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "return t === arguments[0] || arguments[0].contains(t);", el), msg="the element to be uncovered")
    el.click()


def _no_axe(driver):
    bad = serious(run_axe(driver))
    assert not bad, format_violations(bad, driver.current_url)


def _active_counts():
    from serving import data
    df = data.alarms()
    return len(df), int((df["level"] == "critico").sum())


def test_home_count_is_the_alarm_centre_list(desktop, live_url):
    """Home said 758 active; its link opened 2 241 (resolved and ended series included)."""
    from core import fmt
    n, crit = _active_counts()
    see.open(desktop, live_url + "/")
    see.text(desktop, "#home-alarms .obs-home-alarm-summary",
             f"{fmt.number(n, 0, 'pt')} alarmes ativos, dos quais {fmt.number(crit, 0, 'pt')} críticos")
    link = see.text(desktop, "#home-alarms-open", f"Ver os {fmt.number(n, 0, 'pt')} alarmes ativos")
    _click(desktop, link)
    see.until(lambda: urlsplit(desktop.current_url).path == "/alarmes", msg="the alarm centre")
    see.settle(desktop)
    see.text(desktop, ".obs-alarm-count", f"{fmt.number(n, 0, 'pt')} alarmes ativos.")
    # critical first: the first item of the list is a critical one, in words
    see.text(desktop, ".obs-alarm-centre-list > li:first-child .obs-alarm-level", "Crítico")
    see.shot(desktop, "h3-alarm-centre")


def test_alarm_centre_fits_a_phone_and_stays_short(phone, live_url):
    see.open(phone, live_url + "/alarmes")
    see.visible(phone, ".obs-alarm-centre-list > li:first-child", min_height=40)
    see.text(phone, ".obs-alarm-centre-list > li:first-child .obs-alarm-level", "Crítico")
    first = see.visible(phone, ".obs-alarm-centre-list > li:first-child .obs-alarm-sentence", min_height=10)
    # one sentence: not the level, status or indicator again (they sit beside it)
    assert not first.text.startswith(("Crítico", "Atenção", "Informação", "Em curso")) and first.text.endswith(".")
    see.fits(phone)
    h = _height(phone)
    assert h < 9000, f"the alarm centre is {h:.0f} px tall at 375 px (it was 35 763)"
    see.shot(phone, "h3-alarm-centre")


def test_history_is_an_explicit_choice_kept_in_the_permalink(phone, live_url):
    see.open(phone, live_url + "/alarmes")
    assert "Série terminada" not in phone.find_element("css selector", "#alarmes-list").text
    radio = phone.find_element("css selector", "#alarmes-scope input[value='historico']")
    _click(phone, radio)
    see.until(lambda: _query(phone).get("ver") == "historico", msg="ver=historico in the URL")
    see.settle(phone)
    see.text(phone, ".obs-alarm-count", "no histórico")
    see.visible(phone, ".obs-alarm-centre-list .obs-alarm-inactive, .obs-alarm-centre-list li", min_height=20)
    see.fits(phone)
    # the permalink opens the same view: history chosen, "resolved" offered again
    see.open(phone, phone.current_url)
    assert phone.find_element("css selector", "#alarmes-scope input[value='historico']").is_selected()
    assert phone.find_element("css selector", "#alarmes-status input[value='resolved']").is_enabled()
    see.text(phone, ".obs-alarm-count", "no histórico")


def test_an_ended_series_is_history_not_ongoing(desktop, live_url):
    """A mayor saw a 2022 COVID-19 alarm as "Crítico · Em curso" in 2026."""
    see.open(desktop, live_url + "/municipio/1106")
    section = see.visible(desktop, ".obs-alarms", min_height=20)
    assert "COVID" not in section.text
    see.open(desktop, live_url + "/alarmes?ver=historico&alarme=" + quote(COVID_LISBOA, safe=""))
    see.text(desktop, "#alarme-detalhe", "COVID-19")
    state = see.visible(desktop, ".obs-alarm-detail .obs-alarm-head .obs-alarm-state")
    assert state.text.startswith("Série terminada") and "Em curso" not in state.text


def test_alarm_history_is_short_and_fits_a_phone(phone, live_url):
    """The COVID-19 alarm's history (60-odd periods) made the page 88 000 px tall at 375 px."""
    see.open(phone, live_url + "/alarmes?ver=historico&alarme=" + quote(COVID_LISBOA, safe=""))
    see.visible(phone, "#alarme-detalhe")
    see.visible(phone, ".obs-alarm-history", min_height=100)
    see.fits(phone)
    h = _height(phone, ".obs-alarm-detail")
    assert h < 3500, f"the alarm's detail is {h:.0f} px tall at 375 px"
    summary = see.text(phone, ".obs-history-earlier summary", "Períodos anteriores")
    _click(phone, summary)
    see.visible(phone, ".obs-history-earlier .obs-alarm-history", min_height=100)
    see.fits(phone)
    _no_axe(phone)
    see.shot(phone, "h3-alarm-history")


def test_rule_kind_is_explained_by_a_tooltip_the_keyboard_reaches(phone, live_url):
    see.open(phone, live_url + "/alarmes")
    tip = phone.find_element("css selector", ".obs-alarm-centre-list .obs-rule-analytic .obs-tip")
    assert see.box(phone, tip)["w"] <= 1                        # folded until wanted
    el = see.focus_reaches(phone, ".obs-alarm-centre-list .obs-rule-analytic", max_tabs=200)
    assert el.get_attribute("href").endswith("/sobre#regras-alarme")
    shown = see.visible(phone, ".obs-alarm-centre-list .obs-rule-analytic:focus .obs-tip", min_width=100, min_height=15)
    assert "não é um limiar legal" in shown.text
    see.fits(phone)
    _no_axe(phone)
    see.shot(phone, "h3-rule-tooltip")
    # the link (Enter, from the keyboard) leads to the method, which says the same
    from selenium.webdriver.common.keys import Keys
    el.send_keys(Keys.ENTER)
    see.until(lambda: urlsplit(phone.current_url).path == "/sobre", msg="the method page")
    see.text(phone, "#regras-alarme", "Alarmes")
    see.text(phone, ".obs-about", "não é um limiar legal")


def test_english_alarm_centre(desktop, live_url):
    see.open(desktop, live_url + "/alarmes?lang=en")
    see.text(desktop, ".obs-alarm-count", "active alarms.")
    see.text(desktop, ".obs-alarm-centre-list > li:first-child .obs-alarm-level", "Critical")
    see.text(desktop, ".obs-alarm-centre-list", "Analytical rule")
    _no_axe(desktop)
