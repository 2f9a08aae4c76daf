"""Shared layout components: header (skip link, demo banner, navbar, search, language), footer,
error pages, accessible tables and text summaries, URL helpers, and the shell's callbacks.

Pages call these helpers; app.py places `shell_layout()` around the page container. The shell is
rendered by a callback on the URL, so the language (`?lang=en`) and the demo banner always
match the current page and database.
"""
from __future__ import annotations

import re
from typing import Callable
from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from core import fmt, vocabulary
from serving import data
from web import delivery
from core.i18n import has, lang_of, t, tn

# -- component ids (constants) ---------------------------------------------------------------
URL = "shell-url"
HEADER = "shell-header"
FOOTER = "shell-footer"
FOOTER_API_LINK = "shell-footer-api"
SEARCH_INPUT = "shell-search"
SEARCH_RESULTS = "shell-search-results"       # the panel under the box (listbox, or the "nothing found" text)
SEARCH_LISTBOX = "shell-search-listbox"       # role=listbox: the results, in two labelled groups
SEARCH_STATUS = "shell-search-status"
SEARCH_OPTION = "shell-search-option"         # option ids: f"{SEARCH_OPTION}-{n}"
SEARCH_GROUP = "shell-search-group"           # group label ids: f"{SEARCH_GROUP}-places", …
SEARCH_PLACES_MAX = 6
SEARCH_INDICATORS_MAX = 6
LANG_LINK = "shell-lang"
NAV_REDIRECT = "shell-nav"
HTML_LANG_SINK = "shell-html-lang"
MAIN = "main-content"

#: paths that are not pages (never answered with a 404 page by the shell)
RESERVED_PREFIXES = ("/_dash", "/_reload", "/_favicon", "/assets", "/api", "/download", "/geo", "/health", "/og/",
                     "/ngsi-ld/", "/feeds/")  # issue 13: the live path (live.web)


# -- URLs --------------------------------------------------------------------------------------

def href(path: str, lang: str = "pt", **params) -> str:
    """A link that keeps the language: href('/indicador/x', 'en', period='2021') -> '/indicador/x?period=2021&lang=en'."""
    q = {k: v for k, v in params.items() if v not in (None, "", [], ())}
    q = {k: (",".join(v) if isinstance(v, (list, tuple)) else v) for k, v in q.items()}
    if lang == "en":
        q["lang"] = "en"
    return path + ("?" + urlencode(q, safe=",") if q else "")


def indicator_href(indicator_id: str, lang: str = "pt", **params) -> str:
    return href(f"/indicador/{indicator_id}", lang, **params)


def territory_href(territory_id: str, lang: str = "pt") -> str:
    """The profile page of a territory (page owned by the Território page): /municipio/<dico> or /regiao/<code>."""
    path = "/municipio/" if str(territory_id).isdigit() else "/regiao/"
    return href(f"{path}{territory_id}", lang)


def parse_search(search: str | None) -> dict:
    return dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=True))


def toggle_lang_href(pathname: str | None, search: str | None) -> str:
    q = parse_search(search)
    lang = lang_of(q.get("lang"))
    if lang == "en":
        q.pop("lang", None)
    else:
        q["lang"] = "en"
    return (pathname or "/") + ("?" + urlencode(q, safe=",") if q else "")


#: Clientside: put a page's state (a query string computed server-side) in the address bar without
#: reloading (replaceState), and keep the navbar's language link pointing at the same state.
URL_SYNC_JS = """
function(search) {
    if (typeof search === 'string') {
        var target = window.location.pathname + search;
        if (target !== window.location.pathname + window.location.search) {
            window.history.replaceState(window.history.state, '', target);
        }
        var link = document.getElementById('shell-lang');
        if (link) {
            var q = new URLSearchParams(search);
            if (q.get('lang') === 'en') { q.delete('lang'); } else { q.set('lang', 'en'); }
            var qs = q.toString().replace(/%2C/g, ',');
            link.setAttribute('href', window.location.pathname + (qs ? '?' + qs : ''));
        }
    }
    return window.dash_clientside.no_update;
}
"""


# -- HTTP status of a direct load --------------------------------------------------------------
#: path template -> check(**path_vars, **query) returning an HTTP status (200, 400 or 404)
STATUS_CHECKS: dict[str, Callable[..., int]] = {}


def status_check(path_template: str):
    """Register a page's check of its path variables and query for the HTTP status of a direct load."""
    def deco(fn):
        STATUS_CHECKS[path_template] = fn
        return fn
    return deco


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(<[^>]+>)", template)
    rx = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("<") else re.escape(p) for p in parts)
    return re.compile("^" + rx + "/?$")


def http_status(path: str, args: dict) -> int:
    """The status a page load of `path` should get: 404 for no page, else the page's own check."""
    if path.startswith(RESERVED_PREFIXES):
        return 200
    for page in dash.page_registry.values():
        template = page.get("path_template") or page.get("path")
        m = _template_regex(template).match(path) if template else None
        if m is None:
            continue
        check = STATUS_CHECKS.get(template)
        if check is None:
            return 200
        try:
            # merged as Dash merges them for layout(): a query parameter overrides a path variable
            # of the same name (never "got multiple values" -> 500)
            return int(check(**{**m.groupdict(), **{k: v for k, v in args.items() if k.isidentifier()}}))
        except data.NoDatabase:
            return 200
    return 404


def preload_links(path: str, args: dict | None = None) -> str:
    """Head tags: on every page, plotly.js from its immutable URL and only once a chart is drawn
    (web.delivery.plotly_loader); on pages that open with a map, plotly.js started at once (it
    downloads and evaluates while the app's layout requests are in flight) and a <link rel=preload>
    for the geometry the first map fetches (fetched in parallel with the scripts)."""
    if path != "/" and not path.startswith(("/indicador/", "/embed/indicador/")):
        return delivery.plotly_loader(eager=False)
    early = delivery.plotly_loader(eager=True)
    if path.startswith("/embed/") and (args or {}).get("view") not in (None, "", "map"):
        return early  # a chart embed never loads the map geometry
    view = (args or {}).get("tipo" if path.startswith("/embed/") else "view")
    if (args or {}).get("level", "municipio") != "municipio" or view == "tiles":
        return early
    try:
        layer = data.geo_layer("municipio")
    except OSError:
        return early
    if not layer:
        return early
    url = layer["inset_url"] or layer["url"]
    return early + f'<link rel="preload" href="{url}" as="fetch" crossorigin="anonymous">'


# -- small components --------------------------------------------------------------------------

def summary(text, id: str | None = None, *, live: bool = False, className: str | None = None) -> html.P:
    """The one-sentence text summary that accompanies every chart and map (`live`: a callback rewrites it,
    so screen readers hear the new sentence)."""
    kw = {"id": id} if id else {}
    if live:
        kw["aria-live"] = "polite"
    return html.P(text, className=" ".join(x for x in ("obs-summary", className) if x), **kw)


def empty(text) -> html.P:
    """What a list or a comparison shows when there is nothing to show."""
    return html.P(text, className="obs-empty")


def keyfacts(pairs: list[tuple], *, grid: bool = False, className: str | None = None) -> html.Dl:
    """Short facts as a description list ("População: 545 796"): on one wrapping line, or (`grid`) as a
    two-column grid of label and value."""
    cls = " ".join(x for x in ("obs-keyfacts", "obs-keyfacts--grid" if grid else None, className) if x)
    return html.Dl([x for k, v in pairs for x in (html.Dt(k), html.Dd(v))], className=cls)


def scroll_region(child, aria_label: str, *, declared: bool = False, tall: bool = False, **kw) -> html.Div:
    """A scrollable wrapper that keyboard users can focus (axe: scrollable-region-focusable) and screen
    readers hear by name. `declared`: a deliberate sideways scroller (`data-scroll-x`, tests/see.py) for a
    wide table that cannot become cards (periods × series); `tall`: also scrolls down (a long table keeps
    its header row in view)."""
    extra = {"data-scroll-x": "true"} if declared else {}
    cls = "obs-scroll obs-scroll--tall" if tall else "obs-scroll"
    return html.Div(child, className=cls, tabIndex="0", role="region", **{"aria-label": aria_label}, **extra, **kw)


def table(columns: list[tuple], rows: list[dict], caption, *, numeric=frozenset(), id: str | None = None,
          scroll: bool = False, hide_caption: bool = False, row_header: str | None = None, stack: bool = False,
          wrap: str | None = "region", classes: dict | None = None, className: str | None = None,
          scroll_label: str | None = None):
    """The one data table of the site: a semantic HTML table (caption, `th scope`), numbers right-aligned
    in tabular figures (`numeric` keys), a row header column (`row_header`).

    `columns`: (key, header) or (key, header, label) — the label (text) names the cell on a phone when the
    header is a component. `stack`: on a phone each row becomes a small card whose cells carry their
    column's name (`data-label`), so the table never scrolls sideways. `wrap`: "region" (a focusable
    wrapper that may scroll sideways), "x" (a declared sideways scroller), None (no wrapper). `scroll`:
    a tall table that also scrolls down. `classes`: extra classes of a column's cells."""
    classes = classes or {}
    cols = [(c[0], c[1], c[2] if len(c) > 2 else c[1]) for c in columns]

    def cls(key):
        out = " ".join(x for x in ("num" if key in numeric else None, classes.get(key)) if x)
        return out or None

    head = html.Thead(html.Tr([html.Th(header, scope="col", className=cls(key)) for key, header, _ in cols]))
    body_rows = []
    for r in rows:
        cells = []
        for key, _, label in cols:
            v = r.get(key, "")
            if key == row_header:
                cells.append(html.Th(v, scope="row", className=cls(key)))
            else:
                lab = {"data-label": label} if stack and isinstance(label, str) else {}
                cells.append(html.Td(v, className=cls(key), **lab))
        body_rows.append(html.Tr(cells))
    tcls = ["table", "table-sm", "obs-table"] + (["mb-0"] if wrap or scroll else [])
    if stack:
        tcls.append("obs-stack-table")
    else:
        tcls.append("table-striped")
    if className:
        tcls.append(className)
    tbl = html.Table([html.Caption(caption, className="visually-hidden" if hide_caption else None), head,
                      html.Tbody(body_rows)], className=" ".join(tcls))
    kw = {"id": id} if id else {}
    name = scroll_label or (caption if isinstance(caption, str) else "")
    if scroll:
        return scroll_region(tbl, name, tall=True, **kw)
    if wrap == "x":
        return scroll_region(tbl, name, declared=True, **kw)
    if wrap == "region":
        # may scroll sideways on a phone: focusable so the keyboard can scroll it
        return scroll_region(tbl, name, **kw)
    return html.Div(tbl, **kw) if kw else tbl


def legend(items: list[tuple], title: str, lang: str) -> html.Div:
    """An HTML legend: colour swatch + text label + count (meaning never by colour alone).
    Items are (colour, label, count[, swatch class]): the no-data item's class draws its hatching."""
    return html.Div([
        html.P(title, className="legend-title"),
        html.Ul([html.Li([html.Span(className=f"swatch {it[3]}" if len(it) > 3 else "swatch",
                                    style={"backgroundColor": it[0]}, **{"aria-hidden": "true"}),
                          html.Span(it[1]), html.Span(f" ({fmt.number(it[2], 0, lang)})", className="legend-count")])
                 for it in items], className="legend-list")])


def error_layout(status: int, lang: str, title: str, messages: list, suggestions: list | None = None) -> html.Div:
    """A helpful 404/400 page body: what went wrong, valid values, a way back."""
    return html.Div([
        html.H1([html.Span(f"{status} · ", className="text-muted"), title]),
        *[html.P(m) for m in messages],
        *(suggestions or []),
        html.P(dcc.Link(t("err.home", lang), href=href("/", lang))),
    ], className="error-page", **{"data-status": str(status)})


# -- the shell ---------------------------------------------------------------------------------

def shell_layout(page_container) -> html.Div:
    """The app's layout: URL, header slot, <main> with the page container, footer slot."""
    return html.Div([
        dcc.Location(id=URL, refresh=False),
        dcc.Location(id=NAV_REDIRECT, refresh="callback-nav"),
        html.Div(id=HTML_LANG_SINK, hidden=True),
        html.A(t("nav.skip", "pt"), href=f"#{MAIN}", className="skip-link", id="skip-link"),
        html.Header(id=HEADER, className="site-header"),
        html.Main(dbc.Container(page_container, fluid="lg", className="py-3"), id=MAIN, tabIndex=-1),
        html.Footer(id=FOOTER, className="site-footer"),
    ])


def _nav_pages():
    pages = [p for p in dash.page_registry.values() if p.get("nav")]
    return sorted(pages, key=lambda p: (p.get("order") if p.get("order") is not None else 99, p["path"]))


def nav_name(page: dict, lang: str) -> str:
    """A page's name in the navigation: the catalogue text `page.<module>` ("page.sobre"), else the name it
    registered (a page added without a key still shows)."""
    key = "page." + page["module"].rsplit(".", 1)[-1]
    return t(key, lang) if has(key) else page["name"]


def header(pathname: str, search: str, lang: str) -> list:
    demo = data.is_demo()
    links = []
    for p in _nav_pages():
        name = nav_name(p, lang)
        path = p.get("nav_path") or p["path"]
        active = (pathname or "/") == path or (path != "/" and (pathname or "").startswith(path))
        links.append(html.Li(dcc.Link(name, href=href(path, lang), className="nav-link" + (" active" if active else "")),
                             className="nav-item"))
    # a combobox (WAI-ARIA 1.2 list autocomplete): assets/search.js adds role=combobox, aria-expanded,
    # aria-controls and aria-activedescendant to the input (dcc.Input takes no ARIA props) and moves
    # through the options with the arrow keys; Enter opens the active option, or the first one
    search_box = html.Div([
        html.Label(t("search.label", lang), htmlFor=SEARCH_INPUT, className="visually-hidden"),
        dcc.Input(id=SEARCH_INPUT, type="search", placeholder=t("search.placeholder", lang), autoComplete="off",
                  debounce=False, className="form-control form-control-sm", value=""),
        html.Div(id=SEARCH_STATUS, className="visually-hidden", **{"aria-live": "polite"}),
        html.Div(id=SEARCH_RESULTS, className="search-results", hidden=True),
    ], className="site-search", role="search")
    lang_link = html.A(t("lang.switch", lang), href=toggle_lang_href(pathname, search), id=LANG_LINK,
                       className="btn btn-outline-light btn-sm lang-switch", lang="en" if lang == "pt" else "pt-PT",
                       title=t("lang.switch.label", lang))
    nav = dbc.Navbar(dbc.Container([
        dcc.Link([html.Span("Observatório", className="brand-name")], href=href("/", lang),
                 className="navbar-brand"),
        # dbc.NavbarToggler hard-codes aria-label "Toggle navigation": the same button, named in the language
        html.Button(html.Span(className="navbar-toggler-icon"), id="shell-toggler", n_clicks=0, type="button",
                    className="navbar-toggler", **{"aria-label": t("nav.toggle", lang),
                                                   "aria-controls": "shell-collapse", "aria-expanded": "false"}),
        dbc.Collapse([html.Nav(html.Ul(links, className="navbar-nav me-auto"), className="me-auto",
                               **{"aria-label": t("nav.label", lang)}), search_box, lang_link],
                     id="shell-collapse", navbar=True, is_open=False),
    ], fluid="lg"), color="primary", dark=True, expand="lg", className="site-nav")
    out = []
    if demo:
        out.append(html.Div(html.Strong(t("demo.banner", lang)), className="demo-banner", role="note",
                            id="demo-banner"))
    out.append(nav)
    return out


def footer(lang: str) -> dbc.Container:
    try:
        info = data.build_info()
        when = fmt.datetime(info.get("finished_at") or info.get("started_at"), lang) if info else "—"
    except data.NoDatabase:
        when = "—"
    note = t("demo.banner", lang) + " " if data.is_demo() else ""
    return dbc.Container([
        html.P(note + t("footer.data", lang, when=when), className="mb-1"),
        html.P([html.A(t("footer.api", lang), href=href("/api/docs", lang), id=FOOTER_API_LINK), " · ",
                t("footer.licence", lang)], className="mb-0"),
    ], fluid="lg", className="py-3")


@callback(Output(HEADER, "children"), Output(FOOTER, "children"), Output("skip-link", "children"),
          Input(URL, "pathname"), Input(URL, "search"))
def render_shell(pathname, search):
    """Header and footer in the URL's language (re-rendered on navigation)."""
    lang = lang_of(parse_search(search).get("lang"))
    if (pathname or "").startswith("/embed/"):  # chrome-less view for iframes
        return [], [], t("nav.skip", lang)
    return header(pathname, search, lang), footer(lang), t("nav.skip", lang)


@callback(Output("shell-collapse", "is_open"), Output("shell-toggler", "aria-expanded"),
          Input("shell-toggler", "n_clicks"), State("shell-collapse", "is_open"), prevent_initial_call=True)
def toggle_nav(n, is_open):
    return not is_open, "false" if is_open else "true"


def search_hits(q: str, lang: str) -> tuple[list[dict], list[dict]]:
    """Places and indicators matching `q`, as [{"href", "label", "kind"}] each, best first."""
    q = (q or "").strip()
    if len(q) < 2:
        return [], []
    places = [{"href": territory_href(r["territory_id"], lang), "label": r["name_unique"],
               "kind": t(f"level.{r['level']}", lang)}
              for _, r in data.search_territories(q, limit=SEARCH_PLACES_MAX).iterrows()]
    inds = [{"href": indicator_href(r["indicator_id"], lang), "label": r["title"],
             "kind": vocabulary.label("area", r["area"], lang)}
            for _, r in data.search_indicators(q, lang, limit=SEARCH_INDICATORS_MAX).iterrows()]
    return places, inds


def search_items(q: str, lang: str) -> tuple[list, str, bool]:
    """The results panel's children (a listbox of places and indicators in two labelled groups, or a
    "nothing found" text), the status text for screen readers, and whether the panel is hidden."""
    if len((q or "").strip()) < 2:
        return [], "", True
    places, inds = search_hits(q, lang)
    if not places and not inds:
        msg = t("search.nothing", lang, q=q.strip())
        return [html.P(msg, className="search-empty")], msg, False
    groups, n = [], 0
    for key, hits in (("places", places), ("indicators", inds)):
        if not hits:
            continue
        label_id = f"{SEARCH_GROUP}-{key}"
        options = []
        for h in hits:
            options.append(html.A([html.Span(h["label"], className="search-name"),
                                   html.Span(", ", className="visually-hidden"),
                                   html.Small(h["kind"], className="search-level")],
                                  href=h["href"], id=f"{SEARCH_OPTION}-{n}", role="option", tabIndex="-1",
                                  className="search-link", **{"aria-selected": "false"}))
            n += 1
        groups.append(html.Div([html.Div(t(f"search.{key}", lang), id=label_id, role="presentation",
                                         className="search-group-label"), *options],
                               role="group", className="search-group", **{"aria-labelledby": label_id}))
    what = f" {t('search.and', lang)} ".join(x for x in (
        tn("search.n_places", len(places), lang) if places else "",
        tn("search.n_indicators", len(inds), lang) if inds else "") if x)
    listbox = html.Div(groups, id=SEARCH_LISTBOX, role="listbox", **{"aria-label": t("search.results", lang)})
    return [listbox], t("search.count", lang, what=what[:1].upper() + what[1:]), False


@callback(Output(SEARCH_RESULTS, "children"), Output(SEARCH_STATUS, "children"), Output(SEARCH_RESULTS, "hidden"),
          Input(SEARCH_INPUT, "value"), State(URL, "search"), prevent_initial_call=True)
def on_search(q, search):
    return search_items(q, lang_of(parse_search(search).get("lang")))


def first_hit(q: str, lang: str) -> str | None:
    """Where Enter goes: the first result shown (places come first, then indicators), or None."""
    places, inds = search_hits(q, lang)
    hits = places + inds
    return hits[0]["href"] if hits else None


@callback(Output(NAV_REDIRECT, "href"), Output(SEARCH_INPUT, "value"), Input(SEARCH_INPUT, "n_submit"),
          State(SEARCH_INPUT, "value"), State(URL, "search"), prevent_initial_call=True)
def on_search_submit(n, q, search):
    """Enter with no option chosen opens the first result (assets/search.js handles a chosen one)."""
    target = first_hit(q or "", lang_of(parse_search(search).get("lang")))
    if target is None:
        raise PreventUpdate
    return target, ""


clientside_callback(
    """function(search) {
        var en = /(^|[?&])lang=en(&|$)/.test(search || '');
        document.documentElement.lang = en ? 'en' : 'pt-PT';
        return '';
    }""",
    Output(HTML_LANG_SINK, "children"), Input(URL, "search"))
