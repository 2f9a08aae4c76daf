"""Alarmes: the alarm centre — filter by area, level, region and status; each flag explained; its history.

`/alarmes?area=saude&nivel=critico,atencao&regiao=PT11&estado=new,ongoing&atuais=1&pagina=2&alarme=<id>`

The list is paginated (`pagina`, 1-based, PAGE_SIZE rows a page); `atuais=1` keeps only the alarms of
current series (fact_alarm.is_current), dropping those of discontinued ones (e.g. COVID-19).
"""
from __future__ import annotations

import math
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from obs import alarm_levels as AL
from obs import data, ui
from obs import i18n
from obs import territory_view as tv
from obs.i18n import area_label, lang_of, level_label

dash.register_page(__name__, path="/alarmes", name="Alarmes", name_en="Alarms", title=i18n.page_title("Alarmes", "Alarms"),
                   order=4, nav=True)

PAGE_SIZE = 100             # alarms a page of the list
CURRENT_ON = "1"            # the value of `atuais` (and of its checkbox) that keeps current series only
ALL_VALUE = "todos"          # the "all" choice of the area and region selects
REGION_LEVELS = ["nuts1", "nuts2", "nuts3", "distrito", "ilha", "cim", "am"]

TEXT = {
    "h1": ("Centro de alarmes", "Alarm centre"),
    "lead": ("Cada alarme assinala um indicador de um território que ultrapassou um limiar. "
             "A frase explica porquê; o histórico mostra quando começou.",
             "Each alarm flags an indicator of a territory that crossed a threshold. "
             "The sentence explains why; the history shows when it began."),
    "filters": ("Filtros", "Filters"),
    "area": ("Área de política", "Policy area"),
    "level": ("Nível", "Level"),
    "region": ("Região", "Region"),
    "status": ("Estado", "Status"),
    "all": ("Todos", "All"),
    "none": ("Sem alarmes ativos.", "No active alarms."),
    "none_filtered": ("Nenhum alarme corresponde aos filtros escolhidos.", "No alarm matches the chosen filters."),
    "count": ("{n} alarme(s).", "{n} alarm(s)."),
    "showing": ("A mostrar os alarmes {a} a {b} de {n}.", "Showing alarms {a} to {b} of {n}."),
    "current": ("Apenas séries atuais", "Current series only"),
    "series": ("Séries", "Series"),
    "discontinued": ("série terminada", "discontinued series"),
    "pages": ("Páginas da lista de alarmes", "Pages of the alarm list"),
    "page_of": ("Página {p} de {n}", "Page {p} of {n}"),
    "prev": ("Página anterior", "Previous page"),
    "next": ("Página seguinte", "Next page"),
    "page_range": ("1 a {n}", "1 to {n}"),
    "caption": ("Alarmes: nível, território, indicador, explicação, estado e início",
                "Alarms: level, territory, indicator, explanation, status and start"),
    "since": ("Desde", "Since"),
    "detail": ("Explicação e histórico", "Explanation and history"),
    "detail_h": ("Alarme: {ind} — {ter}", "Alarm: {ind} — {ter}"),
    "rule": ("Regra", "Rule"),
    "history_caption": ("Histórico do alarme, período a período", "The alarm's history, period by period"),
    "no_history": ("Sem histórico registado.", "No history recorded."),
    "unknown_alarm": ("Não conhecemos o alarme «{id}».", "We don't know the alarm “{id}”."),
    "close": ("Fechar o detalhe", "Close the detail"),
    "by_level": ("Por nível", "By level"),
    "open": ("ver", "open"),
}

RULES = AL.RULE_TYPES


def tx(key: str, lang: str, **kw) -> str:
    pt, en = TEXT[key]
    s = en if lang == "en" else pt
    return s.format(**kw) if kw else s


class ids:
    AREA = "alarmes-area"
    LEVEL = "alarmes-level"
    REGION = "alarmes-region"
    STATUS = "alarmes-status"
    CURRENT = "alarmes-current"
    PAGER = "alarmes-pager"
    LIST = "alarmes-list"
    STATE = "alarmes-state"
    URL_SEARCH = "alarmes-url-search"
    URL_SYNC = "alarmes-url-sync"


def _split(v) -> list[str]:
    if v is None:
        return []
    return [x.strip() for x in str(v).split(",") if x.strip()]


def region_options(lang: str) -> list[dict]:
    df = data.territories(REGION_LEVELS)
    return [{"label": f"{r['name_unique']} — {level_label(r['level'], lang)}", "value": r["territory_id"]}
            for r in df.to_dict("records")]


def _current(atuais) -> bool | None:
    """`atuais`: "1" = current series only; absent, "" or "0" = all; anything else is invalid (None)."""
    if atuais in (None, "", "0"):
        return False
    return True if str(atuais) == CURRENT_ON else None


def _page(pagina) -> int | None:
    """`pagina`: a positive integer (1 when absent); None when it is not one."""
    if pagina in (None, ""):
        return 1
    s = str(pagina).strip()
    return int(s) if s.isdigit() and int(s) >= 1 else None


def n_pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE_SIZE))


def filtered_alarms(area, levels, region, statuses, current: bool = False) -> pd.DataFrame:
    """The alarms matching the filters, in the data layer's order (current series only if `current`)."""
    df = data.alarms(areas=[area] if area else None, levels=levels or None, statuses=statuses or None,
                     region_id=region or None)
    if current and len(df):
        df = df[df["is_current"].astype(bool)].reset_index(drop=True)
    return df


def validate_page(pagina, n: int, lang: str) -> list[str]:
    """The error (if any) of `pagina` for a list of `n` alarms: a positive integer up to the last page."""
    p = _page(pagina)
    if p is None or p > n_pages(n):
        return [i18n.t("err.param", lang, name="pagina", value=pagina,
                       valid=tx("page_range", lang, n=n_pages(n)))]
    return []


def validate(area, levels, region, statuses, lang, atuais=None) -> list[str]:
    from indicators.model import AREAS
    errs = []
    if _current(atuais) is None:
        errs.append(i18n.t("err.param", lang, name="atuais", value=atuais, valid=CURRENT_ON))
    if area and area not in AREAS:
        errs.append(i18n.t("err.param", lang, name="area", value=area, valid=", ".join(AREAS)))
    lv = tv.alarm_levels()
    for x in levels:
        if x not in lv:
            errs.append(i18n.t("err.param", lang, name="nivel", value=x, valid=", ".join(lv)))
    st = tv.alarm_statuses()
    for x in statuses:
        if x not in st:
            errs.append(i18n.t("err.param", lang, name="estado", value=x, valid=", ".join(st)))
    if region:
        r = data.territory(region)
        if r is None or r["level"] not in REGION_LEVELS + ["pais"]:
            errs.append(i18n.t("err.param", lang, name="regiao", value=region, valid="PT11, PT111, DI01, EI16D, …"))
    return errs


def search_of(area, levels, region, statuses, lang, alarme=None, current: bool = False, page: int = 1) -> str:
    """The query string of a state (canonical: defaults are left out; page 1 has no `pagina`)."""
    q = {}
    if area:
        q["area"] = area
    if levels:
        q["nivel"] = ",".join(levels)
    if region:
        q["regiao"] = region
    if statuses:
        q["estado"] = ",".join(statuses)
    if current:
        q["atuais"] = CURRENT_ON
    if page and page > 1:
        q["pagina"] = str(page)
    if alarme:
        q["alarme"] = alarme
    if lang == "en":
        q["lang"] = "en"
    return ("?" + urlencode(q, safe=",")) if q else ""


def _profile_path(tid: str) -> str:
    return f"/municipio/{tid}" if tid.isdigit() else f"/regiao/{tid}"


def level_counts(df: pd.DataFrame, lang: str):
    items = []
    for key in tv.alarm_levels():
        n = int((df["level"] == key).sum()) if len(df) else 0
        items.append(html.Li([tv.level_badge(key, lang), f" {n}"], className="list-inline-item me-3"))
    return html.Div([html.H2(tx("by_level", lang), className="h6"), html.Ul(items, className="list-inline")],
                    className="obs-level-counts")


def _is_current(a: dict) -> bool:
    v = a.get("is_current")
    return True if v is None or pd.isna(v) else bool(v)


def discontinued_marker(lang: str) -> html.Span:
    """A visible word (not colour alone) on the alarms of a discontinued series."""
    return html.Span(f"({tx('discontinued', lang)})", className="obs-discontinued small fst-italic")


def pager(page: int, pages: int, lang: str, filters: dict) -> html.Nav:
    """Previous / page x of y / next: plain links (permalinks) that keep every filter."""
    def link(p, key, arrow_first):
        arrow = html.Span("←" if arrow_first else "→", **{"aria-hidden": "true"})
        text = [arrow, " ", tx(key, lang)] if arrow_first else [tx(key, lang), " ", arrow]
        return html.Li(dcc.Link(text, href="/alarmes" + search_of(**filters, lang=lang, page=p),
                                className="page-link", id=f"{ids.PAGER}-{key}"), className="page-item")
    items = []
    if page > 1:
        items.append(link(page - 1, "prev", True))
    items.append(html.Li(html.Span(tx("page_of", lang, p=page, n=pages), className="page-link",
                                   **{"aria-current": "page"}), className="page-item active"))
    if page < pages:
        items.append(link(page + 1, "next", False))
    return html.Nav(html.Ul(items, className="pagination flex-wrap"), id=ids.PAGER, className="obs-alarm-pager",
                    **{"aria-label": tx("pages", lang)})


def alarm_rows(df: pd.DataFrame, lang: str, filters: dict) -> html.Table:
    head = html.Thead(html.Tr([html.Th(x, scope="col") for x in (
        tv.tr("level", lang), tv.tr("territory", lang), tv.tr("indicator", lang), tv.tr("explanation", lang),
        tv.tr("status", lang), tx("since", lang), tv.tr("history", lang))]))
    rows = []

    def lab(k):
        return {"data-label": tv.tr(k, lang)}
    for a in df.to_dict("records"):
        expl = a["explanation_en"] if lang == "en" else a["explanation_pt"]
        since = a.get("since_label_en") if lang == "en" else a.get("since_label_pt")
        ind_title = a["title_en"] if lang == "en" else a["title_pt"]
        rows.append(html.Tr([
            html.Td(tv.level_badge(a["level"], lang), **lab("level")),
            html.Td(dcc.Link(a["name_unique"], href=tv.href(_profile_path(a["territory_id"]), lang)),
                    **lab("territory")),
            html.Td([dcc.Link(ind_title, href=tv.href(f"/indicador/{a['indicator_id']}", lang)),
                     *([] if _is_current(a) else [" ", discontinued_marker(lang)])], **lab("indicator")),
            html.Td(expl, className="obs-expl", **lab("explanation")),
            html.Td(tv.status_label(a["status"], lang), **lab("status")),
            html.Td(since or "—", **{"data-label": tx("since", lang)}),
            html.Td(dcc.Link([tx("open", lang), html.Span(f": {ind_title} — {a['name_unique']}",
                                                          className="visually-hidden")],
                             href="/alarmes" + search_of(**filters, lang=lang, alarme=a["alarm_id"]),
                             className="obs-alarm-open")),
        ]))
    return html.Table([html.Caption(tx("caption", lang), className="visually-hidden"), head, html.Tbody(rows)],
                      className="table table-sm obs-table obs-alarm-table obs-stack-table")


def alarm_list(area, levels, region, statuses, lang, current: bool = False, page: int = 1,
               df: pd.DataFrame | None = None) -> list:
    """The filtered alarms: counts by level, then one page of the table (PAGE_SIZE rows) and the pager.

    `page` beyond the last page shows the last one (the layout answers 400 before getting here)."""
    if df is None:
        df = filtered_alarms(area, levels, region, statuses, current)
    filtered = bool(area or levels or region or statuses or current)
    if df.empty:
        return [html.P(tx("none_filtered" if filtered else "none", lang), className="obs-empty")]
    pages = n_pages(len(df))
    page = min(max(1, int(page or 1)), pages)
    start = (page - 1) * PAGE_SIZE
    chunk = df.iloc[start:start + PAGE_SIZE]
    out = [level_counts(df, lang), html.P(tx("count", lang, n=len(df)))]
    filters = {"area": area, "levels": levels, "region": region, "statuses": statuses, "current": current}
    if pages > 1:
        out.append(html.P(tx("showing", lang, a=start + 1, b=start + len(chunk), n=len(df)),
                          className="obs-alarm-showing"))
    out.append(tv.scroll_region(alarm_rows(chunk, lang, {**filters, "page": page}), tx("caption", lang)))
    if pages > 1:
        out.append(pager(page, pages, lang, filters))
    return out


def alarm_detail(alarm_id: str, lang: str, back_href: str):
    """The explanation and the history of one alarm."""
    df = data.alarms(alarm_id=alarm_id)
    if df.empty:
        return None
    a = df.iloc[0].to_dict()
    ind = {"decimals": a.get("decimals"), "short_unit": a.get("short_unit"), "short_unit_en": a.get("short_unit_en")}
    ind_title = a["title_en"] if lang == "en" else a["title_pt"]
    expl = a["explanation_en"] if lang == "en" else a["explanation_pt"]
    facts = [
        (tv.tr("level", lang), tv.level_badge(a["level"], lang)),
        (tv.tr("status", lang), tv.status_label(a["status"], lang)),
        (tx("rule", lang), tv.label(RULES.get(a["rule_type"]), lang, a["rule_type"])),
        (tv.tr("value", lang), tv.fmt_value(a.get("value"), ind, lang)),
        (tv.tr("threshold", lang), tv.fmt_value(a.get("threshold"), ind, lang)),
        (tv.tr("reference", lang), tv.fmt_value(a.get("reference_value"), ind, lang)
         + (f" ({tv.label(AL.REFERENCES.get(a['reference_kind']), lang, a['reference_kind'])})"
            if a.get("reference_kind") else "")),
        (tv.tr("official", lang), tv.tr("yes" if a.get("official") else "no", lang)),
        (tv.tr("period", lang), (a.get("period_label_en") if lang == "en" else a.get("period_label_pt"))
         or a.get("period_id")),
    ]
    hist = data.alarm_history(alarm_id)
    if hist.empty:
        hist_body = html.P(tx("no_history", lang))
    else:
        head = html.Thead(html.Tr([html.Th(x, scope="col") for x in (
            tv.tr("period", lang), tv.tr("flagged", lang), tv.tr("level", lang), tv.tr("status", lang),
            tv.tr("value", lang), tv.tr("threshold", lang), tv.tr("explanation", lang))]))
        body = html.Tbody([html.Tr([
            html.Th((h.get("label_en") if lang == "en" else h.get("label_pt")) or h["period_id"], scope="row"),
            html.Td(tv.tr("yes" if h["flagged"] else "no", lang)),
            html.Td(tv.level_badge(h["level"], lang) if h.get("level") and h["flagged"] else "—"),
            html.Td(tv.status_label(h["status"], lang)),
            html.Td(tv.fmt_value(h.get("value"), ind, lang), className="text-end"),
            html.Td(tv.fmt_value(h.get("threshold"), ind, lang), className="text-end"),
            html.Td((h.get("explanation_en") if lang == "en" else h.get("explanation_pt")) or ""),
        ]) for h in hist.to_dict("records")])
        hist_body = tv.scroll_region(html.Table([html.Caption(tx("history_caption", lang)), head, body],
                                                className="table table-sm obs-table obs-alarm-history"),
                                     tx("history_caption", lang))
    return html.Section([
        html.H2(tx("detail_h", lang, ind=ind_title, ter=a["name_unique"]), id="alarme-detalhe"),
        html.P(expl, className="lead obs-alarm-explanation"),
        html.Dl([x for k, v in facts for x in (html.Dt(k), html.Dd(v))], className="obs-alarm-facts"),
        html.H3(tv.tr("history", lang)),
        hist_body,
        html.P([dcc.Link(tv.title({"title_pt": a["title_pt"], "title_en": a["title_en"]}, lang),
                         href=tv.href(f"/indicador/{a['indicator_id']}", lang)), " · ",
                dcc.Link(a["name_unique"], href=tv.href(_profile_path(a["territory_id"]), lang)), " · ",
                dcc.Link(tx("close", lang), href=back_href)]),
    ], className="obs-alarm-detail card card-body mb-3")


def _region_id(regiao) -> str | None:
    return regiao.upper() if regiao and not regiao.isdigit() else (regiao or None)


@ui.status_check("/alarmes")
def http_status(area: str | None = None, nivel: str | None = None, regiao: str | None = None,
                estado: str | None = None, alarme: str | None = None, lang: str | None = None,
                atuais: str | None = None, pagina: str | None = None, **_) -> int:
    lang = lang_of(lang)
    levels, statuses, region = _split(nivel), _split(estado), _region_id(regiao)
    if validate(area, levels, region, statuses, lang, atuais):
        return 400
    if pagina not in (None, "") and validate_page(
            pagina, len(filtered_alarms(area, levels, region, statuses, bool(_current(atuais)))), lang):
        return 400
    return 404 if alarme and data.alarms(alarm_id=alarme).empty else 200


def layout(area: str | None = None, nivel: str | None = None, regiao: str | None = None,
           estado: str | None = None, alarme: str | None = None, lang: str | None = None,
           atuais: str | None = None, pagina: str | None = None, **_):
    from indicators.model import AREAS
    lang = lang_of(lang)
    levels, statuses = _split(nivel), _split(estado)
    region = _region_id(regiao)
    errs = validate(area, levels, region, statuses, lang, atuais)
    if errs:
        return tv.problem_page("400", " ".join(errs), lang)
    current = bool(_current(atuais))
    df = filtered_alarms(area, levels, region, statuses, current)
    errs = validate_page(pagina, len(df), lang)
    if errs:
        return tv.problem_page("400", " ".join(errs), lang)
    page = _page(pagina)
    detail = None
    if alarme:
        detail = alarm_detail(alarme, lang, "/alarmes" + search_of(area, levels, region, statuses, lang,
                                                                   current=current, page=page))
        if detail is None:
            return tv.problem_page("404", tx("unknown_alarm", lang, id=alarme), lang)
    lv, st = tv.alarm_levels(), tv.alarm_statuses()
    return html.Div([
        dcc.Store(id=ids.STATE, data={"lang": lang}), dcc.Store(id=ids.URL_SEARCH), dcc.Store(id=ids.URL_SYNC),
        html.H1(tx("h1", lang)),
        html.P(tx("lead", lang)),
        detail,
        html.Section([
            html.H2(tx("filters", lang), className="h5"),
            html.Div([
                html.Div([html.Label(tx("area", lang), htmlFor=ids.AREA, className="form-label"),
                          dbc.Select(id=ids.AREA, value=area or ALL_VALUE,
                                     options=[{"label": tx("all", lang), "value": ALL_VALUE}]
                                     + [{"label": area_label(k, lang), "value": k} for k in AREAS])],
                         className="col-md-3"),
                html.Div([html.Label(tx("region", lang), htmlFor=ids.REGION, className="form-label"),
                          dbc.Select(id=ids.REGION, value=region or ALL_VALUE,
                                     options=[{"label": tx("all", lang), "value": ALL_VALUE}] + region_options(lang))],
                         className="col-md-3"),
                html.Fieldset([html.Legend(tx("level", lang), className="form-label fs-6 fw-semibold"),
                               dbc.Checklist(id=ids.LEVEL, value=levels, inline=True,
                                             options=[{"label": html.Span([tv.level_icon(k), " ",
                                                                           v["en" if lang == "en" else "pt"]]),
                                                       "value": k} for k, v in lv.items()])],
                              className="col-md-3"),
                html.Fieldset([html.Legend(tx("status", lang), className="form-label fs-6 fw-semibold"),
                               dbc.Checklist(id=ids.STATUS, value=statuses, inline=True,
                                             options=[{"label": v["en" if lang == "en" else "pt"], "value": k}
                                                      for k, v in st.items()])],
                              className="col-md-3"),
                html.Fieldset([html.Legend(tx("series", lang), className="form-label fs-6 fw-semibold"),
                               dbc.Checklist(id=ids.CURRENT, value=[CURRENT_ON] if current else [],
                                             options=[{"label": tx("current", lang), "value": CURRENT_ON}])],
                              className="col-md-3"),
            ], className="row g-3"),
        ], className="obs-controls"),
        html.Div(alarm_list(area, levels, region, statuses, lang, current, page, df=df), id=ids.LIST, className="mt-3",
                 **{"aria-live": "polite"}),
    ], className="obs-alarms-page")


@callback(Output(ids.LIST, "children"), Output(ids.URL_SEARCH, "data"),
          Input(ids.AREA, "value"), Input(ids.LEVEL, "value"), Input(ids.REGION, "value"),
          Input(ids.STATUS, "value"), Input(ids.CURRENT, "value"), State(ids.STATE, "data"),
          prevent_initial_call=True)
def update(area, levels, region, statuses, current, state):
    """Re-filter the alarm list (back to its first page); the URL keeps the filters."""
    lang = lang_of((state or {}).get("lang"))
    levels, statuses = list(levels or []), list(statuses or [])
    area = None if area in (None, "", ALL_VALUE) else area
    region = None if region in (None, "", ALL_VALUE) else region
    current = CURRENT_ON in (current or [])
    return (alarm_list(area, levels, region, statuses, lang, current),
            search_of(area, levels, region, statuses, lang, current=current))


clientside_callback(tv.URL_SYNC_JS, Output(ids.URL_SYNC, "data"), Input(ids.URL_SEARCH, "data"),
                    prevent_initial_call=True)
