"""The header search, as a person uses it (issue 8, item 12): it finds indicators as well as places,
in two labelled groups, by title, keyword or English word, accents optional; the arrow keys move
through the results and Enter opens one; on a 375 px phone the search sits in the collapsed menu
and its results are visible and fit the screen."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from tests import see
from tests.axe import format_violations, run_axe

pytestmark = pytest.mark.browser

BOX = "#shell-search"
PANEL = "#shell-search-results"
LISTBOX = "#shell-search-listbox"


def _type(d, text: str) -> None:
    box = see.visible(d, BOX)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(text)


def _results(d, expected: str):
    """The results panel is shown, sized, inside the screen, and says `expected`."""
    see.text(d, PANEL, expected)
    el = see.visible(d, PANEL, min_width=200, min_height=40)
    b = see.box(d, el)
    assert b["left"] >= 0 and b["right"] <= b["vw"] + 1, f"results stick out of the screen: {b}"
    return el


_HEADER_OVERFLOW = """
var vw = document.documentElement.clientWidth, out = [];
document.querySelectorAll('#shell-header *').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width && r.height && (r.right > vw + 1 || r.left < -1)) { out.push(e.outerHTML.slice(0, 80)); }
});
return out;
"""


def _header_fits(d) -> None:
    """The header, its search box and results sit inside the screen (the page below is other items')."""
    out = d.execute_script(_HEADER_OVERFLOW)
    assert not out, f"sticking out of the {see.PHONE[0]} px screen: {out}"


def _options(d) -> list:
    return d.find_elements("css selector", f"{LISTBOX} [role=option]")


def _active(d):
    box = d.find_element("css selector", BOX)
    return box.get_attribute("aria-activedescendant")


def _heading(d, expected: str) -> None:
    """After a navigation: the new page's heading (looked up afresh: the old page's goes stale)."""
    see.until(lambda: expected in d.find_element("css selector", "main h1").text, msg=f"{expected!r} in main h1")
    see.text(d, "main h1", expected)


def _background(d, el) -> str:
    return d.execute_script("return getComputedStyle(arguments[0]).backgroundColor", el)


def test_debt_finds_the_debt_indicators_under_indicadores(desktop, live_url):
    see.open(desktop, live_url + "/")
    for q in ("divida", "dívida"):
        _type(desktop, q)
        panel = _results(desktop, "Dívida total do município")
        assert "INDICADORES" in panel.text.upper() and "Dívida total em percentagem do limite legal" in panel.text
        see.visible(desktop, f"{LISTBOX} [role=group] .search-group-label")
    see.fits(desktop)
    see.shot(desktop, "search-divida")


def test_places_and_indicators_in_two_labelled_groups(desktop, live_url):
    see.open(desktop, live_url + "/")
    _type(desktop, "vagos")          # a municipality and an indicator (Alojamentos vagos)
    panel = _results(desktop, "Alojamentos vagos")
    labels = [e.text.strip().upper() for e in desktop.find_elements("css selector", f"{LISTBOX} .search-group-label")]
    assert labels == ["LUGARES", "INDICADORES"], labels
    for g in desktop.find_elements("css selector", f"{LISTBOX} [role=group]"):
        label = desktop.find_element("id", g.get_attribute("aria-labelledby"))
        assert label.is_displayed() and label.size["height"] > 0
    assert "Vagos" in panel.text and "Município" in panel.text
    hrefs = [o.get_attribute("href") for o in _options(desktop)]
    assert hrefs[0].endswith("/municipio/0118") and hrefs[1].endswith("/indicador/alojamentos_vagos_pct"), hrefs
    see.shot(desktop, "search-vagos")


@pytest.mark.parametrize("q,first", [("debt", "divida_total"), ("envelhecimento", "indice_envelhecimento"),
                                     ("idosos", "indice_dependencia_idosos")])
def test_english_words_and_synonyms_find_indicators(desktop, live_url, q, first):
    see.open(desktop, live_url + "/")
    _type(desktop, q)
    _results(desktop, "Índice" if q != "debt" else "Dívida")
    see.until(lambda: _options(desktop) and _options(desktop)[0].get_attribute("href").endswith(f"/indicador/{first}"),
              msg=f"{first} first for {q!r}")
    if q in ("idosos", "envelhecimento"):   # both ageing indicators: by title and by keyword
        texts = desktop.find_element("css selector", PANEL).text
        assert "Índice de envelhecimento" in texts and "Índice de dependência de idosos" in texts


def test_arrow_keys_move_and_enter_opens_the_chosen_indicator(desktop, live_url):
    see.open(desktop, live_url + "/")
    _type(desktop, "idosos")
    _results(desktop, "Índice de envelhecimento")
    box = desktop.find_element("css selector", BOX)
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "shell-search-listbox"
    opts = _options(desktop)
    assert len(opts) >= 2
    plain = _background(desktop, opts[1])
    box.send_keys(Keys.ARROW_DOWN)
    assert _active(desktop) == opts[0].get_attribute("id")
    box.send_keys(Keys.ARROW_DOWN)
    assert _active(desktop) == opts[1].get_attribute("id")
    assert opts[1].get_attribute("aria-selected") == "true" and opts[0].get_attribute("aria-selected") == "false"
    assert _background(desktop, opts[1]) != plain, "the chosen option does not look chosen"
    assert desktop.switch_to.active_element == box, "focus must stay in the box"
    see.shot(desktop, "search-arrow-keys")
    target = opts[1].get_attribute("href").split("?")[0]
    box.send_keys(Keys.ARROW_UP)
    box.send_keys(Keys.ARROW_DOWN)
    box.send_keys(Keys.ENTER)
    see.until(lambda: desktop.current_url.split("?")[0] == target, msg="the chosen option opened")
    _heading(desktop, "Índice de envelhecimento")


def test_escape_closes_and_enter_opens_the_first_hit(desktop, live_url):
    see.open(desktop, live_url + "/")
    _type(desktop, "debt")
    _results(desktop, "Dívida total do município")
    box = desktop.find_element("css selector", BOX)
    box.send_keys(Keys.ESCAPE)
    see.until(lambda: not desktop.find_element("css selector", PANEL).is_displayed(), msg="list closed")
    assert box.get_attribute("aria-expanded") == "false" and box.get_attribute("value") == "debt"
    box.send_keys(Keys.ENTER)             # nothing chosen: the first result
    see.until(lambda: desktop.current_url.split("?")[0].endswith("/indicador/divida_total"), msg="first hit opened")
    _heading(desktop, "Dívida total do município")


def test_nothing_found_says_so(desktop, live_url):
    see.open(desktop, live_url + "/")
    _type(desktop, "zzqx")
    _results(desktop, "Nada encontrado para «zzqx»")
    assert desktop.find_element("css selector", BOX).get_attribute("aria-expanded") == "false"


def test_english_interface(desktop, live_url):
    see.open(desktop, live_url + "/?lang=en")
    _type(desktop, "elderly")
    panel = _results(desktop, "Old-age dependency ratio")
    assert "INDICATORS" in panel.text.upper() and "Ageing index" in panel.text
    assert all("lang=en" in o.get_attribute("href") for o in _options(desktop))


def test_no_axe_violations_with_the_results_open(desktop, live_url):
    see.open(desktop, live_url + "/")
    _type(desktop, "vagos")
    _results(desktop, "Alojamentos vagos")
    desktop.find_element("css selector", BOX).send_keys(Keys.ARROW_DOWN)
    bad = run_axe(desktop)
    assert not bad, format_violations(bad, desktop.current_url)


def test_phone_search_in_the_menu_fits_and_opens_an_indicator(phone, live_url):
    see.open(phone, live_url + "/")
    toggler = see.visible(phone, ".navbar-toggler")
    toggler.click()
    see.visible(phone, BOX, min_width=200)
    _type(phone, "envelhecimento")
    _results(phone, "Índice de envelhecimento")
    _header_fits(phone)
    for o in _options(phone):
        b = see.box(phone, o)
        assert b["w"] > 200 and b["right"] <= b["vw"] + 1, b
    see.shot(phone, "search-phone-envelhecimento")
    bad = run_axe(phone)
    assert not bad, format_violations(bad, phone.current_url)
    _options(phone)[0].click()
    see.until(lambda: "/indicador/indice_envelhecimento" in phone.current_url, msg="indicator page opened")
    _heading(phone, "Índice de envelhecimento")
