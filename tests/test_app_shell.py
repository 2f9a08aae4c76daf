"""The app shell: formatting, texts, URLs, HTTP statuses of direct loads, the geo route, search, banner."""
from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from core import fmt
from core import i18n
from tests._helpers import geo_points
from web import ui

NB = "\u00a0"


# -- formatting and texts (no database) ---------------------------------------------------------

@pytest.mark.parametrize("x,d,lang,expected", [
    (1234.5, 1, "pt", f"1{NB}234,5"), (1234.5, 1, "en", "1,234.5"), (1234567, 0, "pt", f"1{NB}234{NB}567"),
    (-0.25, 2, "pt", "\u22120,25"), (-0.25, 2, "en", "-0.25"), (0.04, 1, "pt", "0,0"),
    (None, 1, "pt", "—"), (float("nan"), 1, "en", "—"),
])
def test_number(x, d, lang, expected):
    assert fmt.number(x, d, lang) == expected


def test_change_value_and_dates():
    assert fmt.change(4.12, 1, "pt") == "+4,1"
    assert fmt.change(-4.12, 1, "en") == "-4.1"
    assert fmt.value(59.3, 1, "%", "pt") == f"59,3{NB}%"
    assert fmt.date(dt.date(2026, 11, 26), "pt") == "26 de novembro de 2026"
    assert fmt.date("2026-03-01", "en") == "1 March 2026"
    assert fmt.separators("pt") == "," + NB and fmt.separators("en") == ".,"


def test_every_text_has_both_languages():
    """The pt-PT and English catalogues have the same keys, every text is non-empty in both, and the
    placeholders agree; plural entries have every form of the language's Plural-Forms."""
    import string
    from babel.messages.pofile import read_po
    names = lambda s: {f[1] for f in string.Formatter().parse(s) if f[1]}  # noqa: E731
    cats = {lang: read_po(i18n.catalogue_path(lang).open("rb"), locale=i18n.LOCALES[lang]) for lang in i18n.LANGS}
    ids = {lang: {m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id} for lang, cat in cats.items()}
    assert ids["pt"] == ids["en"], ids["pt"] ^ ids["en"]
    for m_pt in cats["pt"]:
        if not m_pt.id:
            continue
        m_en = cats["en"][m_pt.id]
        forms = {lang: (list(m.string) if isinstance(m.string, tuple) else [m.string]) for lang, m in (("pt", m_pt), ("en", m_en))}
        for lang, fs in forms.items():
            assert all(f.strip() for f in fs), (m_pt.id, lang)
            if m_pt.pluralizable:
                assert len(fs) == cats[lang].num_plurals, (m_pt.id, lang)
        assert set().union(*map(names, forms["pt"])) == set().union(*map(names, forms["en"])), m_pt.id
    assert i18n.tn("search.n_places", 1, "pt") == "1 lugar" and i18n.tn("search.n_places", 3, "pt") == "3 lugares"
    assert i18n.tn("search.n_places", 1, "en") == "1 place" and i18n.tn("search.n_places", 3, "en") == "3 places"



def test_lang_of():
    assert i18n.lang_of("en") == "en" and i18n.lang_of("EN") == "en"
    assert i18n.lang_of(None) == "pt" and i18n.lang_of("de") == "pt" and i18n.lang_of(["en"]) == "pt"


def test_href_keeps_language():
    assert ui.href("/indicador/x", "en", period="2021") == "/indicador/x?period=2021&lang=en"
    assert ui.href("/indicador/x", "pt", territories=["0101", "0102"]) == "/indicador/x?territories=0101,0102"
    assert ui.toggle_lang_href("/alarmes", "?level=critico") == "/alarmes?level=critico&lang=en"
    assert ui.toggle_lang_href("/alarmes", "?level=critico&lang=en") == "/alarmes?level=critico"
    assert ui.territory_href("0101") == "/municipio/0101"
    assert ui.territory_href("PT11", "en") == "/regiao/PT11?lang=en"


# -- the app on the session database ------------------------------------------------------------

@pytest.fixture(scope="module")
def client(built):
    import app
    return app.server.test_client()


HTML = {"Accept": "text/html"}


@pytest.mark.parametrize("path,status", [
    ("/", 200), ("/indicador/indice_envelhecimento", 200),
    ("/indicador/indice_envelhecimento?period=2011&level=nuts3&classification=intervalos&tab=ranking", 200),
    ("/indicador/indice_envelhecimento?view=tiles&territories=0101,PT11", 200),
    ("/indicador/nao_existe", 404), ("/pagina/que/nao/existe", 404),
    ("/indicador/indice_envelhecimento?period=1800", 400),
    ("/indicador/indice_envelhecimento?level=freguesia", 400),
    ("/indicador/indice_envelhecimento?classification=jenks", 400),
    ("/indicador/indice_envelhecimento?territories=9999", 400),
    ("/indicador/indice_envelhecimento?period=2011&period=2012", 400),
    ("/embed/indicador/indice_envelhecimento", 200), ("/embed/indicador/indice_envelhecimento?view=chart", 200),
    ("/embed/indicador/indice_envelhecimento?view=table", 400), ("/embed/indicador/nope", 404),
])
def test_direct_load_status(client, path, status):
    r = client.get(path, headers=HTML)
    assert r.status_code == status
    assert b'id="react-entry-point"' in r.data  # the app still renders the helpful page


def test_html_lang_follows_url(client):
    assert b'<html lang="pt-PT">' in client.get("/", headers=HTML).data
    assert b'<html lang="en">' in client.get("/?lang=en", headers=HTML).data


def test_embed_may_be_framed_other_pages_not(client):
    r = client.get("/embed/indicador/indice_envelhecimento", headers=HTML)
    assert "X-Frame-Options" not in r.headers
    assert "frame-ancestors *" in r.headers["Content-Security-Policy"]
    assert client.get("/", headers=HTML).headers["X-Frame-Options"] == "SAMEORIGIN"


def test_geo_layer_served_once_and_cached(client):
    from serving import data
    layer = data.geo_layer("municipio")
    assert layer is not None, "the build writes the web layers (etl/geo.py)"
    r = client.get(layer["url"], headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
    assert "immutable" in r.headers["Cache-Control"] and "max-age=31536000" in r.headers["Cache-Control"]
    gj = json.loads(gzip.decompress(r.data))
    assert len(gj["features"]) == 308
    plain = client.get(layer["url"])
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data)["type"] == "FeatureCollection"
    stale = client.get("/geo/0000/municipios.geojson")
    assert stale.status_code == 302 and stale.headers["Location"].endswith(layer["url"])
    assert client.get(f"/geo/{layer['hash']}/secret.txt").status_code == 404
    sneaky = client.get(f"/geo/{layer['hash']}/..%2Fobservatorio.duckdb")
    assert sneaky.mimetype != "application/geo+json" and b"DUCK" not in sneaky.data[:64]


def test_inset_variant_moves_the_islands(client):
    from serving import data
    layer = data.geo_layer("municipio")
    assert layer is not None and layer.get("inset_url"), "the build writes the web layers with insets (etl/geo.py)"
    r = client.get(layer["inset_url"])
    assert r.status_code == 200 and "immutable" in r.headers["Cache-Control"]
    feats = {f["id"]: f for f in json.loads(r.data)["features"]}
    assert len(feats) == 308
    lon0, lat0, lon1, lat1 = layer["inset"]["bounds"]
    assert lon0 > -16 and lat0 > 36  # Açores and Madeira now sit next to the mainland
    # Ponta Delgada (4206) is inside the Açores frame
    frames = dict(layer["inset"]["frames"])
    x0, y0, x1, y1 = frames["raa"]
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in geo_points(feats["4206"]["geometry"]["coordinates"]))
    assert client.get(f"/geo/{layer['hash']}/other/municipios.geojson").status_code == 404


def test_search_accents_optional(built):
    from serving import data
    for q in ("agueda", "ÁGUEDA", "Águ"):
        df = data.search_territories(q)
        assert df.iloc[0]["territory_id"] == "0101", q
    assert "0101" not in set(data.search_territories("a").get("territory_id", []))  # too short: nothing
    lagoa = data.search_territories("lagoa")
    assert len(lagoa) >= 2 and lagoa["name_unique"].is_unique  # Lagoa (Algarve) and Lagoa (Açores)
    assert len(data.search_territories("%")) == 0 and len(data.search_territories("_x")) == 0


def _options(component) -> list:
    """The role=option links in a rendered component tree."""
    out = []

    def walk(c):
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
            return
        if getattr(c, "role", None) == "option":
            out.append(c)
        walk(getattr(c, "children", None) or [])
    walk(component)
    return out


def test_search_items_are_links(built):
    items, status, hidden = ui.search_items("sao joao", "pt")
    assert not hidden and items and "lugares" in status
    hrefs = [o.href for o in _options(items)]
    assert hrefs and all(h.startswith(("/municipio/", "/regiao/")) for h in hrefs)
    assert len({o.id for o in _options(items)}) == len(hrefs)          # aria-activedescendant needs unique ids
    items, status, hidden = ui.search_items("zzzz", "en")
    assert "Nothing found" in status and not _options(items)


@pytest.mark.parametrize("q,expected", [
    ("divida", {"divida_total", "divida_pct_limite"}), ("dívida", {"divida_total", "divida_pct_limite"}),
    ("DÍVIDA", {"divida_total", "divida_pct_limite"}), ("debt", {"divida_total", "divida_pct_limite"}),
    ("envelhecimento", {"indice_envelhecimento", "indice_dependencia_idosos"}),
    ("idosos", {"indice_envelhecimento", "indice_dependencia_idosos"}),
    ("elderly", {"indice_envelhecimento", "indice_dependencia_idosos"}),
    ("habitação", {"alojamentos_vagos_pct", "renda_mediana_novos_contratos", "preco_mediano_venda"}),
    ("pm2.5", {"pm25_media_anual"}), ("renda", {"renda_mediana_novos_contratos"}),
])
def test_search_finds_indicators_by_title_keyword_and_english(built, q, expected):
    from serving import data
    found = set(data.search_indicators(q, "pt", limit=10)["indicator_id"])
    assert expected <= found, (q, found)


def test_search_indicators_ranks_titles_first_and_ignores_noise(built):
    from serving import data
    assert data.search_indicators("idosos", "pt").iloc[0]["indicator_id"] == "indice_dependencia_idosos"  # title
    assert data.search_indicators("envelhecimento", "en").iloc[0]["title"] == "Ageing index"
    assert data.search_indicators("d", "pt").empty and data.search_indicators("%_", "pt").empty
    assert data.search_indicators("zzqx", "pt").empty
    # every word must match: "dívida idosos" is nothing
    assert data.search_indicators("dívida idosos", "pt").empty
    # restricted indicators never appear
    public = set(data.indicators(public=True)["indicator_id"])
    assert set(data.search_indicators("de", "pt", limit=50)["indicator_id"]) <= public


def test_search_groups_and_first_hit(built):
    items, status, hidden = ui.search_items("vagos", "pt")
    hrefs = [o.href for o in _options(items)]
    assert hrefs[:2] == ["/municipio/0118", "/indicador/alojamentos_vagos_pct"]
    assert status.startswith("1 lugar e 1 indicador")
    assert ui.first_hit("vagos", "pt") == "/municipio/0118"
    assert ui.first_hit("debt", "en") == "/indicador/divida_total?lang=en"
    assert ui.first_hit("zzqx", "pt") is None


def test_header_demo_banner(built, monkeypatch):
    from serving import data
    monkeypatch.setattr(data, "is_demo", lambda: True)
    out = ui.header("/", "", "pt")
    assert "demo-banner" in json.dumps(out[0].to_plotly_json(), default=str)
    monkeypatch.setattr(data, "is_demo", lambda: False)
    assert len(ui.header("/", "", "pt")) == 1


def test_shell_has_no_chrome_in_embeds(built):
    header, footer, _ = ui.render_shell("/embed/indicador/x", "")
    assert header == [] and footer == []
    header, footer, skip = ui.render_shell("/", "?lang=en")
    assert skip == "Skip to content" and header


def test_http_status_of_unknown_pages():
    assert ui.http_status("/_dash-layout", {}) == 200
    assert ui.http_status("/assets/10-base.css", {}) == 200
