"""Profiles and Sobre as a person sees them (issue 8, items 9 and 10).

Item 9: at 375 px nothing sticks out of the screen and no table cell is cut: tables of indicators
become cards (no scroller that hides half a value such as "50" for "50,0 %").
Item 10: the profile names the peers (with a link each), says why they are peers, and explains the
position rule where the position is shown, with the quartiles it was decided on.
"""
from __future__ import annotations

import re

import pytest

from tests import see
from tests.axe import chrome

PAGES = ["/municipio/1106", "/municipio/4901", "/municipio/0816", "/regiao/PT111", "/regiao/PT1", "/sobre",
         "/municipio/1106?grupo=size&lang=en", "/sobre?lang=en"]

#: JS: cells of the card tables that are off the screen, hidden in a scroller, or whose text is clipped
_CUT_CELLS = """
var vw = document.documentElement.clientWidth, out = [];
document.querySelectorAll('.obs-stack-table td, .obs-stack-table tbody th').forEach(function (c) {
  var r = c.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return;
  var t = (c.innerText || '').trim().slice(0, 50);
  if (c.closest('[data-scroll-x]') && c.closest('.obs-profile-table, .obs-about-indicators'))
    out.push('in a scroller: ' + t);
  if (r.left < -1 || r.right > vw + 1) out.push('[' + Math.round(r.left) + '..' + Math.round(r.right) + '] ' + t);
  c.querySelectorAll('*').forEach(function (e) {
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible') out.push('clipped: ' + t);
  });
});
return out.slice(0, 10);
"""


def _cells_fit(driver) -> None:
    bad = driver.execute_script(_CUT_CELLS)
    assert not bad, f"{driver.current_url}: table cells cut or hidden:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("path", PAGES)
def test_nothing_overflows_a_phone(phone, live_url, path):
    see.open(phone, live_url + path)
    see.fits(phone)
    _cells_fit(phone)
    see.shot(phone, "profile-" + re.sub(r"\W+", "-", path.strip("/")))


def test_lisboa_values_are_whole_on_a_phone(phone, live_url):
    """The issue's own example: Portugal's "50,0 %" (direct-award contracts) and "acima (pior)" are
    shown whole, inside the screen."""
    see.open(phone, f"{live_url}/municipio/1106")
    row = phone.find_element("xpath", "//tr[th//a[contains(., 'Contratos por ajuste direto')]]")
    phone.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", row)
    cells = {c.get_attribute("data-label"): c for c in row.find_elements("css selector", "td")}
    nat = cells["Portugal"]
    assert nat.text.replace("\u00a0", " ").strip() == "50,0 %", nat.text
    for c in cells.values():
        b = see.box(phone, c)
        assert b["left"] >= 0 and b["right"] <= 375, f"{b['text']!r} at [{b['left']:.0f}..{b['right']:.0f}]"
    # a whole position in words, and why
    pos = phone.find_elements("xpath", "//td[@data-label='Posição face aos pares'][contains(., 'acima (pior)')]")
    assert pos and all(see.box(phone, p)["right"] <= 375 for p in pos)


@pytest.mark.parametrize("path", ["/municipio/1106", "/regiao/PT111", "/sobre"])
def test_tablet_width_has_no_sideways_scroll(live_url, path):
    d = chrome(768, 1024)
    try:
        d.set_window_size(768, 1024)
        see.open(d, live_url + path)
        see.fits(d)
        _cells_fit(d)
    finally:
        d.quit()


# -- item 10: peers named and explained ---------------------------------------------------------

def _peer_links(driver) -> list:
    return driver.find_elements("css selector", ".obs-peer-block #peer-list a")


def test_nuts3_peers_are_named_with_links(phone, live_url):
    see.open(phone, f"{live_url}/municipio/1106")
    see.text(phone, ".obs-peer-block", "Os outros 8 municípios da NUTS III Grande Lisboa.")
    links = _peer_links(phone)
    assert len(links) == 8 and all(a.is_displayed() for a in links)
    names = {a.text for a in links}
    assert {"Sintra", "Cascais", "Amadora", "Oeiras"} <= names, names
    assert all(re.search(r"/municipio/\d{4}$", a.get_attribute("href")) for a in links)
    see.fits(phone)


def test_profile_peers_say_on_what_they_are_alike(phone, live_url):
    see.open(phone, f"{live_url}/municipio/1106?grupo=profile")
    block = see.text(phone, ".obs-peer-block", "Os 10 municípios mais parecidos com Lisboa")
    assert re.search(r"\d dimensões padronizadas", block.text), block.text
    for word in ("população", "densidade", "envelhecimento"):
        assert word in block.text
    items = phone.find_elements("css selector", ".obs-peer-block #peer-list li")
    assert len(items) == 10 and all("parecido em:" in li.text for li in items), [li.text for li in items]
    see.fits(phone)
    see.shot(phone, "profile-peers-profile")


def test_a_large_group_names_every_peer_on_demand(phone, live_url):
    see.open(phone, f"{live_url}/municipio/1106?grupo=size")
    see.text(phone, ".obs-peer-block", "municípios com mais de 100 000 habitantes (população residente, Censos 2021)")
    summary = see.text(phone, ".obs-peer-details summary", "Ver os 23 pares")
    assert not any(a.is_displayed() for a in _peer_links(phone))       # closed until asked for
    summary.click()
    see.until(lambda: all(a.is_displayed() for a in _peer_links(phone)), msg="the peers' list to open")
    assert len(_peer_links(phone)) == 23
    see.fits(phone)


def test_neighbours_and_region_peers(phone, live_url):
    see.open(phone, f"{live_url}/municipio/1106?grupo=neighbours")
    see.text(phone, ".obs-peer-block", "Os 5 municípios que fazem fronteira com Lisboa.")
    assert len(_peer_links(phone)) == 5
    see.open(phone, f"{live_url}/regiao/PT111?lang=en")
    see.text(phone, ".obs-peer-block", "The other 25 regions of the same level (NUTS 3).")
    assert len(_peer_links(phone)) == 25
    assert all("/regiao/PT" in a.get_attribute("href") for a in _peer_links(phone))


def _number(text: str) -> float:
    m = re.search(r"[−-]?\d[\d\u00a0 ]*(?:,\d+)?", text)
    return float(m.group(0).replace("\u00a0", "").replace(" ", "").replace(",", ".").replace("−", "-"))


def test_the_position_says_why_with_the_quartiles(desktop, live_url):
    """Every position in the table carries the quartiles it was decided on, and they agree with the value:
    "semelhante" lies within P25–P75 even when it is far from the median (no contradiction)."""
    see.open(desktop, f"{live_url}/municipio/1106")
    see.text(desktop, "#position-rule", "3.º quartil (P75)")
    checked = {"similar": 0, "above": 0, "below": 0}
    for row in desktop.find_elements("css selector", ".obs-profile-table tbody tr"):
        pos = row.find_element("css selector", "td[data-label='Posição face aos pares']").text
        if pos.strip() in ("—", ""):
            continue
        value = _number(row.find_element("css selector", "td[data-label='Último valor']").text)
        why = pos.split("\n")[-1]
        if "semelhante" in pos:
            m = re.search(r"no intervalo interquartil dos pares: (.+)–(.+)$", why)
            assert m, pos
            assert _number(m.group(1)) - 0.051 <= value <= _number(m.group(2)) + 0.051, (value, why)
            checked["similar"] += 1
        elif "acima" in pos:
            m = re.search(r"acima do P75 dos pares: (.+)$", why)
            assert m and value >= _number(m.group(1)) - 0.051, (value, why)
            checked["above"] += 1
        elif "abaixo" in pos:
            m = re.search(r"abaixo do P25 dos pares: (.+)$", why)
            assert m and value <= _number(m.group(1)) + 0.051, (value, why)
            checked["below"] += 1
    assert checked["similar"] and checked["above"], checked


def test_band_summary_uses_the_same_rule(desktop, live_url):
    see.open(desktop, f"{live_url}/municipio/1106?i=pm10_media_anual")
    s = see.text(desktop, "#municipio-band-summary", "intervalo interquartil dos pares")
    assert "semelhante à mediana" not in s.text and "mediana" in s.text
