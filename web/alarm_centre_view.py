"""The alarm centre's view (`/alarmes`) — filter by area, level, region and status; each flag in one sentence; its history.

`/alarmes?ver=historico&area=saude&nivel=critico,atencao&regiao=PT11&estado=new,ongoing&pagina=2&alarme=<id>`

`ver` (scope): `ativos` by default — the same active alarms as the home page counts, the territory pages
and the API (core.alarm_rules.is_active: not resolved, series current) —, `historico` (resolved, or of a
discontinued or stale series) or `todos`. Most severe first. The list is paginated (`pagina`, 1-based,
PAGE_SIZE alarms a page) so that it stays short on a phone; an alarm's history shows its latest
HISTORY_SHOWN periods, the earlier ones folded. `atuais=1` (old permalinks) is accepted and ignored.

Validation of the URL, the filters, paging and the list, an alarm's detail and history: pages/alarmes.py
reads the URL and wires the callbacks to these. One alarm reads as on every page (web.alarm_view).
Texts: `alarms.*`.
"""
from __future__ import annotations

import math
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from core import vocabulary as AL
from core import i18n
from core.i18n import area_label, lang_of, level_label
from serving import data
from web import alarm_view as AV
from web import territory_view as tv
from web import ui

PAGE_SIZE = 25              # alarms a page of the list (a phone screen scrolls through ~4 000 px at most)
HISTORY_SHOWN = 6           # periods of an alarm's history shown before "earlier periods" (folded)
SCOPES = list(AL.SCOPES)    # `ver`: ativos (default) | historico | todos
LEGACY_CURRENT = ("", "0", "1")  # `atuais` of old permalinks (superseded by `ver`)
ALL_VALUE = "todos"          # the "all" choice of the area and region selects
REGION_LEVELS = list(AL.REGION_LEVELS)

class ids:
    AREA = "alarmes-area"
    LEVEL = "alarmes-level"
    REGION = "alarmes-region"
    STATUS = "alarmes-status"
    SCOPE = "alarmes-scope"
    PAGER = "alarmes-pager"
    LIST = "alarmes-list"
    STATE = "alarmes-state"
    URL_SEARCH = "alarmes-url-search"
    URL_SYNC = "alarmes-url-sync"
    LIVE_TICK = "alarmes-live-tick"          # issue 13: live alarms without a reload
    LIVE_VERSION = "alarmes-live-version"


def _split(v) -> list[str]:
    if v is None:
        return []
    return [x.strip() for x in str(v).split(",") if x.strip()]


def region_options(lang: str) -> list[dict]:
    df = data.territories(REGION_LEVELS)
    return [{"label": f"{r['name_unique']} — {level_label(r['level'], lang)}", "value": r["territory_id"]}
            for r in df.to_dict("records")]


def _scope(ver) -> str | None:
    """`ver`: ativos (absent or empty), historico or todos; None when it is none of them."""
    if ver in (None, ""):
        return AL.DEFAULT_SCOPE
    return ver if ver in SCOPES else None


def _page(pagina) -> int | None:
    """`pagina`: a positive integer (1 when absent); None when it is not one."""
    if pagina in (None, ""):
        return 1
    s = str(pagina).strip()
    return int(s) if s.isdigit() and int(s) >= 1 else None


def n_pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE_SIZE))


def filtered_alarms(area, levels, region, statuses, scope: str = AL.DEFAULT_SCOPE) -> pd.DataFrame:
    """The alarms matching the filters in the data layer's order (active first, critical first)."""
    return data.alarms(areas=[area] if area else None, levels=levels or None, statuses=statuses or None,
                       region_id=region or None, scope=scope or AL.DEFAULT_SCOPE)


def validate_page(pagina, n: int, lang: str) -> list[str]:
    """The error (if any) of `pagina` for a list of `n` alarms: a positive integer up to the last page."""
    p = _page(pagina)
    if p is None or p > n_pages(n):
        return [i18n.t("err.param", lang, name="pagina", value=pagina,
                       valid=i18n.t("alarms.page_range", lang, n=n_pages(n)))]
    return []


def validate(area, levels, region, statuses, lang, ver=None, atuais=None) -> list[str]:
    from indicators.model import AREAS
    errs = []
    if _scope(ver) is None:
        errs.append(i18n.t("err.param", lang, name="ver", value=ver, valid=", ".join(SCOPES)))
    if atuais is not None and str(atuais) not in LEGACY_CURRENT:
        errs.append(i18n.t("err.param", lang, name="atuais", value=atuais, valid="1"))
    if area and area not in AREAS:
        errs.append(i18n.t("err.param", lang, name="area", value=area, valid=", ".join(AREAS)))
    lv = AV.alarm_levels()
    for x in levels:
        if x not in lv:
            errs.append(i18n.t("err.param", lang, name="nivel", value=x, valid=", ".join(lv)))
    st = AV.alarm_statuses()
    for x in statuses:
        if x not in st:
            errs.append(i18n.t("err.param", lang, name="estado", value=x, valid=", ".join(st)))
        elif _scope(ver) == "ativos" and not st[x]["active"]:   # a resolved alarm is never active
            errs.append(i18n.t("err.param", lang, name="estado", value=x,
                               valid=", ".join(k for k, v in st.items() if v["active"])
                               + " (ver=historico, ver=todos: " + ", ".join(st) + ")"))
    if region:
        r = data.territory(region)
        if r is None or r["level"] not in REGION_LEVELS + ["pais"]:
            errs.append(i18n.t("err.param", lang, name="regiao", value=region, valid="PT11, PT111, DI01, EI16D, …"))
    return errs


def search_of(area, levels, region, statuses, lang, alarme=None, scope: str = AL.DEFAULT_SCOPE,
              page: int = 1) -> str:
    """The query string of a state (canonical: defaults are left out; page 1 has no `pagina`)."""
    q = {}
    if scope and scope != AL.DEFAULT_SCOPE:
        q["ver"] = scope
    if area:
        q["area"] = area
    if levels:
        q["nivel"] = ",".join(levels)
    if region:
        q["regiao"] = region
    if statuses:
        q["estado"] = ",".join(statuses)
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
    """How many alarms of each level, the most severe first."""
    items = []
    for key in AV.alarm_levels():
        n = int((df["level"] == key).sum()) if len(df) else 0
        items.append(html.Li([AV.level_badge(key, lang), f" {n}"], className="list-inline-item me-3"))
    return html.Div([html.H2(i18n.t("alarms.by_level", lang), className="h6"), html.Ul(items, className="list-inline")],
                    className="obs-level-counts")


def pager(page: int, pages: int, lang: str, filters: dict) -> html.Nav:
    """Previous / page x of y / next: plain links (permalinks) that keep every filter."""
    def link(p, key, arrow_first):
        arrow = html.Span("←" if arrow_first else "→", **{"aria-hidden": "true"})
        text = [arrow, " ", i18n.t(f"alarms.{key}", lang)] if arrow_first else [i18n.t(f"alarms.{key}", lang), " ", arrow]
        return html.Li(dcc.Link(text, href="/alarmes" + search_of(**filters, lang=lang, page=p),
                                className="page-link", id=f"{ids.PAGER}-{key}"), className="page-item")
    items = []
    if page > 1:
        items.append(link(page - 1, "prev", True))
    items.append(html.Li(html.Span(i18n.t("alarms.page_of", lang, p=page, n=pages), className="page-link",
                                   **{"aria-current": "page"}), className="page-item active"))
    if page < pages:
        items.append(link(page + 1, "next", False))
    return html.Nav(html.Ul(items, className="pagination flex-wrap"), id=ids.PAGER, className="obs-alarm-pager",
                    **{"aria-label": i18n.t("alarms.pages", lang)})


def alarm_rows(df: pd.DataFrame, lang: str, filters: dict) -> html.Ul:
    """The alarms as a list (one item each: level, territory · indicator, one sentence, state, rule kind,
    history link): readable at 375 px without sideways scrolling."""
    items = [AV.alarm_item(a, lang, detail_href="/alarmes" + search_of(**filters, lang=lang, alarme=a["alarm_id"]),
                           territory_href=ui.href(_profile_path(a["territory_id"]), lang),
                           indicator_href=None if a.get("origin") == "live"   # a live series has no page
                           else ui.href(f"/indicador/{a['indicator_id']}", lang))
             for a in df.to_dict("records")]
    return html.Ul(items, className="list-unstyled obs-alarm-list obs-alarm-centre-list",
                   **{"aria-label": i18n.t("alarms.list_label", lang)})


def alarm_list(area, levels, region, statuses, lang, scope: str = AL.DEFAULT_SCOPE, page: int = 1,
               df: pd.DataFrame | None = None) -> list:
    """The filtered alarms: counts by level, then one page of the list (PAGE_SIZE alarms) and the pager.

    `page` beyond the last page shows the last one (the layout answers 400 before getting here)."""
    scope = scope or AL.DEFAULT_SCOPE
    if df is None:
        df = filtered_alarms(area, levels, region, statuses, scope)
    filtered = bool(area or levels or region or statuses or scope != AL.DEFAULT_SCOPE)
    if df.empty:
        return [ui.empty(i18n.t("alarms.none_filtered" if filtered else "alarms.none", lang))]
    pages = n_pages(len(df))
    page = min(max(1, int(page or 1)), pages)
    start = (page - 1) * PAGE_SIZE
    chunk = df.iloc[start:start + PAGE_SIZE]
    out = [level_counts(df, lang), html.P(i18n.tn(f"alarms.count.{scope}", len(df), lang,
                                                  n=ui_number(len(df), lang)),
                                          className="obs-alarm-count")]
    filters = {"area": area, "levels": levels, "region": region, "statuses": statuses, "scope": scope}
    if pages > 1:
        out.append(html.P(i18n.t("alarms.showing", lang, a=start + 1, b=start + len(chunk), n=len(df)),
                          className="obs-alarm-showing"))
    out.append(alarm_rows(chunk, lang, {**filters, "page": page}))
    if pages > 1:
        out.append(pager(page, pages, lang, filters))
    return out


def ui_number(n: int, lang: str) -> str:
    from core import fmt
    return fmt.number(n, 0, lang)


def _history_table(rows: list[dict], ind: dict, lang: str, caption: str):
    """Period by period: level, status and the explanation; stacked rows on a phone."""
    cols = [(k, i18n.t(f"profile.{k}", lang)) for k in ("period", "level", "status", "explanation")]
    data_rows = [{
        "period": (h.get("label_en") if lang == "en" else h.get("label_pt")) or h["period_id"],
        "level": AV.level_badge(h["level"], lang) if h.get("level") and h["flagged"] else "—",
        "status": AV.status_label(h["status"], lang),
        "explanation": AV.sentence(h, lang) or tv.fmt_value(h.get("value"), ind, lang),
    } for h in rows]
    return ui.table(cols, data_rows, caption, row_header="period", stack=True, wrap=None,
                    classes={"explanation": "obs-expl"}, className="obs-alarm-history")


def history_section(alarm_id: str, ind: dict, lang: str) -> list:
    """The alarm's history, newest first: the latest HISTORY_SHOWN periods, the earlier ones folded
    (a COVID-19 alarm has 60-odd periods: unfolded, the page would be metres long on a phone)."""
    hist = data.alarm_history(alarm_id)
    if hist.empty:
        return [html.P(i18n.t("alarms.no_history", lang))]
    rows = hist.to_dict("records")[::-1]
    recent, earlier = rows[:HISTORY_SHOWN], rows[HISTORY_SHOWN:]
    out = [_history_table(recent, ind, lang, i18n.t("alarms.history_caption", lang))]
    if earlier:
        out.append(html.Details([html.Summary(i18n.t("alarms.history_earlier", lang, n=len(earlier))),
                                 _history_table(earlier, ind, lang, i18n.t("alarms.history_earlier_caption", lang))],
                                className="obs-history-earlier"))
    return out


def not_evaluated(a: dict, ind: dict, lang: str) -> list:
    """Provisional values after the alarm's period (a partial year or week): shown, never evaluated."""
    prov = data.provisional_values(a["indicator_id"], a["territory_id"])
    out = []
    for r in prov.to_dict("records"):
        out.append(html.P(i18n.t("alarms.not_evaluated", lang, p=(r.get("label_en") if lang == "en" else r.get("label_pt"))
                             or r["period_id"], v=tv.fmt_value(r.get("value"), ind, lang),
                             why=AL.provisional_label(r.get("provisional_reason"), lang)),
                          className="obs-not-evaluated small"))
    return out


def alarm_detail(alarm_id: str, lang: str, back_href: str):
    """One alarm: its level and state, its sentence and rule kind, the facts it was computed from, any
    provisional value left out, and its history."""
    df = data.alarms(alarm_id=alarm_id)
    if df.empty:
        return None
    a = df.iloc[0].to_dict()
    ind = {"decimals": a.get("decimals"), "short_unit": a.get("short_unit"), "short_unit_en": a.get("short_unit_en")}
    ind_title = a["title_en"] if lang == "en" else a["title_pt"]
    facts = [
        (i18n.t("alarms.state", lang), AV.state_text(a, lang)),
        (i18n.t("alarms.rule", lang), AL.label("rule", a["rule_type"], lang, default=a["rule_type"])),
        (i18n.t("profile.value", lang), tv.fmt_value(a.get("value"), ind, lang)),
        (i18n.t("profile.threshold", lang), tv.fmt_value(a.get("threshold"), ind, lang)),
        (i18n.t("profile.reference", lang), tv.fmt_value(a.get("reference_value"), ind, lang)
         + (f" ({AL.label('reference', a['reference_kind'], lang, default=a['reference_kind'])})"
            if a.get("reference_kind") else "")),
        (i18n.t("profile.period", lang), (a.get("period_label_en") if lang == "en" else a.get("period_label_pt"))
         or a.get("period_id")),
    ]
    return html.Section([
        html.H2(i18n.t("alarms.detail_h", lang, ind=ind_title, ter=a["name_unique"]), id="alarme-detalhe"),
        html.P([AV.level_badge(a["level"], lang), " ", html.Span(AV.state_text(a, lang), className="obs-alarm-state")],
               className="obs-alarm-head"),
        html.P(AV.sentence(a, lang), className="lead obs-alarm-explanation"),
        html.P(AV.rule_kind(a, lang), className="obs-alarm-meta"),
        ui.keyfacts(facts, grid=True),
        *not_evaluated(a, ind, lang),
        html.H3(i18n.t("profile.history", lang)),
        *history_section(alarm_id, ind, lang),
        html.P([html.Span(tv.title({"title_pt": a["title_pt"], "title_en": a["title_en"]}, lang))
                if a.get("origin") == "live" else   # issue 13: a live series has no indicator page
                dcc.Link(tv.title({"title_pt": a["title_pt"], "title_en": a["title_en"]}, lang),
                         href=ui.href(f"/indicador/{a['indicator_id']}", lang)), " · ",
                dcc.Link(a["name_unique"], href=ui.href(_profile_path(a["territory_id"]), lang)), " · ",
                dcc.Link(i18n.t("alarms.close", lang), href=back_href)]),
    ], className="obs-alarm-detail card card-body mb-3")


def _region_id(regiao) -> str | None:
    return regiao.upper() if regiao and not regiao.isdigit() else (regiao or None)


def status_options(scope: str, lang: str) -> list[dict]:
    """The status choices; "resolved" is never active, so it is offered only in the history and in all."""
    return [{"label": v["en" if lang == "en" else "pt"], "value": k,
             "disabled": scope == "ativos" and not v["active"]} for k, v in AV.alarm_statuses().items()]


def _clean_statuses(statuses: list[str], scope: str) -> list[str]:
    return [x for x in statuses if scope != "ativos" or AL.STATUSES[x].active]


def http_status(area: str | None = None, nivel: str | None = None, regiao: str | None = None,
                estado: str | None = None, alarme: str | None = None, lang: str | None = None,
                ver: str | None = None, atuais: str | None = None, pagina: str | None = None, **_) -> int:
    """The HTTP status of a direct load: 400 for bad filters or page, 404 for an unknown alarm."""
    lang = lang_of(lang)
    levels, statuses, region = _split(nivel), _split(estado), _region_id(regiao)
    if validate(area, levels, region, statuses, lang, ver, atuais):
        return 400
    if pagina not in (None, "") and validate_page(
            pagina, len(filtered_alarms(area, levels, region, statuses, _scope(ver))), lang):
        return 400
    return 404 if alarme and data.alarms(alarm_id=alarme).empty else 200


def centre(area: str | None = None, nivel: str | None = None, regiao: str | None = None,
           estado: str | None = None, alarme: str | None = None, lang: str | None = None,
           ver: str | None = None, atuais: str | None = None, pagina: str | None = None, **_):
    """The alarm centre for the URL's parameters (filters, page, an opened alarm), or a helpful 400/404."""
    from indicators.model import AREAS
    lang = lang_of(lang)
    levels, statuses = _split(nivel), _split(estado)
    region = _region_id(regiao)
    errs = validate(area, levels, region, statuses, lang, ver, atuais)
    if errs:
        return tv.problem_page("400", " ".join(errs), lang)
    scope = _scope(ver)
    df = filtered_alarms(area, levels, region, statuses, scope)
    errs = validate_page(pagina, len(df), lang)
    if errs:
        return tv.problem_page("400", " ".join(errs), lang)
    page = _page(pagina)
    detail = None
    if alarme:
        detail = alarm_detail(alarme, lang, "/alarmes" + search_of(area, levels, region, statuses, lang,
                                                                   scope=scope, page=page))
        if detail is None:
            return tv.problem_page("404", i18n.t("alarms.unknown_alarm", lang, id=alarme), lang)
    lv = AV.alarm_levels()
    return html.Div([
        dcc.Store(id=ids.STATE, data={"lang": lang}), dcc.Store(id=ids.URL_SEARCH), dcc.Store(id=ids.URL_SYNC),
        dcc.Interval(id=ids.LIVE_TICK, interval=LIVE_EVERY_MS),                       # issue 13: live alarms
        dcc.Store(id=ids.LIVE_VERSION, data=data.alarm_sources_version()),
        html.H1(i18n.t("alarms.h1", lang)),
        html.P(i18n.t("alarms.lead", lang)),
        html.P(i18n.t("live.updated", lang), className="small text-muted obs-live-note"),
        detail,
        html.Section([
            html.H2(i18n.t("alarms.filters", lang), className="h5"),
            html.Div([
                html.Fieldset([html.Legend(i18n.t("alarms.scope", lang), className="form-label fs-6 fw-semibold"),
                               dbc.RadioItems(id=ids.SCOPE, value=scope, inline=True,
                                              options=[{"label": v.label(lang), "value": k}
                                                       for k, v in AL.SCOPES.items()])],
                              className="col-md-3"),
                html.Div([html.Label(i18n.t("alarms.area", lang), htmlFor=ids.AREA, className="form-label"),
                          dbc.Select(id=ids.AREA, value=area or ALL_VALUE,
                                     options=[{"label": i18n.t("alarms.all", lang), "value": ALL_VALUE}]
                                     + [{"label": area_label(k, lang), "value": k} for k in AREAS])],
                         className="col-md-3"),
                html.Div([html.Label(i18n.t("alarms.region", lang), htmlFor=ids.REGION, className="form-label"),
                          dbc.Select(id=ids.REGION, value=region or ALL_VALUE,
                                     options=[{"label": i18n.t("alarms.all", lang), "value": ALL_VALUE}] + region_options(lang))],
                         className="col-md-3"),
                html.Fieldset([html.Legend(i18n.t("alarms.level", lang), className="form-label fs-6 fw-semibold"),
                               dbc.Checklist(id=ids.LEVEL, value=levels, inline=True,
                                             options=[{"label": html.Span([AV.level_icon(k), " ",
                                                                           v["en" if lang == "en" else "pt"]]),
                                                       "value": k} for k, v in lv.items()])],
                              className="col-md-3"),
                html.Fieldset([html.Legend(i18n.t("alarms.status", lang), className="form-label fs-6 fw-semibold"),
                               dbc.Checklist(id=ids.STATUS, value=statuses, inline=True,
                                             options=status_options(scope, lang))],
                              className="col-md-6"),
            ], className="row g-3"),
        ], className="obs-controls"),
        html.Div(alarm_list(area, levels, region, statuses, lang, scope, page, df=df), id=ids.LIST, className="mt-3",
                 **{"aria-live": "polite"}),
    ], className="obs-alarms-page")


def refilter(scope, area, levels, region, statuses, lang: str) -> tuple:
    """What the filters' callback returns: the list (back to its first page), the URL search that keeps
    the filters, the status choices and the statuses kept ("resolved" is offered only outside the active
    scope)."""
    scope = _scope(scope) or AL.DEFAULT_SCOPE
    levels = list(levels or [])
    statuses = _clean_statuses(list(statuses or []), scope)
    area = None if area in (None, "", ALL_VALUE) else area
    region = None if region in (None, "", ALL_VALUE) else region
    return (alarm_list(area, levels, region, statuses, lang, scope),
            search_of(area, levels, region, statuses, lang, scope=scope),
            status_options(scope, lang), statuses)


# -- issue 13: live alarms appear without a reload --------------------------------------------------------
#: how often an open alarm centre or municipality page asks whether the live alarms changed
LIVE_EVERY_MS = 5000


def refresh_live(seen, scope, area, levels, region, statuses, lang: str, search: str | None) -> tuple:
    """The list on the page the reader is on, redrawn only when the live alarms changed (nothing sent
    otherwise): (children or no_update, version or no_update)."""
    import dash
    from urllib.parse import parse_qs
    now = data.alarm_sources_version()
    if now == seen:
        return dash.no_update, dash.no_update
    page = _page((parse_qs((search or "").lstrip("?")).get("pagina") or [None])[0]) or 1
    scope = _scope(scope) or AL.DEFAULT_SCOPE
    area = None if area in (None, "", ALL_VALUE) else area
    region = None if region in (None, "", ALL_VALUE) else region
    return alarm_list(area, list(levels or []), region, _clean_statuses(list(statuses or []), scope), lang, scope,
                      page), now
