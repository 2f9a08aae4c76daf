"""What a decision-maker sees of the targets (issue 11), in a real browser at 375 px: the cockpit, the drill
to an off-track target, its export; the targets on the indicator and municipality pages; axe-core at zero
violations on the new pages, in Portuguese and English."""
from __future__ import annotations

import urllib.request

import pytest

from tests import see
from tests.axe import format_violations, run_axe

pytestmark = pytest.mark.browser


def _click(driver, el):
    """Scroll the element to the middle of the screen, wait until nothing covers it, click it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", el)
    see.until(lambda: driver.execute_script(
        "var r = arguments[0].getClientRects()[0];"   # a link wrapped on two lines: its first line
        "var t = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "return t === arguments[0] || arguments[0].contains(t);", el), msg="the element to be uncovered")
    el.click()   # WebDriver clicks the centre of the first client rect: the same point checked above


def test_decision_maker_drills_from_the_cockpit_to_an_off_track_target_and_exports_it(phone, live_url):
    see.open(phone, live_url + "/painel")
    see.text(phone, "main h1", "Painel nacional")
    see.visible(phone, "#painel-governacao")
    see.text(phone, "#painel-governacao", "Disparidade territorial")
    see.fits(phone)
    link = see.visible(phone, "#painel-governacao [data-target='pmp_60_dias'] a")
    _click(phone, link)
    see.until(lambda: "meta=pmp_60_dias" in phone.current_url, msg="the target's permalink")
    see.text(phone, "#metas-detail h2", "Prazo médio de pagamentos até 60 dias")
    table = see.visible(phone, "#metas-detail-table", min_height=100)
    first = table.find_element("css selector", "tbody tr")
    assert "Meta não cumprida" in first.text          # off track first
    see.fits(phone)
    href = see.visible(phone, "#metas-detail-csv").get_attribute("href")
    with urllib.request.urlopen(href) as r:
        body = r.read().decode("utf-8-sig")
    assert r.headers["Content-Type"].startswith("text/csv") and "not_achieved" in body


def test_metas_filters_are_permalinks(phone, live_url):
    see.open(phone, live_url + "/metas?area=ambiente&regiao=PT11")
    see.text(phone, "#metas-count", "6 metas")
    see.visible(phone, "#meta-ar_no2_2030")
    see.text(phone, "#metas-list", "Norte")
    see.fits(phone)


def test_programme_targets_say_there_is_no_data(phone, live_url):
    see.open(phone, live_url + "/metas?area=governacao")
    see.text(phone, "#meta-enti_pgu_75", "Ainda não há dados de monitorização")
    assert "municípios com dados" not in see.box(phone, "#meta-enti_pgu_75")["text"]   # no zeros


def test_indicator_and_municipality_pages_show_targets(phone, live_url):
    see.open(phone, live_url + "/indicador/no2_media_anual?period=2021")
    see.text(phone, "main", "abaixo da meta")
    see.open(phone, live_url + "/municipio/1106")
    see.text(phone, "#territory-targets", "NO₂: valor-limite anual da UE para 2030")
    see.fits(phone)


@pytest.mark.parametrize("path", ["/painel", "/metas", "/metas?meta=ar_no2_2030", "/metas?lang=en",
                                  "/painel?lang=en", "/metas?area=x"])
def test_axe_zero_violations(desktop, live_url, path):
    see.open(desktop, live_url + path)
    see.settle(desktop)
    v = run_axe(desktop)
    assert not v, format_violations(v, path)
