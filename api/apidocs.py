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

from core.i18n import HTML_LANG, lang_of

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

TEXTS = {
    "title": ("Documentação da API — Observatório", "API documentation — Observatório"),
    "h1": ("API de dados abertos do Observatório", "The Observatório's open data API"),
    "skip": ("Saltar para a lista de endpoints", "Skip to the list of endpoints"),
    "home": ("Observatório", "Observatório"),
    "about": ("Sobre os dados", "About the data"),
    "other_lang": ("English", "Português"),
    "endpoints": ("Endpoints", "Endpoints"),
    "endpoints_intro": (
        "Referência interativa gerada a partir do <a href=\"{openapi}\">documento OpenAPI 3.1</a>: abra um "
        "endpoint para ver os parâmetros, os valores válidos e o formato da resposta; «Try it out» faz o pedido "
        "a partir desta página. A referência está em inglês, com o resumo de cada endpoint também em português.",
        "Interactive reference generated from the <a href=\"{openapi}\">OpenAPI 3.1 document</a>: open an "
        "endpoint to see its parameters, their valid values and the shape of the answer; “Try it out” sends the "
        "request from this page."),
    "noscript": ("A referência interativa precisa de JavaScript. O documento OpenAPI está em {openapi}.",
                 "The interactive reference needs JavaScript. The OpenAPI document is at {openapi}."),
    "loading": ("A carregar a lista de endpoints…", "Loading the list of endpoints…"),
}


def _t(key: str, lang: str, **kw) -> str:
    pt, en = TEXTS[key]
    return (en if lang == "en" else pt).format(**kw)


def _code(s: str) -> str:
    return f"<code>{html.escape(s)}</code>"


def _wrap(body: str, lang: str, heading: str, hid: str, folded: bool, summary: str) -> str:
    """The introduction in one language: a section, or (the second language) a folded <details>."""
    if folded:
        return (f'<details class="docs-intro" lang="{HTML_LANG[lang]}"><summary><h2 id="{hid}">{summary}</h2></summary>'
                f'{body}</details>')
    return (f'<section class="docs-intro" lang="{HTML_LANG[lang]}" aria-labelledby="{hid}">'
            f'<h2 id="{hid}">{heading}</h2>{body}</section>')


def _intro_pt(base: str, folded: bool = False) -> str:
    ex_values = f"{base}/api/v1/values?indicator=indice_envelhecimento&territory=0101"
    ex_csv = f"{base}/api/v1/values?indicator=divida_total&level=municipio&format=csv&page_size=10000"
    ex_excel = f"{base}/download/indicador/divida_total.csv?dialect=excel"
    body = f"""
<p>Uma API pública, só de leitura, com os mesmos dados das páginas do Observatório: indicadores e os seus
metadados (fontes, licenças, advertências), valores por território e período, territórios, alarmes e
grupos de pares dos municípios.</p>
<dl class="docs-facts">
<dt>Autenticação</dt>
<dd>Nenhuma: sem conta nem chave, qualquer pedido <code>GET</code> é respondido. Não há dados pessoais.</dd>
<dt>Formatos</dt>
<dd>JSON por omissão, sempre com o envelope {_code('{"data", "pagination", "meta"}')}; em {_code('meta')}
vêm a versão dos dados ({_code('run_id')}, {_code('built_at')}), a licença e como citar.
CSV com {_code('format=csv')}, em dois dialetos: {_code('dialect=tidy')} (para programas: UTF-8, vírgula,
ponto decimal, cabeçalhos em inglês, precisão total) e {_code('dialect=excel')} (para o Excel em Portugal:
UTF-8 com BOM, ponto e vírgula, vírgula decimal, cabeçalhos em português, «sim»/«não», valores arredondados
às casas decimais do indicador). Leia {_code('territory_id')} e {_code('period_id')} como texto
(o código 0101 tem um zero à esquerda).</dd>
<dt>Erros</dt>
<dd>{_code('{"error": {"status", "message", "parameter", "valid"}}')}: 400 para um parâmetro inválido
(com a lista dos valores válidos), 404 para um identificador desconhecido; nunca um traceback.</dd>
<dt>Licenças</dt>
<dd>Os dados mantêm a licença da fonte de cada indicador (campo {_code('sources')}); cite a fonte e o
Observatório ({_code('meta.citation')}). O código do Observatório é EUPL-1.2.</dd>
<dt>Limites</dt>
<dd>A aplicação não impõe limite de pedidos. Cada página tem até 10&nbsp;000 linhas
({_code('page')}, {_code('page_size')}; cabeçalhos {_code('Link')} e {_code('X-Total-Count')}). As respostas
trazem {_code('ETag')} e {_code('Cache-Control: public, max-age=300')}: repita o pedido com
{_code('If-None-Match')} e recebe 304 se nada mudou. Para um indicador inteiro, com metadados, use o ZIP
de {_code('/download/indicador/<id>.zip')}.</dd>
</dl>
<h3>Exemplos</h3>
<p>Os valores do índice de envelhecimento em Águeda (JSON):</p>
<pre><code>curl "{html.escape(ex_values)}"</code></pre>
<p>A dívida total de todos os municípios, em Python (pandas):</p>
<pre><code>import pandas as pd
df = pd.read_csv("{html.escape(ex_csv)}",
                 dtype={{"territory_id": str, "period_id": str}})</code></pre>
<p>O mesmo indicador para abrir no Excel: <a href="{html.escape(ex_excel)}">{html.escape(ex_excel)}</a></p>"""
    return _wrap(body, "pt", "Como usar", "intro-pt", folded, "Em português")


def _intro_en(base: str, folded: bool = False) -> str:
    ex_values = f"{base}/api/v1/values?indicator=indice_envelhecimento&territory=0101"
    ex_csv = f"{base}/api/v1/values?indicator=divida_total&level=municipio&format=csv&page_size=10000"
    body = f"""
<p>A public, read-only API with the same data as the Observatório's pages: indicators and their metadata
(sources, licences, caveats), values by territory and period, territories, alarms, and the
municipalities' peer groups.</p>
<dl class="docs-facts">
<dt>Authentication</dt>
<dd>None: no authentication and no key, any <code>GET</code> request is answered. There is no personal data.</dd>
<dt>Formats</dt>
<dd>JSON by default, always in the envelope {_code('{"data", "pagination", "meta"}')}; {_code('meta')}
carries the data build ({_code('run_id')}, {_code('built_at')}), the licence and how to cite.
CSV with {_code('format=csv')}, in two dialects: {_code('dialect=tidy')} (for programs: UTF-8, comma,
dot decimal, English headers, full precision) and {_code('dialect=excel')} (for Excel in Portugal: UTF-8
with BOM, semicolon, decimal comma, Portuguese headers — English with {_code('lang=en')} — yes/no,
values rounded to the indicator's decimals). Read {_code('territory_id')} and {_code('period_id')} as
text (code 0101 has a leading zero).</dd>
<dt>Errors</dt>
<dd>{_code('{"error": {"status", "message", "parameter", "valid"}}')}: 400 for a bad parameter (listing the
valid values), 404 for an unknown id; never a traceback.</dd>
<dt>Licences</dt>
<dd>Data keep the licence of each indicator's source ({_code('sources')}); cite the source and the
Observatório ({_code('meta.citation')}). The Observatório's code is EUPL-1.2.</dd>
<dt>Limits</dt>
<dd>The application sets no rate limit. A page holds up to 10,000 rows ({_code('page')},
{_code('page_size')}; {_code('Link')} and {_code('X-Total-Count')} headers). Answers carry an
{_code('ETag')} and {_code('Cache-Control: public, max-age=300')}: send {_code('If-None-Match')} and get a
304 when nothing changed. For a whole indicator with its metadata, use the ZIP at
{_code('/download/indicador/<id>.zip')}.</dd>
</dl>
<h3>Examples</h3>
<pre><code>curl "{html.escape(ex_values)}"</code></pre>
<pre><code>import pandas as pd
df = pd.read_csv("{html.escape(ex_csv)}",
                 dtype={{"territory_id": str, "period_id": str}})</code></pre>"""
    return _wrap(body, "en", "How to use it", "intro-en", folded, "In English")


def page(lang: str, base: str) -> str:
    """The documentation page's HTML in `lang` (pt-PT first by default; the other language follows)."""
    other = "pt" if lang == "en" else "en"
    q = "" if lang == "en" else "?lang=en"
    suffix = "?lang=en" if lang == "en" else ""
    intros = ([_intro_en(base), _intro_pt(base, folded=True)] if lang == "en"
              else [_intro_pt(base), _intro_en(base, folded=True)])
    swagger_css = f'<link rel="stylesheet" href="{swagger_url("swagger-ui.css")}">'
    swagger_js = f'<script src="{swagger_url("swagger-ui-bundle.js")}"></script>'
    return f"""<!DOCTYPE html>
<html lang="{HTML_LANG[lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(_t("title", lang))}</title>
<meta name="description" content="{html.escape(_t("h1", lang))}">
<link rel="icon" href="/assets/favicon.ico">
{swagger_css}
<link rel="stylesheet" href="{DOCS_PATH}/static/api-docs.css">
</head>
<body>
<a class="skip-link" href="#endpoints">{html.escape(_t("skip", lang))}</a>
<header class="docs-header">
<a class="docs-brand" href="/{suffix}">{html.escape(_t("home", lang))}</a>
<nav aria-label="{'Ligações' if lang == 'pt' else 'Links'}"><ul>
<li><a href="/sobre{suffix}">{html.escape(_t("about", lang))}</a></li>
<li><a href="{DOCS_PATH}{q}" lang="{HTML_LANG[other]}">{html.escape(_t("other_lang", lang))}</a></li>
</ul></nav>
</header>
<main id="main" class="docs-main">
<h1>{html.escape(_t("h1", lang))}</h1>
{intros[0]}
{intros[1]}
<section aria-labelledby="endpoints" class="docs-endpoints">
<h2 id="endpoints" tabindex="-1">{html.escape(_t("endpoints", lang))}</h2>
<p>{_t("endpoints_intro", lang, openapi=OPENAPI_URL)}</p>
<div id="swagger-ui" data-openapi="{OPENAPI_URL}"><p class="docs-loading">{html.escape(_t("loading", lang))}</p></div>
<noscript><p>{html.escape(_t("noscript", lang, openapi=OPENAPI_URL))}</p></noscript>
</section>
</main>
<footer class="docs-footer"><p><a href="/{suffix}">Observatório</a> · {'Código' if lang == 'pt' else 'Code'} EUPL-1.2</p></footer>
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
