"""View builders of the policy targets (issue 11): the /metas page, one target's drill-down, and the small
hooks that show targets on /indicador/<id> (a line on the series, a class on the map) and on
/municipio/<dico> (one sentence per target).

Statuses come from the ETL (fact_target_status, core/progress.py); here they are only put into words:
a badge is always icon + symbol + label (never colour alone), numbers go through core.fmt.
"""
from __future__ import annotations

import json

import pandas as pd
from dash import dcc, html

from core import fmt
from core.i18n import area_label, pick, t, territory_name
from core.progress import STATUSES
from serving import data
from web import ui

#: the /metas distribution's groups, in order: (key, statuses)
GROUPS = [("achieved", ["target_achieved"]), ("on_track", ["substantial_progress"]),
          ("off_track", ["moderate_progress", "limited_progress", "deterioration", "not_achieved"]),
          ("not_assessable", ["not_assessable"])]
#: the drill-down's order: off track first, then on track, achieved, not assessable
WORST_FIRST = {"not_achieved": 0, "deterioration": 1, "limited_progress": 2, "moderate_progress": 3,
               "substantial_progress": 4, "target_achieved": 5, "not_assessable": 6}
GROUP_COLOURS = {"achieved": "#0b6b2f", "on_track": "#1d6b40", "off_track": "#b00020", "not_assessable": "#6b6b6b"}


def _num(v) -> bool:
    return v is not None and not (isinstance(v, float) and pd.isna(v))


def status_badge(status: str, lang: str, *, small: bool = False) -> html.Span:
    """A status as icon + symbol + label, in the status colour on its tint."""
    s = STATUSES.get(status, STATUSES["not_assessable"])
    return html.Span([html.I(className=f"bi bi-{s.icon} me-1", **{"aria-hidden": "true"}),
                      html.Span(s.symbol + " ", **{"aria-hidden": "true"}), t(s.label_key, lang)],
                     className="target-status badge" + (" small" if small else ""),
                     style={"color": s.colour, "backgroundColor": s.background, "whiteSpace": "normal",
                            "fontSize": "0.9em" if not small else "0.8em", "textAlign": "left"},
                     **{"data-status": s.id})


def unit_of(row: dict, lang: str) -> str:
    if lang == "en" and isinstance(row.get("short_unit_en"), str):
        return row["short_unit_en"]
    u = row.get("short_unit")
    return u if isinstance(u, str) else ""   # a programme target has no indicator: no unit (not "nan")


def decimals_of(row: dict) -> int:
    d = row.get("decimals")
    return int(d) if _num(d) else 0


def target_meta(row: dict) -> dict:
    return json.loads(row["meta_json"]) if row.get("meta_json") else {}


def value_text(row: dict, v, lang: str) -> str:
    return fmt.value(v, decimals_of(row), unit_of(row, lang), lang)


def target_line(row: dict, lang: str) -> str:
    """"≤ 10 µg/m³ até 1 de janeiro de 2030"."""
    op = "≥" if row["direction"] == "increase" else "≤"
    return t("metas.line", lang, op=op, value=value_text(row, row["value"], lang),
             deadline=fmt.date(row["deadline"], lang))


def distribution(row: dict, lang: str) -> html.Div:
    """How many municipalities are achieved / on track / off track / not assessable: text and a bar."""
    n = int(row.get("n_municipios") or 0)
    if n == 0:
        return html.P(t("metas.dist.none", lang), className="small text-muted mb-1")
    counts = [(k, sum(int(row.get(f"n_{s}") or 0) for s in ss)) for k, ss in GROUPS]
    bar = html.Div([html.Div(style={"width": f"{100 * c / n:.2f}%", "backgroundColor": GROUP_COLOURS[k],
                                    "height": "0.6rem", "display": "inline-block"}) for k, c in counts if c],
                   className="target-bar mb-1", style={"width": "100%", "lineHeight": 0, "background": "#eee"},
                   **{"aria-hidden": "true"})
    words = "; ".join(t(f"metas.dist.{k}", lang, n=fmt.number(c, 0, lang)) for k, c in counts)
    return html.Div([bar, html.P(t("metas.dist.sentence", lang, total=fmt.number(n, 0, lang), parts=words),
                                 className="small mb-1 target-dist")])


def basis_block(row: dict, lang: str) -> html.P:
    m = target_meta(row)
    b = m.get("basis") or {}
    parts = [t("metas.basis", lang), " ", html.A(b.get("citation", ""), href=b.get("url") or None),
             ": ", pick(b.get("text"), lang), ". ",
             t("metas.binding.yes" if row.get("binding") else "metas.binding.no", lang)]
    if b.get("to_confirm"):
        parts += [" ", html.Strong(t("metas.to_confirm", lang))]
    if m.get("note"):
        parts += [" ", pick(m["note"], lang)]
    return html.P(parts, className="small text-muted mb-1")


def national_sentence(row: dict, lang: str, region_name: str | None = None) -> html.P:
    where = region_name or t("metas.national", lang)
    if row.get("data_state") == "no_source":
        return html.P([html.Strong(where + ": "), t("metas.programme.no_data", lang)],
                      className="mb-1 target-nodata")
    reason = row.get("national_reason")
    extra = ""
    if row.get("national_status") == "not_assessable" and isinstance(reason, str):
        extra = " — " + t(f"progress.reason.{reason}", lang)
    elif _num(row.get("national_latest_value")):
        extra = " — " + t("metas.latest", lang, value=value_text(row, row["national_latest_value"], lang),
                          period=row.get("national_latest_period") or "")
    return html.P([html.Strong(where + ": "), status_badge(row.get("national_status") or "not_assessable", lang),
                   extra], className="mb-1")


def target_card(row: dict, lang: str, region: str | None = None, region_name: str | None = None) -> html.Article:
    title = row["title_en"] if lang == "en" else row["title_pt"]
    links = [dcc.Link(t("metas.detail", lang), href=ui.href("/metas", lang, meta=row["target_id"], regiao=region))]
    if isinstance(row.get("indicator_id"), str):
        links += [" · ", dcc.Link(t("metas.indicator", lang), href=ui.indicator_href(row["indicator_id"], lang))]
    return html.Article([
        html.H3(title, className="h6 mb-1"),
        html.P(target_line(row, lang), className="mb-1"),
        national_sentence(row, lang, region_name),
        distribution(row, lang) if row.get("data_state") != "no_source" else None,
        basis_block(row, lang),
        html.P(links, className="small mb-0"),
    ], className="target-card border rounded p-2 mb-2", id=f"meta-{row['target_id']}",
        **{"data-target": row["target_id"], "data-status": row.get("national_status") or ""})


def metas_list(summary: pd.DataFrame, lang: str, region: str | None = None,
               region_name: str | None = None) -> list:
    out = []
    for area, grp in summary.groupby("area", sort=False):
        out.append(html.Section([html.H2(area_label(area, lang), className="h4 mt-3"),
                                 *[target_card(r, lang, region, region_name) for r in grp.to_dict("records")]],
                                **{"aria-label": area_label(area, lang)}))
    return out


def projection_text(row: dict, tg: dict, lang: str) -> str:
    """One sentence: the status's numbers (base, latest, projection to the deadline, value needed per year)."""
    if row["status"] == "not_assessable":
        return t(f"progress.reason.{row['reason']}", lang) if isinstance(row.get("reason"), str) else ""
    parts = []
    if _num(row.get("latest_value")):
        parts.append(t("metas.s.latest", lang, value=value_text(tg, row["latest_value"], lang),
                       period=row.get("latest_period_id") or ""))
    if _num(row.get("base_value")) and row.get("base_period_id") and row.get("base_period_id") != row.get("latest_period_id"):
        parts.append(t("metas.s.base", lang, value=value_text(tg, row["base_value"], lang),
                       period=row["base_period_id"]))
    if row["status"] not in ("target_achieved", "not_achieved") and _num(row.get("projection_compound")):
        if tg.get("excess_cut") or target_meta(tg).get("excess_cut"):
            parts.append(t("metas.s.cut", lang, value=value_text(tg, row["projection_compound"], lang)))
        else:
            parts.append(t("metas.s.projection", lang, year=str(tg["deadline"])[:4],
                           compound=value_text(tg, row["projection_compound"], lang),
                           linear=value_text(tg, row["projection_linear"], lang),
                           base=row.get("base_period_id") or "", latest=row.get("latest_period_id") or ""))
            if _num(row.get("needed_per_year")):
                parts.append(t("metas.s.needed", lang,
                               value=fmt.value(row["needed_per_year"], decimals_of(tg) + 1, unit_of(tg, lang), lang)))
    return "; ".join(parts) + ("." if parts else "")


def detail(target_id: str, lang: str, region: str | None = None, status: str | None = None) -> html.Section | None:
    """One target's drill-down: every territory's status in a table, with the CSV of the API."""
    tg = data.target(target_id)
    if tg is None:
        return None
    st = data.target_statuses([target_id], region_id=region)
    st = st[st["level"].isin(["municipio", "pais"]) | (st["territory_id"] == region)]
    if status:
        st = st[st["status"] == status]
    # off track first (the worst status first), the nation last: what a decision-maker acts on comes first
    st = st.assign(_n=(st["level"] == "pais").astype(int), _o=st["status"].map(WORST_FIRST).fillna(9))
    st = st.sort_values(["_n", "_o", "territory_id"])
    rows = [{"name": dcc.Link(territory_name(r["name_unique"], lang), href=ui.territory_href(r["territory_id"], lang))
                     if r["level"] == "municipio" else territory_name(r["name_unique"], lang),
             "status": status_badge(r["status"], lang, small=True),
             "latest": value_text(tg, r["latest_value"], lang),
             "period": r.get("latest_period_id") or "—",
             "explain": projection_text(r, tg, lang)} for r in st.to_dict("records")]
    csv = f"/api/v1/targets/{target_id}/status?format=csv" + ("&dialect=excel" if lang != "en" else "&lang=en")
    title = tg["title_en"] if lang == "en" else tg["title_pt"]
    return html.Section([
        html.H2(title, className="h4"),
        html.P(target_line(tg, lang)),
        basis_block(tg, lang),
        html.P([html.A([html.I(className="bi bi-download me-1", **{"aria-hidden": "true"}),
                        t("metas.csv.one", lang)], href=csv, className="btn btn-outline-primary btn-sm",
                       id="metas-detail-csv", download=f"metas_{target_id}.csv")]),
        html.P(t("metas.programme.no_data", lang)) if tg.get("data_state") == "no_source" else
        html.Div(ui.table([("name", t("metas.col.territory", lang)), ("status", t("metas.col.status", lang)),
                  ("latest", t("metas.col.latest", lang)), ("period", t("metas.col.period", lang)),
                  ("explain", t("metas.col.explain", lang))], rows,
                 t("metas.detail.caption", lang, title=title), numeric={"latest"}, scroll=True, row_header="name",
                 id="metas-detail-table"), **{"data-scroll-x": "true"}),
    ], id="metas-detail", className="mt-3 mb-4")


# -- hooks on other pages -------------------------------------------------------------------------

def indicator_targets(indicator_id: str) -> list[dict]:
    """The targets of an indicator (dim_target rows), for the series line and the map class."""
    df = data.targets()
    return df[df["indicator_id"] == indicator_id].to_dict("records") if len(df) else []


def add_target_lines(fig: dict, indicator_id: str, lang: str) -> dict:
    """Each target of the indicator as a dashed horizontal line labelled with its value and year on a
    series figure (a figure dict from web.figures); an empty figure stays as it is."""
    tgs = [tg for tg in indicator_targets(indicator_id) if not target_meta(tg).get("excess_cut")]
    if not tgs or not isinstance(fig, dict) or not fig.get("data"):
        return fig
    lay = fig.setdefault("layout", {})
    shapes, notes = list(lay.get("shapes") or []), list(lay.get("annotations") or [])
    for tg in tgs:
        y = float(tg["value"])
        label = t("metas.chart.line", lang, value=value_text(tg, y, lang), year=str(tg["deadline"])[:4])
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y,
                       "line": {"dash": "dash", "color": "#4a4a4a", "width": 1.5}, "name": f"meta:{tg['target_id']}"})
        notes.append({"xref": "paper", "x": 0, "xanchor": "left", "yref": "y", "y": y, "yanchor": "bottom",
                      "text": label, "showarrow": False, "font": {"size": 11, "color": "#333"}})
    lay["shapes"], lay["annotations"] = shapes, notes
    return fig


def map_target_class(indicator_id: str, values: pd.Series, lang: str) -> str | None:
    """One sentence that classes the map's values against the nearest-deadline target: "32 of 48
    municipalities are already below the EU 2030 limit value (20 µg/m³)"."""
    tgs = [tg for tg in indicator_targets(indicator_id) if not target_meta(tg).get("excess_cut")]
    if not tgs:
        return None
    tg = max(tgs, key=lambda r: str(r["deadline"]))
    v = pd.to_numeric(values, errors="coerce").dropna()
    if not len(v):
        return None
    ok = int((v >= tg["value"]).sum() if tg["direction"] == "increase" else (v <= tg["value"]).sum())
    key = "metas.map.above" if tg["direction"] == "increase" else "metas.map.below"
    title = tg["title_en"] if lang == "en" else tg["title_pt"]
    return t(key, lang, n=fmt.number(ok, 0, lang), total=fmt.number(len(v), 0, lang), title=title)


def territory_sentences(territory_id: str, lang: str) -> html.Section | None:
    """The municipality's targets, one sentence each (status + numbers), for /municipio/<dico>."""
    st = data.target_statuses(territory_ids=[territory_id])
    if not len(st):
        return None
    tgs = data.targets().set_index("target_id")
    items = []
    for r in st.to_dict("records"):
        if r["target_id"] not in tgs.index:
            continue
        tg = {**tgs.loc[r["target_id"]].to_dict(), "target_id": r["target_id"]}
        title = tg["title_en"] if lang == "en" else tg["title_pt"]
        items.append(html.Li([status_badge(r["status"], lang, small=True), " ",
                              dcc.Link(title, href=ui.href("/metas", lang, meta=r["target_id"])), ": ",
                              projection_text(r, tg, lang)], className="mb-1", **{"data-target": r["target_id"]}))
    if not items:
        return None
    return html.Section([html.H2(t("metas.territory.h", lang), className="h5"),
                         html.Ul(items, className="list-unstyled target-sentences")],
                        id="territory-targets", className="mt-3")


def metadata_targets(indicator_id: str, lang: str) -> list:
    """The indicator page's metadata: its targets, formatted (value with unit, deadline as a date, basis)."""
    tgs = indicator_targets(indicator_id)
    if not tgs:
        return []
    return [html.H3(t("meta.targets", lang)),
            html.Ul([html.Li([html.Strong(tg["title_en"] if lang == "en" else tg["title_pt"]), " — ",
                              target_line(tg, lang), " ",
                              dcc.Link(t("metas.detail", lang), href=ui.href("/metas", lang, meta=tg["target_id"])),
                              basis_block(tg, lang)]) for tg in tgs])]


def with_territory_targets(page, territory_id: str, lang: str):
    """The territory page with its targets section appended (a page without targets is unchanged)."""
    sec = territory_sentences(territory_id, lang)
    if sec is None or not hasattr(page, "children"):
        return page
    kids = page.children if isinstance(page.children, list) else [page.children]
    page.children = [*kids, sec]
    return page
