"""Embed: a chrome-less view of an indicator's map or time series, for a news site's iframe.

`/embed/indicador/<id>?view=map|chart&period=…&level=…&territories=…&lang=en`
"""
from __future__ import annotations

import dash
from dash import dcc, html

from obs import data, ui
from obs import figures as F
from obs import indicator_view as IV
from obs.i18n import lang_of, t

EMBED_VIEWS = ("map", "chart")
MAP = "embed-map"
CHART = "embed-chart"


def _title(indicator_id: str | None = None, **_):
    ind = data.indicator(indicator_id or "") if indicator_id else None
    return f"{ind['title_pt']} · Observatório" if ind else "Observatório"


def status(indicator_id: str | None = None, view: str | None = None, **q) -> int:
    if view not in (None, "", *EMBED_VIEWS):
        return 400
    q.pop("tab", None)
    return IV.status(indicator_id, **{k: v for k, v in q.items() if k in ("period", "level", "territories", "lang")})


dash.register_page(__name__, path_template="/embed/indicador/<indicator_id>", title=_title, name="Embed")
ui.status_check("/embed/indicador/<indicator_id>")(status)


def layout(indicator_id: str | None = None, view: str | None = None, lang: str | None = None, **q):
    lang = lang_of(lang if isinstance(lang, str) else None)
    if view not in (None, "", *EMBED_VIEWS):
        return ui.error_layout(400, lang, t("err.400.title", lang),
                               [t("err.param", lang, name="view", value=view, valid=", ".join(EMBED_VIEWS))])
    v = IV.resolve(indicator_id, lang, **{k: q.get(k) for k in ("period", "level", "territories")})
    if isinstance(v, IV.Problem):
        return ui.error_layout(v.status, lang, t(f"err.{v.status}.title", lang), v.messages)
    view = view or "map"
    sources = ", ".join(s.get("producer", "") for s in v.meta.get("sources") or [])
    full = ui.indicator_href(v.indicator_id, lang, **v.query())
    if view == "map":
        b = IV.map_bundle(v)
        fig = F.map_figure(b["md"], b["layer"], lang=lang, height=460)
        body = [dcc.Graph(id=MAP, figure=fig, config=F.graph_config("map", lang),
                          className="map-graph"),
                html.Figcaption([ui.legend(b["md"]["legend"], IV.unit_long(v), lang), ui.summary(b["summary"])])]
        heading = f"{IV.title(v)} — {IV.period_label(v)}"
    else:
        df = IV.series_frame(v)
        names = IV.territory_names(set(df["territory_id"]) | {"PT"})
        fig = F.series_figure(df, names, decimals=IV.decimals(v), unit=IV.unit(v), lang=lang, height=360,
                              periods=data.periods(v.indicator_id), empty_text=IV.series_empty_text(v))
        body = [dcc.Graph(id=CHART, figure=fig, config=F.graph_config("chart", lang)),
                html.Figcaption(ui.summary(IV.series_summary(v, df)))]
        heading = IV.title(v)
    return html.Div([
        html.H1(heading),
        html.Figure(body, className="obs-figure"),
        html.P([t("embed.source", lang, sources=sources), " ",
                html.A(t("embed.full", lang), href=full, target="_blank", rel="noopener")], className="embed-source"),
    ], className="embed-body")
