"""Figure builders: choropleth/tile maps (updated with Patch), time series and distributions.

Pure functions of DataFrames and options: no data access here. Geometry never travels inside a
figure: the map trace's `geojson` is the URL of a static, cacheable layer that the browser fetches
once; an update patches only locations, classes and hover texts.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Patch

from core.periods import axis_label
from core import fmt, vocabulary
from core.i18n import DEFAULT, HTML_LANG, lang_of, t

#: classification methods, a closed list (URL value -> i18n key)
CLASSIFICATIONS = tuple(vocabulary.CLASSIFICATIONS)
#: map views
VIEWS = ("mapa", "tiles")
#: sequential, colour-blind safe (ColorBrewer BuPu without its near-white step, so every class stands
#: out from the white background)
PALETTE = ["#bfd3e6", "#9ebcda", "#8c96c6", "#8c6bb1", "#88419d", "#810f7c", "#4d004b"]
#: no data: a pale neutral base under dark diagonal hatching (assets/map-hatch.js draws the hatching on
#: the map; the legend swatch and the ranking table use the same pattern in CSS). The base alone differs
#: from every class by >= 12 in CAM02-UCS and >= 10 in L*, also under deutan/protan/tritan simulation
#: (tests/test_map_colours.py); the hatch lines contrast >= 4:1 with the base.
NODATA = "#f4f4f4"
NODATA_HATCH = "#767676"
NATION = "#1a1a1a"
#: series colours (Okabe–Ito) and marker symbols, so lines differ by more than colour
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
SERIES_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
MAP_HEIGHT = 520


# -- modebar: one configuration for every chart and map ---------------------------------------

#: plotly.js interface texts (its English messages), translated in the catalogues as `plotly.<message>`.
#: The pt-PT terms start from plotly.js's own pt-PT locale (MIT, npm `plotly.js-locales`), which uses
#: Brazilian wording ("Baixar", "câmera") and misses plotly.js 4 strings; given per figure as
#: `config.locales`, so no locale script has to be loaded in order with plotly.js (which pages start
#: early, see web.delivery.plotly_loader) and nothing is fetched.
PLOTLY_MESSAGES = (    'Autoscale', 'Box Select', 'Lasso Select', 'Compare data on hover',
    'Show closest data on hover', 'Toggle show closest data on hover', 'Toggle Spike Lines', 'Double-click on legend to isolate one trace',
    'Double-click to zoom back out', 'Download plot as a PNG', 'Download plot', 'Pan',
    'Zoom', 'Zoom in', 'Zoom out', 'Reset',
    'Reset axes', 'Reset view', 'Reset views', 'Produced with Plotly.js',
    'Preparing image - this may take a few seconds', 'Image download succeeded', 'Sorry, there was a problem downloading your image!', 'trace',
    'lat', 'lon', 'min', 'max',
    'median', 'mean', 'q1', 'q3',
    'new text',
)
#: plotly.js date formats of pt-PT (its English ones are plotly.js's defaults)
PLOTLY_FORMAT_PT = {
    "days": ["domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"],
    "shortDays": ["dom.", "seg.", "ter.", "qua.", "qui.", "sex.", "sáb."],
    "months": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
               "outubro", "novembro", "dezembro"],
    "shortMonths": ["jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."],
    "date": "%d/%m/%Y", "decimal": ",", "thousands": fmt.NBSP,
}


def plotly_message_key(message: str) -> str:
    """The catalogue key of a plotly.js message ("Reset axes" -> "plotly.reset_axes")."""
    return "plotly." + re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")


def plotly_locale(lang: str) -> dict:
    """A plotly.js locale object (`config.locales[...]`): the messages from the catalogue."""
    out = {"dictionary": {m: t(plotly_message_key(m), lang) for m in PLOTLY_MESSAGES}}
    if lang == DEFAULT:
        out["format"] = PLOTLY_FORMAT_PT
    return out

#: chart kinds: an interactive chart, an interactive map, or a small chart with no modebar
GRAPH_KINDS = ("chart", "map", "static")
#: never shown: Plotly Cloud sharing (uploads the chart to a third party), Chart Studio, selection
#: tools, and the camera (its PNG has no title, legend or source: pages offer publishable PNG/SVG)
MODEBAR_REMOVE = ["sendChartToCloud", "sendDataToCloud", "editInChartStudio", "toImage", "select2d", "lasso2d",
                  "autoScale2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian"]


def graph_config(kind: str = "chart", lang: str = "pt", filename: str | None = None) -> dict:
    """The `dcc.Graph(config=…)` of every chart and map: localised modebar (pt-PT or English), no cloud
    sharing, no logo. `static`: no modebar at all (sparklines, small multiples)."""
    if kind not in GRAPH_KINDS:
        raise ValueError(f"graph kind {kind!r}: one of {GRAPH_KINDS}")
    cfg = {"displaylogo": False, "responsive": True, "showSendToCloud": False, "showEditInChartStudio": False,
           "showLink": False, "plotlyServerURL": "", "locale": HTML_LANG[lang_of(lang)]}
    if lang_of(lang) == DEFAULT:   # plotly.js speaks English by itself
        cfg["locales"] = {HTML_LANG[DEFAULT]: plotly_locale(DEFAULT)}
    if kind == "static":
        return {**cfg, "displayModeBar": False}
    cfg.update(modeBarButtonsToRemove=list(MODEBAR_REMOVE),
               toImageButtonOptions={"format": "png", "scale": 2, "filename": filename or "observatorio"})
    if kind == "map":
        cfg["scrollZoom"] = False
    return cfg


def lean(fig: go.Figure) -> dict:
    """The figure as a plain dict without Plotly's default template (~10 KB saved per figure);
    colours and fonts are set explicitly here, plotly.js defaults do the rest."""
    d = fig.to_plotly_json()
    d.get("layout", {}).pop("template", None)
    return d


# -- classification ---------------------------------------------------------------------------

def palette(k: int) -> list[str]:
    """k colours from the sequential palette, light to dark."""
    if k <= 0:
        return []
    if k == 1:
        return [PALETTE[4]]
    idx = np.linspace(0, len(PALETTE) - 1, k).round().astype(int)
    return [PALETTE[i] for i in idx]


#: alarm-rule operators: does a value equal to the threshold belong to the class above it?
_AT_UPPER = {">=": True, "<": True, ">": False, "<=": False}


def threshold_breaks(meta: dict | None) -> list[dict]:
    """The class breaks of the thresholds classification, from the indicator's absolute alarm rules
    (and its targets), lowest first: {value, upper (a value equal to the break belongs to the class
    above: `>=` and `<` rules), up (crossing means going above: `>`/`>=`; None for a target), label
    (what crossing means, from the YAML; may be None), official, level, citation}."""
    out: dict[float, dict] = {}
    for th in (meta or {}).get("thresholds") or []:
        if th.get("rule") != "absolute":
            continue
        op = th.get("op")
        if op == "outside" and th.get("band"):
            items = [(th["band"][0], True, False), (th["band"][1], False, True)]
        elif th.get("value") is not None:
            items = [(th["value"], _AT_UPPER.get(op, False), op in (">", ">="))]
        else:
            continue
        for v, upper, up in items:
            out.setdefault(float(v), {"value": float(v), "upper": upper, "up": up, "label": th.get("label"),
                                      "official": bool(th.get("official")), "level": th.get("level"),
                                      "citation": th.get("citation") or ""})
    for tg in (meta or {}).get("targets") or []:
        if tg.get("value") is not None:
            out.setdefault(float(tg["value"]), {"value": float(tg["value"]), "upper": True, "up": None,
                                                "label": None, "official": False, "level": None, "citation": ""})
    return sorted(out.values(), key=lambda b: b["value"])


def default_classification(meta: dict | None) -> str:
    """An indicator with official thresholds is classed by them by default; others by quantiles."""
    official = any(th.get("rule") == "absolute" and th.get("official") for th in (meta or {}).get("thresholds") or [])
    return "limiares" if official else "quantis"


def classify(values, method: str = "quantis", meta: dict | None = None, k: int = 5):
    """Classes for a map: returns (cls, edges, note).

    `cls` is an int array, 0 for no data and 1..n for the classes; `edges` has n+1 bounds
    (lowest to highest); `note` names a fallback (thresholds asked for but none declared).
    Threshold classes are fixed by the thresholds (the same classes in every period, empty ones
    included) and a value equal to a threshold falls on the side its rule says (`> 40`: 40 is below).
    """
    v = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").to_numpy()
    ok = ~np.isnan(v)
    cls = np.zeros(len(v), dtype=int)
    note = None
    brks = threshold_breaks(meta) if method == "limiares" else []
    if method == "limiares" and not brks:
        note = "class.limiares.none"
        method = "quantis"
    if brks:
        x = v[ok]
        vals = [b["value"] for b in brks]
        lo, hi = (float(x.min()), float(x.max())) if ok.any() else (vals[0], vals[-1])
        c = np.ones(len(x), dtype=int)
        for b in brks:
            c += (x >= b["value"]) if b["upper"] else (x > b["value"])
        cls[ok] = c
        return cls, [min(lo, vals[0])] + vals + [max(hi, vals[-1])], note
    if not ok.any():
        return cls, [], note
    x = v[ok]
    lo, hi = float(x.min()), float(x.max())
    if method == "intervalos":
        edges = list(np.linspace(lo, hi, k + 1))
    else:
        edges = list(np.quantile(x, np.linspace(0, 1, k + 1)))
    # drop duplicate edges (many equal values)
    dedup = [edges[0]]
    for e in edges[1:]:
        if e > dedup[-1] + 1e-12:
            dedup.append(e)
    edges = dedup if len(dedup) > 1 else [lo, hi]
    inner = np.asarray(edges[1:-1])
    cls[ok] = np.searchsorted(inner, x, side="right") + 1
    return cls, [float(e) for e in edges], note


def class_labels(edges: list[float], decimals: int, lang: str) -> list[str]:
    n = max(len(edges) - 1, 0)
    return [f"{fmt.number(edges[i], decimals, lang)} – {fmt.number(edges[i + 1], decimals, lang)}" for i in range(n)]


def _threshold_number(v: float, decimals: int, unit: str, lang: str) -> str:
    d = 0 if float(v).is_integer() else decimals
    return fmt.value(v, d, unit, lang)


def threshold_meaning(brks: list[dict], i: int, lang: str) -> str:
    """What class i (0-based) of the thresholds classification means: the most severe threshold its
    values cross ("acima do valor-limite legal"), or that they cross none."""
    above = [b for b in brks[:i] if b["up"] is True]          # rules crossed by going above
    below = [b for b in brks[i:] if b["up"] is False]         # rules crossed by going below
    b = above[-1] if above else below[0] if below else None
    if b is None:
        return t("class.limiares.within", lang)
    if b.get("label"):
        text = b["label"].get(lang) or b["label"].get("pt") if isinstance(b["label"], dict) else str(b["label"])
    else:
        level = t(f"alarm.{b['level']}", lang) if b.get("level") else ""
        text = (t("class.limiares.crossed.above", lang, level=level) if b["up"]
                else t("class.limiares.crossed.below", lang, level=level))
    return text if b["official"] else f"{text} · {t('class.limiares.analytic', lang)}"


def threshold_labels(brks: list[dict], decimals: int, unit: str, lang: str) -> list[str]:
    """Legend labels of the thresholds classification: "≤ 40 µg/m³ (abaixo …)", "> 40 µg/m³ (acima …)"."""
    def low(b, with_unit=True):
        return ("≥ " if b["upper"] else "> ") + _threshold_number(b["value"], decimals, unit if with_unit else "", lang)

    def high(b):
        return ("< " if b["upper"] else "≤ ") + _threshold_number(b["value"], decimals, unit, lang)
    out = []
    for i in range(len(brks) + 1):
        if i == 0:
            rng = high(brks[0])
        elif i == len(brks):
            rng = low(brks[-1])
        else:
            rng = t("class.limiares.between", lang, low=low(brks[i - 1], False), high=high(brks[i]))
        out.append(f"{rng} ({threshold_meaning(brks, i, lang)})")
    return out


def threshold_note(brks: list[dict], decimals: int, unit: str, lang: str) -> str:
    """Where the thresholds come from (each official one cites its law)."""
    parts = [f"{_threshold_number(b['value'], decimals, unit, lang)}: "
             + (b["citation"] if b["official"] and b["citation"] else t("class.limiares.analytic", lang))
             for b in brks]
    return t("class.limiares.note", lang, sources="; ".join(parts))


def colorscale(n: int) -> list[list]:
    """A stepped colorscale over z in [-0.5, n + 0.5]: z=0 is no data, 1..n the classes."""
    cols = [NODATA] + palette(n)
    m = len(cols)
    out = []
    for i, c in enumerate(cols):
        out += [[round(i / m, 5), c], [round((i + 1) / m, 5), c]]
    return out


# -- maps -------------------------------------------------------------------------------------

def map_view(bounds, height: int = MAP_HEIGHT, width: int = 640) -> dict:
    """Center and zoom of a web-mercator map that fits `bounds` (lon0, lat0, lon1, lat1)."""
    lon0, lat0, lon1, lat1 = bounds

    def merc(lat):
        lat = max(min(lat, 85), -85)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    dx = max(lon1 - lon0, 1e-6) / 360
    dy = max(merc(lat1) - merc(lat0), 1e-6) / (2 * math.pi)
    zoom = min(math.log2(width / 512 / dx), math.log2(height / 512 / dy)) - 0.15
    cy = math.degrees(2 * math.atan(math.exp((merc(lat0) + merc(lat1)) / 2)) - math.pi / 2)
    return {"center": {"lon": (lon0 + lon1) / 2, "lat": cy}, "zoom": round(zoom, 2)}


#: width in px assumed when fitting the zoom (conservative: the map fits a 375 px phone)
FIT_WIDTH = 320
INSET_FRAME = "#8a8f94"


def map_data(frame: pd.DataFrame, *, method: str, meta: dict | None, decimals: int, unit: str,
             lang: str) -> dict:
    """Everything a map draws, from a frame of (territory_id, name, value[, group]) covering every feature.

    Classes are computed over all territories; traces are split by `group` (mainland, Açores,
    Madeira insets; or 'all' for the tile map). Returns groups, per-group ids / z (class numbers) /
    customdata (name, value text, class text), n classes, legend [(colour, label, count)], edges
    and a fallback note.
    """
    cls, edges, note = classify(frame["value"].to_numpy(), method, meta)
    n = max(len(edges) - 1, 0)
    brks = threshold_breaks(meta) if method == "limiares" and not note else []
    labels = threshold_labels(brks, decimals, unit, lang) if brks else class_labels(edges, decimals, lang)
    nodata = t("nodata", lang)
    vals = [fmt.value(v, decimals, unit, lang, na=nodata) for v in frame["value"]]
    ctext = [nodata if c == 0 else labels[c - 1] for c in cls]
    if brks:  # threshold classes carry their meaning in the hover text too
        meaning = [threshold_meaning(brks, i, lang) for i in range(n)]
        vals = [vt if c == 0 else f"{vt}<br>{meaning[c - 1]}" for vt, c in zip(vals, cls)]
    groups = frame["group"].tolist() if "group" in frame else ["all"] * len(frame)
    order = [g for g in ("continente", "raa", "ram", "all") if g in set(groups)]
    by = {g: {"ids": [], "z": [], "text": [], "hovertext": []} for g in order}
    for tid, nm, vt, c, g in zip(frame["territory_id"], frame["name"], vals, cls.tolist(), groups):
        b = by[g]
        b["ids"].append(tid), b["z"].append(c), b["text"].append(nm), b["hovertext"].append(vt)
    for b in by.values():  # numpy arrays serialise without a per-element walk (orjson)
        b["z"] = np.asarray(b["z"], dtype="int8")
        b["text"] = np.asarray(b["text"], dtype=str)
        b["hovertext"] = np.asarray(b["hovertext"], dtype=str)
    counts = np.bincount(cls, minlength=n + 1)
    cols = palette(n)
    legend = [(cols[i], labels[i], int(counts[i + 1])) for i in range(n)]
    legend.append((NODATA, nodata, int(counts[0]), "swatch--nodata"))
    if note:
        note_text = t(note, lang)
    elif brks:
        note_text = threshold_note(brks, decimals, unit, lang)
    else:
        note_text = ""
    return {"groups": order, "by_group": by, "n": n, "legend": legend, "edges": edges, "note": note_text,
            "class_text": dict(zip(frame["territory_id"], ctext)),
            "class_colour": {tid: (NODATA if c == 0 else cols[c - 1]) for tid, c in zip(frame["territory_id"], cls)}}


def map_figure(md: dict, layer: dict | None, *, lang: str, height: int = MAP_HEIGHT,
               interactive: bool = True, export: dict | None = None) -> dict:
    """The choropleth map (MapLibre, blank `white-bg` style: works offline, no tiles fetched).

    One map: the geographic layer's variant with Açores and Madeira inset in framed boxes (one
    geometry URL, one WebGL context); the tile map already places the islands. Geometry is a URL.
    """
    layer = layer or {}
    inset = layer.get("inset") if layer.get("inset_url") else None
    geojson = (layer.get("inset_url") if inset else layer.get("url")) or {"type": "FeatureCollection", "features": []}
    fig = go.Figure()
    for g in md["groups"]:
        b = md["by_group"][g]
        fig.add_trace(go.Choroplethmap(
            geojson=geojson, featureidkey=layer.get("featureidkey", "id"), locations=b["ids"], z=b["z"],
            zmin=-0.5, zmax=md["n"] + 0.5, colorscale=colorscale(md["n"]), showscale=False, text=b["text"],
            hovertext=b["hovertext"], hovertemplate="<b>%{text}</b><br>%{hovertext}<extra></extra>",
            marker={"line": {"width": 0.6, "color": "#ffffff"}, "opacity": 1}, name=g,
        ))
    if inset:  # frames around the inset islands (lines only: no map glyphs needed offline)
        lon, lat = [], []
        for _, (x0, y0, x1, y1) in inset["frames"]:
            lon += [x0, x1, x1, x0, x0, None]
            lat += [y0, y0, y1, y1, y0, None]
        fig.add_trace(go.Scattermap(lon=lon, lat=lat, mode="lines", line={"color": INSET_FRAME, "width": 1},
                                    hoverinfo="skip", showlegend=False, name="insets"))
    bounds = (inset or layer).get("bounds") if layer else None
    view = map_view(bounds, height, FIT_WIDTH) if bounds else {"center": {"lon": -9.5, "lat": 39.6}, "zoom": 4.8}
    fig.update_layout(
        map={"style": "white-bg", **view}, margin={"l": 0, "r": 0, "t": 0, "b": 0},  # height: CSS .map-graph
        # assets/map-fit.js fits the view to the map's box; assets/map-hatch.js hatches the no-data areas;
        # assets/share.js draws `export` into downloaded images
        meta={"fitbounds": list(bounds) if bounds else None, "nodata_hatch": NODATA_HATCH, "export": export},
        separators=fmt.separators(lang), font={"family": FONT, "size": 13}, uirevision="map",
        paper_bgcolor="#ffffff", dragmode="pan" if interactive else False, showlegend=False,
        hoverlabel={"bgcolor": "#ffffff", "font": {"color": "#1a1a1a"}},
    )
    return lean(fig)


def map_patch(md: dict, export: dict | None = None) -> Patch:
    """Same layer and panels: patch only classes, hover texts and the colour scale of each panel (and
    what a downloaded image says: title, period, legend)."""
    p = Patch()
    if export is not None:
        p["layout"]["meta"]["export"] = export
    scale = colorscale(md["n"])
    for i, g in enumerate(md["groups"]):
        b = md["by_group"][g]
        p["data"][i]["z"] = b["z"]
        p["data"][i]["hovertext"] = b["hovertext"]
        p["data"][i]["zmax"] = md["n"] + 0.5
        p["data"][i]["colorscale"] = scale
    return p


# -- series and distribution ------------------------------------------------------------------

def _base_layout(fig: go.Figure, lang: str, height: int, decimals: int, unit: str) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 56, "r": 16, "t": 16, "b": 48}, separators=fmt.separators(lang),
        font={"family": FONT, "size": 13, "color": "#1a1a1a"}, plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff", hovermode="x unified",
        legend={"orientation": "h", "y": -0.18, "x": 0},
    )
    fig.update_yaxes(gridcolor="#e5e5e5", zerolinecolor="#bdbdbd", tickformat=fmt.d3_format(decimals),
                     title={"text": unit})
    fig.update_xaxes(gridcolor="#f0f0f0")
    return fig


def period_categories(df: pd.DataFrame, periods: pd.DataFrame | None, lang: str) -> tuple[list[str], dict[str, str]]:
    """The x categories of a series, oldest first: every period of the indicator (so gaps stay gaps and
    territories line up), labelled for the axis in the reader's language (`2025T4`, `2024-S09`)."""
    src = periods if periods is not None and len(periods) else df
    if len(src):
        src = src.drop_duplicates("period_id")
        src = src.sort_values(["start_date", "period_id"]) if "start_date" in src else src
    ids = [str(x) for x in src["period_id"]] if len(src) else []
    prov = (set(src.loc[src["provisional"].fillna(False).astype(bool), "period_id"].astype(str))
            if len(src) and "provisional" in src else set())
    # a provisional period (partial year or week) is marked on the axis: "2022 (prov.)"
    return ids, {pid: (t("period.axis.provisional", lang, period=axis_label(pid, lang)) if pid in prov
                      else axis_label(pid, lang)) for pid in ids}


def wrap(text: str, width: int = 36) -> str:
    """Break a sentence into lines of about `width` characters (plotly annotations do not wrap)."""
    import textwrap
    return "<br>".join(textwrap.wrap(text, width)) or text


def empty_figure(message: str, *, height: int = 380) -> dict:
    """A chart with nothing to draw says so in words, over no axes (never an empty 2000 axis).
    The text is wrapped to fit a 375 px phone; the page's summary repeats it for screen readers."""
    fig = go.Figure()
    message = wrap(message)
    fig.update_layout(height=height, margin={"l": 16, "r": 16, "t": 16, "b": 16}, plot_bgcolor="#ffffff",
                      paper_bgcolor="#ffffff", font={"family": FONT, "size": 14, "color": "#1a1a1a"},
                      xaxis={"visible": False}, yaxis={"visible": False},
                      annotations=[{"text": message, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                                    "showarrow": False, "font": {"size": 15, "color": "#4a4f55"}}])
    fig.update_layout(meta={"empty": True})
    return lean(fig)


def _colour(i: int, nation: bool) -> str:
    return NATION if nation else SERIES_COLOURS[(i - 1) % len(SERIES_COLOURS)]


def series_figure(df: pd.DataFrame, names: dict[str, str], *, decimals: int, unit: str, lang: str,
                  periods: pd.DataFrame | None = None, empty_text: str = "", height: int = 380,
                  export: dict | None = None) -> dict:
    """The country (black, thicker) and the selected territories over the indicator's periods.

    Periods are categories of their periodicity (`2021`, `2025T4`, `2024-S09`), never a date axis:
    a census year is not a point in milliseconds. One period is a value, not a line: bars, one per
    territory, with the value written on them. Nothing to draw: `empty_text`, in words."""
    df = df[df["value"].notna()] if len(df) else df
    if not len(df):
        return empty_figure(empty_text or t("series.empty", lang), height=height)
    ids, labels = period_categories(df, periods, lang)
    order = ["PT"] + [x for x in dict.fromkeys(df["territory_id"]) if x != "PT"]
    d3 = fmt.d3_format(decimals)
    if len(ids) == 1:
        return _one_period_figure(df, names, order, labels, decimals=decimals, unit=unit, lang=lang, height=height,
                                  export=export)
    fig = go.Figure()
    n = len(ids)
    for i, tid in enumerate(order):
        d = df[df["territory_id"] == tid]
        if not len(d):
            continue
        nation = tid == "PT"
        colour = _colour(i, nation)
        symbol = "circle" if nation else SERIES_SYMBOLS[(i - 1) % len(SERIES_SYMBOLS)]
        name = names.get(tid, tid)
        fig.add_trace(go.Scatter(
            x=[labels[p] for p in d["period_id"]], y=d["value"], name=name,
            mode="lines+markers" if n <= 60 else "lines",
            line={"color": colour, "width": 3 if nation else 2, "dash": "solid" if nation else "dot" if i % 2 else "solid"},
            marker={"symbol": symbol, "size": 7, "color": colour},
            hovertemplate="%{y:" + d3 + "}<extra>" + name + "</extra>", connectgaps=False,
        ))
    _base_layout(fig, lang, height, decimals, unit)
    cats = [labels[p] for p in ids]
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=cats, automargin=True,
                     showgrid=n <= 30, range=[-0.5, n - 0.5], **_category_ticks(ids, labels))
    fig.update_layout(meta={"periods": n, "export": export})
    return lean(fig)


#: at most this many tick labels on a period axis (they must fit a 375 px phone without overlapping)
MAX_TICKS = 6


def _category_ticks(ids: list[str], labels: dict[str, str]) -> dict:
    """Tick spacing for a period axis. ISO weeks: a tick at week 1 of every year (or every other year),
    labelled with the year; other periodicities: plotly picks at most MAX_TICKS of the categories."""
    weeks = [p for p in ids if "-W" in p]
    if len(weeks) > 60:
        firsts = [p for p in ids if p.endswith("-W01")] or ids[:1]
        step = -(-len(firsts) // MAX_TICKS)
        firsts = firsts[::step]
        return {"tickmode": "array", "tickvals": [labels[p] for p in firsts], "ticktext": [p[:4] for p in firsts]}
    return {"nticks": min(len(ids), MAX_TICKS)}


def _one_period_figure(df, names, order, labels, *, decimals, unit, lang, height, export=None) -> dict:
    """A single period: the country's value as a big number, the territories as labelled bars."""
    rows = [(names.get(tid, tid), float(df.loc[df["territory_id"] == tid, "value"].iloc[0]), tid == "PT", i)
            for i, tid in enumerate(order) if (df["territory_id"] == tid).any()]
    rows = rows[::-1]  # the country on top
    period = next(iter(labels.values()))
    texts = [fmt.value(v, decimals, unit, lang) for _, v, _, _ in rows]
    fig = go.Figure(go.Bar(
        y=[r[0] for r in rows], x=[r[1] for r in rows], orientation="h", text=texts, textposition="auto",
        marker={"color": [_colour(i, nat) for _, _, nat, i in rows]}, cliponaxis=False,
        insidetextfont={"color": "#ffffff"}, outsidetextfont={"color": "#1a1a1a"},
        hovertemplate="%{y}: %{text}<extra>" + period + "</extra>", name=period, showlegend=False))
    _base_layout(fig, lang, max(200, min(height, 120 + 48 * len(rows))), decimals, unit)
    nat = [r for r in rows if r[2]]
    head = nat[0] if nat else rows[-1]
    fig.update_layout(
        hovermode="closest", margin={"l": 16, "r": 24, "t": 64, "b": 40}, bargap=0.35,
        annotations=[{"text": f"<b>{fmt.value(head[1], decimals, unit, lang)}</b>  {head[0]}, {period}",
                      "xref": "paper", "yref": "paper", "x": 0, "y": 1, "yanchor": "bottom", "yshift": 12,
                      "xanchor": "left", "showarrow": False, "font": {"size": 22, "color": "#1a1a1a"}}],
        meta={"periods": 1, "export": export})
    fig.update_yaxes(title=None, automargin=True, tickformat=None, gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(title={"text": unit}, tickformat=fmt.d3_format(decimals), rangemode="tozero")
    return lean(fig)


def distribution_figure(values, national: float | None, *, decimals: int, unit: str, lang: str,
                        height: int = 320, export: dict | None = None) -> dict:
    """A histogram of the territories' values, with the country's value as a labelled line."""
    v = pd.to_numeric(pd.Series(values, dtype="float64"), errors="coerce").dropna()
    fig = go.Figure(go.Histogram(x=v, nbinsx=min(30, max(5, len(v) // 8)), marker={"color": "#8c96c6",
                                 "line": {"color": "#4d004b", "width": 1}},
                                 hovertemplate="%{x}: %{y}<extra></extra>", name=t("dist.count", lang)))
    _base_layout(fig, lang, height, decimals, unit)
    fig.update_layout(hovermode="closest", showlegend=False, bargap=0.05, meta={"export": export})
    fig.update_xaxes(tickformat=fmt.d3_format(decimals), title={"text": unit})
    fig.update_yaxes(tickformat=",d", title={"text": t("dist.count", lang)})
    if national is not None and not (isinstance(national, float) and math.isnan(national)):
        fig.add_vline(x=national, line={"color": NATION, "width": 2, "dash": "dash"},
                      annotation={"text": f"{t('dist.national', lang)}: {fmt.number(national, decimals, lang)}",
                                  "font": {"color": NATION}, "bgcolor": "rgba(255,255,255,0.85)"},
                      annotation_position="top right")
    return lean(fig)
