"""Threshold what-if of the alarm rules (issue 12): move an absolute rule's threshold and see how many
and which municipalities would be flagged, on a map, against the rule's own threshold today. Both sides
are evaluated the same way (the rule's operator on the latest municipal values), so only the threshold
differs; the alarm lifecycle (new, ongoing…) is the alarm centre's business."""
from __future__ import annotations

import json
import operator

import numpy as np
import pandas as pd
import dash_bootstrap_components as dbc
from dash import dcc, html

from core import fmt
from core.i18n import pick, t
from serving import data
from web import figures as F
from web import simulation_view as SV
from web import ui

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
#: classes: 1 neither, 2 flagged today only, 3 flagged by the new threshold only, 4 both
COLOURS = ["#e0e0e0", "#92c5de", "#f1a340", "#b35806"]


def rules() -> dict[str, dict]:
    """Every absolute alarm rule with a single threshold: key `<indicator>#<n>` (n: its place in the
    indicator's thresholds, as the ETL numbers rule ids)."""
    out = {}
    inds = data.indicators()
    for r in inds.itertuples():
        meta = json.loads(r.meta_json or "{}")
        for i, th in enumerate(meta.get("thresholds") or [], start=1):
            if th.get("rule") == "absolute" and th.get("op") in OPS and th.get("value") is not None:
                out[f"{r.indicator_id}#{i}"] = {"indicator_id": r.indicator_id, "op": th["op"],
                                                "value": float(th["value"]), "level": th.get("level"),
                                                "title": {"pt": r.title_pt, "en": r.title_en},
                                                "unit": r.short_unit or "", "decimals": int(r.decimals or 1)}
    return out


def options(lang: str) -> list[dict]:
    return [{"label": f"{pick(r['title'], lang)} {r['op']} {fmt.number(r['value'], r['decimals'], lang)}"
                      f" ({t('alarm.' + r['level'], lang) if r.get('level') else ''})", "value": k}
            for k, r in rules().items()]


def compute(rule_key: str | None, threshold, lang: str) -> dict | None:
    rs = rules()
    if not isinstance(rule_key, str) or rule_key not in rs:
        return None
    r = rs[rule_key]
    thr = r["value"] if threshold in (None, "") else float(threshold)
    per = data.periods(r["indicator_id"])
    period = data.default_period(per)
    vals = data.values(r["indicator_id"], level="municipio", period_id=period)[["territory_id", "value"]]
    ter = data.territories(["municipio"])[["territory_id", "name_unique"]]
    df = ter.merge(vals, on="territory_id", how="left")
    v = df["value"].to_numpy(dtype=float)
    ok = ~np.isnan(v)
    op = OPS[r["op"]]
    now = ok & op(np.nan_to_num(v), r["value"])
    new = ok & op(np.nan_to_num(v), thr)
    cls = np.where(~ok, 0, 1 + now.astype(int) + 2 * new.astype(int))
    labels = [t("sim.wi.neither", lang), t("sim.wi.today", lang), t("sim.wi.new", lang), t("sim.wi.both", lang)]
    dec, unit = r["decimals"], r["unit"]
    hover = [fmt.value(x, dec, unit, lang, na=t("nodata", lang)) + (f"<br>{labels[c - 1]}" if c else "")
             for x, c in zip(v, cls)]
    md = {"groups": ["all"], "n": 4, "by_group": {"all": {
        "ids": df["territory_id"].tolist(), "z": np.asarray(cls, dtype="int8"),
        "text": np.asarray(df["name_unique"], dtype=str), "hovertext": np.asarray(hover, dtype=str)}}}
    counts = np.bincount(cls, minlength=5)
    legend = [(COLOURS[i], labels[i], int(counts[i + 1])) for i in range(4)]
    if counts[0]:
        legend.append((F.NODATA, t("nodata", lang), int(counts[0]), "swatch--nodata"))
    added = df.loc[new & ~now, "name_unique"].tolist()
    dropped = df.loc[now & ~new, "name_unique"].tolist()
    summary = t("sim.wi.summary", lang, today=int(now.sum()), now=int(new.sum()),
                op=r["op"], old=fmt.value(r["value"], dec, unit, lang), new=fmt.value(thr, dec, unit, lang),
                period=period)
    lst = []
    if added:
        lst.append(html.P([html.Strong(t("sim.wi.added", lang, n=len(added))), " ", ", ".join(added[:60]),
                           "…" if len(added) > 60 else ""], className="small"))
    if dropped:
        lst.append(html.P([html.Strong(t("sim.wi.dropped", lang, n=len(dropped))), " ", ", ".join(dropped[:60]),
                           "…" if len(dropped) > 60 else ""], className="small"))
    return {"md": md, "legend": ui.legend(legend, t("sim.wi.legend", lang), lang), "summary": summary,
            "list": lst, "threshold": r["value"], "rule": rule_key}


def figure(out: dict | None, lang: str) -> dict:
    if out is None:
        return F.empty_figure(t("nodata", "pt"))
    fig = F.map_figure(out["md"], data.geo_layer("municipio"), lang=lang)
    for tr in fig["data"]:
        if tr.get("type") == "choroplethmap":
            tr["colorscale"] = SV.colorscale(COLOURS)
    return fig


def patch(out: dict):
    p = F.map_patch(out["md"])
    p["data"][0]["colorscale"] = SV.colorscale(COLOURS)
    return p


def section(lang: str, ids: dict):
    opts = options(lang)
    first = opts[0]["value"] if opts else None
    out = compute(first, None, lang)
    return html.Section([
        html.H2(t("sim.wi.h", lang), className="h4 mt-4"),
        html.P(t("sim.wi.lead", lang)),
        dbc.Row([
            dbc.Col([
                html.Div([dbc.Label(t("sim.wi.rule", lang), html_for=ids["rule"], className="form-label"),
                          dbc.Select(id=ids["rule"], value=first, options=opts)], className="mb-3"),
                html.Div([dbc.Label(t("sim.wi.threshold", lang), html_for=ids["value"], className="form-label"),
                          dbc.Input(id=ids["value"], type="number", value=out["threshold"] if out else None,
                                    debounce=True, inputmode="decimal")], className="mb-3"),
            ], lg=3, md=4),
            dbc.Col([
                ui.summary(out["summary"] if out else "", id=ids["summary"]),
                html.Figure([
                    html.Div(dcc.Graph(id=ids["map"], figure=figure(out, lang), config=F.graph_config("map", lang),
                                       className="map-graph"), className="map-wrap"),
                    html.Figcaption(html.Div(out["legend"] if out else None, id=ids["legend"]), className="map-caption"),
                ], className="obs-figure map-figure"),
                html.Div(out["list"] if out else None, id=ids["list"]),
            ], lg=9, md=8),
        ]),
    ])
