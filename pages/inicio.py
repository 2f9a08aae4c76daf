"""Início: headline indicators (latest value and change), alarms by policy area and level,
a featured map, and how fresh the data are."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from core import fmt, vocabulary
from serving import data
from web import ui
from web import figures as F
from web import indicator_view as IV
from core.i18n import area_label, column, lang_of, level_label, short_unit, t, tn

def _home_title(**_) -> str:
    from core.i18n import request_lang
    lang = request_lang()
    return t("home.page_title", lang, tagline=t("site.tagline", lang).split(" · ")[0])


dash.register_page(__name__, path="/", title=_home_title, name="Início", nav=True, order=0)

HEADLINES = "home-headlines"
ALARMS = "home-alarms"
MAP = "home-map"
FRESH = "home-fresh"
ALARMS_OPEN = "home-alarms-open"
ALARM_LEVELS = tuple(vocabulary.LEVEL_ORDER)


def headline_card(r: pd.Series, lang: str):
    title = r[column("title", lang)]
    d = int(r["decimals"]) if pd.notna(r["decimals"]) else 1
    unit = short_unit(r, lang)
    label = r[column("label", lang)]
    if r["change"] is not None and pd.notna(r["change"]):
        ch = r["change"]
        cls = "change-up" if ch > 0 else "change-down" if ch < 0 else "change-flat"
        prev = r[column("prev_label", lang)]
        cunit = t("unit.pp", lang) if unit == "%" else unit
        change = html.P(t("home.headline.change", lang, change=fmt.change(ch, d, lang) + (f"\u00a0{cunit}" if cunit else ""),
                          period=prev), className=f"kpi-change mb-2 {cls}")
    else:
        change = html.P(t("home.headline.nochange", lang), className="kpi-change mb-2")
    return dbc.Card(dbc.CardBody([
        html.H3(dcc.Link(title, href=ui.indicator_href(r["indicator_id"], lang)), className="card-title"),
        html.P(fmt.value(r["value"], d, unit, lang), className="kpi-value mb-1"),
        html.P(t("home.headline.latest", lang, period=label or "—"), className="mb-1"),
        change,
        html.P(area_label(r["area"], lang), className="small text-muted mb-0"),
    ]), className="kpi-card h-100")


def alarms_block(lang: str) -> list:
    """Active alarms (core.alarm_rules.is_active) by policy area and level, critical first — the areas with
    the most critical alarms first —, with links to the same alarms in the alarm centre."""
    df = data.alarm_counts()
    if not len(df):
        return [html.P(t("home.alarms.none", lang))]
    piv = df.pivot_table(index="area", columns="level", values="n", aggfunc="sum", fill_value=0)
    piv = piv.reindex(columns=list(ALARM_LEVELS), fill_value=0)
    piv["total"] = piv[list(ALARM_LEVELS)].sum(axis=1)
    piv = piv.sort_values([*ALARM_LEVELS, "total"], ascending=False, kind="stable")
    heads = [t(f"alarm.{lv}", lang) for lv in ALARM_LEVELS] + [t("home.alarms.total", lang)]
    head = html.Thead(html.Tr([html.Th(t("home.alarms.area", lang), scope="col")]
                              + [html.Th(h, scope="col", className="num") for h in heads]))
    body = html.Tbody([html.Tr([html.Th(area_label(area, lang), scope="row")]
                               + [html.Td(fmt.number(r[k], 0, lang), className="num", **{"data-label": h})
                                  for k, h in zip((*ALARM_LEVELS, "total"), heads)])
                       for area, r in piv.iterrows()])
    n, c = int(piv["total"].sum()), int(piv["critico"].sum())
    table = dbc.Table([html.Caption(t("home.alarms.caption", lang), className="visually-hidden"), head, body],
                      className="table-sm obs-table mb-2 obs-home-alarm-table", striped=True)
    return [
        html.P(tn("home.alarms.summary", n, lang, n=fmt.number(n, 0, lang), c=fmt.number(c, 0, lang)), className="obs-home-alarm-summary"),
        table,
        html.P([dcc.Link(tn("home.alarms.see_all", n, lang, n=fmt.number(n, 0, lang)), href=ui.href("/alarmes", lang), id=ALARMS_OPEN),
                " · ", dcc.Link(t("home.alarms.see_critical", lang), href=ui.href("/alarmes", lang, nivel="critico"))]),
    ]


def featured_map(lang: str, indicator_id: str):
    v = IV.resolve(indicator_id, lang)
    if isinstance(v, IV.Problem):
        return html.Div()
    b = IV.map_bundle(v)
    fig = F.map_figure(b["md"], b["layer"], lang=lang, height=440, interactive=True)
    rows = IV.ranking_rows(v, b)
    table = html.Details([
        html.Summary(t("home.map.table", lang)),
        ui.table([("pos", t("rank.pos", lang)), ("territory", t("rank.territory", lang)),
                  ("value", t("rank.value", lang))], rows,
                 t("rank.caption", lang, title=IV.title(v), period=IV.period_label(v),
                   levels=level_label(v.level, lang, plural=True)),
                 numeric={"pos", "value"}, scroll=True, row_header="territory"),
    ], className="obs-table-alt")
    return html.Div([
        html.H2(t("home.map", lang, title=IV.title(v))),
        html.Figure([
            html.Div(dcc.Graph(id=MAP, figure=fig, config=F.graph_config("map", lang), className="map-graph"),
                     className="map-wrap"),
            html.Figcaption([ui.legend(b["md"]["legend"], IV.unit_long(v), lang), ui.summary(b["summary"])]),
        ], className="obs-figure"),
        table,
        html.P(dcc.Link(t("home.headline.open", lang) + f": {IV.title(v)}", href=ui.indicator_href(v.indicator_id, lang))),
    ])


def freshness(lang: str):
    info = data.build_info()
    df = data.latest_periods()
    rows = [{"ind": dcc.Link(r[column("title", lang)], href=ui.indicator_href(r["indicator_id"], lang)),
             "period": r[column("label", lang)] or "—"} for _, r in df.iterrows()]
    return html.Div([
        html.H2(t("home.fresh", lang)),
        html.P(t("home.fresh.built", lang, when=fmt.datetime(info.get("finished_at") or info.get("started_at"), lang))),
        ui.table([("ind", t("home.fresh.indicator", lang)), ("period", t("home.fresh.latest", lang))], rows,
                 t("home.fresh.caption", lang), row_header="ind", scroll=True),
    ], id=FRESH)


def layout(lang: str | None = None, **_):
    lang = lang_of(lang if isinstance(lang, str) else None)
    try:
        heads = data.headline_summary()
    except data.NoDatabase:
        return ui.error_layout(503, lang, t("nodb", lang), [])
    if not len(heads):
        cards = html.P(t("home.noindicators", lang))
        featured = html.Div()
    else:
        cards = dbc.Row([dbc.Col(headline_card(r, lang), xs=12, sm=6, lg=4, className="mb-3") for _, r in heads.iterrows()])
        featured = featured_map(lang, heads.iloc[0]["indicator_id"])
    return html.Div([
        html.H1(t("home.h1", lang)),
        html.P(t("home.lead.demo", lang) if data.is_demo() else t("home.lead", lang), className="lead"),
        html.Section([html.H2(t("home.headlines", lang)), cards], id=HEADLINES, **{"aria-label": t("home.headlines", lang)}),
        dbc.Row([
            dbc.Col(featured, lg=7, className="mb-3"),
            dbc.Col([
                html.Section([html.H2(t("home.alarms", lang)), *alarms_block(lang)], id=ALARMS),
                freshness(lang),
            ], lg=5),
        ]),
    ])
