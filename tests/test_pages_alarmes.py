"""The Alarmes page (alarm centre): layout, filters, callbacks as plain functions, bad input.

Alarms are computed by the ETL; to test the page whatever the build flags, `sample_alarms` copies the
session database and adds three known alarms with their history.
"""
from __future__ import annotations

import json

import pytest

from tests.sample_alarms import (  # the fixtures sample_alarms*: conftest.py
    SAMPLE_EXPLANATION, SAMPLE_EXPLANATION_2, SAMPLE_EXPLANATION_3, SAMPLE_ID, SAMPLE_ID_2, SAMPLE_ID_3,
)
from web import alarm_centre_view as ACV


@pytest.fixture(scope="module")
def page(built):
    import app  # noqa: F401  (registers the pages)
    import pages.alarmes as m
    return m


def _text(component) -> str:
    """The whole component tree as JSON text (for 'contains' assertions)."""
    from plotly.utils import PlotlyJSONEncoder
    return json.dumps(json.loads(json.dumps(component, cls=PlotlyJSONEncoder)), ensure_ascii=False)


def test_layout_without_alarms_says_so(page, built, monkeypatch):
    from serving import data
    out = _text(page.layout())
    assert "Centro de alarmes" in out
    if data.alarms().empty:
        assert "Sem alarmes ativos." in out


def test_layout_lists_alarms_with_explanation_icon_and_label(page, sample_alarms):
    out = _text(page.layout(regiao="PT1A0", nivel="atencao", estado="ongoing", area="demografia"))
    assert SAMPLE_EXPLANATION in out
    assert "Atenção" in out and "obs-alarm-atencao" in out and "obs-level-icon" in out   # icon + label
    assert "Crítico" in out                           # the level filter lists every level
    assert "Em curso" in out                          # status in words
    assert f"alarme={SAMPLE_ID.replace('|', '%7C').replace('#', '%23')}" in out


def test_most_severe_first(sample_alarms):
    from serving import data
    df = data.alarms()
    ours = df[df["alarm_id"].isin([SAMPLE_ID, SAMPLE_ID_2])]
    assert list(ours["alarm_id"]) == [SAMPLE_ID_2, SAMPLE_ID]


def test_filters(page, sample_alarms):
    one, two = SAMPLE_EXPLANATION, SAMPLE_EXPLANATION_2
    by_level = _text(ACV.alarm_list(None, ["atencao"], "PT1A0", [], "pt"))
    assert one in by_level and two not in by_level
    by_region = _text(ACV.alarm_list(None, [], "PT200", [], "pt"))       # Açores (NUTS III) holds Corvo
    assert two in by_region and one not in by_region
    by_status = _text(ACV.alarm_list(None, [], "PT200", ["new"], "pt"))
    assert two in by_status and one not in by_status
    by_area = _text(ACV.alarm_list("demografia", [], "PT1A0", [], "pt"))
    assert one in by_area and two not in by_area
    none = _text(ACV.alarm_list("governacao", ["atencao"], "1106", ["resolved"], "pt"))
    assert one not in none and two not in none


def test_update_callback_returns_list_and_url(page, sample_alarms):
    children, search, options, statuses = page.update("ativos", "demografia", ["atencao"], "PT1A0", ["ongoing"],
                                                      {"lang": "en"})
    assert "Test: Lisbon" in _text(children)
    assert search == "?area=demografia&nivel=atencao&regiao=PT1A0&estado=ongoing&lang=en"
    assert statuses == ["ongoing"] and [o["value"] for o in options if o["disabled"]] == ["resolved"]
    assert page.update(None, None, None, None, None, {"lang": "pt"})[1] == ""
    assert page.update("historico", None, None, None, None, {"lang": "pt"})[1] == "?ver=historico"
    # back to the active alarms, "resolved" cannot stay chosen (it is never active)
    _, search, options, statuses = page.update("ativos", None, None, None, ["resolved", "new"], {"lang": "pt"})
    assert statuses == ["new"] and search == "?estado=new"
    _, _, options, statuses = page.update("todos", None, None, None, ["resolved"], {"lang": "pt"})
    assert statuses == ["resolved"] and not any(o["disabled"] for o in options)


def test_alarm_detail_has_explanation_facts_and_history(page, sample_alarms):
    out = _text(page.layout(alarme=SAMPLE_ID))
    assert "alarme-detalhe" in out
    assert SAMPLE_EXPLANATION in out
    assert "Limiar absoluto" in out
    for period in ("2017", "2018", "2019", "2020"):
        assert f"Histórico {period}" in out
    assert "150,0" in out and "168,5" in out            # pt-PT numbers
    en = _text(page.layout(alarme=SAMPLE_ID, lang="en"))
    assert "History 2019" in en and "Absolute threshold" in en


@pytest.mark.parametrize("params", [
    {"nivel": "grave"}, {"estado": "aberto"}, {"area": "futebol"}, {"regiao": "XX99"}, {"regiao": "1106"},
])
def test_bad_parameters_give_a_400_page(page, built, params):
    out = page.layout(**params)
    assert out.to_plotly_json()["props"].get("data-status") == "400"
    assert "não é válido" in _text(out)
    assert page.http_status(**params) == 400


def test_unknown_alarm_gives_a_404_page(page, built):
    out = page.layout(alarme="nao|existe")
    assert out.to_plotly_json()["props"].get("data-status") == "404"
    assert page.http_status(alarme="nao|existe") == 404
    assert page.http_status() == 200


def test_permalink_round_trip(page):
    s = ACV.search_of("saude", ["critico", "atencao"], "PT11", ["new"], "en", alarme=None)
    assert s == "?area=saude&nivel=critico,atencao&regiao=PT11&estado=new&lang=en"


# -- pagination and current series ---------------------------------------------------------------

def _open_links(component) -> list[str]:
    """The hrefs of the rows' "open" links (one per alarm row), in order."""
    out = []

    def walk(c):
        if isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
            return
        if not hasattr(c, "to_plotly_json"):
            return
        if "obs-alarm-open" in (getattr(c, "className", None) or ""):
            out.append(c.href)
        walk(getattr(c, "children", None))
    walk(component)
    return out


def _find(component, id_: str):
    """The component with id `id_` in a tree (or None)."""
    if isinstance(component, (list, tuple)):
        for x in component:
            f = _find(x, id_)
            if f is not None:
                return f
        return None
    if not hasattr(component, "to_plotly_json"):
        return None
    if getattr(component, "id", None) == id_:
        return component
    return _find(getattr(component, "children", None), id_)


def _query(href: str) -> dict:
    from urllib.parse import parse_qs, urlsplit
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def test_pages_add_up_to_the_whole_list(page, sample_alarms, monkeypatch):
    total = len(ACV.filtered_alarms(None, [], None, []))
    monkeypatch.setattr(ACV, "PAGE_SIZE", max(1, -(-total // 4)))     # a few pages, whatever the data
    pages = ACV.n_pages(total)
    assert pages >= 2
    seen = []
    for p in range(1, pages + 1):
        rows = _open_links(ACV.alarm_list(None, [], None, [], "pt", page=p))
        assert 1 <= len(rows) <= ACV.PAGE_SIZE
        assert all(_query(h).get("pagina") == (str(p) if p > 1 else None) for h in rows)   # "open" keeps the page
        seen += [_query(h)["alarme"] for h in rows]
    whole = list(ACV.filtered_alarms(None, [], None, [])["alarm_id"])
    assert seen == whole and len(set(seen)) == total                       # no gap, no repeat, same order


def test_real_page_size_shows_page_x_of_y(page, sample_alarms):
    total = len(ACV.filtered_alarms(None, [], None, []))
    pages = ACV.n_pages(total)
    out = _text(page.layout())
    if pages == 1:
        assert "Página 1 de" not in out
        return
    assert "Página 1 de %d" % pages in out and "Página seguinte" in out and "Página anterior" not in out
    assert "A mostrar os alarmes 1 a %d de %d." % (ACV.PAGE_SIZE, total) in out
    last = _text(page.layout(pagina=str(pages), lang="en"))
    assert f"Page {pages} of {pages}" in last and "Previous page" in last and "Next page" not in last


def test_pager_links_keep_every_filter(page, sample_alarms, monkeypatch):
    monkeypatch.setattr(ACV, "PAGE_SIZE", 1)
    args = dict(nivel="critico,atencao", estado="new,ongoing", ver="todos", lang="en")
    n = len(ACV.filtered_alarms(None, ["critico", "atencao"], None, ["new", "ongoing"], "todos"))
    assert n >= 2                                                   # the two current sample alarms at least
    first = page.layout(**args)
    nav = _find(first, page.ids.PAGER)
    assert nav is not None and nav.to_plotly_json()["props"]["aria-label"] == "Pages of the alarm list"
    nxt = _find(first, f"{page.ids.PAGER}-next")
    assert _find(first, f"{page.ids.PAGER}-prev") is None
    assert _query(nxt.href) == {"nivel": "critico,atencao", "estado": "new,ongoing", "ver": "todos",
                                "pagina": "2", "lang": "en"}
    assert nxt.href.startswith("/alarmes?") and "nivel=critico,atencao" in nxt.href     # readable permalink
    second = page.layout(pagina="2", **args)
    prev = _find(second, f"{page.ids.PAGER}-prev")
    assert _query(prev.href) == {"nivel": "critico,atencao", "estado": "new,ongoing", "ver": "todos", "lang": "en"}
    assert f"Page 2 of {n}" in _text(second)
    pt = page.layout(pagina="2", nivel="critico,atencao", regiao="PT")
    assert "Página anterior" in _text(pt) and _query(_find(pt, f"{page.ids.PAGER}-prev").href) == {
        "nivel": "critico,atencao", "regiao": "PT"}


@pytest.mark.parametrize("pagina", ["0", "-1", "abc", "1.5", " ", "99999"])
def test_invalid_page_gives_a_400_page_with_the_valid_range(page, sample_alarms, pagina):
    pages = ACV.n_pages(len(ACV.filtered_alarms(None, [], None, [])))
    out = page.layout(pagina=pagina)
    assert out.to_plotly_json()["props"].get("data-status") == "400"
    text = _text(out)
    assert "pagina" in text and "não é válido" in text and f"1 a {pages}" in text
    assert f"1 to {pages}" in _text(page.layout(pagina=pagina, lang="en"))
    assert page.http_status(pagina=pagina) == 400


def test_page_range_depends_on_the_filters(page, sample_alarms):
    pages = ACV.n_pages(len(ACV.filtered_alarms(None, [], None, [])))
    assert page.http_status(pagina="1") == 200
    assert page.http_status(pagina=str(pages)) == 200
    assert page.http_status(pagina=str(pages + 1)) == 400
    # the Corvo sample is alone in its filters: page 2 does not exist there
    assert page.http_status(regiao="PT200", nivel="critico", area="governacao", pagina="1") in (200,)
    assert page.http_status(regiao="PT200", nivel="critico", area="governacao", pagina="2") == 400
    assert page.http_status(pagina="2", atuais="sim") == 400
    assert page.layout(atuais="sim").to_plotly_json()["props"].get("data-status") == "400"
    assert page.http_status(atuais="1") == 200                    # old permalinks still open
    assert page.http_status(ver="tudo") == 400 and page.http_status(ver="historico") == 200
    assert page.http_status(estado="resolved") == 400             # never active: needs ver=historico or todos
    assert page.http_status(estado="resolved", ver="historico") == 200


def test_active_by_default_history_on_request(page, sample_alarms):
    """One definition of active: an alarm of a discontinued series is history, never in the default list."""
    active = ACV.filtered_alarms(None, [], "PT1A0", [])
    history = ACV.filtered_alarms(None, [], "PT1A0", [], "historico")
    every = ACV.filtered_alarms(None, [], "PT1A0", [], "todos")
    assert SAMPLE_ID in set(active["alarm_id"]) and SAMPLE_ID_3 not in set(active["alarm_id"])
    assert SAMPLE_ID_3 in set(history["alarm_id"]) and SAMPLE_ID not in set(history["alarm_id"])
    assert len(every) == len(active) + len(history)
    assert active["is_active"].all() and not history["is_active"].any()
    args = dict(area="saude", nivel="critico", regiao="PT1A0", estado="ongoing")
    assert SAMPLE_EXPLANATION_3 not in _text(page.layout(**args))
    shown = _text(page.layout(ver="historico", **args))
    assert SAMPLE_EXPLANATION_3 in shown and "Série terminada" in shown
    assert ACV.search_of(None, [], None, [], "pt", scope="historico", page=3) == "?ver=historico&pagina=3"
    assert ACV.search_of(None, [], None, [], "pt", scope="ativos") == ""


def test_history_rows_say_why_in_words(page, sample_alarms):
    from serving import data
    row = _text(ACV.alarm_rows(data.alarms(alarm_id=SAMPLE_ID_3), "pt", {"area": None, "levels": [], "region": None,
                                                                         "statuses": []}))
    assert "Série terminada · último valor avaliado: 3 mar 2022" in row and "obs-alarm-inactive" in row
    assert "Em curso" not in row
    assert "Discontinued series" in _text(ACV.alarm_rows(data.alarms(alarm_id=SAMPLE_ID_3), "en", {
        "area": None, "levels": [], "region": None, "statuses": []}))
    current = _text(ACV.alarm_rows(data.alarms(alarm_id=SAMPLE_ID), "pt", {"area": None, "levels": [],
                                                                             "region": None, "statuses": []}))
    assert "Série terminada" not in current and "Em curso desde 2018" in current
    out = _text(page.layout())
    assert "Histórico" in out and "Ativos" in out and "Todos" in out
    assert "History" in _text(page.layout(lang="en"))
