"""Comparar as a person sees it (issue 8, items 9 and 14): the indicator picker's header follows the
choice, the summary names the real highest and lowest latest values, single-period indicators are
sorted bars with their values, and nothing is cut or overlapping on a 375 px phone."""
from __future__ import annotations

import pytest

from tests import see
from web import compare_view as CV

#: JS: every chart's tick labels, legend and axis titles, as boxes relative to the page
_CHART_BOXES = """
var out = [];
document.querySelectorAll('.obs-compare-chart .js-plotly-plot').forEach(function (g, k) {
  var gr = g.getBoundingClientRect();
  function boxes(sel) {
    return Array.from(g.querySelectorAll(sel)).map(function (t) {
      var r = t.getBoundingClientRect();
      return {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, text: t.textContent};
    }).filter(function (b) { return b.w > 0 && b.text; });
  }
  var sb = g.querySelector('.legend .scrollbar');
  out.push({k: k, title: (g.closest('.obs-compare-chart').querySelector('h3') || {}).textContent,
            graph: {l: gr.left, r: gr.right}, x: boxes('.xtick text'), y: boxes('.ytick text').concat(boxes('.y2tick text')),
            titles: boxes('.g-xtitle text, .g-ytitle text, .y2tick text'),
            legend_scroll: sb ? sb.getBoundingClientRect().height : 0,
            types: (g.data || []).map(function (d) { return d.type || 'scatter'; })});
});
return out;
"""


def _overlaps(bs: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(bs):
        for b in bs[i + 1:]:
            if a["l"] < b["r"] - 1 and b["l"] < a["r"] - 1 and a["t"] < b["b"] - 1 and b["t"] < a["b"] - 1:
                out.append((a["text"], b["text"]))
    return out


def _charts_are_readable(driver) -> list[dict]:
    """No tick labels overlap, nothing sticks out of its chart, no legend hides behind a scrollbar."""
    charts = driver.execute_script(_CHART_BOXES)
    assert charts, "no chart on the page"
    for c in charts:
        for axis in ("x", "y"):
            assert not _overlaps(c[axis]), f"{c['title']}: {axis} tick labels overlap: {_overlaps(c[axis])[:3]}"
        for b in c["x"] + c["y"] + c["titles"]:
            assert b["l"] >= c["graph"]["l"] - 1 and b["r"] <= c["graph"]["r"] + 1, (
                f"{c['title']}: label {b['text']!r} is cut at the chart's edge")
        assert c["legend_scroll"] == 0, f"{c['title']}: the legend scrolls inside the chart"
    return charts


def _chart_section(driver, title: str):
    return driver.find_element(
        "xpath", f"//section[contains(@class,'obs-compare-chart')][h3[normalize-space()='{title}']]")


@pytest.fixture(scope="module")
def indicators(built):
    from serving import data
    return data.indicators()


def test_picker_header_follows_the_choice(phone, live_url, indicators):
    from web.compare_view import default_indicators
    n, k = len(default_indicators()), len(indicators)
    see.open(phone, f"{live_url}/comparar?t=1106,1312")
    head = see.text(phone, ".obs-indicator-picker summary", f"{n} de {k} escolhidos")
    head.click()
    box = see.visible(phone, ".obs-indicator-checklist input[type=checkbox]:checked + label")
    phone.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", box)
    box.click()
    see.settle(phone)
    see.text(phone, ".obs-indicator-picker summary", f"{n - 1} de {k} escolhidos")
    assert f"{n} de {k}" not in head.text
    see.fits(phone)


def test_summary_names_the_real_highest_and_lowest(desktop, live_url):
    """Braga's latest PMP is 60 days (Q4 2025); Évora's is 146 days (Q3 2025, none later): Évora is the
    highest latest value and the sentence must say so, with each value's period."""
    see.open(desktop, f"{live_url}/comparar?t=0303,0705&i=prazo_medio_pagamentos")
    s = _chart_section(desktop, "Prazo médio de pagamentos a fornecedores")
    summary = s.find_element("css selector", ".obs-summary")
    assert summary.is_displayed()
    txt = summary.text
    assert "mais alto em Évora (146 dias" in txt, txt
    assert "mais baixo em Braga (60 dias" in txt, txt
    assert "3.º trim. 2025" in txt and "4.º trim. 2025" in txt, txt


def test_summary_function_on_real_data(built):
    import app  # noqa: F401  (registers the pages)
    from serving import data
    from pages import comparar as m
    ind = data.indicator("prazo_medio_pagamentos")
    ser = data.series(["0303", "0705", "1106", "PT"], ["prazo_medio_pagamentos"])
    names = {"0303": "Braga", "0705": "Évora", "1106": "Lisboa"}
    txt = CV.chart_summary(ind, ["0303", "0705", "1106"], ser, names, "en")
    assert "highest in Évora (146\u00a0days, Q3 2025)" in txt and "lowest in Lisboa (5\u00a0days, Q4 2025)" in txt, txt


def test_single_period_indicators_are_sorted_bars_with_values(phone, live_url, indicators):
    see.open(phone, f"{live_url}/comparar?t=1106,1312,0303&i=densidade_populacional,divida_pct_limite")
    for iid in ("densidade_populacional", "divida_pct_limite"):
        sel = f"#comparar-chart-{iid}"
        graph = phone.find_element("css selector", f"{sel} .js-plotly-plot")
        phone.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", graph)
        see.painted(phone, sel, min_height=120)
        title = iid
        bars = phone.execute_script("""
            var g = arguments[0], d = g.data[0];
            return {type: d.type, orientation: d.orientation, y: d.y, x: d.x,
                    text: Array.from(g.querySelectorAll('.y2tick text')).map(function (t) { return t.textContent; })};
        """, graph)
        assert bars["type"] == "bar" and bars["orientation"] == "h", f"{title}: drawn as {bars['type']}"
        # sorted: the highest value on top (Plotly draws the first category at the bottom)
        assert list(bars["x"]) == sorted(bars["x"]), f"{title}: bars not sorted: {bars['x']}"
        assert "Portugal" in bars["y"] and {"Lisboa", "Porto", "Braga"} <= set(bars["y"])
        # every bar shows its value, in pt-PT format
        assert len(bars["text"]) == len(bars["x"]) and all("," in t for t in bars["text"]), bars["text"]
    _charts_are_readable(phone)
    see.fits(phone)


@pytest.mark.parametrize("t", ["1106,1312", "1106,1312,0101,0202,0303,0404,0505,0606,0707,0808"])
def test_compare_fits_a_phone_and_its_charts_are_readable(phone, live_url, t):
    see.open(phone, f"{live_url}/comparar?t={t}")
    table = see.visible(phone, ".obs-compare-table")
    assert table.size["width"] <= 375
    # the table is readable without sideways scrolling: each value carries the territory's name
    labels = phone.execute_script("""
        return Array.from(document.querySelectorAll('.obs-compare-table tbody tr:first-child td')).map(
            function (td) { return getComputedStyle(td, '::before').content; });""")
    assert any("Lisboa" in x for x in labels) and any("Portugal" in x for x in labels), labels
    for cell in phone.find_elements("css selector", ".obs-compare-table td, .obs-compare-table th[scope=row]"):
        b = see.box(phone, cell)
        assert b["left"] >= 0 and b["right"] <= 376, f"cell {b['text']!r} cut at [{b['left']:.0f}..{b['right']:.0f}]"
    see.fits(phone)
    _charts_are_readable(phone)
    see.shot(phone, f"comparar-{len(t.split(','))}")


def test_compare_at_desktop_width(desktop, live_url):
    see.open(desktop, f"{live_url}/comparar?t=1106,1312,0101,0202,0303,0404,0505,0606,0707,0808")
    see.visible(desktop, ".obs-compare-table")
    _charts_are_readable(desktop)
    see.shot(desktop, "comparar-10")
