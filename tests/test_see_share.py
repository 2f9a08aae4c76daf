"""Sharing as a person sees it (issue 8 item 3): no Plotly Cloud button in the modebar, the modebar in
the page's language, "copy link" buttons for the view and for each chart that put the view's absolute
address on the clipboard (or show it selected where the Clipboard API is missing) and say so in an
aria-live region, and a copied chart link that opens on that chart."""
from __future__ import annotations

import time

import pytest

from tests import see
from tests.axe import format_violations, run_axe

pytestmark = pytest.mark.browser

IND = "indice_envelhecimento"


def modebar_titles(d, graph: str) -> list[str]:
    el = d.find_element("css selector", f"#{graph} .js-plotly-plot")
    d.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", el)
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(d).move_to_element(el).perform()
    see.until(lambda: d.find_elements("css selector", f"#{graph} .modebar-btn"), msg="the modebar")
    return d.execute_script(f"return [...document.querySelectorAll('#{graph} .modebar-btn')]"
                            ".filter(b => b.getBoundingClientRect().width > 0).map(b => b.getAttribute('data-title'))")


@pytest.mark.parametrize("lang,expected", [("pt", ["Aproximar", "Afastar", "Repor os eixos"]),
                                           ("en", ["Zoom in", "Zoom out", "Reset axes"])])
def test_modebar_is_localised_and_has_no_cloud_sharing(desktop, base, lang, expected):
    see.open(desktop, f"{base}/indicador/{IND}" + ("?lang=en" if lang == "en" else ""))
    for graph in ("ind-series", "ind-map"):
        titles = modebar_titles(desktop, graph)
        assert titles, f"no modebar on {graph}"
        bad = [x for x in titles if any(w in x.lower() for w in ("share", "cloud", "partilhar", "chart studio",
                                                                    "baixar", "download"))]
        assert not bad, f"{graph} modebar offers {bad}"
    assert all(x in modebar_titles(desktop, "ind-series") for x in expected)
    assert not desktop.find_elements("css selector", ".modebar-btn[data-title*='Share'], .plotly-cloud-dialog")


def clipboard(d) -> str:
    return d.execute_async_script("var done = arguments[0];"
                                  "navigator.clipboard.readText().then(done, function (e) { done('ERR ' + e); });")


def test_copy_the_view_and_a_chart(desktop, base):
    d = desktop
    d.execute_cdp_cmd("Browser.grantPermissions", {"origin": base, "permissions": ["clipboardReadWrite",
                                                                                 "clipboardSanitizedWrite"]})
    see.open(d, f"{base}/indicador/{IND}?period=2011&territories=1106")
    btn = see.visible(d, "[data-copy-link=chart][data-anchor=ind-series]")
    d.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", btn)
    btn.click()
    status = see.text(d, "[data-anchor=ind-series] ~ .share-status", "Ligação copiada")
    assert status.get_attribute("aria-live") == "polite"
    see.text(d, "[data-copy-link=chart][data-anchor=ind-series]", "Ligação copiada")   # the button says so too
    want = f"{base}/indicador/{IND}?period=2011&territories=1106#ind-series"   # the address bar + the chart
    assert see.until(lambda: clipboard(d) == want and want, msg=f"{want} on the clipboard (has {clipboard(d)!r})")
    # the whole view, from the Downloads tab, after a change of view (the URL holds it)
    d.find_element("css selector", "#ind-tab-downloads").click()
    view = see.visible(d, "[data-copy-link=view]")
    view.click()
    see.text(d, ".view-link .share-status", "Ligação copiada")
    got = clipboard(d)
    assert got.startswith(f"{base}/indicador/{IND}?") and "tab=downloads" in got and "period=2011" in got
    # a copied chart link opens on that chart
    see.open(d, want)
    el = see.visible(d, "#ind-series", min_height=150)
    see.until(lambda: 0 <= d.execute_script("return arguments[0].getBoundingClientRect().top", el) < 300,
              msg="the page to open on the chart")


def test_copy_falls_back_to_a_selected_link(phone, base):
    d = phone
    see.open(d, f"{base}/indicador/{IND}")
    d.execute_script("Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true});")
    btn = see.visible(d, "[data-copy-link=chart][data-anchor=ind-map]")
    d.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", btn)
    btn.click()
    box = see.visible(d, "[data-anchor=ind-map] ~ .share-url", min_height=20)
    assert box.get_attribute("value") == f"{base}/indicador/{IND}#ind-map"
    assert d.execute_script("var e = document.activeElement; return e === arguments[0] && "
                            "e.selectionStart === 0 && e.selectionEnd === e.value.length", box)
    status = see.visible(d, "[data-anchor=ind-map] ~ .share-status", min_width=0, min_height=0)
    see.until(lambda: status.get_attribute("textContent") in ("Ligação copiada",
              "Ligação selecionada: prima Ctrl+C (ou ⌘+C) para a copiar"), msg="the announcement")
    see.fits(d)
    see.shot(d, "share-fallback")


def test_share_buttons_reachable_and_accessible(phone, base):
    see.open(phone, f"{base}/indicador/{IND}?tab=downloads")
    see.focus_reaches(phone, "[data-copy-link=chart][data-anchor=ind-map]")
    see.visible(phone, ".embed-code")
    see.fits(phone)
    time.sleep(0.5)
    violations = run_axe(phone)
    assert violations == [], format_violations(violations, phone.current_url)
    see.shot(phone, "share-downloads-tab")
