"""The API documentation for people, at /api/docs: an introduction in pt-PT and English (access,
formats, licences, limits, examples) and the interactive endpoint reference drawn by Swagger UI from
/api/v1/openapi.json.

Swagger UI comes from the `swagger-ui-bundle-v2` wheel (Swagger UI 5, the official distribution's
files packaged for Python; the older `swagger-ui-bundle` wheel ships Swagger UI 4, which cannot read
OpenAPI 3.1) and is served by this app: the page loads nothing from another origin (no CDN, no
fonts, the online validator is off). `?lang=en` gives the page in English.
"""
from __future__ import annotations

import html
import os
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path as _SWAGGER_PATH

from core.i18n import DEFAULT, HTML_LANG, LANGS, lang_of, t

DOCS_PATH = "/api/docs"
OPENAPI_URL = "/api/v1/openapi.json"
STATIC = Path(__file__).resolve().parent / "static"

SWAGGER_DIR = Path(str(_SWAGGER_PATH))
#: the files of Swagger UI the page uses (the URL carries the version: cached for a year)
SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js")
SWAGGER_VERSION = SWAGGER_DIR.name.rsplit("-", 1)[-1]

docs = Blueprint("api_docs", __name__, url_prefix=DOCS_PATH, static_folder=str(STATIC), static_url_path="/static")


def swagger_url(name: str) -> str:
    return f"{DOCS_PATH}/swagger-ui/{SWAGGER_VERSION}/{name}"


@docs.get("/swagger-ui/<version>/<name>")
def swagger_file(version: str, name: str):
    if version != SWAGGER_VERSION or name not in SWAGGER_FILES:
        abort(404)
    resp = send_from_directory(SWAGGER_DIR, name, max_age=31536000)
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return resp


@docs.get("/<path:rest>")
def docs_not_found(rest: str):
    abort(404)


# -- the page ------------------------------------------------------------------------------------


def _code(s: str) -> str:
    return f"<code>{html.escape(s)}</code>"


def _wrap(body: str, lang: str, heading: str, hid: str, folded: bool, summary: str) -> str:
    """The introduction in one language: a section, or (the second language) a folded <details>."""
    if folded:
        return (f'<details class="docs-intro" lang="{HTML_LANG[lang]}"><summary><h2 id="{hid}">{summary}</h2></summary>'
                f'{body}</details>')
    return (f'<section class="docs-intro" lang="{HTML_LANG[lang]}" aria-labelledby="{hid}">'
            f'<h2 id="{hid}">{heading}</h2>{body}</section>')


def _intro(lang: str, base: str, folded: bool = False) -> str:
    """How to use the API, in one language (catalogue `apidocs.intro.*`: HTML, with the examples' absolute
    addresses as {ex_values}, {ex_csv}, {ex_excel})."""
    ex = {"ex_values": f"{base}/api/v1/values?indicator=indice_envelhecimento&territory=0101",
          "ex_csv": f"{base}/api/v1/values?indicator=divida_total&level=municipio&format=csv&page_size=10000",
          "ex_excel": f"{base}/download/indicador/divida_total.csv?dialect=excel"}
    body = "\n" + t("apidocs.intro.body", lang, **{k: html.escape(v) for k, v in ex.items()})
    return _wrap(body, lang, t("apidocs.intro.heading", lang), f"intro-{lang}", folded, t("apidocs.intro.summary", lang))


def page(lang: str, base: str) -> str:
    """The documentation page's HTML in `lang` (pt-PT first by default; the other language follows)."""
    other = next(x for x in LANGS if x != lang)
    q = "" if other == DEFAULT else f"?lang={other}"       # the same page in the other language
    suffix = "" if lang == DEFAULT else f"?lang={lang}"    # links that keep the language
    intros = [_intro(lang, base), _intro(other, base, folded=True)]
    swagger_css = f'<link rel="stylesheet" href="{swagger_url("swagger-ui.css")}">'
    swagger_js = f'<script src="{swagger_url("swagger-ui-bundle.js")}"></script>'
    return f"""<!DOCTYPE html>
<html lang="{HTML_LANG[lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t("apidocs.title", lang))}</title>
<meta name="description" content="{html.escape(t("apidocs.h1", lang))}">
<link rel="icon" href="/assets/favicon.ico">
{swagger_css}
<link rel="stylesheet" href="{DOCS_PATH}/static/api-docs.css">
</head>
<body>
<a class="skip-link" href="#endpoints">{html.escape(t("apidocs.skip", lang))}</a>
<header class="docs-header">
<a class="docs-brand" href="/{suffix}">{html.escape(t("apidocs.home", lang))}</a>
<nav aria-label="{html.escape(t("apidocs.nav", lang))}"><ul>
<li><a href="/sobre{suffix}">{html.escape(t("apidocs.about", lang))}</a></li>
<li><a href="{DOCS_PATH}{q}" lang="{HTML_LANG[other]}">{html.escape(t("apidocs.other_lang", lang))}</a></li>
</ul></nav>
</header>
<main id="main" class="docs-main">
<h1>{html.escape(t("apidocs.h1", lang))}</h1>
{intros[0]}
{intros[1]}
<section aria-labelledby="endpoints" class="docs-endpoints">
<h2 id="endpoints" tabindex="-1">{html.escape(t("apidocs.endpoints", lang))}</h2>
<p>{t("apidocs.endpoints_intro", lang, openapi=OPENAPI_URL)}</p>
<div id="swagger-ui" data-openapi="{OPENAPI_URL}"><p class="docs-loading">{html.escape(t("apidocs.loading", lang))}</p></div>
<noscript><p>{html.escape(t("apidocs.noscript", lang, openapi=OPENAPI_URL))}</p></noscript>
</section>
</main>
<footer class="docs-footer"><p><a href="/{suffix}">{html.escape(t("apidocs.home", lang))}</a> · {html.escape(t("apidocs.code", lang))} EUPL-1.2</p></footer>
{swagger_js}
<script src="{DOCS_PATH}/static/api-docs.js"></script>
</body>
</html>"""


@docs.get("")
@docs.get("/")
def docs_page():
    lang = lang_of(request.args.get("lang"))
    # the examples' absolute URLs: OBS_BASE_URL when the operator set it (then the page may be shared by
    # caches); otherwise this server as asked, and then no shared cache may keep it (a forged Host header
    # must not reach other readers)
    configured = os.environ.get("OBS_BASE_URL", "").rstrip("/")
    resp = Response(page(lang, configured or request.host_url.rstrip("/")), mimetype="text/html")
    resp.headers["Cache-Control"] = "public, max-age=300" if configured else "private, max-age=300"
    resp.headers["Content-Language"] = HTML_LANG[lang]
    return resp
