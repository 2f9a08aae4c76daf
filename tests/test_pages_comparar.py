"""The Comparar page: up to 10 territories side by side; layout and callback as plain functions."""
from __future__ import annotations

import json

import pytest

from web import compare_view as CV


@pytest.fixture(scope="module")
def page(built):
    import app  # noqa: F401  (registers the pages)
    import pages.comparar as m
    return m


def _text(component) -> str:
    from plotly.utils import PlotlyJSONEncoder
    return json.dumps(json.loads(json.dumps(component, cls=PlotlyJSONEncoder)), ensure_ascii=False)


def _status(component):
    return component.to_plotly_json()["props"].get("data-status") if hasattr(component, "to_plotly_json") else None


def test_two_municipalities_side_by_side(page, built):
    out = page.layout(t="1106,1312")
    txt = _text(out)
    assert _status(out) is None
    assert "Lisboa" in txt and "Porto" in txt and "Portugal" in txt          # Portugal as the reference
    assert '"/municipio/1106"' in txt and '"/municipio/1312"' in txt
    n = len(CV.default_indicators())
    assert txt.count('"obs-compare-chart"') == n                              # one chart per indicator
    assert txt.count('"type": "Details"') == n + 1       # each chart has a table alternative (+ the picker)


def test_chart_lines_differ_by_more_than_colour(page, built):
    from serving import data
    ind = data.indicators().iloc[0].to_dict()
    ser = data.series(["1106", "1312", "PT"], [ind["indicator_id"]])
    section = CV.indicator_chart(ind, ["1106", "1312"], ser, {"1106": "Lisboa", "1312": "Porto", "PT": "Portugal"},
                                   "pt")
    fig = next(c.figure for c in section.children if getattr(c, "figure", None) is not None)
    symbols = [tr.marker.symbol for tr in fig.data]
    dashes = [tr.line.dash for tr in fig.data]
    assert len(set(symbols)) == len(fig.data) and len(set(dashes)) == len(fig.data)
    summary = section.children[1].children
    assert summary.startswith(ind["title_pt"]) and "mais alto em" in summary and summary.endswith(".")


def test_regions_and_municipalities_mix(page, built):
    txt = _text(page.layout(t="PT111,1601,PT", lang="en"))
    assert "Alto Minho" in txt and "Arcos de Valdevez" in txt
    assert '"/regiao/PT111?lang=en"' in txt and "Latest available value" in txt


def test_no_territories_asks_for_a_choice(page, built):
    assert "Escolha pelo menos um território" in _text(page.layout())
    assert "Choose at least one territory" in _text(page.layout(lang="en"))


def test_update_callback_keeps_at_most_ten_and_writes_the_url(page, built):
    ids = [f"{x:04d}" for x in (101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112)]
    from serving import data
    ind = data.indicators().iloc[0]["indicator_id"]
    content, search, chips = page.update(ids, [ind], "pt")
    assert len(chips) == 10
    assert search == f"?t={','.join(ids[:10])}&i={ind}"
    assert "Águeda" in _text(content)
    content, search, chips = page.update([], CV.default_indicators(), "en")
    assert search == "?lang=en" and chips == []


def test_add_and_remove_territories(page, built):
    tids, msg = CV.add_territory([], "lisboa", "pt")                 # any case, accents optional
    assert tids == ["1106"] and msg == "Lisboa adicionado."
    tids, msg = CV.add_territory(tids, "Alto Minho — NUTS III", "pt")  # a datalist label
    assert tids == ["1106", "PT111"]
    assert CV.add_territory(tids, "Lisboa", "pt") == (tids, "Lisboa já está na comparação.")
    assert CV.add_territory(tids, "zzzz", "pt")[0] == tids
    full = [f"{x:04d}" for x in range(101, 111)]
    assert CV.add_territory(full, "Porto", "pt")[0] == full
    assert CV.add_territory(tids, "", "pt") == (tids, "")


@pytest.mark.parametrize("params", [
    {"t": ",".join(f"{x:04d}" for x in range(101, 112))},   # 11 territories
    {"t": "1106,9999"},
    {"t": "1106", "i": "nao_existe"},
])
def test_bad_input_gives_a_400_page(page, built, params):
    out = page.layout(**params)
    assert _status(out) == "400"
    assert page.http_status(**params) == 400


def test_permalink_state(page, built):
    assert page.http_status(t="1106,1312") == 200
    out = page.layout(t="1106,pt111")                     # codes are normalised
    assert _status(out) is None
    store = [c for c in _iter(out) if getattr(c, "id", None) == page.ids.CHOSEN][0]
    assert store.data == ["1106", "PT111"]


def _iter(component):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for c in children:
            if c is not None and not isinstance(c, str):
                yield from _iter(c)
    elif children is not None and not isinstance(children, str):
        yield from _iter(children)
