"""Comparar's view: up to 10 territories side by side — a table of latest values and one chart per
indicator (lines over time, or sorted bars for a single period), each with a summary sentence and a table
alternative; the territory and indicator pickers; the URL that keeps the choice.

pages/comparar.py registers the route and wires the callbacks to these builders. Texts: `compare.*`.
"""
from __future__ import annotations

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from core import fmt as F
from core import i18n
from core.i18n import level_label
from serving import data
from web import territory_view as tv
from web import ui
from web.figures import graph_config

MAX_TERRITORIES = 10
REFERENCE = "PT"
#: marker symbols and dash styles: lines differ by more than colour
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "pentagon", "hexagram",
           "cross", "hourglass"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
COLOURS = ["#1f4e8c", "#b04a00", "#2e7d32", "#6a1b9a", "#8a5a00", "#00695c", "#ad1457", "#37474f", "#4e342e",
           "#283593", "#555555"]

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
        errs.append(i18n.t("compare.too_many", lang, n=MAX_TERRITORIES, k=len(tids)))
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
    """The latest value of each indicator (rows) in each territory (columns), Portugal last as the
    reference; a card per indicator on a phone."""
    cols = tids + ([REFERENCE] if REFERENCE not in tids else [])
    columns = [("indicator", i18n.t("ind.title", lang))] + [
        (x, dcc.Link(names.get(x, x), href=ui.href(_profile_path(x), lang)),
         names.get(x, x) if x != REFERENCE else "Portugal") for x in cols]
    rows = []
    for ind in inds.to_dict("records"):
        s = ser[(ser["indicator_id"] == ind["indicator_id"]) & ser["value"].notna()]
        row = {"indicator": [dcc.Link(tv.title(ind, lang), href=ui.href(f"/indicador/{ind['indicator_id']}", lang)),
                             html.Br(), html.Small(tv.unit(ind, lang))]}
        for x in cols:
            sx = s[s["territory_id"] == x]
            if sx.empty:
                row[x] = "—"
            else:
                last = sx.iloc[-1]
                row[x] = html.Span([tv.fmt_value(last["value"], ind, lang), html.Br(),
                                    html.Small(f"({tv.period_label(last, lang)})")])
        rows.append(row)
    return ui.table(columns, rows, i18n.t("compare.caption", lang), numeric=set(cols), row_header="indicator",
                    stack=True, wrap=None, className="obs-compare-table")


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
        return i18n.t("compare.no_data", lang, title=ttl)
    if len(last) == 1:
        r = last.iloc[0]
        return i18n.t("compare.summary_one", lang, title=ttl, period=tv.period_label(r, lang), name=names.get(r["territory_id"]),
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
    return i18n.t(f"compare.{key}", lang, title=ttl, period=tv.period_label(hi, lang), hi=names.get(hi["territory_id"]), hv=val(hi),
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
        return html.Section([html.H3(ttl), ui.empty(i18n.t("compare.no_data", lang, title=ttl))],
                            className="obs-compare-chart")
    shown = tids + ([REFERENCE] if REFERENCE not in tids else [])
    s = s[s["territory_id"].isin(shown)]
    single = s["period_id"].nunique() == 1
    fig = (bar_figure if single else line_figure)(ind, shown, tids, s, names, lang)
    order = s.drop_duplicates("period_id").sort_values("start_date")
    plabel = {r["period_id"]: tv.period_label(r, lang) for r in order.to_dict("records")}
    # table alternative: periods x territories
    wide = s.pivot_table(index="period_id", columns="territory_id", values="value", aggfunc="first")
    present = [x for x in shown if x in wide.columns]
    alt = ui.table([("period", i18n.t("profile.period", lang))] + [(x, names.get(x, x)) for x in present],
                   [{"period": plabel[p], **{x: tv.fmt_value(wide.at[p, x], ind, lang) for x in present}}
                    for p in order["period_id"] if p in wide.index],
                   f"{i18n.t('compare.chart_table', lang)}: {ttl}", hide_caption=True, numeric=set(present),
                   row_header="period", wrap="x")
    return html.Section([
        html.H3(ttl),
        ui.summary(chart_summary(ind, tids, ser, names, lang)),
        html.P(tv.unit(ind, lang), className="obs-chart-unit small text-muted-strong"),     # the value axis's unit
        dcc.Graph(id=f"{ids.CHART}-{ind['indicator_id']}", figure=fig, config=graph_config("static", lang),
                  className="obs-graph"),
        html.Details([html.Summary(i18n.t("compare.chart_table", lang)), alt]),
    ], className="obs-compare-chart")


def content(tids: list[str], iids: list[str], lang: str) -> list:
    """The comparison: a table of latest values, then one chart per indicator."""
    if not tids:
        return [ui.empty(i18n.t("compare.choose", lang))]
    inds = data.indicators()
    inds = inds[inds["indicator_id"].isin(iids)].set_index("indicator_id").loc[
        [i for i in iids if i in set(inds["indicator_id"])]].reset_index()
    ser = data.series(list(dict.fromkeys(tids + [REFERENCE])), list(inds["indicator_id"]))
    names = _names(tids, lang)
    return [
        html.H2(i18n.t("compare.table", lang)),
        html.P(i18n.t("compare.reference", lang)) if REFERENCE not in tids else None,
        ui.scroll_region(comparison_table(tids, inds, ser, names, lang), i18n.t("compare.table", lang), declared=True),
        html.H2(i18n.t("compare.charts", lang)),
        html.Div([indicator_chart(ind, tids, ser, names, lang) for ind in inds.to_dict("records")],
                 className="obs-compare-charts"),
    ]


def _territory_ids(t) -> list[str]:
    return list(dict.fromkeys(x.upper() if not x.isdigit() else x for x in _split(t)))


def chosen_list(tids: list[str], lang: str) -> list:
    """The chosen territories, each with a button that removes it (its name in the button's label)."""
    names = _names(tids, lang)
    return [html.Li([dcc.Link(names.get(x, x), href=ui.href(_profile_path(x), lang)), " ",
                     html.Button(["×", html.Span(f" {i18n.t('compare.remove', lang)} {names.get(x, x)}",
                                                 className="visually-hidden")],
                                 id={"type": ids.REMOVE, "index": x}, n_clicks=0, type="button",
                                 className="btn btn-sm btn-outline-secondary obs-remove",
                                 title=f"{i18n.t('compare.remove', lang)} {names.get(x, x)}")],
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
        return tids, i18n.t("compare.already", lang, name=name)
    if len(tids) >= MAX_TERRITORIES:
        return tids, i18n.t("compare.too_many", lang, n=MAX_TERRITORIES, k=len(tids) + 1)
    return tids + [tid], i18n.t("compare.added", lang, name=name)


def remove_territory(tids: list[str], tid: str, lang: str) -> tuple[list[str], str]:
    """Remove `tid`; returns the new list and a message for the live region."""
    name = _names([tid], lang).get(tid, tid)
    return [x for x in tids if x != tid], i18n.t("compare.removed", lang, name=name)


def picker_header(iids: list[str] | None, lang: str) -> str:
    """"Indicadores: 5 de 34 escolhidos — alterar": the picker's header, counting the current choice."""
    known = set(data.indicators()["indicator_id"])
    return i18n.t("compare.choose_indicators", lang, n=len([i for i in (iids or []) if i in known]), k=len(known))


def parse(t, i) -> tuple[list[str], list[str]]:
    """The URL's territories (`t`, upper-cased region codes, no duplicates) and indicators (`i`)."""
    return _territory_ids(t), _split(i)


def page(tids: list[str], iids: list[str], lang: str) -> html.Div:
    """The whole Comparar page for a valid choice: the pickers, then the comparison."""
    return html.Div([
        dcc.Store(id=ids.LANG, data=lang), dcc.Store(id=ids.URL_SEARCH), dcc.Store(id=ids.URL_SYNC),
        dcc.Store(id=ids.CHOSEN, data=tids),
        html.H1(i18n.t("compare.h1", lang)),
        html.P(i18n.t("compare.lead", lang)),
        html.Div([
            html.Div([
                html.Label(i18n.t("compare.add", lang), htmlFor=ids.ADD_INPUT, className="form-label"),
                html.Div([
                    dcc.Input(id=ids.ADD_INPUT, type="text", list=ids.DATALIST, autoComplete="off",
                              placeholder=i18n.t("search.placeholder", lang), className="form-control",
                              debounce=True),
                    html.Button(i18n.t("compare.add_button", lang), id=ids.ADD_BUTTON, n_clicks=0, type="button",
                                className="btn btn-primary"),
                ], className="input-group"),
                html.Datalist([html.Option(value=o["label"]) for o in territory_options(lang)], id=ids.DATALIST),
                html.P(id=ids.ADD_STATUS, className="small mt-1 mb-1", role="status"),
                html.H2(i18n.t("compare.territories", lang), className="h6 mt-2", id="comparar-chosen-h"),
                html.Ul(chosen_list(tids, lang), id=ids.CHOSEN_LIST, className="list-inline obs-chips",
                        **{"aria-labelledby": "comparar-chosen-h"}),
            ], className="col-md-6"),
            html.Div(html.Details([
                html.Summary(picker_header(iids, lang), id=ids.PICKER_SUMMARY),
                html.Fieldset([
                    html.Legend(i18n.t("compare.indicators", lang), className="visually-hidden"),
                    dbc.Checklist(id=ids.INDICATORS, options=indicator_options(lang), value=iids,
                                  className="obs-indicator-checklist"),
                ]),
            ], className="obs-indicator-picker"), className="col-md-6"),
        ], className="row g-3 obs-controls"),
        html.Div(content(tids, iids, lang), id=ids.CONTENT, className="mt-3"),
    ], className="obs-compare")


