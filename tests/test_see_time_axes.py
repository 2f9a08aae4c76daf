"""Time axes as a person sees them (issue 8 item 6): period labels of the indicator's periodicity on the
axis, never "Jan/Jul", a time of day or a year 2000 axis; one period as a value; no national value said
in words. One annual, one weekly, one quarterly, one single-period and one no-national-value indicator,
on a 375 px phone and at 1280 px."""
from __future__ import annotations

import re

import pytest

from tests import see

pytestmark = pytest.mark.browser

BAD_TICK = re.compile(r"Jan|Feb|Jul|Dec|jan|jul|:|\.\d{3}|2000$")


def ticks(d) -> list[str]:
    return d.execute_script("return [...document.querySelectorAll('#ind-series .xtick text')].map(e => e.textContent)")


def open_series(d, url: str):
    see.open(d, url)
    el = see.visible(d, "#ind-series", min_height=150)
    d.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", el)
    see.settle(d)
    return el


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("iid,expect_ticks,summary", [
    ("indice_envelhecimento", ["2001", "2020"], "Índice de envelhecimento em Portugal: 101,6 em 2001 e 165,1 em 2020."),
    ("obitos_semanais", ["2014", "2016", "2024"], "em semana 1, 2014 e"),
    ("preco_mediano_venda", ["2019T4", "2025T4"], "em 4.º trim. 2019 e"),
])
def test_periods_are_categories_of_their_periodicity(request, live_url, device, iid, expect_ticks, summary):
    d = request.getfixturevalue(device)
    open_series(d, f"{live_url}/indicador/{iid}")
    seen = see.until(lambda: ticks(d), msg="tick labels")
    assert not [x for x in seen if BAD_TICK.search(x)], f"{iid}: ticks {seen}"
    for x in expect_ticks:
        assert x in seen, f"{iid}: {x} not among the ticks {seen}"
    axis = d.execute_script("return document.querySelector('#ind-series .js-plotly-plot')._fullLayout.xaxis.type")
    assert axis == "category", f"{iid}: a {axis} axis"   # hover labels read 2024-S09, not a date and time
    see.painted(d, "#ind-series")
    see.text(d, "#ind-series-summary", summary)
    see.fits(d)
    if device == "phone":
        see.shot(d, f"time-axis-{iid}")


def test_one_period_shows_a_value_not_a_line(phone, live_url):
    open_series(phone, f"{live_url}/indicador/divida_pct_limite?territories=1106,0101")
    big = see.text(phone, "#ind-series .annotation-text", "Portugal, 2024")
    assert "25,0" in big.text
    bars = phone.find_elements("css selector", "#ind-series .barlayer .point")
    assert len(bars) == 3 and not phone.find_elements("css selector", "#ind-series .scatterlayer .js-line")
    labels = phone.execute_script("return [...document.querySelectorAll('#ind-series .bartext')].map(e => e.textContent)")
    labels = " ".join(labels).replace("\u00a0", " ")
    assert "25,0 %" in labels and "26,2 %" in labels
    see.text(phone, "#ind-series-summary", "25,0 % em 2024 (um só período)")
    assert "2024 e" not in phone.find_element("css selector", "#ind-series-summary").text
    see.painted(phone, "#ind-series")
    see.fits(phone)
    see.shot(phone, "time-axis-one-period")


def test_no_national_value_says_why_then_draws_the_chosen_territories(phone, live_url):
    open_series(phone, f"{live_url}/indicador/prazo_medio_pagamentos")
    msg = see.text(phone, "#ind-series .annotation-text", "não tem valor nacional")
    assert "Escolha territórios" in msg.text and not ticks(phone)
    see.text(phone, "#ind-series-summary", "não tem valor nacional")
    see.fits(phone)
    see.shot(phone, "time-axis-no-national")
    open_series(phone, f"{live_url}/indicador/prazo_medio_pagamentos?territories=1106")
    seen = see.until(lambda: ticks(phone), msg="tick labels")
    assert seen[-1] == "2025T4" and not [x for x in seen if BAD_TICK.search(x)]
    see.text(phone, "#ind-series-summary", "Prazo médio de pagamentos a fornecedores em Lisboa:")
    see.painted(phone, "#ind-series")
    see.fits(phone)


def test_english_labels(desktop, live_url):
    open_series(desktop, f"{live_url}/indicador/preco_mediano_venda?lang=en")
    assert "2025Q4" in see.until(lambda: ticks(desktop), msg="tick labels")
    open_series(desktop, f"{live_url}/indicador/obitos_semanais?lang=en")
    hover = desktop.execute_script(
        "var gd = document.querySelector('#ind-series .js-plotly-plot'); return gd.data[0].x.slice(-1)[0]")
    assert hover == "2024-W09 (prov.)"   # the partial last week is marked
