"""The national cockpit (/painel) for central-government decision-makers: per policy area, the headline
indicators (latest national value and change), the status of the area's targets, its active alarms, and
the territorial disparity of each indicator — population-weighted coefficient of variation across the
municipalities, the ratio of the top to the bottom decile, whether the gap is narrowing over time
(sigma-convergence, core/disparity.py) — with the NUTS III regions furthest behind named. Every block
links to its drill-down (indicator, target, alarm centre, region).

Disparity is read only for rates, ratios and means (an indicator aggregated by sum is a count: its
dispersion says how big municipalities are, not how unequal) of one sign (a change around zero has no
meaningful coefficient of variation).
"""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from core import disparity as D
from core import fmt
from core.vocabulary import ALARM_LEVELS as LEVELS
from core.i18n import area_label, t, territory_name
from core.periods import parse_period
from serving import data
from web import targets_view as TV
from web import ui

#: regions named as furthest behind
N_BEHIND = 3


def cockpit_indicators() -> pd.DataFrame:
    """Headline indicators and the indicators of headline targets (public only)."""
    inds = data.indicators()
    tg = data.targets()
    keep = set(inds.loc[inds["headline"].fillna(False).astype(bool), "indicator_id"])
    keep |= set(tg.loc[tg["headline"].fillna(False).astype(bool) & tg["indicator_id"].notna(), "indicator_id"])
    return inds[inds["indicator_id"].isin(keep)]


def _t_of(pid: str) -> float:
    d = parse_period(pid).start_date
    return d.year + (d.timetuple().tm_yday - 1) / 366


def disparity(ind: dict) -> dict | None:
    """The disparity of one indicator across municipalities (latest period, and its trend)."""
    if ind.get("aggregation") == "sum":
        return None
    v = data.level_values([ind["indicator_id"]], "municipio")
    per = data.periods(ind["indicator_id"])
    provisional = set(per.loc[per["provisional"], "period_id"]) if len(per) else set()
    v = v[~v["period_id"].isin(provisional)]   # a partial year or week never reads as the latest
    if not len(v):
        return None
    pop = data.territories(["municipio"]).set_index("territory_id")["population"]
    v = v.assign(weight=v["territory_id"].map(pop), t=v["period_id"].map(_t_of))
    last = v[v["t"] == v["t"].max()]
    if (v["value"] < 0).any():
        return {"signed": True}   # a change that can be negative: a CV of values around zero means nothing
    out = {"period": last["period_id"].iloc[0], "n": int(last["value"].notna().sum()),
           "cv": D.weighted_cv(last["value"], last["weight"]), "ratio": D.decile_ratio(last["value"]),
           "sigma": D.sigma_convergence(v), "behind": []}
    pol = ind.get("polarity")
    if pol in ("higher_is_better", "lower_is_better"):
        r = data.level_values([ind["indicator_id"]], "nuts3")
        r = r[~r["period_id"].isin(provisional)] if len(r) else r
        if len(r):
            r = r[r["period_id"] == r.loc[r["start_date"].idxmax(), "period_id"]]
            r = r.sort_values("value", ascending=(pol == "higher_is_better")).head(N_BEHIND)
            names = data.territories(["nuts3"]).set_index("territory_id")["name_unique"]
            out["behind"] = [(tid, names.get(tid, tid), val) for tid, val in zip(r["territory_id"], r["value"])]
            out["behind_period"] = r["period_id"].iloc[0] if len(r) else None
    return out


def _disparity_cell(ind: dict, d: dict | None, lang: str) -> list:
    if d is None:
        return [t("painel.disp.none", lang)]
    if d.get("signed"):
        return [t("painel.disp.signed", lang)]
    parts = [t("painel.disp.cv", lang, cv=fmt.number(100 * d["cv"], 1, lang) if d["cv"] is not None else "—",
               n=fmt.number(d["n"], 0, lang), period=d["period"])]
    if d["ratio"] is not None:
        parts.append(" " + t("painel.disp.ratio", lang, ratio=fmt.number(d["ratio"], 1, lang)))
    s = d["sigma"]
    parts.append(" " + t(f"painel.sigma.{s['trend']}", lang, first=s["first"] or "", last=s["last"] or ""))
    if d.get("behind"):
        parts += [" ", t("painel.behind", lang), " "]
        for k, (tid, name, val) in enumerate(d["behind"]):
            parts += [", " if k else "", dcc.Link(territory_name(name, lang), href=ui.territory_href(tid, lang)),
                      f" ({TV.value_text(ind, val, lang)})"]
        parts.append(".")
    return parts


def indicator_rows(inds: pd.DataFrame, lang: str) -> list[dict]:
    head = data.headline_summary()
    nat = {}
    if len(head):
        nat = head.set_index("indicator_id").to_dict("index")
    rows = []
    for ind in inds.to_dict("records"):
        h = nat.get(ind["indicator_id"], {})
        if not h:   # not a headline indicator: its national value read directly
            f = data.series(["PT"], [ind["indicator_id"]])
            if len(f):
                h = {"value": f["value"].iloc[-1], "period_id": f["period_id"].iloc[-1],
                     "change": f["value"].iloc[-1] - f["value"].iloc[-2] if len(f) > 1 else None}
        title = ind["title_en"] if lang == "en" else ind["title_pt"]
        latest = TV.value_text(ind, h.get("value"), lang)
        if h.get("period_id"):
            latest += f" ({h['period_id']})"
        rows.append({"ind": dcc.Link(title, href=ui.indicator_href(ind["indicator_id"], lang)),
                     "latest": latest,
                     "change": fmt.change(h.get("change"), TV.decimals_of(ind), lang),
                     "disparity": html.Span(_disparity_cell(ind, disparity(ind), lang))})
    return rows


def targets_block(summary: pd.DataFrame, lang: str) -> html.Div | None:
    if not len(summary):
        return None
    items = []
    for r in summary.to_dict("records"):
        title = r["title_en"] if lang == "en" else r["title_pt"]
        dist = ""
        if r.get("data_state") == "no_source":
            dist = t("painel.targets.nodata", lang)
        elif int(r.get("n_municipios") or 0):
            off = sum(int(r.get(f"n_{s}") or 0) for s in TV.GROUPS[2][1])
            dist = t("painel.targets.off", lang, n=fmt.number(off, 0, lang),
                     total=fmt.number(int(r["n_municipios"]), 0, lang))
        items.append(html.Li([TV.status_badge(r["national_status"], lang, small=True), " ",
                              dcc.Link(title, href=ui.href("/metas", lang, meta=r["target_id"])),
                              f" — {dist}" if dist else ""], className="mb-1", **{"data-target": r["target_id"]}))
    return html.Div([html.H3(t("painel.targets.h", lang), className="h6"), html.Ul(items, className="list-unstyled")])


def alarms_block(area: str, counts: pd.DataFrame, lang: str) -> html.P:
    c = counts[counts["area"] == area] if len(counts) else counts
    n = int(c["n"].sum()) if len(c) else 0
    parts = [html.Strong(t("painel.alarms.h", lang) + " ")]
    if n == 0:
        parts.append(t("painel.alarms.none", lang))
    else:
        by = {r["level"]: int(r["n"]) for r in c.to_dict("records")}
        parts.append("; ".join(f"{LEVELS[k].symbol} {LEVELS[k].label(lang)}: {fmt.number(by[k], 0, lang)}"
                               for k in ("critico", "atencao", "informacao") if by.get(k)))
        parts += [" · ", dcc.Link(t("painel.alarms.link", lang), href=ui.href("/alarmes", lang, area=area))]
    return html.P(parts, className="mb-2")


def area_sections(lang: str) -> list:
    from indicators.model import AREAS
    inds = cockpit_indicators()
    summary = data.target_summary()
    counts = data.alarm_counts()
    out = []
    for area in AREAS:
        ai = inds[inds["area"] == area]
        at = summary[(summary["area"] == area) & summary["headline"].fillna(False).astype(bool)] if len(summary) else summary
        if not len(ai) and not len(at):
            continue
        cols = [("ind", t("painel.col.indicator", lang)), ("latest", t("painel.col.latest", lang)),
                ("change", t("painel.col.change", lang)), ("disparity", t("painel.col.disparity", lang))]
        out.append(html.Section([
            html.H2(area_label(area, lang), className="h4 mt-3"),
            # on a phone each indicator becomes a card (the long disparity sentence never scrolls sideways)
            ui.table(cols, indicator_rows(ai, lang), t("painel.caption", lang, area=area_label(area, lang)),
                     numeric={"latest", "change"}, row_header="ind", stack=True) if len(ai) else None,
            targets_block(at, lang),
            alarms_block(area, counts, lang),
            html.P(dcc.Link(t("painel.area.metas", lang), href=ui.href("/metas", lang, area=area)), className="small"),
        ], className="cockpit-area border-top pt-2", id=f"painel-{area}", **{"aria-label": area_label(area, lang)}))
    return out
