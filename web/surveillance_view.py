"""Excess deaths on the pages: the weekly mortality surveillance of a territory (issue 13).

Builds the section shown on the region pages (`/regiao/PT`, `/regiao/<NUTS III>`) and on the indicator
page of the weekly deaths: a chart of excess deaths (observed − expected) with the prediction band
around zero and the weeks in alarm marked, a one-paragraph text summary (the last evaluated week, the
latest alarm, the provisional week that is not evaluated) and the same numbers as a table. The numbers
come from fact_mortality_surveillance (core/surveillance.py explains the model); nothing is computed
here but the differences shown.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from core import fmt as F
from core import surveillance as SM
from core.i18n import t, territory_name
from serving import data
from web import ui
from web.figures import graph_config

SECTION_ID = "excesso-obitos"          # anchor of the section (#excesso-obitos)
GRAPH_ID = "surv-graph"
IND_SECTION = "surv-indicator-section"  # the indicator page's wrapper (filled by its callback)
COLOURS = {"excess": "#1f4e8c", "band": "rgba(120,120,120,0.28)", "alarm": "#b00020"}


def _week(r: dict, lang: str) -> str:
    return r["label_en"] if lang == "en" else r["label_pt"]


def _n(x, lang: str, sign: bool = False) -> str:
    return F.number(x, 0, lang, sign=sign)


def frame(territory_id: str, indicator_id: str | None = None) -> pd.DataFrame:
    """The territory's weeks that have an expected count (from the first year with a baseline)."""
    df = data.mortality_surveillance(territory_id, indicator_id)
    if df.empty:
        return df
    return df[df["expected"].notna()].reset_index(drop=True)


def figure(df: pd.DataFrame, lang: str) -> go.Figure:
    """Excess deaths per week (observed − expected) with the band [lower − expected, upper − expected]
    shaded around zero and the weeks that close a run above the bound marked (colour and symbol)."""
    ev = df[df["evaluated"]]
    x = pd.to_datetime(ev["start_date"])
    lo, hi = ev["lower"] - ev["expected"], ev["upper"] - ev["expected"]
    hover = [t("surveillance.hover", lang, week=_week(r, lang), obs=_n(r["observed"], lang),
               exp=_n(r["expected"], lang), lo=_n(r["lower"], lang), hi=_n(r["upper"], lang),
               excess=_n(r["excess"], lang, sign=True))
             for r in ev.to_dict("records")]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip",
                             name=t("surveillance.legend.band", lang)))
    fig.add_trace(go.Scatter(x=x, y=lo, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=COLOURS["band"], hoverinfo="skip", name=t("surveillance.legend.band", lang)))
    fig.add_trace(go.Scatter(x=x, y=ev["excess"], mode="lines", line={"color": COLOURS["excess"], "width": 1.5},
                             name=t("surveillance.legend.excess", lang), text=hover, hoverinfo="text"))
    al = ev[ev["alarm"]]
    fig.add_trace(go.Scatter(x=pd.to_datetime(al["start_date"]), y=al["excess"], mode="markers",
                             marker={"color": COLOURS["alarm"], "symbol": "triangle-up", "size": 7},
                             name=t("surveillance.legend.alarm", lang), hoverinfo="skip"))
    fig.update_layout(margin={"l": 8, "r": 12, "t": 10, "b": 8}, height=340, template="plotly_white",
                      legend={"orientation": "h", "x": 0, "y": -0.15, "yanchor": "top"},
                      yaxis={"title": t("surveillance.axis", lang), "automargin": True, "zeroline": True},
                      xaxis={"automargin": True, "nticks": 5},
                      separators=F.separators(lang), hovermode="closest")
    return fig


def summary(df: pd.DataFrame, name: str, lang: str) -> str:
    """The last evaluated week against its band, the weeks in alarm, and the provisional week."""
    ev = df[df["evaluated"]]
    if ev.empty:
        return t("surveillance.none", lang, name=name)
    r = ev.iloc[-1].to_dict()
    where = ("above" if r["observed"] > r["upper"] else "below" if r["observed"] < r["lower"] else "within")
    parts = [t("surveillance.summary.last", lang, name=name, week=_week(r, lang), obs=_n(r["observed"], lang),
               exp=_n(r["expected"], lang), lo=_n(r["lower"], lang), hi=_n(r["upper"], lang),
               excess=_n(r["excess"], lang, sign=True), where=t(f"surveillance.where.{where}", lang))]
    al = ev[ev["alarm"]]
    first_year = int(ev["period_id"].iloc[0][:4])
    if al.empty:
        parts.append(t("surveillance.summary.no_alarm", lang, year=first_year))
    else:
        a = al.iloc[-1].to_dict()
        parts.append(t("surveillance.summary.alarms", lang, n=len(al), year=first_year, week=_week(a, lang),
                       obs=_n(a["observed"], lang), hi=_n(a["upper"], lang)))
    prov = df[df["is_provisional"]]
    if len(prov):
        parts.append(t("surveillance.summary.provisional", lang, week=_week(prov.iloc[-1].to_dict(), lang)))
    return " ".join(parts)


def table(df: pd.DataFrame, lang: str) -> html.Div:
    """The chart's numbers, newest week first (the provisional week included, marked, not evaluated)."""
    cols = [("week", t("surveillance.col.week", lang)), ("obs", t("surveillance.col.observed", lang)),
            ("exp", t("surveillance.col.expected", lang)), ("band", t("surveillance.col.band", lang)),
            ("excess", t("surveillance.col.excess", lang)), ("z", "z"),
            ("alarm", t("surveillance.col.alarm", lang))]
    rows = []
    for r in df.iloc[::-1].to_dict("records"):
        prov = bool(r["is_provisional"])
        rows.append({
            "week": _week(r, lang) + (" *" if prov else ""), "obs": _n(r["observed"], lang),
            "exp": _n(r["expected"], lang), "band": f"{_n(r['lower'], lang)}–{_n(r['upper'], lang)}",
            "excess": _n(r["excess"], lang, sign=True), "z": F.number(r["zscore"], 1, lang),
            "alarm": t("surveillance.provisional", lang) if prov else (t("surveillance.yes", lang) if r["alarm"] else ""),
        })
    cap = t("surveillance.table", lang)
    tbl = ui.table(cols, rows, cap, numeric={"obs", "exp", "band", "excess", "z"}, row_header="week").children
    # seven columns do not fit a phone: a declared, focusable sideways scroller (tests/see.py: data-scroll-x)
    return html.Div(tbl, className="obs-scroll", tabIndex=0, role="region", id="surv-table",
                    **{"aria-label": cap, "data-scroll-x": "true"})


def section(territory_id: str, lang: str, indicator_id: str | None = None, heading: str = "h2") -> html.Section | None:
    """The excess-deaths section of a territory, or None when it is not under surveillance."""
    df = frame(territory_id, indicator_id)
    if df.empty:
        return None
    ter = data.territory(territory_id) or {"name_unique": territory_id}
    name = territory_name(ter["name_unique"], lang)
    H = getattr(html, heading.upper())
    return html.Section([
        H(t("surveillance.title", lang, name=name), id=SECTION_ID),
        html.Figure([
            dcc.Graph(id=GRAPH_ID, figure=figure(df, lang), config=graph_config("chart", lang),
                      style={"height": "340px"}, className="obs-graph"),
            html.Figcaption(ui.summary(summary(df, name, lang), id="surv-summary")),
        ], className="obs-figure"),
        html.P(t("surveillance.method", lang), className="small text-muted"),
        html.Details([html.Summary(t("surveillance.table_alt", lang)), table(df, lang)]),
    ], className="obs-surveillance mt-4")


def with_section(page, territory_id: str, lang: str):
    """The profile page with the excess-deaths section after its alarms (unchanged when the territory is
    not under surveillance): the one hook of the region page."""
    sec = section(territory_id, lang)
    if sec is None or not hasattr(page, "children"):
        return page
    kids = list(page.children)
    at = next((i + 1 for i, c in enumerate(kids) if "obs-alarms" in (getattr(c, "className", "") or "")), len(kids))
    page.children = kids[:at] + [sec] + kids[at:]
    return page


def indicator_section(indicator_id: str | None, lang: str):
    """The indicator page's excess-deaths block: the country's surveillance under an indicator that has
    one, nothing under the others."""
    if not indicator_id or indicator_id not in data.surveillance_indicators():
        return None
    return section("PT", lang, indicator_id, heading="h2")
