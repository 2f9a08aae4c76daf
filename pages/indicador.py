"""Indicador: map (municipalities, NUTS III, NUTS II or tile map) with legend and classification,
time series, ranking, distribution, metadata and downloads. The URL holds the whole view."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from serving import data
from web import share, ui
from web import figures as F
from web import indicator_view as IV
from web import surveillance_view as SV

from web import targets_view as TV   # issue 11
from pages import embed as embed_page
from core.i18n import area_label, column, lang_of, level_label, pick, request_lang, t

# -- component ids ---------------------------------------------------------------------------
PAGE = "ind-page"                 # Store: the page's language (fixed for the page's life)
INDICATOR = "ind-indicator"
TITLE = "ind-title"
DESCRIPTION = "ind-description"
METADATA = "ind-metadata"
PERIOD = "ind-period"
LEVEL = "ind-level"
CLASSIFICATION = "ind-classification"
VIEW = "ind-view"
MAP = "ind-map"
MAP_KEY = "ind-map-key"           # Store: which layer the map currently draws
LEGEND = "ind-legend"
MAP_SUMMARY = "ind-map-summary"
MAP_NOTE = "ind-map-note"
TABS = "ind-tabs"                 # Store: the open tab (the tab bar below is a WAI-ARIA tablist)
TABLIST = "ind-tablist"
TAB = {tab: f"ind-tab-{tab}" for tab in IV.TABS}          # the tab buttons
PANEL = {tab: f"ind-panel-{tab}" for tab in IV.TABS}      # their panels
DEFAULTS = "ind-defaults"         # Store: the indicator's defaults the URL leaves out (classification)
MAP_WRAP = "ind-map-wrap"
PICK = "ind-pick"                 # the panel a click on the map opens: open the territory's page or add it to the series
PICK_ID = "ind-pick-id"           # Store: the clicked territory
PICK_TITLE = "ind-pick-title"
PICK_OPEN = "ind-pick-open"
PICK_ADD = "ind-pick-add"
PICK_CLOSE = "ind-pick-close"
RANK_SORT = "ind-rank-sort"       # Store: {"key": pos|territory|value, "desc": bool}
RANK_SORT_BTN = {key: f"ind-rank-sort-{key}" for key in IV.RANK_SORTS}
SERIES_SELECT = "ind-series-select"
SERIES = "ind-series"
SERIES_SUMMARY = "ind-series-summary"
SERIES_TABLE = "ind-series-table"
RANKING = "ind-ranking"
DIST = "ind-dist"
DIST_SUMMARY = "ind-dist-summary"
DOWNLOADS = "ind-downloads"
URL_SINK = "ind-url-sink"


def _title(indicator_id: str | None = None, **_):
    lang = request_lang()
    ind = data.indicator(indicator_id or "") if indicator_id else None
    return t("site.page_title", lang, page=ind[column("title", lang)] if ind else t("page.indicador", lang))


dash.register_page(__name__, path_template="/indicador/<indicator_id>", title=_title, name="Indicador")
ui.status_check("/indicador/<indicator_id>")(IV.status)


# -- layout ----------------------------------------------------------------------------------

def problem_layout(p: IV.Problem, lang: str):
    if p.status == 404:
        links = html.Ul([html.Li(dcc.Link(name, href=ui.indicator_href(i, lang))) for i, name in p.valid_indicators])
        return ui.error_layout(404, lang, t("err.404.title", lang), p.messages,
                               [html.P(t("err.known.indicators", lang)), links])
    return ui.error_layout(400, lang, t("err.400.title", lang), [t("err.400.body", lang)],
                           [html.Ul([html.Li(m) for m in p.messages])])


def period_options(v: IV.View):
    return IV.period_options(v)


def level_options(v: IV.View) -> list[dict]:
    return [{"label": level_label(lv, v.lang, plural=True), "value": lv} for lv in IV.indicator_levels(v.ind)]


def indicator_options(lang: str) -> list[dict]:
    """Every indicator, in Portuguese alphabetical order (Í within I); typing filters, accents optional."""
    inds = data.indicators()
    col = column("title", lang)
    rows = sorted(((r[col], r["indicator_id"]) for _, r in inds.iterrows()), key=lambda x: IV.collate_key(x[0]))
    return [{"label": title, "value": iid, "search": f"{title} {IV.collate_key(title)[0]}"} for title, iid in rows]


def controls(v: IV.View):
    lang = v.lang
    return html.Div([
        html.Div([
            dbc.Label(t("ind.title", lang), html_for=INDICATOR, className="form-label"),
            # a combobox, not a native <select>: arrow keys move through the list and only Enter (or a
            # click) switches the indicator, so the keyboard does not reload the page at each step
            dcc.Dropdown(id=INDICATOR, value=v.indicator_id, options=indicator_options(lang), clearable=False,
                         searchable=True, className="indicator-select"),
        ], className="mb-3"),
        html.Div([
            dbc.Label(t("ind.period", lang), html_for=PERIOD, className="form-label"),
            dbc.Select(id=PERIOD, value=v.period, options=period_options(v)),
        ], className="mb-3"),
        html.Fieldset([
            html.Legend(t("ind.level", lang), className="form-label"),
            dbc.RadioItems(id=LEVEL, name=LEVEL, value=v.level, options=level_options(v)),
        ]),
        html.Div([
            dbc.Label(t("ind.classification", lang), html_for=CLASSIFICATION, className="form-label"),
            dbc.Select(id=CLASSIFICATION, value=v.classification,
                       options=[{"label": t(f"class.{c}", lang), "value": c} for c in F.CLASSIFICATIONS]),
        ], className="mb-3"),
        html.Fieldset([
            html.Legend(t("ind.view", lang), className="form-label"),
            dbc.RadioItems(id=VIEW, name=VIEW, value=v.view, options=[{"label": t(f"view.{x}", lang), "value": x} for x in F.VIEWS]),
        ]),
    ], className="controls", role="group", **{"aria-label": t("ind.controls", lang)})


def swatch(colour: str, nodata: bool = False) -> html.Span:
    """The map's colour of a row (hatched for no data, as on the map and in the legend)."""
    return html.Span(className="swatch swatch--nodata" if nodata else "swatch",
                     style={"backgroundColor": colour}, **{"aria-hidden": "true"})


def ranking_table(v: IV.View, bundle: dict, sort: dict | None = None):
    """The map's text alternative: every territory with its position, value and map class; the
    territory links to its page; the column headers sort (aria-sort says how)."""
    key = (sort or {}).get("key") if (sort or {}).get("key") in IV.RANK_SORTS else "pos"
    desc = bool((sort or {}).get("desc", False))
    rows = IV.ranking_rows(v, bundle, sort=key, desc=desc, with_unit=False)
    lang = v.lang
    caption = t("rank.caption.sorted", lang, title=IV.title(v), period=IV.period_label(v),
                levels=level_label(v.level, lang, plural=True),
                order=t(f"rank.sorted.{key}.{'desc' if desc else 'asc'}", lang))

    def head(col, label, numeric=False):
        cls = "num" if numeric else None
        if col not in IV.RANK_SORTS:
            return html.Th(label, scope="col", className=cls)
        on = col == key
        arrow = ("▼" if desc else "▲") if on else "↕"
        return html.Th(html.Button([label, html.Span(f" {arrow}", className="sort-arrow", **{"aria-hidden": "true"})],
                                   id=RANK_SORT_BTN[col], type="button", n_clicks=0, className="sort-button",
                                   title=t("rank.sort", lang, column=label)),
                       scope="col", className=cls,
                       **({"aria-sort": "descending" if desc else "ascending"} if on else {}))
    body = [html.Tr([
        html.Td(r["pos"], className="num"),
        html.Th(dcc.Link(r["territory"], href=ui.territory_href(r["id"], lang)), scope="row"),
        html.Td(r["value"], className="num"),
        html.Td([swatch(r["colour"], r["nodata"]), r["cls"]], className="cls"),
    ], className="row-nodata" if r["nodata"] else None) for r in rows]
    tbl = dbc.Table([html.Caption(caption),
                     html.Thead(html.Tr([head("pos", t("rank.pos", lang), True),
                                         head("territory", t("rank.territory", lang)),
                                         head("value", t("rank.value", lang) + (f" ({IV.unit(v)})" if IV.unit(v) else ""),
                                              True),
                                         head("cls", t("rank.class", lang))])),
                     html.Tbody(body)], className="table-sm obs-table ranking-table mb-0", striped=True)
    return html.Div(tbl, className="obs-scroll obs-scroll--tall", tabIndex=0, role="region",
                    **{"aria-label": caption, "data-scroll-x": "true"})


def distribution(v: IV.View, bundle: dict):
    nat = IV.national_value(v)
    fig = F.distribution_figure(bundle["frame"]["value"], nat, decimals=IV.decimals(v), unit=IV.unit(v), lang=v.lang,
                                export=IV.export_distribution(v))
    return fig, IV.distribution_summary(v, bundle["frame"], nat)


def series_block(v: IV.View, territories=None):
    df = IV.series_frame(v, territories)
    names = IV.territory_names(set(df["territory_id"]) | {"PT"})
    fig = F.series_figure(df, names, decimals=IV.decimals(v), unit=IV.unit(v), lang=v.lang,
                          periods=data.periods(v.indicator_id), empty_text=IV.series_empty_text(v),
                          export=IV.export_series(v, df, names))
    fig = TV.add_target_lines(fig, v.indicator_id, v.lang)   # issue 11: the targets as lines
    cols, rows = IV.series_table_rows(v, df, names)
    table = html.Details([html.Summary(t("series.table", v.lang)),
                          ui.table(cols, rows, t("series.caption", v.lang, title=IV.title(v)),
                                   numeric={c for c, _ in cols if c != "period"}, row_header="period")],
                         className="obs-table-alt")
    return fig, IV.series_summary(v, df), table


def downloads(v: IV.View):
    """Files, API, the view's link (copied with one click) and the embed codes (absolute URLs)."""
    lang = v.lang
    base = f"/download/indicador/{v.indicator_id}"
    q = {"level": v.level, "period": v.period}
    if v.territories:
        q["territories"] = ",".join(v.territories)
    qs = urlencode(q, safe=",")
    permalink = share.absolute(ui.indicator_href(v.indicator_id, lang, **v.query()))

    def embed_item(view: str):
        code = embed_page.snippet(v, view)
        label = t(f"dl.embed.code_{view}", lang)
        return html.Li([
            html.A(t("dl.embed", lang) if view == "map" else t("dl.embed_chart", lang), href=embed_page.src(v, view)),
            html.Pre(html.Code(code), className="embed-code", tabIndex=0, role="region", **{"aria-label": label}),
            html.Div([html.Button(t("dl.embed.copy", lang), type="button", className="btn btn-sm btn-outline-primary",
                                  **{"data-copy-link": "text", "data-text": code, "data-done": t("dl.embed.copied", lang),
                                     "data-fallback": t("share.select", lang)}),
                      html.Textarea(readOnly=True, rows=2, className="form-control form-control-sm share-url",
                                 hidden=True, tabIndex=-1, **{"aria-label": label}),
                      html.Span(className="visually-hidden share-status", role="status", **{"aria-live": "polite"})],
                     className="chart-tools"),
        ])
    return html.Div([
        html.P([html.A(t("dl.permalink", lang), href=permalink)], className="mb-1"),
        share.view_link(lang),
        html.Ul([
            html.Li(html.A(t("dl.filtered", lang), href=f"{base}.csv?dialect=tidy&{qs}")),
            html.Li(html.A(t("dl.filtered_excel", lang), href=f"{base}.csv?dialect=excel&{qs}")),
            html.Li(html.A(t("dl.all", lang), href=f"{base}.csv")),
            html.Li(html.A(t("dl.zip", lang), href=f"{base}.zip?{qs}")),
            html.Li(html.A(t("dl.api", lang, id=v.indicator_id), href=f"/api/v1/indicators/{v.indicator_id}")),
        ]),
        html.P(t("dl.embed.howto", lang), className="small text-muted mb-1"),
        html.Ul([embed_item("map"), embed_item("chart")], className="embed-list"),
    ], id=DOWNLOADS)


def description(v: IV.View):
    return [pick(v.meta.get("description"), v.lang), " ", html.Span(f"({IV.unit_long(v)})", className="text-muted")]


def metadata_block(v: IV.View):
    lang, m = v.lang, v.meta
    rows = [
        (t("meta.description", lang), pick(m.get("description"), lang)),
        (t("meta.unit", lang), IV.unit_long(v)),
        (t("meta.area", lang), area_label(v.ind.get("area") or "", lang)),
        (t("meta.polarity", lang), t(f"polarity.{m.get('polarity', 'neutral')}", lang)),
        (t("meta.aggregation", lang), t(f"agg.{m.get('aggregation', 'none')}", lang)),
    ]
    out = [html.Dl(sum([[html.Dt(k), html.Dd(val)] for k, val in rows], []), className="row-cols-1")]
    sources = m.get("sources") or []
    out.append(html.H3(t("meta.sources", lang)))
    out.append(html.Ul([html.Li([html.A(s["producer"], href=s["url"]) if s.get("url") else s["producer"],
                                 f" — {t('meta.licence', lang)}: {src_text(s, 'licence', lang)}",
                                 f" ({src_text(s, 'note', lang)})" if s.get("note") else ""]) for s in sources]))
    if m.get("caveats"):
        out += [html.H3(t("meta.caveats", lang)), html.Ul([html.Li(pick(c, lang)) for c in m["caveats"]])]
    if m.get("thresholds"):
        out += [html.H3(t("meta.thresholds", lang)),
                html.Ul([html.Li([html.Strong(t(f"alarm.{th['level']}", lang) + ": "), pick(th.get("reason"), lang)])
                         for th in m["thresholds"]])]
    out += TV.metadata_targets(v.indicator_id, lang)   # issue 11: targets from indicators/targets/
    return html.Div(out)


def tab_bar(v: IV.View) -> html.Div:
    """WAI-ARIA tabs: one tab stop (roving tabindex), arrow keys / Home / End move and open
    (assets/tabs.js), aria-selected and aria-controls kept by a clientside callback."""
    return html.Div([
        html.Button(t(f"tab.{tab}", v.lang), id=TAB[tab], type="button", role="tab", n_clicks=0,
                    tabIndex=0 if tab == v.tab else -1,
                    className="obs-tab obs-tab--selected" if tab == v.tab else "obs-tab",
                    **{"aria-selected": "true" if tab == v.tab else "false", "aria-controls": PANEL[tab]})
        for tab in IV.TABS], id=TABLIST, role="tablist", className="obs-tabs",
        **{"aria-label": t("tabs.label", v.lang)})


def tab_panel(v: IV.View, tab: str, children) -> html.Div:
    return html.Div(children, id=PANEL[tab], role="tabpanel", tabIndex=0, hidden=tab != v.tab,
                    className="obs-tabpanel", **{"aria-labelledby": TAB[tab]})


def pick_panel(lang: str) -> html.Div:
    """What a click on the map offers: open the territory's page, or add it to the time series."""
    return html.Div([
        html.Button("×", id=PICK_CLOSE, type="button", n_clicks=0, className="pick-close",
                    title=t("pick.close", lang), **{"aria-label": t("pick.close", lang)}),
        html.P(id=PICK_TITLE, className="pick-title"),
        html.Div([
            dcc.Link(t("pick.open", lang, name=""), id=PICK_OPEN, href="/", className="pick-open"),
            html.Button(t("pick.add", lang), id=PICK_ADD, type="button", n_clicks=0,
                        className="btn btn-sm btn-outline-primary pick-add"),
        ], className="pick-actions"),
    ], id=PICK, className="map-pick", hidden=True, tabIndex=-1, role="group",
        **{"aria-labelledby": PICK_TITLE, "data-escape": PICK_CLOSE})


def map_wrap_class(layer: dict | str | None) -> str:
    """The map box takes the shape of what it draws: the country with its island column, or the
    taller tile map (assets/30-views.css)."""
    name = layer.get("name") if isinstance(layer, dict) else layer
    return "map-wrap map-wrap--tiles" if str(name or "").startswith("tiles") else "map-wrap"


def src_text(s: dict, key: str, lang: str) -> str:
    """A source's licence or note in the language (registry `licence_en`/`note_en`, else as declared)."""
    return pick({"pt": s.get(key) or "", "en": s.get(f"{key}_en")}, lang)


def layout(indicator_id: str | None = None, lang: str | None = None, **q):
    lang = lang_of(lang if isinstance(lang, str) else None)
    try:
        v = IV.resolve(indicator_id, lang, **{k: q.get(k) for k in IV.PARAMS if k != "lang"})
    except data.NoDatabase:
        return ui.error_layout(503, lang, t("nodb", lang), [])
    if isinstance(v, IV.Problem):
        return problem_layout(v, lang)
    bundle = IV.map_bundle(v)
    fig = F.map_figure(bundle["md"], bundle["layer"], lang=lang, export=bundle["export"])
    # only the open tab is computed; the others fill in when opened (smaller, faster first load)
    ranking_now = ranking_table(v, bundle) if v.tab == "ranking" else None
    dist_fig, dist_text = distribution(v, bundle) if v.tab == "distribuicao" else ({}, "")
    series_fig, series_text, series_table = series_block(v)
    ter = data.territories(["municipio", "nuts3", "nuts2", "nuts1"])
    series_options = [{"label": r["name_unique"], "value": r["territory_id"],
                       "search": f"{r['name_unique']} {r['name_search']}"} for _, r in ter.iterrows()]
    title = IV.title(v)
    return html.Div([
        dcc.Store(id=PAGE, data={"lang": lang}),
        dcc.Store(id=MAP_KEY, data=bundle["key"]),
        dcc.Store(id=DEFAULTS, data={"classification": IV.default_classification(v)}),
        dcc.Store(id=TABS, data=v.tab),
        dcc.Store(id=PICK_ID),
        dcc.Store(id=RANK_SORT, data={"key": "pos", "desc": False}),
        html.Div(id=URL_SINK, hidden=True),
        html.H1(title, id=TITLE),
        html.P(description(v), className="lead fs-6", id=DESCRIPTION),
        dbc.Row([
            dbc.Col(controls(v), lg=3, md=4),
            dbc.Col([
                html.Figure([
                    html.Div([dcc.Graph(id=MAP, figure=fig, config=F.graph_config("map", lang), className="map-graph"),
                              pick_panel(lang)], className=map_wrap_class(bundle["layer"]), id=MAP_WRAP),
                    share.chart_tools(MAP, lang, label=t("share.chart.map", lang)),
                    html.Figcaption([
                        html.Div(ui.legend(bundle["md"]["legend"], IV.unit_long(v) or title, lang), id=LEGEND),
                        ui.summary(bundle["summary"], id=MAP_SUMMARY),
                        html.P(bundle["note"], id=MAP_NOTE, className="small"),
                        html.P(t("map.table_hint", lang), className="small text-muted mb-0"),
                    ], className="map-caption"),
                ], className="obs-figure map-figure"),
            ], lg=9, md=8),
        ]),
        tab_bar(v),
        tab_panel(v, "serie", [
            html.Div([
                html.Label(t("series.select", lang), htmlFor=SERIES_SELECT, className="form-label mt-3"),
                dcc.Dropdown(id=SERIES_SELECT, options=series_options, value=list(v.territories), multi=True,
                             placeholder=t("search.placeholder", lang)),
            ]),
            # an explicit height: with `responsive` and none, dcc.Graph sets height 100% of an auto-height
            # panel and a chart drawn in (or into) a hidden panel collapses to 0 px (as the map did, §1)
            html.Figure([dcc.Graph(id=SERIES, figure=series_fig, config=F.graph_config("chart", lang),
                                   style={"height": "380px"}),
                         share.chart_tools(SERIES, lang, label=t("share.chart.series", lang), tab="serie"),
                         html.Figcaption(ui.summary(series_text, id=SERIES_SUMMARY))], className="obs-figure"),
            html.Div(series_table, id=SERIES_TABLE),
        ]),
        tab_panel(v, "ranking", html.Div(ranking_now, id=RANKING, className="mt-3")),
        tab_panel(v, "distribuicao", html.Figure([
            dcc.Graph(id=DIST, figure=dist_fig, config=F.graph_config("chart", lang), style={"height": "320px"}),
            share.chart_tools(DIST, lang, label=t("share.chart.dist", lang), tab="distribuicao"),
            html.Figcaption(ui.summary(dist_text, id=DIST_SUMMARY))], className="obs-figure mt-3")),
        tab_panel(v, "metadados", html.Div(metadata_block(v), className="mt-3", id=METADATA)),
        tab_panel(v, "downloads", html.Div(downloads(v), className="mt-3", id=DOWNLOADS + "-wrap")),
        html.Div(SV.indicator_section(v.indicator_id, lang), id=SV.IND_SECTION),   # excess deaths (issue 13)
    ])


@callback(Output(SV.IND_SECTION, "children"), Input(INDICATOR, "value"), State(PAGE, "data"), prevent_initial_call=True)
def update_surveillance(indicator_id, page):
    """The excess-deaths block follows the chosen indicator (weekly mortality surveillance, issue 13)."""
    return SV.indicator_section(indicator_id, (page or {}).get("lang", "pt"))


# -- callbacks (plain functions, tested directly) ----------------------------------------------

def _view(indicator_id: str, page: dict | None, **changes) -> IV.View | None:
    return IV.view_for(indicator_id, (page or {}).get("lang", "pt"), **changes)


@callback(Output(MAP, "figure"), Output(LEGEND, "children"), Output(MAP_SUMMARY, "children"),
          Output(MAP_NOTE, "children"), Output(MAP_KEY, "data"),
          Output(PERIOD, "options"), Output(PERIOD, "value"), Output(LEVEL, "options"), Output(LEVEL, "value"),
          Output(TITLE, "children"), Output(DESCRIPTION, "children"),
          Output(CLASSIFICATION, "value"), Output(DEFAULTS, "data"), Output(MAP_WRAP, "className"),
          Input(INDICATOR, "value"), Input(PERIOD, "value"), Input(LEVEL, "value"), Input(CLASSIFICATION, "value"),
          Input(VIEW, "value"), State(PAGE, "data"), State(MAP_KEY, "data"), prevent_initial_call=True)
def update_map(indicator_id, period, level, classification, view, page, drawn):
    """A new indicator, period, level, classification or map type.

    While the layer and panels stay the same the map is a Patch (classes, hover texts, colours);
    geometry is never sent (the figure refers to the cached layer URL). The server work is cached.
    A new indicator starts from its own default classification (its official thresholds, if any).
    """
    lang = (page or {}).get("lang", "pt")
    new_indicator = ctx.triggered_id == INDICATOR
    r = IV.map_update(indicator_id, period, level, None if new_indicator else classification, view, lang)
    if r is None:
        raise PreventUpdate
    if r["key"] == drawn:
        fig = F.map_patch(r["md"], r["export"])
    else:
        fig = F.map_figure(r["md"], data.geo_layer(r["layer"]) if r["layer"] else None, lang=lang,
                           export=r["export"])
    desc = [r["description"], " ", html.Span(f"({r['unit_long']})", className="text-muted")]
    return (fig, ui.legend(r["md"]["legend"], r["unit_long"] or r["title"], lang), r["summary"], r["note"], r["key"],
            r["period_options"] if new_indicator else no_update, r["period"] if r["period"] != period else no_update,
            r["level_options"] if new_indicator else no_update, r["level"] if r["level"] != level else no_update,
            r["title"] if new_indicator else no_update, desc if new_indicator else no_update,
            r["classification"] if r["classification"] != classification else no_update,
            {"classification": r["default_classification"]} if new_indicator else no_update,
            map_wrap_class(r["layer"]))


@callback(Output(RANKING, "children"), Output(DIST, "figure"), Output(DIST_SUMMARY, "children"),
          Output(METADATA, "children"),
          Input(INDICATOR, "value"), Input(PERIOD, "value"), Input(LEVEL, "value"), Input(CLASSIFICATION, "value"),
          Input(TABS, "data"), Input(RANK_SORT, "data"), State(PAGE, "data"), prevent_initial_call=True)
def update_details(indicator_id, period, level, classification, tab, sort, page):
    """The open tab's ranking table or distribution chart (and the metadata on a new indicator),
    for the map's indicator, period and level. Closed tabs are filled in when opened."""
    v = _view(indicator_id, page, period=period, level=level, classification=classification)
    if v is None:
        raise PreventUpdate
    meta = metadata_block(v) if ctx.triggered_id == INDICATOR else no_update
    if tab not in ("ranking", "distribuicao"):
        if meta is no_update:
            raise PreventUpdate
        return no_update, no_update, no_update, meta
    b = IV.map_bundle(v)
    if tab == "ranking":
        return ranking_table(v, b, sort), no_update, no_update, meta
    if ctx.triggered_id == RANK_SORT:
        raise PreventUpdate
    fig, text = distribution(v, b)
    return no_update, fig, text, meta


@callback(Output(SERIES, "figure"), Output(SERIES_SUMMARY, "children"), Output(SERIES_TABLE, "children"),
          Input(INDICATOR, "value"), Input(SERIES_SELECT, "value"), State(PAGE, "data"), prevent_initial_call=True)
def update_series(indicator_id, territories, page):
    v = _view(indicator_id, page)
    if v is None:
        raise PreventUpdate
    terr = [x for x in (territories or []) if isinstance(x, str)][:IV.MAX_TERRITORIES]
    fig, text, table = series_block(v, terr)
    return fig, text, table


def clicked_territory(click) -> str | None:
    try:
        tid = click["points"][0]["location"]
    except (TypeError, KeyError, IndexError):
        return None
    return tid if isinstance(tid, str) and tid != "PT" else None


@callback(Output(PICK, "hidden"), Output(PICK_TITLE, "children"), Output(PICK_OPEN, "children"),
          Output(PICK_OPEN, "href"), Output(PICK_ADD, "disabled"), Output(PICK_ID, "data"), Output(MAP, "clickData"),
          Input(MAP, "clickData"), State(SERIES_SELECT, "value"), State(PAGE, "data"), prevent_initial_call=True)
def pick_territory(click, selected, page):
    """A click on the map offers two things, never one silently: open the territory's page, or add
    it to the time series (already there, or the series full: the button is disabled)."""
    tid = clicked_territory(click)
    if tid is None:
        raise PreventUpdate
    lang = (page or {}).get("lang", "pt")
    name = IV.territory_names([tid])[tid]
    point = click["points"][0]
    value = str(point.get("hovertext") or "").split("<br>")[0]
    selected = list(selected or [])
    full = tid in selected or len(selected) >= IV.MAX_TERRITORIES
    # clickData is cleared, so a second click on the same territory opens the panel again
    return (False, [html.Strong(name), f" · {value}" if value else ""], t("pick.open", lang, name=name),
            ui.territory_href(tid, lang), full, tid, None)


@callback(Output(SERIES_SELECT, "value"), Output(TABS, "data", allow_duplicate=True),
          Output(PICK, "hidden", allow_duplicate=True),
          Input(PICK_ADD, "n_clicks"), State(PICK_ID, "data"), State(SERIES_SELECT, "value"),
          prevent_initial_call=True)
def add_clicked(n, tid, selected):
    """"Adicionar à série": the clicked territory joins the time series, whose tab opens."""
    if not n or not tid:
        raise PreventUpdate
    return add_territory(tid, selected), "serie", True


def add_territory(tid: str, selected) -> list[str]:
    selected = list(selected or [])
    if tid in selected or tid == "PT":
        return selected
    return (selected + [tid])[-IV.MAX_TERRITORIES:]


@callback(Output(DOWNLOADS + "-wrap", "children"),
          Input(INDICATOR, "value"), Input(PERIOD, "value"), Input(LEVEL, "value"), Input(CLASSIFICATION, "value"),
          Input(VIEW, "value"), Input(SERIES_SELECT, "value"), Input(TABS, "data"), State(PAGE, "data"),
          prevent_initial_call=True)
def update_downloads(indicator_id, period, level, classification, view, territories, tab, page):
    v = _view(indicator_id, page, period=period, level=level, classification=classification, view=view,
              territories=tuple(territories or ()), tab=tab)
    if v is None:
        raise PreventUpdate
    return downloads(v)


# Tabs: a click (or an arrow key, assets/tabs.js) on a tab opens it ...
clientside_callback(
    """function() {
        var t = (window.dash_clientside.callback_context.triggered || [])[0];
        if (!t || !t.value) { return window.dash_clientside.no_update; }
        return t.prop_id.split('.')[0].replace('ind-tab-', '');
    }""",
    Output(TABS, "data"), *[Input(TAB[tab], "n_clicks") for tab in IV.TABS], prevent_initial_call=True)

# ... and the tab bar and panels follow the open tab (one tab stop: the selected tab)
clientside_callback(
    """function(open) {
        var tabs = %s, out = [];
        tabs.forEach(function (tab) {
            var on = tab === open;
            out.push(on ? 'true' : 'false', on ? 0 : -1, on ? 'obs-tab obs-tab--selected' : 'obs-tab');
        });
        tabs.forEach(function (tab) { out.push(tab !== open); });
        return out;
    }""" % list(IV.TABS),
    *[o for tab in IV.TABS for o in (Output(TAB[tab], "aria-selected"), Output(TAB[tab], "tabIndex"),
                                      Output(TAB[tab], "className"))],
    *[Output(PANEL[tab], "hidden") for tab in IV.TABS],
    Input(TABS, "data"), prevent_initial_call=True)

# The map-click panel: focus moves into it when it opens (screen readers hear it; Escape closes it)
clientside_callback(
    """function(hidden) {
        if (!hidden) { setTimeout(function () { var p = document.getElementById('%s'); if (p) { p.focus(); } }, 0); }
        return window.dash_clientside.no_update;
    }""" % PICK,
    Output(PICK, "title"), Input(PICK, "hidden"), prevent_initial_call=True)

clientside_callback(
    """function(n) { if (!n) { return window.dash_clientside.no_update; } return true; }""",
    Output(PICK, "hidden", allow_duplicate=True), Input(PICK_CLOSE, "n_clicks"), prevent_initial_call=True)

# Ranking sort: a header button sorts by its column; the same button again reverses the order
clientside_callback(
    """function() {
        var t = (window.dash_clientside.callback_context.triggered || [])[0];
        var cur = arguments[arguments.length - 1] || {key: 'pos', desc: false};
        if (!t || !t.value) { return window.dash_clientside.no_update; }
        var key = t.prop_id.split('.')[0].replace('ind-rank-sort-', '');
        var first = %s;
        return key === cur.key ? {key: key, desc: !cur.desc} : {key: key, desc: first[key]};
    }""" % json.dumps(IV.RANK_SORTS),
    Output(RANK_SORT, "data"), *[Input(RANK_SORT_BTN[k], "n_clicks") for k in IV.RANK_SORTS],
    State(RANK_SORT, "data"), prevent_initial_call=True)


# The tab title follows the indicator and the language (register_page titles only know path variables).
clientside_callback(
    """function(title) { if (title) { document.title = title + ' · Observatório'; } return window.dash_clientside.no_update; }""",
    Output(TITLE, "title"), Input(TITLE, "children"))


# The URL follows the view (history.replaceState: no reload, no re-render); the language switch too.
clientside_callback(
    """function(indicator, period, level, classification, view, territories, tab, defaults, page) {
        if (!page || !indicator) { return ''; }
        var q = new URLSearchParams();
        var defClass = (defaults && defaults.classification) || 'quantis';
        if (period) q.set('period', period);
        if (level) q.set('level', level);
        if (classification && classification !== defClass) q.set('classification', classification);
        if (view && view !== 'mapa') q.set('view', view);
        if (territories && territories.length) q.set('territories', territories.join(','));
        if (tab && tab !== 'serie') q.set('tab', tab);
        var base = q.toString().replace(/%2C/g, ',');
        var here = base + (page.lang === 'en' ? (base ? '&' : '') + 'lang=en' : '');
        var path = '/indicador/' + encodeURIComponent(indicator);
        window.history.replaceState(window.history.state, '', path + (here ? '?' + here : ''));
        var other = base + (page.lang === 'en' ? '' : (base ? '&' : '') + 'lang=en');
        var sw = document.getElementById('shell-lang');
        if (sw) { sw.setAttribute('href', path + (other ? '?' + other : '')); }
        return here;
    }""",
    Output(URL_SINK, "children"),
    Input(INDICATOR, "value"), Input(PERIOD, "value"), Input(LEVEL, "value"), Input(CLASSIFICATION, "value"), Input(VIEW, "value"),
    Input(SERIES_SELECT, "value"), Input(TABS, "data"), Input(DEFAULTS, "data"), State(PAGE, "data"),
    prevent_initial_call=True)
