"""Comparar: up to 10 territories side by side, as a table and as charts (`/comparar?t=1106,1312&i=…`)."""
from __future__ import annotations

import dash
import pandas as pd
import plotly.graph_objects as go
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from serving import data
from web import ui
from core import fmt as F
from web.figures import graph_config
from web import territory_view as tv
from core import i18n
from core.i18n import lang_of, level_label

dash.register_page(__name__, path="/comparar", name="Comparar", name_en="Compare", title=i18n.page_title("Comparar", "Compare"),
                   order=3, nav=True)

MAX_TERRITORIES = 10
REFERENCE = "PT"
#: marker symbols and dash styles: lines differ by more than colour
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "pentagon", "hexagram",
           "cross", "hourglass"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
COLOURS = ["#1f4e8c", "#b04a00", "#2e7d32", "#6a1b9a", "#8a5a00", "#00695c", "#ad1457", "#37474f", "#4e342e",
           "#283593", "#555555"]

TEXT = {
    "h1": ("Comparar territórios", "Compare territories"),
    "lead": ("Escolha até 10 municípios ou regiões e os indicadores a comparar. O endereço guarda a escolha.",
             "Choose up to 10 municipalities or regions and the indicators to compare. The address keeps "
             "your choice."),
    "territories": ("Territórios escolhidos (até 10)", "Chosen territories (up to 10)"),
    "add": ("Adicionar um município ou região", "Add a municipality or region"),
    "add_button": ("Adicionar", "Add"),
    "added": ("{name} adicionado.", "{name} added."),
    "removed": ("{name} retirado.", "{name} removed."),
    "already": ("{name} já está na comparação.", "{name} is already in the comparison."),
    "remove": ("Retirar", "Remove"),
    "indicators": ("Indicadores", "Indicators"),
    "choose_indicators": ("Indicadores: {n} de {k} escolhidos — alterar", "Indicators: {n} of {k} chosen — change"),
    "choose": ("Escolha pelo menos um território para comparar.", "Choose at least one territory to compare."),
    "table": ("Tabela: último valor de cada indicador", "Table: latest value of each indicator"),
    "caption": ("Último valor disponível por indicador e território (período entre parênteses)",
                "Latest available value by indicator and territory (period in brackets)"),
    "charts": ("Gráficos: evolução ao longo do tempo", "Charts: change over time"),
    "too_many": ("Pode comparar no máximo {n} territórios; recebemos {k}.",
                 "You can compare at most {n} territories; we received {k}."),
    "summary": ("{title}, {period}: valor mais alto em {hi} ({hv}), mais baixo em {lo} ({lv}).",
                "{title}, {period}: highest in {hi} ({hv}), lowest in {lo} ({lv})."),
    "summary_mixed": ("{title}, valores mais recentes: mais alto em {hi} ({hv}), mais baixo em {lo} ({lv}).",
                      "{title}, latest values: highest in {hi} ({hv}), lowest in {lo} ({lv})."),
    "summary_one": ("{title}, {period}: {name} com {v}.", "{title}, {period}: {name} with {v}."),
    "no_data": ("{title}: sem dados para estes territórios.", "{title}: no data for these territories."),
    "chart_table": ("Ver os dados do gráfico em tabela", "Show the chart data as a table"),
    "reference": ("Portugal é mostrado como referência.", "Portugal is shown as the reference."),
}


def tx(key: str, lang: str, **kw) -> str:
    pt, en = TEXT[key]
    s = en if lang == "en" else pt
    return s.format(**kw) if kw else s


class ids:
    CHOSEN = "comparar-chosen"
    CHOSEN_LIST = "comparar-chosen-list"
    ADD_INPUT = "comparar-add"
    ADD_BUTTON = "comparar-add-button"
    ADD_STATUS = "comparar-add-status"
    DATALIST = "comparar-territory-names"
    REMOVE = "comparar-remove"
    INDICATORS = "comparar-indicators"
    CONTENT = "comparar-content"
    LANG = "comparar-lang"
    URL_SEARCH = "comparar-url-search"
    URL_SYNC = "comparar-url-sync"
    PICKER_SUMMARY = "comparar-picker-summary"
    CHART = "comparar-chart"                 # + "-<indicator id>": each indicator's chart (an anchor; no callback)


def _split(v) -> list[str]:
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        v = ",".join(v)
    return [x.strip() for x in str(v).split(",") if x.strip()]


def territory_options(lang: str) -> list[dict]:
    df = data.territories()
    df = df[df["level"] != "freguesia"]
    out = []
    for r in df.to_dict("records"):
        lab = (r["name_unique"] if r["level"] == "municipio"
               else f"{i18n.territory_name(r['name_unique'], lang)} — {level_label(r['level'], lang)}")
        out.append({"label": lab, "value": r["territory_id"], "search": r["name_search"]})
    return out


def indicator_options(lang: str) -> list[dict]:
    return [{"label": tv.title(r, lang), "value": r["indicator_id"]} for r in data.indicators().to_dict("records")]


def default_indicators() -> list[str]:
    inds = data.indicators()
    head = inds[inds["headline"].fillna(False).astype(bool)]
    return list((head if len(head) else inds)["indicator_id"])


def validate(tids: list[str], iids: list[str], lang: str) -> list[str]:
    errs = []
    if len(tids) > MAX_TERRITORIES:
        errs.append(tx("too_many", lang, n=MAX_TERRITORIES, k=len(tids)))
    known = set(data.territories()["territory_id"])
    for x in tids:
        if x not in known:
            errs.append(i18n.t("err.param", lang, name="t", value=x, valid="1106, 1312, PT111, …"))
    valid_i = list(data.indicators()["indicator_id"])
    for x in iids:
        if x not in valid_i:
            errs.append(i18n.t("err.param", lang, name="i", value=x, valid=", ".join(valid_i)))
    return errs


def search_of(tids: list[str], iids: list[str] | None, lang: str) -> str:
    """The query string holding the comparison (territories, indicators unless default, language)."""
    from urllib.parse import urlencode
    q = {}
    if tids:
        q["t"] = ",".join(tids)
    if iids and list(iids) != default_indicators():
        q["i"] = ",".join(iids)
    if lang == "en":
        q["lang"] = "en"
    return ("?" + urlencode(q, safe=",")) if q else ""


def _names(tids: list[str], lang: str = "pt") -> dict[str, str]:
    df = data.territories()
    return {k: i18n.territory_name(v, lang) for k, v in zip(df["territory_id"], df["name_unique"])}


def comparison_table(tids: list[str], inds: pd.DataFrame, ser: pd.DataFrame, names: dict, lang: str):
    cols = tids + ([REFERENCE] if REFERENCE not in tids else [])
    head = html.Thead(html.Tr([html.Th(i18n.t("ind.title", lang), scope="col")]
                              + [html.Th(dcc.Link(names.get(x, x), href=tv.href(_profile_path(x), lang)), scope="col")
                                 for x in cols]))
    rows = []
    for ind in inds.to_dict("records"):
        s = ser[(ser["indicator_id"] == ind["indicator_id"]) & ser["value"].notna()]
        cells = []
        for x in cols:
            sx = s[s["territory_id"] == x]
            lab = {"data-label": names.get(x, x) if x != REFERENCE else "Portugal"}
            if sx.empty:
                cells.append(html.Td("—", className="text-end", **lab))
            else:
                last = sx.iloc[-1]
                cells.append(html.Td(html.Span([tv.fmt_value(last["value"], ind, lang), html.Br(),
                                                html.Small(f"({tv.period_label(last, lang)})")]),
                                     className="text-end", **lab))
        link = dcc.Link(tv.title(ind, lang), href=tv.href(f"/indicador/{ind['indicator_id']}", lang))
        rows.append(html.Tr([html.Th([link,
                                      html.Br(), html.Small(tv.unit(ind, lang))], scope="row")] + cells))
    return html.Table([html.Caption(tx("caption", lang)), head, html.Tbody(rows)],
                      className="table table-sm obs-table obs-compare-table obs-stack-table")


def _profile_path(tid: str) -> str:
    return f"/municipio/{tid}" if tid.isdigit() else f"/regiao/{tid}"


def _latest_by_territory(s: pd.DataFrame, tids: list[str]) -> pd.DataFrame:
    """The latest value of each chosen territory (the table's values): territory_id, period_id, value, labels."""
    at = s[s["territory_id"].isin(tids)].sort_values(["start_date", "period_id"])
    return at.groupby("territory_id", sort=False).tail(1)


def chart_summary(ind: dict, tids: list[str], ser: pd.DataFrame, names: dict, lang: str) -> str:
    """One sentence on the chosen territories' latest values, as in the table: the highest and the lowest,
    each with its period when the territories' latest periods differ."""
    s = ser[(ser["indicator_id"] == ind["indicator_id"]) & ser["value"].notna()]
    ttl = tv.title(ind, lang)
    last = _latest_by_territory(s, tids)
    if last.empty:
        return tx("no_data", lang, title=ttl)
    if len(last) == 1:
        r = last.iloc[0]
        return tx("summary_one", lang, title=ttl, period=tv.period_label(r, lang), name=names.get(r["territory_id"]),
                  v=tv.fmt_value(r["value"], ind, lang))
    same = last["period_id"].nunique() == 1
    # ties: the first in the user's order
    order = {x: k for k, x in enumerate(tids)}
    last = last.assign(_o=last["territory_id"].map(order))
    hi = last.sort_values(["value", "_o"], ascending=[False, True]).iloc[0]
    lo = last.sort_values(["value", "_o"], ascending=[True, True]).iloc[0]

    def val(r):
        v = tv.fmt_value(r["value"], ind, lang)
        return v if same else f"{v}, {tv.period_label(r, lang)}"
    key = "summary" if same else "summary_mixed"
    return tx(key, lang, title=ttl, period=tv.period_label(hi, lang), hi=names.get(hi["territory_id"]), hv=val(hi),
              lo=names.get(lo["territory_id"]), lv=val(lo))


def _style(k: int, is_ref: bool) -> tuple[str, str, str]:
    """(colour, dash, marker symbol) of the k-th shown territory; Portugal in dark grey, dotted."""
    if is_ref:
        return "#333333", "dot", "square-open"
    return COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)], SYMBOLS[k % len(SYMBOLS)]


#: chart geometry: the plot's height, and one legend row per two territories (the legend has two columns,
#: so its height is known on the server and it never scrolls inside the chart)
PLOT_HEIGHT = 230
LEGEND_ROW = 22
BAR_HEIGHT = 30


def _legend_name(name: str, width: int = 16) -> str:
    """A territory's name on at most two lines in the legend (half a phone's width holds ~16 characters)."""
    if len(name) <= width or " " not in name:
        return name
    words, first = name.split(" "), ""
    while words and len(first) + len(words[0]) + 1 <= max(width, len(name) // 2 + 1):
        first = f"{first} {words.pop(0)}".strip()
    return f"{first}<br>{' '.join(words)}" if first and words else name


def line_figure(ind: dict, shown: list[str], tids: list[str], s: pd.DataFrame, names: dict, lang: str) -> go.Figure:
    """A line per territory (distinct colour, dash and marker), Portugal dotted. The legend sits above the
    plot in two columns (its height is known, it never scrolls); at most 4 horizontal period labels."""
    order = s.drop_duplicates("period_id").sort_values("start_date")
    plabel = {r["period_id"]: tv.two_line_label(tv.period_label(r, lang)) for r in order.to_dict("records")}
    fmt = F.d3_format(ind.get("decimals"))
    fig = go.Figure()
    lines: list[int] = []
    for k, x in enumerate(shown):
        sx = s[s["territory_id"] == x].sort_values("start_date")
        if sx.empty:
            continue
        colour, dash, symbol = _style(k, x == REFERENCE and x not in tids)
        fig.add_trace(go.Scatter(
            x=[plabel[p] for p in sx["period_id"]], y=sx["value"], name=_legend_name(names.get(x, x)),
            mode="lines+markers", line={"color": colour, "dash": dash, "width": 2 if x == REFERENCE else 2.5},
            marker={"symbol": symbol, "size": 7},
            hovertemplate="%{x}: %{y:" + fmt + "}<extra>" + names.get(x, x) + "</extra>"))
        lines.append(_legend_name(names.get(x, x)).count("<br>") + 1)
    # the legend's height: two entries a row, a row as tall as its taller entry
    legend_h = sum(LEGEND_ROW + 15 * (max(lines[i:i + 2]) - 1) for i in range(0, len(lines), 2))
    fig.update_layout(
        margin={"l": 8, "r": 12, "t": 8, "b": 8}, height=PLOT_HEIGHT + 50 + legend_h,
        template="plotly_white", separators=F.separators(lang), hovermode="closest",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom", "entrywidth": 0.5,
                "entrywidthmode": "fraction", "font": {"size": 12}},
        yaxis={"tickformat": fmt, "automargin": True, "nticks": 6},
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": [plabel[p] for p in order["period_id"]],
               "automargin": True, "nticks": 4, "tickangle": 0})
    return fig


def bar_figure(ind: dict, shown: list[str], tids: list[str], s: pd.DataFrame, names: dict, lang: str) -> go.Figure:
    """One period only: horizontal bars sorted from the highest value (on top), the territories' names on
    the axis, Portugal in grey; each value written in a column at the right edge, so it is never cut."""
    last = _latest_by_territory(s, shown)
    rank = {x: k for k, x in enumerate(shown)}
    last = last.assign(_k=last["territory_id"].map(rank)).sort_values(["value", "_k"], ascending=[True, False])
    colours = [_style(int(r["_k"]), r["territory_id"] == REFERENCE and r["territory_id"] not in tids)[0]
               for r in last.to_dict("records")]
    vals = last["value"].astype(float).tolist()
    labels = [names.get(x, x) for x in last["territory_id"]]
    text = [tv.fmt_number(v, ind.get("decimals"), lang) for v in vals]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    bar = {"x": vals, "y": labels, "orientation": "h", "marker": {"color": colours}}
    fig = go.Figure([
        go.Bar(**bar, customdata=[tv.fmt_value(v, ind, lang) for v in vals],
               hovertemplate="%{y}: %{customdata}<extra></extra>"),
        # the same bars on a right-hand axis whose tick labels are the values: Plotly sizes that margin
        # to the widest value, so a value is never cut nor drawn over a bar
        go.Bar(**bar, yaxis="y2", opacity=0, hoverinfo="skip", showlegend=False)])
    fig.update_layout(
        margin={"l": 8, "r": 8, "t": 4, "b": 4}, height=24 + BAR_HEIGHT * len(vals), template="plotly_white",
        separators=F.separators(lang), showlegend=False, bargap=0.3, barmode="overlay",
        xaxis={"range": [lo * 1.06, hi * 1.06 or 1], "visible": False, "fixedrange": True},
        yaxis={"type": "category", "automargin": True, "ticksuffix": " ", "fixedrange": True},
        yaxis2={"type": "category", "overlaying": "y", "side": "right", "automargin": True, "fixedrange": True,
                "tickmode": "array", "tickvals": labels, "ticktext": text, "tickprefix": " ",
                "tickfont": {"size": 13, "color": "#1a1a1a"}, "showgrid": False})
    return fig


def indicator_chart(ind: dict, tids: list[str], ser: pd.DataFrame, names: dict, lang: str):
    """One chart per indicator, a summary sentence and a table alternative. Several periods: a line per
    territory; a single period: sorted bars with their values (a lone dot per line says nothing)."""
    s = ser[(ser["indicator_id"] == ind["indicator_id"]) & ser["value"].notna()]
    ttl = tv.title(ind, lang)
    if s[s["territory_id"].isin(tids)].empty:
        return html.Section([html.H3(ttl), html.P(tx("no_data", lang, title=ttl))], className="obs-compare-chart")
    shown = tids + ([REFERENCE] if REFERENCE not in tids else [])
    s = s[s["territory_id"].isin(shown)]
    single = s["period_id"].nunique() == 1
    fig = (bar_figure if single else line_figure)(ind, shown, tids, s, names, lang)
    order = s.drop_duplicates("period_id").sort_values("start_date")
    plabel = {r["period_id"]: tv.period_label(r, lang) for r in order.to_dict("records")}
    # table alternative: periods x territories
    wide = s.pivot_table(index="period_id", columns="territory_id", values="value", aggfunc="first")
    thead = html.Thead(html.Tr([html.Th(tv.tr("period", lang), scope="col")]
                               + [html.Th(names.get(x, x), scope="col") for x in shown if x in wide.columns]))
    body = html.Tbody([html.Tr([html.Th(plabel[p], scope="row")]
                               + [html.Td(tv.fmt_value(wide.at[p, x], ind, lang), className="text-end")
                                  for x in shown if x in wide.columns])
                       for p in order["period_id"] if p in wide.index])
    return html.Section([
        html.H3(ttl),
        html.P(chart_summary(ind, tids, ser, names, lang), className="obs-summary"),
        html.P(tv.unit(ind, lang), className="obs-chart-unit small text-muted-strong"),     # the value axis's unit
        dcc.Graph(id=f"{ids.CHART}-{ind['indicator_id']}", figure=fig, config=graph_config("static", lang),
                  className="obs-graph"),
        html.Details([html.Summary(tx("chart_table", lang)),
                      tv.scroll_region(html.Table([thead, body], className="table table-sm obs-table"),
                                       f"{tx('chart_table', lang)}: {ttl}", declared=True)]),
    ], className="obs-compare-chart")


def content(tids: list[str], iids: list[str], lang: str) -> list:
    """The comparison: a table of latest values, then one chart per indicator."""
    if not tids:
        return [html.P(tx("choose", lang), className="obs-empty")]
    inds = data.indicators()
    inds = inds[inds["indicator_id"].isin(iids)].set_index("indicator_id").loc[
        [i for i in iids if i in set(inds["indicator_id"])]].reset_index()
    ser = data.series(list(dict.fromkeys(tids + [REFERENCE])), list(inds["indicator_id"]))
    names = _names(tids, lang)
    return [
        html.H2(tx("table", lang)),
        html.P(tx("reference", lang)) if REFERENCE not in tids else None,
        tv.scroll_region(comparison_table(tids, inds, ser, names, lang), tx("table", lang), declared=True),
        html.H2(tx("charts", lang)),
        html.Div([indicator_chart(ind, tids, ser, names, lang) for ind in inds.to_dict("records")],
                 className="obs-compare-charts"),
    ]


def _territory_ids(t) -> list[str]:
    return list(dict.fromkeys(x.upper() if not x.isdigit() else x for x in _split(t)))


@ui.status_check("/comparar")
def http_status(t: str | None = None, i: str | None = None, lang: str | None = None, **_) -> int:
    return 400 if validate(_territory_ids(t), _split(i), lang_of(lang)) else 200


def chosen_list(tids: list[str], lang: str) -> list:
    """The chosen territories, each with a button that removes it (its name in the button's label)."""
    names = _names(tids, lang)
    return [html.Li([dcc.Link(names.get(x, x), href=tv.href(_profile_path(x), lang)), " ",
                     html.Button(["×", html.Span(f" {tx('remove', lang)} {names.get(x, x)}",
                                                 className="visually-hidden")],
                                 id={"type": ids.REMOVE, "index": x}, n_clicks=0, type="button",
                                 className="btn btn-sm btn-outline-secondary obs-remove",
                                 title=f"{tx('remove', lang)} {names.get(x, x)}")],
                    className="obs-chip") for x in tids]


def add_territory(tids: list[str], text: str | None, lang: str) -> tuple[list[str], str]:
    """Add the territory named `text` (a datalist label, or any name: accents and case optional).
    Returns the new list and a message for the live region."""
    text = (text or "").strip()
    if not text:
        return tids, ""
    by_label = {o["label"].casefold(): o["value"] for o in territory_options(lang)}
    tid = by_label.get(text.casefold())
    if tid is None:
        hits = data.search_territories(text, limit=1)
        tid = hits.iloc[0]["territory_id"] if len(hits) else None
    if tid is None:
        return tids, i18n.t("search.none", lang, q=text)
    name = _names([tid], lang).get(tid, tid)
    if tid in tids:
        return tids, tx("already", lang, name=name)
    if len(tids) >= MAX_TERRITORIES:
        return tids, tx("too_many", lang, n=MAX_TERRITORIES, k=len(tids) + 1)
    return tids + [tid], tx("added", lang, name=name)


def picker_header(iids: list[str] | None, lang: str) -> str:
    """"Indicadores: 5 de 34 escolhidos — alterar": the picker's header, counting the current choice."""
    known = set(data.indicators()["indicator_id"])
    return tx("choose_indicators", lang, n=len([i for i in (iids or []) if i in known]), k=len(known))


def layout(t: str | None = None, i: str | None = None, lang: str | None = None, **_):  # noqa: A002
    lang = lang_of(lang)
    tids = _territory_ids(t)
    iids = _split(i) or default_indicators()
    errs = validate(tids, _split(i), lang)
    if errs:
        return tv.problem_page("400", " ".join(errs), lang)
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang), dcc.Store(id=ids.URL_SEARCH), dcc.Store(id=ids.URL_SYNC),
        dcc.Store(id=ids.CHOSEN, data=tids),
        html.H1(tx("h1", lang)),
        html.P(tx("lead", lang)),
        html.Div([
            html.Div([
                html.Label(tx("add", lang), htmlFor=ids.ADD_INPUT, className="form-label"),
                html.Div([
                    dcc.Input(id=ids.ADD_INPUT, type="text", list=ids.DATALIST, autoComplete="off",
                              placeholder=i18n.t("search.placeholder", lang), className="form-control",
                              debounce=True),
                    html.Button(tx("add_button", lang), id=ids.ADD_BUTTON, n_clicks=0, type="button",
                                className="btn btn-primary"),
                ], className="input-group"),
                html.Datalist([html.Option(value=o["label"]) for o in territory_options(lang)], id=ids.DATALIST),
                html.P(id=ids.ADD_STATUS, className="small mt-1 mb-1", role="status"),
                html.H2(tx("territories", lang), className="h6 mt-2", id="comparar-chosen-h"),
                html.Ul(chosen_list(tids, lang), id=ids.CHOSEN_LIST, className="list-inline obs-chips",
                        **{"aria-labelledby": "comparar-chosen-h"}),
            ], className="col-md-6"),
            html.Div(html.Details([
                html.Summary(picker_header(iids, lang), id=ids.PICKER_SUMMARY),
                html.Fieldset([
                    html.Legend(tx("indicators", lang), className="visually-hidden"),
                    dbc.Checklist(id=ids.INDICATORS, options=indicator_options(lang), value=iids,
                                  className="obs-indicator-checklist"),
                ]),
            ], className="obs-indicator-picker"), className="col-md-6"),
        ], className="row g-3 obs-controls"),
        html.Div(content(tids, iids, lang), id=ids.CONTENT, className="mt-3"),
    ], className="obs-compare")


@callback(Output(ids.CHOSEN, "data"), Output(ids.ADD_INPUT, "value"), Output(ids.ADD_STATUS, "children"),
          Input(ids.ADD_INPUT, "n_submit"), Input(ids.ADD_BUTTON, "n_clicks"),
          Input({"type": ids.REMOVE, "index": ALL}, "n_clicks"),
          State(ids.ADD_INPUT, "value"), State(ids.CHOSEN, "data"), State(ids.LANG, "data"),
          prevent_initial_call=True)
def edit(n_submit, n_clicks, removes, text, chosen, lang):
    """Add the typed territory (Enter or the button) or remove one (its × button)."""
    lang = lang_of(lang)
    chosen = list(chosen or [])
    trig = ctx.triggered_id
    if isinstance(trig, dict) and trig.get("type") == ids.REMOVE:
        if not (ctx.triggered and ctx.triggered[0].get("value")):
            raise PreventUpdate            # a button re-rendered, not clicked
        tid = trig["index"]
        name = _names([tid], lang).get(tid, tid)
        return [x for x in chosen if x != tid], no_update, tx("removed", lang, name=name)
    new, msg = add_territory(chosen, text, lang)
    return new, ("" if new != chosen else no_update), msg


@callback(Output(ids.CONTENT, "children"), Output(ids.URL_SEARCH, "data"), Output(ids.CHOSEN_LIST, "children"),
          Input(ids.CHOSEN, "data"), Input(ids.INDICATORS, "value"), State(ids.LANG, "data"),
          prevent_initial_call=True)
def update(tids, iids, lang):
    """Re-render the comparison for the chosen territories (at most 10 kept) and indicators."""
    lang = lang_of(lang)
    tids = list(tids or [])[:MAX_TERRITORIES]
    iids = list(iids or [])
    return content(tids, iids, lang), search_of(tids, iids, lang), chosen_list(tids, lang)


@callback(Output(ids.PICKER_SUMMARY, "children"), Input(ids.INDICATORS, "value"), State(ids.LANG, "data"),
          prevent_initial_call=True)
def update_picker_header(iids, lang):
    """The picker's header follows the ticked indicators."""
    return picker_header(iids, lang_of(lang))


clientside_callback(tv.URL_SYNC_JS, Output(ids.URL_SYNC, "data"), Input(ids.URL_SEARCH, "data"),
                    prevent_initial_call=True)
