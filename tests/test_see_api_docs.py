"""The API documentation for people (issue 8, item 15): /api/docs answers 200 with a real page (title
in pt-PT, an introduction in pt-PT and English), served from the app itself (nothing from another
origin), draws the endpoint list with Swagger UI so a person sees it at 1280 px and 375 px, passes
axe, and is linked from the footer of every page and from /sobre."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest
import requests

from tests import see
from tests.axe import format_violations, run_axe

pytestmark = pytest.mark.browser

ENDPOINTS = "#swagger-ui .opblock-tag-section"


def _same_origin(base: str, url: str) -> bool:
    u = urlparse(urljoin(base + "/", url))
    return u.scheme in ("http", "https") and u.netloc == urlparse(base).netloc


def test_docs_answer_200_with_a_real_page(live_url):
    r = requests.get(live_url + "/api/docs", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert '<html lang="pt-PT">' in r.text
    assert "<title>Documentação da API — Observatório</title>" in r.text
    for s in ("Autenticação", "Nenhuma: sem conta nem chave", "Formatos", "Licenças", "Limites", "Exemplos", "curl",
              'lang="en"', "no authentication", "rate limit", "/api/v1/openapi.json"):
        assert s in r.text, s
    en = requests.get(live_url + "/api/docs?lang=en", timeout=30)
    assert en.status_code == 200 and "<title>API documentation — Observatório</title>" in en.text
    assert '<html lang="en">' in en.text
    assert requests.get(live_url + "/api/docs/nada", timeout=30).status_code == 404
    # a browser asking the API's root is sent here
    r = requests.get(live_url + "/api/v1/", headers={"Accept": "text/html"}, timeout=30, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].endswith("/api/docs")


def test_docs_load_nothing_from_another_origin(live_url, desktop):
    html = requests.get(live_url + "/api/docs", timeout=30).text
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(_same_origin(live_url, u) for u in refs if not u.startswith("#")), refs
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html) + re.findall(r'<link[^>]*href="([^"]+)"', html)
    for u in scripts:
        r = requests.get(urljoin(live_url + "/", u), timeout=30)
        assert r.status_code == 200, u
        if u.endswith(".css"):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", r.text), f"{u} loads from another origin"
            assert "@import" not in r.text, u
    init = requests.get(live_url + "/api/docs/static/api-docs.js", timeout=30).text
    assert "http" not in init and "validatorUrl: null" in init
    # what the browser actually fetched
    see.open(desktop, live_url + "/api/docs", selector=ENDPOINTS)
    loaded = desktop.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert loaded and all(_same_origin(live_url, u) for u in loaded), loaded


def test_the_endpoint_list_is_rendered_desktop(desktop, live_url):
    see.open(desktop, live_url + "/api/docs", selector=ENDPOINTS)
    see.text(desktop, "main h1", "API de dados abertos do Observatório")
    see.visible(desktop, ENDPOINTS, min_width=600, min_height=40)
    for path in ("/api/v1/values", "/api/v1/indicators", "/api/v1/territories", "/download/indicador/{indicator_id}.csv"):
        see.text(desktop, "#swagger-ui", path)
    see.text(desktop, "#swagger-ui", "Valores (linhas tidy), filtrados e paginados")
    # open one endpoint: its parameters are shown
    values = desktop.find_element("css selector", "#operations-values-listValues .opblock-summary-control")
    desktop.execute_script("arguments[0].scrollIntoView({block: 'center'})", values)
    values.click()
    see.text(desktop, "#operations-values-listValues", "period_from")
    see.visible(desktop, "#operations-values-listValues .parameters", min_height=100)
    see.fits(desktop)
    bad = run_axe(desktop)
    assert not bad, format_violations(bad, desktop.current_url)
    see.shot(desktop, "api-docs")


def test_the_endpoint_list_is_rendered_and_fits_a_phone(phone, live_url):
    see.open(phone, live_url + "/api/docs", selector=ENDPOINTS)
    see.visible(phone, ENDPOINTS, min_width=300, min_height=40)
    see.text(phone, "#swagger-ui", "/api/v1/values")
    see.fits(phone)
    bad = run_axe(phone)
    assert not bad, format_violations(bad, phone.current_url)
    control = phone.find_element("css selector", "#operations-values-listValues .opblock-summary-control")
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", control)
    control.click()
    see.text(phone, "#operations-values-listValues", "period_from")
    see.fits(phone)
    bad = run_axe(phone)
    assert not bad, format_violations(bad, phone.current_url)
    see.shot(phone, "api-docs")


def test_the_keyboard_reaches_the_endpoints(desktop, live_url):
    see.open(desktop, live_url + "/api/docs", selector=ENDPOINTS)
    see.focus_reaches(desktop, "#operations-values-listValues .opblock-summary-control", max_tabs=200)


@pytest.mark.parametrize("path", ["/", "/sobre", "/indicador/indice_envelhecimento", "/municipio/0101"])
def test_footer_links_to_the_docs_on_every_page(desktop, live_url, path):
    see.open(desktop, live_url + path)
    link = see.visible(desktop, "#shell-footer-api")
    assert urlparse(link.get_attribute("href")).path == "/api/docs"
    if path == "/sobre":
        see.visible(desktop, "#sobre-api-docs")
        assert urlparse(desktop.find_element("id", "sobre-api-docs").get_attribute("href")).path == "/api/docs"
        desktop.execute_script("arguments[0].click()", link)   # (the /sobre page keeps reflowing as it scrolls)
        see.until(lambda: urlparse(desktop.current_url).path == "/api/docs", msg="the docs page")
        see.open(desktop, desktop.current_url, selector=ENDPOINTS)
        see.visible(desktop, ENDPOINTS)


def test_footer_link_keeps_the_language(desktop, live_url):
    see.open(desktop, live_url + "/?lang=en")
    link = see.visible(desktop, "#shell-footer-api")
    assert link.get_attribute("href").endswith("/api/docs?lang=en")
