"""Time axes: periods are categories of their periodicity, never a datetime axis (issue 8 item 6).

Every one of the registry's indicators is drawn as the Indicador page draws it, in both languages: no
date axis, no millisecond or month ticks, no period repeated in the summary, one period shown as a
value (bars), and an indicator without a national value says in words why its chart is empty.
"""
from __future__ import annotations

import re

import pytest

from core.periods import axis_label


@pytest.fixture(scope="module")
def series(built):
    import app  # noqa: F401  (registers the pages)
    from serving import data
    from web import indicator_view as IV
    from pages import indicador
    out = {}
    for iid in data.indicators()["indicator_id"]:
        for lang in ("pt", "en"):
            v = IV.resolve(iid, lang)
            fig, summary, _ = indicador.series_block(v)
            out[(iid, lang)] = (v, fig, summary, data.periods(iid))
    return out


def test_axis_labels_of_every_period_shape():
    assert [axis_label(p) for p in ("2021", "2025-Q4", "2024-W09", "2011/2021")] == \
        ["2021", "2025T4", "2024-S09", "2011–2021"]
    assert [axis_label(p, "en") for p in ("2025-Q4", "2024-W09", "2020-11-11")] == ["2025Q4", "2024-W09", "11 Nov 2020"]
    assert axis_label("2020-11-11") == "11/11/2020"
    assert axis_label("2024-01-01/2024-02-28") == "jan.–fev. 2024"
    assert axis_label("not a period") == "not a period"


def test_all_indicators_are_drawn(series):
    from serving import data
    assert len(series) == 2 * len(data.indicators()) >= 2 * 30


def test_no_datetime_axis_anywhere(series):
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]|$)")
    for (iid, lang), (v, fig, _, periods) in series.items():
        lay = fig["layout"]
        for ax in [k for k in lay if k.startswith("xaxis")]:
            assert lay[ax].get("type") != "date", f"{iid} ({lang}) has a date axis"
        for tr in fig["data"]:
            xs = [x for x in (tr.get("x") if tr.get("orientation") != "h" else tr.get("y")) or []]
            assert all(isinstance(x, str) for x in xs), f"{iid} ({lang}): x values {xs[:3]} are not period labels"
            assert not any(iso.match(x) for x in xs), f"{iid} ({lang}): dates on the axis: {xs[:3]}"
        if lay.get("xaxis", {}).get("type") == "category":
            cats = lay["xaxis"]["categoryarray"]
            marked = [axis_label(p, lang) + (" (prov.)" if prov else "")
                      for p, prov in zip(periods["period_id"], periods["provisional"])]
            assert cats == marked, f"{iid}: categories out of order"
            assert len(set(cats)) == len(cats), f"{iid}: two periods share a label"


def test_summary_never_repeats_a_period(series):
    for (iid, lang), (v, fig, summary, periods) in series.items():
        from web import indicator_view as IV
        labels = periods["label_en" if lang == "en" else "label_pt"].tolist()
        said = summary.replace(IV.title(v), "")  # a title may name a year ("Censos 2021")
        for lab in labels:
            n = len(re.findall(rf"(?<![\w-]){re.escape(lab)}(?![\w-])", said))
            assert n <= 1, f"{iid} ({lang}): {summary!r} names {lab} {n} times"


def test_one_period_is_a_value_not_a_line(series):
    seen = 0
    for (iid, lang), (v, fig, summary, periods) in series.items():
        if len(periods) != 1 or fig["layout"].get("meta", {}).get("empty"):
            continue
        seen += 1
        assert [tr["type"] for tr in fig["data"]] == ["bar"], f"{iid}: one period drawn as {fig['data']}"
        assert fig["data"][0]["text"], f"{iid}: the bar carries no value"
        big = fig["layout"]["annotations"][0]["text"]
        assert big.startswith("<b>") and fig["data"][0]["text"][-1] in big
        assert ("um só período" if lang == "pt" else "a single period") in summary
    assert seen >= 10  # census indicators, debt 2024, contracts jan.–fev. 2024


def test_no_national_value_says_why(series):
    seen = 0
    for (iid, lang), (v, fig, summary, periods) in series.items():
        if fig["data"]:
            continue
        seen += 1
        text = fig["layout"]["annotations"][0]["text"].replace("<br>", " ")
        assert text == summary and ("não tem valor nacional" if lang == "pt" else "has no national value") in text
        assert fig["layout"]["xaxis"]["visible"] is False  # no empty 2000 axis
    assert seen >= 6  # air quality (3), contracts (2), municipal debt, payment periods


def test_no_national_value_draws_the_selected_territories(built):
    import app  # noqa: F401
    from web import indicator_view as IV
    from pages import indicador
    v = IV.resolve("prazo_medio_pagamentos", "pt", territories="1106")
    fig, summary, _ = indicador.series_block(v)
    assert [tr["name"] for tr in fig["data"]] == ["Lisboa"]
    assert fig["layout"]["xaxis"]["categoryarray"][-1] == "2025T4"
    assert summary.startswith("Prazo médio de pagamentos a fornecedores em Lisboa:")


def test_weekly_axis_has_few_readable_ticks(series):
    v, fig, summary, periods = series[("obitos_semanais", "pt")]
    ax = fig["layout"]["xaxis"]
    assert ax["type"] == "category" and len(ax["categoryarray"]) > 500 and len(ax["tickvals"]) <= 6
    assert ax["tickvals"][0] == "2014-S01" and ax["ticktext"][0] == "2014"
    assert ax["categoryarray"][-1] == "2024-S09 (prov.)"   # the partial last week says so
    assert series[("obitos_semanais", "en")][1]["layout"]["xaxis"]["categoryarray"][-1] == "2024-W09 (prov.)"
    assert series[("preco_mediano_venda", "en")][1]["layout"]["xaxis"]["categoryarray"][-1] == "2025Q4"


def test_a_partial_year_never_passes_for_an_annual_figure(built):
    """NO₂ 2022 is an April extract (SOURCES.md): the map opens on the last complete year, and 2022,
    when chosen, is labelled provisional in the period list, the map summary and the series axis."""
    import app  # noqa: F401
    from serving import data
    from web import indicator_view as IV
    v = IV.resolve("no2_media_anual", "pt")
    per = data.periods("no2_media_anual")
    assert bool(per.set_index("period_id").loc["2022", "provisional"]) is True
    assert v.period == "2021"
    opts = {o["value"]: o["label"] for o in IV.period_options(v)}
    assert opts["2022"].endswith("provisório") and opts["2021"] == "2021"
    v22 = IV.resolve("no2_media_anual", "pt", period="2022")
    assert IV.period_label(v22) == "2022 (valor provisório — ano incompleto)"
    assert "2022 (valor provisório — ano incompleto)" in IV.map_summary(v22, IV.map_frame(v22))
    en = IV.resolve("no2_media_anual", "en", period="2022")
    assert IV.period_label(en) == "2022 (provisional value — incomplete year)"
