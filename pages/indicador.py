"""Indicador: map (municipalities, NUTS III, NUTS II or tile map) with legend and classification,
time series, ranking, distribution, metadata and downloads. The URL holds the whole view."""
from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from obs import data, ui
from obs import figures as F
from obs import indicator_view as IV
from obs.i18n import area_label, lang_of, level_label, pick, t

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
TABS = "ind-tabs"
SERIES_SELECT = "ind-series-select"
SERIES = "ind-series"
SERIES_SUMMARY = "ind-series-summary"
SERIES_TABLE = "ind-series-table"
RANKING = "ind-ranking"
DIST = "ind-dist"
DIST_SUMMARY = "ind-dist-summary"
DOWNLOADS = "ind-downloads"
URL_SINK = "ind-url-sink"

GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
                "toImageButtonOptions": {"format": "png", "scale": 2}}
MAP_CONFIG = {**GRAPH_CONFIG, "scrollZoom": False}


def _title(indicator_id: str | None = None, **_):
    ind = data.indicator(indicator_id or "") if indicator_id else None
    return f"{ind['title_pt']} · Observatório" if ind else "Indicador · Observatório"


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
    inds = data.indicators()
    col = "title_en" if lang == "en" else "title_pt"
    return [{"label": r[col], "value": r["indicator_id"]} for _, r in inds.sort_values(col).iterrows()]


def controls(v: IV.View):
    lang = v.lang
    return html.Div([
        html.Div([
            dbc.Label(t("ind.title", lang), html_for=INDICATOR, className="form-label"),
            dbc.Select(id=INDICATOR, value=v.indicator_id, options=indicator_options(lang)),
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


def ranking_table(v: IV.View, bundle: dict):
    rows = IV.ranking_rows(v, bundle)
    lang = v.lang
    caption = t("rank.caption", lang, title=IV.title(v), period=IV.period_label(v),
                levels=level_label(v.level, lang, plural=True))
    return ui.table([("pos", t("rank.pos", lang)), ("territory", t("rank.territory", lang)),
                     ("value", t("rank.value", lang)), ("cls", t("rank.class", lang))],
                    rows, caption, numeric={"pos", "value"}, scroll=True, row_header="territory")


def distribution(v: IV.View, bundle: dict):
    nat = IV.national_value(v)
    fig = F.distribution_figure(bundle["frame"]["value"], nat, decimals=IV.decimals(v), unit=IV.unit(v), lang=v.lang)
    return fig, IV.distribution_summary(v, bundle["frame"], nat)


def series_block(v: IV.View, territories=None):
    df = IV.series_frame(v, territories)
    names = IV.territory_names(set(df["territory_id"]) | {"PT"})
    fig = F.series_figure(df, names, decimals=IV.decimals(v), unit=IV.unit(v), lang=v.lang)
    cols, rows = IV.series_table_rows(v, df, names)
    table = html.Details([html.Summary(t("series.table", v.lang)),
                          ui.table(cols, rows, t("series.caption", v.lang, title=IV.title(v)),
                                   numeric={c for c, _ in cols if c != "period"}, row_header="period")],
                         className="table-alt")
    return fig, IV.series_summary(v, df), table


def downloads(v: IV.View):
    lang = v.lang
    base = f"/download/indicador/{v.indicator_id}"
    q = {"level": v.level, "period": v.period}
    if v.territories:
        q["territories"] = ",".join(v.territories)
    qs = urlencode(q, safe=",")
    permalink = ui.indicator_href(v.indicator_id, lang, **v.query())
    embed_map = ui.href(f"/embed/indicador/{v.indicator_id}", lang, view="map", period=v.period, level=v.level)
    embed_chart = ui.href(f"/embed/indicador/{v.indicator_id}", lang, view="chart",
                          territories=",".join(v.territories) or None)
    return html.Ul([
        html.Li(html.A(t("dl.filtered", lang), href=f"{base}.csv?dialect=tidy&{qs}")),
        html.Li(html.A(t("dl.filtered_excel", lang), href=f"{base}.csv?dialect=excel&{qs}")),
        html.Li(html.A(t("dl.all", lang), href=f"{base}.csv")),
        html.Li(html.A(t("dl.zip", lang), href=f"{base}.zip?{qs}")),
        html.Li(html.A(t("dl.api", lang, id=v.indicator_id), href=f"/api/v1/indicators/{v.indicator_id}")),
        html.Li(html.A(t("dl.permalink", lang), href=permalink)),
        html.Li([html.A(t("dl.embed", lang), href=embed_map), html.Br(),
                 html.Code(f'<iframe src="{embed_map}" width="640" height="640" title="{IV.title(v)}"></iframe>',
                           className="small")]),
        html.Li(html.A(t("dl.embed_chart", lang), href=embed_chart)),
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
    if m.get("targets"):
        out += [html.H3(t("meta.targets", lang)),
                html.Ul([html.Li(f"{tg['value']} — {tg['deadline']} ({tg['source']})") for tg in m["targets"]])]
    return html.Div(out)


def src_text(s: dict, key: str, lang: str) -> str:
    """A source's licence or note in the language (registry `licence_en`/`note_en`, else as declared)."""
    return (s.get(f"{key}_en") if lang == "en" else None) or s.get(key) or ""


def layout(indicator_id: str | None = None, lang: str | None = None, **q):
    lang = lang_of(lang if isinstance(lang, str) else None)
    try:
        v = IV.resolve(indicator_id, lang, **{k: q.get(k) for k in IV.PARAMS if k != "lang"})
    except data.NoDatabase:
        return ui.error_layout(503, lang, t("nodb", lang), [])
    if isinstance(v, IV.Problem):
        return problem_layout(v, lang)
    bundle = IV.map_bundle(v)
    fig = F.map_figure(bundle["md"], bundle["layer"], lang=lang)
    # only the open tab is computed; the others fill in when opened (smaller, faster first load)
    ranking_now = ranking_table(v, bundle) if v.tab == "ranking" else None
    dist_fig, dist_text = distribution(v, bundle) if v.tab == "distribuicao" else ({}, "")
    series_fig, series_text, series_table = series_block(v)
    ter = data.territories(["municipio", "nuts3", "nuts2", "nuts1"])
    series_options = [{"label": r["name_unique"], "value": r["territory_id"],
                       "search": f"{r['name_unique']} {r['name_search']}"} for _, r in ter.iterrows()]
    title = IV.title(v)
    graph_tab = lambda tab, children: dcc.Tab(children, label=t(f"tab.{tab}", lang), value=tab,  # noqa: E731
                                              className="obs-tab", selected_className="obs-tab--selected")
    return html.Div([
        dcc.Store(id=PAGE, data={"lang": lang}),
        dcc.Store(id=MAP_KEY, data=bundle["key"]),
        html.Div(id=URL_SINK, hidden=True),
        html.H1(title, id=TITLE),
        html.P(description(v), className="lead fs-6", id=DESCRIPTION),
        dbc.Row([
            dbc.Col(controls(v), lg=3, md=4),
            dbc.Col([
                html.Figure([
                    html.Div(dcc.Graph(id=MAP, figure=fig, config=MAP_CONFIG, className="map-graph"),
                             className="map-wrap"),
                    html.Figcaption([
                        html.Div(ui.legend(bundle["md"]["legend"], IV.unit_long(v) or title, lang), id=LEGEND),
                        ui.summary(bundle["summary"], id=MAP_SUMMARY),
                        html.P(bundle["note"], id=MAP_NOTE, className="small"),
                        html.P(t("map.table_hint", lang), className="small text-muted mb-0"),
                    ]),
                ], className="obs-figure"),
            ], lg=9, md=8),
        ]),
        dcc.Tabs(id=TABS, value=v.tab, className="obs-tabs", children=[
            graph_tab("serie", [
                html.Div([
                    html.Label(t("series.select", lang), htmlFor=SERIES_SELECT, className="form-label mt-3"),
                    dcc.Dropdown(id=SERIES_SELECT, options=series_options, value=list(v.territories), multi=True,
                                 placeholder=t("search.placeholder", lang)),
                ]),
                html.Figure([dcc.Graph(id=SERIES, figure=series_fig, config=GRAPH_CONFIG),
                             html.Figcaption(ui.summary(series_text, id=SERIES_SUMMARY))], className="obs-figure"),
                html.Div(series_table, id=SERIES_TABLE),
            ]),
            graph_tab("ranking", html.Div(ranking_now, id=RANKING, className="mt-3")),
            graph_tab("distribuicao", html.Figure([
                dcc.Graph(id=DIST, figure=dist_fig, config=GRAPH_CONFIG),
                html.Figcaption(ui.summary(dist_text, id=DIST_SUMMARY))], className="obs-figure mt-3")),
            graph_tab("metadados", html.Div(metadata_block(v), className="mt-3", id=METADATA)),
            graph_tab("downloads", html.Div(downloads(v), className="mt-3", id=DOWNLOADS + "-wrap")),
        ]),
    ])


# -- callbacks (plain functions, tested directly) ----------------------------------------------

def _view(indicator_id: str, page: dict | None, **changes) -> IV.View | None:
    return IV.view_for(indicator_id, (page or {}).get("lang", "pt"), **changes)


@callback(Output(MAP, "figure"), Output(LEGEND, "children"), Output(MAP_SUMMARY, "children"),
          Output(MAP_NOTE, "children"), Output(MAP_KEY, "data"),
          Output(PERIOD, "options"), Output(PERIOD, "value"), Output(LEVEL, "options"), Output(LEVEL, "value"),
          Output(TITLE, "children"), Output(DESCRIPTION, "children"),
          Input(INDICATOR, "value"), Input(PERIOD, "value"), Input(LEVEL, "value"), Input(CLASSIFICATION, "value"),
          Input(VIEW, "value"), State(PAGE, "data"), State(MAP_KEY, "data"), prevent_initial_call=True)
def update_map(indicator_id, period, level, classification, view, page, drawn):
    """A new indicator, period, level, classification or map type.

    While the layer and panels stay the same the map is a Patch (classes, hover texts, colours);
    geometry is never sent (the figure refers to the cached layer URL). The server work is cached.
    """
    lang = (page or {}).get("lang", "pt")
    r = IV.map_update(indicator_id, period, level, classification, view, lang)
    if r is None:
        raise PreventUpdate
    if r["key"] == drawn:
        fig = F.map_patch(r["md"])
    else:
        fig = F.map_figure(r["md"], data.geo_layer(r["layer"]) if r["layer"] else None, lang=lang)
    new_indicator = ctx.triggered_id == INDICATOR
    desc = [r["description"], " ", html.Span(f"({r['unit_long']})", className="text-muted")]
    return (fig, ui.legend(r["md"]["legend"], r["unit_long"] or r["title"], lang), r["summary"], r["note"], r["key"],
            r["period_options"] if new_indicator else no_update, r["period"] if r["period"] != period else no_update,
            r["level_options"] if new_indicator else no_update, r["level"] if r["level"] != level else no_update,
            r["title"] if new_indicator else no_update, desc if new_indicator else no_update)


@callback(Output(RANKING, "children"), Output(DIST, "figure"), Output(DIST_SUMMARY, "children"),
          Output(METADATA, "children"),
          Input(INDICATOR, "value"), Input(PERIOD, "value"), Input(LEVEL, "value"), Input(CLASSIFICATION, "value"),
          Input(TABS, "value"), State(PAGE, "data"), prevent_initial_call=True)
def update_details(indicator_id, period, level, classification, tab, page):
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
        return ranking_table(v, b), no_update, no_update, meta
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


@callback(Output(SERIES_SELECT, "value"), Input(MAP, "clickData"), State(SERIES_SELECT, "value"),
          prevent_initial_call=True)
def add_clicked(click, selected):
    """Clicking a territory on the map adds it to the time series."""
    try:
        tid = click["points"][0]["location"]
    except (TypeError, KeyError, IndexError):
        raise PreventUpdate
    selected = list(selected or [])
    if tid in selected or tid == "PT":
        raise PreventUpdate
    return (selected + [tid])[-IV.MAX_TERRITORIES:]


@callback(Output(DOWNLOADS + "-wrap", "children"),
          Input(INDICATOR, "value"), Input(PERIOD, "value"), Input(LEVEL, "value"), Input(CLASSIFICATION, "value"),
          Input(VIEW, "value"), Input(SERIES_SELECT, "value"), Input(TABS, "value"), State(PAGE, "data"),
          prevent_initial_call=True)
def update_downloads(indicator_id, period, level, classification, view, territories, tab, page):
    v = _view(indicator_id, page, period=period, level=level, classification=classification, view=view,
              territories=tuple(territories or ()), tab=tab)
    if v is None:
        raise PreventUpdate
    return downloads(v)


# The tab title follows the indicator and the language (register_page titles only know path variables).
clientside_callback(
    """function(title) { if (title) { document.title = title + ' · Observatório'; } return window.dash_clientside.no_update; }""",
    Output(TITLE, "title"), Input(TITLE, "children"))


# The URL follows the view (history.replaceState: no reload, no re-render); the language switch too.
clientside_callback(
    """function(indicator, period, level, classification, view, territories, tab, page) {
        if (!page || !indicator) { return ''; }
        var q = new URLSearchParams();
        if (period) q.set('period', period);
        if (level) q.set('level', level);
        if (classification && classification !== 'quantis') q.set('classification', classification);
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
    Input(SERIES_SELECT, "value"), Input(TABS, "value"), State(PAGE, "data"), prevent_initial_call=True)
