"""Sharing: absolute links from OBS_BASE_URL, "copy link" and "download image" buttons next to every
chart, and the social preview of every page (`<title>`, Open Graph, Twitter card) that the server
writes into the HTML it sends (crawlers do not run JavaScript).

The buttons are plain HTML with `data-*` attributes; `assets/share.js` does the work in the browser
(Clipboard API with a select-the-text fallback, announced in an aria-live region; PNG/SVG export
of the figure with its title, subtitle, legend, unit, source and licence).
"""
from __future__ import annotations

import functools
import html as _html
import io
import re
from urllib.parse import urlencode

from dash import html

from core import fmt, settings
from serving import data
from core.i18n import DEFAULT, HTML_LANG, OG_LOCALE, column, lang_of, level_label, pick, t

SITE = "Observatório"


def _lang_href(path: str, lang: str) -> str:
    """An address that keeps the language (`?lang=en`; pt-PT is the default and needs none)."""
    return path + ("" if lang == DEFAULT else f"?lang={lang}")
#: characters a line of a downloaded image's footer (1200 px wide, 14 px type)
FOOTER_WIDTH = 150
#: social preview image size (Open Graph / Twitter "summary_large_image")
CARD_SIZE = (1200, 630)


# -- absolute URLs ------------------------------------------------------------------------------

def base_url() -> str:
    """The public base URL (never the request's Host header: it can be forged)."""
    return settings.env("OBS_BASE_URL").rstrip("/")


def absolute(path: str) -> str:
    return base_url() + (path if path.startswith("/") else "/" + path)


# -- buttons next to charts ---------------------------------------------------------------------

def chart_tools(graph_id: str, lang: str, *, label: str, anchor: str | None = None, tab: str | None = None,
                images: bool = True) -> html.Div:
    """"Copy link" (to this chart: the current view's URL + #anchor) and "download PNG / SVG" for one
    chart. `label` names the chart for screen readers ("Mapa", "Série temporal")."""
    items = [html.Button(t("share.copy_chart", lang), type="button", className="btn btn-sm btn-outline-primary",
                         **{"data-copy-link": "chart", "data-anchor": anchor or graph_id, "data-tab": tab or "",
                            "data-base": base_url(), "data-done": t("share.copied", lang),
                            "data-fallback": t("share.select", lang)})]
    if images:
        for fmt_ in ("png", "svg"):
            items.append(html.Button(t(f"share.download_{fmt_}", lang), type="button",
                                     className="btn btn-sm btn-outline-primary",
                                     **{"data-export": fmt_, "data-graph": graph_id,
                                        "data-done": t("share.downloaded", lang),
                                        "data-failed": t("share.failed", lang), "data-lang": lang}))
    return html.Div([
        *items,
        html.Textarea(readOnly=True, rows=2, className="form-control form-control-sm share-url", hidden=True,
                   tabIndex=-1, **{"aria-label": t("share.url", lang)}),
        html.Span(className="visually-hidden share-status", role="status", **{"aria-live": "polite"}),
    ], className="chart-tools", role="group", **{"aria-label": t("share.tools", lang, chart=label)})


def view_link(lang: str) -> html.Div:
    """"Copy the link to this view": the address bar's URL (it holds the whole view) on OBS_BASE_URL."""
    return html.Div([
        html.Button(t("share.copy_view", lang), type="button", className="btn btn-sm btn-primary",
                    **{"data-copy-link": "view", "data-base": base_url(), "data-done": t("share.copied", lang),
                       "data-fallback": t("share.select", lang)}),
        html.Textarea(readOnly=True, rows=2, className="form-control form-control-sm share-url", hidden=True,
                   tabIndex=-1, **{"aria-label": t("share.url", lang)}),
        html.Span(className="visually-hidden share-status", role="status", **{"aria-live": "polite"}),
    ], className="chart-tools view-link")


# -- what an exported image says ------------------------------------------------------------------

def slug(*parts) -> str:
    """A file name part: `indice_envelhecimento_2020_municipios` (ASCII, no spaces or slashes)."""
    import unicodedata
    s = "_".join(str(p) for p in parts if p not in (None, ""))
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-_").lower() or "observatorio"


def export_meta(*, title: str, subtitle: str, unit: str, sources: list[dict], lang: str, filename: str,
                url: str, legend: list | None = None, legend_title: str = "") -> dict:
    """What a downloaded PNG/SVG carries besides the chart (assets/share.js draws it): title,
    subtitle (territory and period), unit, source and licence line, the link, and for maps the legend."""
    import textwrap
    producers = "; ".join(dict.fromkeys(s.get("producer", "") for s in sources if s.get("producer")))
    licences = "; ".join(dict.fromkeys(s.get("licence", "") for s in sources if s.get("licence")))
    source = t("export.source", lang, sources=producers or "—")
    licence = t("export.licence", lang, licence=licences or "—")
    footer = [*textwrap.wrap(source, FOOTER_WIDTH), *textwrap.wrap(licence, FOOTER_WIDTH), f"{SITE} · {url}"]
    return {"title": title, "subtitle": subtitle, "unit": f"{t('meta.unit', lang)}: {unit}" if unit else "",
            "source": source, "licence": licence, "url": url, "footer": footer,
            "legend": [[c, f"{label} ({fmt.number(n, 0, lang)})"] for c, label, n, *_ in (legend or [])],
            "legend_title": legend_title, "filename": filename}


# -- social previews ----------------------------------------------------------------------------

def _indicator(indicator_id: str | None) -> dict | None:
    try:
        return data.indicator(indicator_id) if indicator_id else None
    except data.NoDatabase:
        return None


def _territory(tid: str | None, municipality: bool) -> dict | None:
    if not tid or len(tid) > 12:
        return None
    try:
        ter = data.territory(tid if municipality else tid.upper())
    except data.NoDatabase:
        return None
    if ter is None or (ter["level"] == "municipio") != municipality:
        return None
    return ter


def _short(text: str, n: int = 200) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


STATIC_PAGES = {
    "/": ("home.h1", "home.lead"),
    "/alarmes": ("og.alarms.title", "og.alarms.description"),
    "/sobre": ("og.about.title", "og.about.description"),
    "/comparar": ("og.compare.title", "og.compare.description"),
}


def page_meta(path: str, args: dict | None = None) -> dict:
    """Title, description, canonical URL and preview image of a page, from the registry or the
    territory, in the URL's language. Unknown pages get a plain "not found" preview."""
    args = args or {}
    lang = lang_of(args.get("lang") if isinstance(args.get("lang"), str) else None)
    path = "/" + path.strip("/") if path != "/" else "/"
    image = absolute("/og/site.png")
    title = description = None
    parts = path.strip("/").split("/")
    if path in STATIC_PAGES:
        tk, dk = STATIC_PAGES[path]
        title, description = t(tk, lang), t(dk, lang)
    elif len(parts) == 2 and parts[0] == "indicador" or len(parts) == 3 and parts[:2] == ["embed", "indicador"]:
        ind = _indicator(parts[-1])
        if ind:
            import json
            meta = json.loads(ind.get("meta_json") or "{}")
            title = pick(meta.get("title"), lang) or ind["title_pt"]
            description = pick(meta.get("description"), lang) or t("site.tagline", lang)
            image = absolute(_lang_href(f"/og/indicador/{ind['indicator_id']}.png", lang))
    elif len(parts) == 2 and parts[0] in ("municipio", "regiao"):
        ter = _territory(parts[1], parts[0] == "municipio")
        if ter:
            title = ter["name_unique"]
            description = t("og.territory.description", lang, name=ter["name_unique"],
                            level=level_label(ter["level"], lang))
            image = absolute(_lang_href(f"/og/territorio/{ter['territory_id']}.png", lang))
    if title is None:
        title, description = t("err.404.title", lang), t("err.404.body", lang)
    query = {k: v for k, v in args.items() if isinstance(v, str) and v}
    url = absolute(path) + ("?" + urlencode(query, safe=",") if query else "")
    full = (t("home.page_title", lang, tagline=t("site.tagline", lang).split(" · ")[0]) if path == "/"  # as register_page
            else t("site.page_title", lang, page=title))
    return {"title": full, "description": _short(description), "url": url, "image": image,
            "lang": HTML_LANG[lang], "locale": OG_LOCALE[lang]}


def head_tags(meta: dict) -> str:
    """The <title> and meta tags of a page's social preview (escaped)."""
    e = functools.partial(_html.escape, quote=True)
    tags = [f"<title>{e(meta['title'])}</title>",
            f'<meta name="description" content="{e(meta["description"])}">',
            f'<link rel="canonical" href="{e(meta["url"])}">',
            f'<meta property="og:site_name" content="{SITE}">',
            '<meta property="og:type" content="website">',
            f'<meta property="og:locale" content="{meta["locale"]}">',
            f'<meta property="og:title" content="{e(meta["title"])}">',
            f'<meta property="og:description" content="{e(meta["description"])}">',
            f'<meta property="og:url" content="{e(meta["url"])}">',
            f'<meta property="og:image" content="{e(meta["image"])}">',
            f'<meta property="og:image:width" content="{CARD_SIZE[0]}">',
            f'<meta property="og:image:height" content="{CARD_SIZE[1]}">',
            f'<meta property="og:image:alt" content="{e(meta["title"])}">',
            '<meta name="twitter:card" content="summary_large_image">',
            f'<meta name="twitter:title" content="{e(meta["title"])}">',
            f'<meta name="twitter:description" content="{e(meta["description"])}">',
            f'<meta name="twitter:image" content="{e(meta["image"])}">']
    return "\n        ".join(tags)


# -- preview images (1200 × 630 PNG, drawn with Pillow) -------------------------------------------

_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font(size: int, bold: bool = False):
    from PIL import ImageFont
    try:
        return ImageFont.truetype(_FONTS[1 if bold else 0], size)
    except OSError:  # no DejaVu: Pillow's own scalable font
        return ImageFont.load_default(size)


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    words, lines, line = str(text).split(), [], ""
    for w in words:
        cand = f"{line} {w}".strip()
        if draw.textlength(cand, font=font) <= width:
            line = cand
        else:
            lines.append(line)
            line = w
    lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".,;:") + "…"
    return [x for x in lines if x]


@functools.lru_cache(maxsize=256)
def card_png(title: str, subtitle: str, footer: str) -> bytes:
    """A social preview card: the site's colours, a title, a subtitle (a value or a level) and a footer."""
    from PIL import Image, ImageDraw
    w, h = CARD_SIZE
    im = Image.new("RGB", (w, h), "#0a3d62")
    d = ImageDraw.Draw(im)
    d.rectangle([0, h - 14, w, h], fill="#b35c00")
    d.text((72, 60), SITE, font=_font(40, True), fill="#ffd27a")
    y = 150
    for line in _wrap(d, title, _font(64, True), w - 144, 3):
        d.text((72, y), line, font=_font(64, True), fill="#ffffff")
        y += 80
    y += 16
    for line in _wrap(d, subtitle, _font(36), w - 144, 2):
        d.text((72, y), line, font=_font(36), fill="#e8f0f7")
        y += 48
    d.text((72, h - 80), footer, font=_font(26), fill="#e8f0f7")
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def card_for(kind: str, ident: str, lang: str) -> bytes | None:
    """The preview image of the site, an indicator (its latest national value) or a territory; None
    for an unknown id."""
    tagline = t("site.tagline", lang)
    if kind == "site":
        return card_png(t("home.h1", lang), t("home.lead", lang), tagline)
    if kind == "indicador":
        ind = _indicator(ident)
        if ind is None:
            return None
        import json
        meta = json.loads(ind.get("meta_json") or "{}")
        title = pick(meta.get("title"), lang) or ind["title_pt"]
        per = data.periods(ident)
        sub = pick(meta.get("unit"), lang)
        if len(per):
            last = per[per["period_id"] == data.default_period(per)].iloc[0]   # the period the page opens on
            nat = data.values(ident, territory_ids=["PT"], period_id=last["period_id"])
            label = last[column("label", lang)]
            dec = int(ind["decimals"]) if ind.get("decimals") is not None else 1
            if len(nat) and nat["value"].notna().iloc[0]:
                sub = t("og.card.national", lang, period=label,
                        value=fmt.value(nat["value"].iloc[0], dec, ind.get("short_unit") or "", lang))
            else:
                sub = f"{label} · {sub}"
        return card_png(title, sub, tagline)
    if kind == "territorio":
        ter = _territory(ident, ident.isdigit())
        if ter is None:
            return None
        return card_png(ter["name_unique"], t("og.territory.card", lang, level=level_label(ter["level"], lang)),
                        tagline)
    return None
