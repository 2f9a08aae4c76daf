"""Embed: a chrome-less view of an indicator's map or time series, for a news site's iframe.

`/embed/indicador/<id>?view=map|chart&period=…&level=…&classification=…&tipo=mapa|tiles&territories=…&lang=en`

Every parameter of the Indicador view is honoured (`tipo` is the map type, the Indicador page's `view`,
renamed because `view` chooses map or chart here). The page tells its parent its height
(`postMessage({type: "observatorio:embed-height", height})`, assets/share.js); the snippet that
`snippet()` writes resizes the iframe with it, so nothing scrolls inside the frame. A chart embed
never loads the map geometry.
"""
from __future__ import annotations

import dash
from dash import dcc, html

from html import escape as html_escape
from urllib.parse import urlsplit

from serving import data
from web import share, ui
from web import figures as F
from web import indicator_view as IV
from core.i18n import column, lang_of, request_lang, t

EMBED_VIEWS = ("map", "chart")
#: the embed's query parameters -> the Indicador view's
PARAMS = {"period": "period", "level": "level", "classification": "classification", "tipo": "view",
          "territories": "territories"}
MAP = "embed-map"
CHART = "embed-chart"
#: iframe heights before the page has told its own (the snippet's script then fits it exactly)
DEFAULT_HEIGHT = {"map": 760, "chart": 600}


def _title(indicator_id: str | None = None, **_):
    lang = request_lang()
    ind = data.indicator(indicator_id or "") if indicator_id else None
    return t("site.page_title", lang, page=ind[column("title", lang)]) if ind else t("site.title", lang)


def status(indicator_id: str | None = None, view: str | None = None, **q) -> int:
    if view not in (None, "", *EMBED_VIEWS):
        return 400
    return IV.status(indicator_id, lang=q.get("lang"), **{PARAMS[k]: v for k, v in q.items() if k in PARAMS})


def src(v: IV.View, view: str) -> str:
    """The absolute URL of the embed of a view (OBS_BASE_URL): every parameter of the view is kept."""
    q = {"view": view, "period": v.period, "level": v.level}
    if view == "map":
        q.update(classification=None if v.classification == "quantis" else v.classification,
                 tipo=None if v.view == "mapa" else v.view)
    else:
        q["territories"] = ",".join(v.territories) or None
    return share.absolute(ui.href(f"/embed/indicador/{v.indicator_id}", v.lang, **q))


def snippet(v: IV.View, view: str) -> str:
    """The HTML a news site pastes: an iframe with an absolute `src`, full width, and a few lines of
    script that set its height from the page's `postMessage` (sites that strip scripts keep the
    default height)."""
    parts = urlsplit(share.base_url())
    origin = f"{parts.scheme}://{parts.netloc}"  # postMessage's origin has no path
    title = t("embed.iframe_title", v.lang, title=IV.title(v))
    return (f'<iframe src="{html_escape(src(v, view))}" title="{html_escape(title)}" width="100%" '
            f'height="{DEFAULT_HEIGHT[view]}" style="border:0;width:100%;max-width:960px" loading="lazy" '
            f'data-observatorio-embed></iframe>\n'
            '<script>window.addEventListener("message",function(e){'
            f'if(e.origin!=="{origin}"||!e.data||e.data.type!=="observatorio:embed-height")return;'
            'document.querySelectorAll("iframe[data-observatorio-embed]").forEach(function(f){'
            'if(f.contentWindow===e.source){f.style.height=Math.ceil(e.data.height)+"px";}});});</script>')


dash.register_page(__name__, path_template="/embed/indicador/<indicator_id>", title=_title, name="Embed")
ui.status_check("/embed/indicador/<indicator_id>")(status)


def layout(indicator_id: str | None = None, view: str | None = None, lang: str | None = None, **q):
    lang = lang_of(lang if isinstance(lang, str) else None)
    if view not in (None, "", *EMBED_VIEWS):
        return ui.error_layout(400, lang, t("err.400.title", lang),
                               [t("err.param", lang, name="view", value=view, valid=", ".join(EMBED_VIEWS))])
    v = IV.resolve(indicator_id, lang, **{PARAMS[k]: val for k, val in q.items() if k in PARAMS})
    if isinstance(v, IV.Problem):
        return ui.error_layout(v.status, lang, t(f"err.{v.status}.title", lang), v.messages)
    view = view or "map"
    srcs = v.meta.get("sources") or []
    sources = ", ".join(dict.fromkeys(s.get("producer", "") for s in srcs))
    licences = ", ".join(dict.fromkeys(s.get("licence", "") for s in srcs if s.get("licence"))) or "—"
    full = share.absolute(ui.indicator_href(v.indicator_id, lang, **v.query()))
    if view == "map":
        b = IV.map_bundle(v)
        fig = F.map_figure(b["md"], b["layer"], lang=lang, height=460, export=b["export"])
        body = [html.Div(dcc.Graph(id=MAP, figure=fig, config=F.graph_config("map", lang),
                                   className="map-graph"), className="map-wrap"),
                html.Figcaption([ui.legend(b["md"]["legend"], IV.unit_long(v), lang), ui.summary(b["summary"])])]
        heading = t("embed.heading.map", lang, title=IV.title(v), period=IV.period_label(v))
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
        html.P([t("embed.source", lang, sources=sources, licence=licences), " ",
                html.A(t("embed.full", lang), href=full, target="_blank", rel="noopener")], className="embed-source"),
    ], className="embed-body")
