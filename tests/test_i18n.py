"""Interface texts: every key used in code is in both catalogues, no user-visible literal outside them,
English pages show no Portuguese interface text (and Portuguese pages no English one), and the Babel
tooling (`make i18n-extract`) runs clean. Fast: no browser."""
from __future__ import annotations

import ast
import functools
import re
import subprocess
from pathlib import Path

import pytest

from core import i18n, i18n_tools, vocabulary

ROOT = Path(__file__).resolve().parent.parent

# -- keys --------------------------------------------------------------------------------------


def test_every_key_used_in_code_is_in_both_catalogues():
    missing, undeclared, _unused, _artefacts = i18n_tools.report()
    assert not missing, f"keys used in code but missing from a catalogue: {missing}"
    assert not undeclared, f"f-string keys with no declared prefix (core.i18n_tools.DYNAMIC_KEYS): {undeclared}"


def test_every_vocabulary_term_has_both_labels():
    for kind, terms in vocabulary.VOCABULARIES.items():
        for term in terms.values():
            for lang in i18n.LANGS:
                assert term.label(lang).strip(), (kind, term.id, lang)
    assert vocabulary.used_keys() <= set(i18n.keys("", "pt")) & set(i18n.keys("", "en"))
    assert vocabulary.label("area", "saude", "en") == "Health" and vocabulary.label("area", "x?", "en") == "x?"
    assert vocabulary.TERRITORIAL_LEVELS["nuts3"].label("en", plural=True) == "NUTS 3 regions"


def test_alarm_colours_stay_wcag_aa():
    """Text in a level's colour keeps 4.5:1 on white and on the level's own tint."""
    def lum(hex_):
        rgb = [int(hex_[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def ratio(a, b):
        hi, lo = sorted((lum(a), lum(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)
    for lv in vocabulary.ALARM_LEVELS.values():
        assert ratio(lv.colour, "#ffffff") >= 4.5 and ratio(lv.colour, lv.background) >= 4.5, lv.id


def test_make_i18n_extract_runs_clean(tmp_path):
    """`make i18n-extract` (pybabel extract + the check) exits 0; `-o` keeps make from reinstalling the venv."""
    out = subprocess.run(["make", "-s", "-o", ".venv/.installed", "i18n-extract"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok: every key used in code is in both catalogues" in out.stdout
    assert (ROOT / "build" / "i18n" / "extracted.pot").exists()


# -- no user-visible literal outside the catalogues ----------------------------------------------

#: literals that are not language: the brand, symbols, units and codes (each justified)
ALLOWED_LITERALS = {
    "Observatório",          # the brand name, the same in every language
    "Portugal",              # a place name (data), used as the national reference's label
    "EUPL-1.2",              # a licence identifier
    "CSV", "ZIP", "PNG", "SVG", "JSON", "API",  # format names
}
#: props of Dash components that people read (or hear)
TEXT_PROPS = {"children", "title", "aria-label", "alt", "placeholder", "label"}
#: files allowed literal texts (none: every file reads its texts from the catalogues)
PAGES_ENGINEER_TEMPORARY_ALLOWLIST: dict[str, int] = {}
SCANNED = ["app.py", *sorted(str(p.relative_to(ROOT)) for d in ("web", "pages") for p in (ROOT / d).glob("*.py"))]


def _has_words(s: str) -> bool:
    return bool(re.search(r"[A-Za-zÀ-ÿ]{2,}", s)) and s.strip() not in ALLOWED_LITERALS


def _literal_texts(node) -> list[str]:
    """Literal strings with words in an expression a component shows: a string, an f-string's text, the
    items of a list/tuple, both branches of a conditional, `a + b` (never inside a call: t(...) is fine)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if _has_words(node.value) else []
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and _has_words(v.value)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [s for e in node.elts for s in _literal_texts(e)]
    if isinstance(node, ast.IfExp):
        return _literal_texts(node.body) + _literal_texts(node.orelse)
    if isinstance(node, ast.BinOp):
        return _literal_texts(node.left) + _literal_texts(node.right)
    return []


def _component_modules(tree: ast.Module) -> set[str]:
    """The names a file binds to Dash's component modules (`from dash import html, dcc`, `import
    dash_bootstrap_components as dbc`): a local `html` string is not a component module."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "dash":
            names |= {a.asname or a.name for a in node.names if a.name in ("html", "dcc")}
        if isinstance(node, ast.Import):
            names |= {a.asname or a.name for a in node.names if a.name == "dash_bootstrap_components"}
    return names


def visible_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of literal texts given to Dash components as children or text props, and of option
    dicts' "label"."""
    out = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = _component_modules(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in modules:
            exprs = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in TEXT_PROPS]
            for k in node.keywords:   # **{"aria-label": "…"}
                if k.arg is None and isinstance(k.value, ast.Dict):
                    exprs += [v for kk, v in zip(k.value.keys, k.value.values)
                              if isinstance(kk, ast.Constant) and kk.value in TEXT_PROPS]
            out += [(node.lineno, s) for e in exprs for s in _literal_texts(e)]
        if isinstance(node, ast.Dict):
            out += [(node.lineno, s) for k, v in zip(node.keys, node.values)
                    if isinstance(k, ast.Constant) and k.value == "label" for s in _literal_texts(v)]
    return out


@pytest.mark.parametrize("rel", SCANNED)
def test_no_visible_literal_outside_the_catalogues(rel):
    found = visible_literals(ROOT / rel)
    if rel in PAGES_ENGINEER_TEMPORARY_ALLOWLIST:
        pytest.skip(f"{rel}: {len(found)} literal texts, converted by the pages engineer (temporary allowlist)")
    assert not found, f"{rel}: texts outside the catalogues (use t()): {found}"


def test_the_scan_finds_literals():
    """The scan itself: a literal child, an aria-label and an option label are found; t() calls are not."""
    src = ('from dash import html\nhtml.P("Olá mundo")\nhtml.Span(t("nav.skip", lang), title="Dica")\n'
           'html.Div(**{"aria-label": "Rótulo"})\nx = [{"label": "Opção", "value": 1}]\nhtml.Span(" · ")\n')
    p = ROOT / "build" / "i18n" / "scan_probe.py"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(src)
    assert [s for _, s in visible_literals(p)] == ["Olá mundo", "Dica", "Rótulo", "Opção"]


def text_pairs(path: Path) -> list[tuple[int, str]]:
    """(line, pt text) of (pt, en) pairs of literal texts: a per-module text table (`TEXT = {"h1": ("Sobre",
    "About")}`) with its own lookup helper, the structure the catalogues replace."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple) and len(node.elts) in (2, 3) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts[:2]):
            pt, en = node.elts[0].value, node.elts[1].value
            if pt != en and _has_words(pt) and _has_words(en) and (" " in pt or re.search(r"[À-ÿ]", pt)):
                out.append((node.lineno, pt))
    return out


OWNED = SCANNED + ["api/apidocs.py", "api/export.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "core").glob("*.py")),
                   "indicators/model.py"]
#: (pt, en) text pairs allowed per file (none)
PAGES_ENGINEER_TEMPORARY_PAIRS: dict[str, int] = {}


@pytest.mark.parametrize("rel", OWNED)
def test_no_per_module_text_table(rel):
    found = text_pairs(ROOT / rel)
    limit = PAGES_ENGINEER_TEMPORARY_PAIRS.get(rel, 0)
    assert len(found) <= limit, f"{rel}: (pt, en) text pairs outside the catalogues: {found[:10]}"


def test_no_language_branch_with_inline_text():
    """`"x" if lang == "en" else "y"` with words on either side is a text outside the catalogues."""
    bad = []
    for rel in SCANNED + ["api/apidocs.py", "core/fmt.py", "core/periods.py", "core/vocabulary.py"]:
        if rel in PAGES_ENGINEER_TEMPORARY_ALLOWLIST:
            continue
        for node in ast.walk(ast.parse((ROOT / rel).read_text(encoding="utf-8"))):
            if isinstance(node, ast.IfExp) and "lang" in ast.unparse(node.test) and "en" in ast.unparse(node.test):
                texts = _literal_texts(node.body) + _literal_texts(node.orelse)
                # column names ("title_en") are data; query strings ("?lang=en", "&dialect=excel") are URLs
                if [s for s in texts if not re.fullmatch(r"[\w_]+|[?&][\w=&.-]*", s)]:
                    bad.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert not bad, bad


def test_api_docs_page_text_is_all_from_the_catalogue():
    """The API docs page is an HTML template: between its tags, only placeholders and allowed literals."""
    from api import apidocs
    src = (ROOT / "api" / "apidocs.py").read_text(encoding="utf-8")
    tree = ast.parse(src)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "page")
    template = next(n for n in ast.walk(fn) if isinstance(n, ast.JoinedStr) and len(n.values) > 20)
    static = "".join(v.value if isinstance(v, ast.Constant) else "\0" for v in template.values)
    text = re.sub(r"<[^>]*>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", static, flags=re.S))
    words = [w for w in re.split(r"[\s\0·]+", text) if _has_words(w)]
    assert words == [] or set(words) <= {"EUPL-1.2"}, words
    assert '<details class="docs-intro" lang="pt-PT">' in apidocs.page("en", "http://x")   # pt folded


# -- English pages show no Portuguese interface text (and the reverse) ---------------------------

#: words of the interface that only exist in Portuguese (or English): whole words, case-sensitive
PT_ONLY = ["Município", "Municípios", "Fonte", "Período", "Ver", "Descarregar", "Indicador", "Pesquisar",
           "Início", "Sobre", "Comparar", "Alarmes", "Mapa", "Licença", "Dados", "Nível", "não", "sim"]
EN_ONLY = ["Municipality", "Municipalities", "Source", "Period", "See", "Download", "Indicator", "Search",
           "Home", "About", "Compare", "Alarms", "Map", "Licence", "Level", "the"]


def _texts(component, out: list, in_other_lang: bool = False, other_lang: str = ""):
    """(text, declared in another language?) of a Dash component tree: children strings and text props.
    An element with `lang` set to the other language holds declared content in that language (source
    names quoted in pt-PT on the English Sobre page)."""
    if component is None or isinstance(component, (int, float, bool)):
        return
    if isinstance(component, str):
        out.append((component, in_other_lang))
        return
    if isinstance(component, (list, tuple)):
        for c in component:
            _texts(c, out, in_other_lang, other_lang)
        return
    if isinstance(component, dict):      # options of a dropdown, radio items
        if isinstance(component.get("label"), str):
            out.append((component["label"], in_other_lang))
        return
    props = getattr(component, "__dict__", {})
    here = in_other_lang or props.get("lang") == other_lang
    for p in ("title", "aria-label", "alt", "placeholder", "label"):
        if isinstance(props.get(p), str):
            out.append((props[p], here))
    for p in ("options",):
        for o in props.get(p) or []:
            _texts(o, out, here, other_lang)
    _texts(props.get("children"), out, here, other_lang)


@functools.lru_cache(maxsize=None)
def _catalogue_texts(lang: str) -> set[str]:
    other = "en" if lang == "pt" else "pt"
    out = set()
    for k in i18n.keys("", lang):
        try:
            a, b = i18n.t(k, lang), i18n.t(k, other)
        except (KeyError, IndexError, ValueError):
            continue          # texts with placeholders: compared through the words below
        if a != b and "{" not in a and len(a) > 3:
            out.add(a)
    return out


@pytest.fixture(scope="module")
def rendered(built):
    """Every page's layout and the shell, rendered in both languages with representative parameters,
    plus the search callback's output."""
    import app  # noqa: F401  (registers the pages)
    from pages import (alarmes, bad_request, comparar, embed, indicador, inicio, municipio, not_found_404,
                       regiao, sobre)
    from web import ui
    out = {}
    for lang in ("pt", "en"):
        out[lang] = {
            "inicio": inicio.layout(lang=lang), "sobre": sobre.layout(lang=lang),
            "indicador": indicador.layout(indicator_id="indice_envelhecimento", lang=lang),
            "indicador-tab": indicador.layout(indicator_id="divida_total", lang=lang, tab="metadados"),
            "indicador-404": indicador.layout(indicator_id="nao_existe", lang=lang),
            "embed-map": embed.layout(indicator_id="indice_envelhecimento", lang=lang),
            "embed-chart": embed.layout(indicator_id="indice_envelhecimento", view="chart", lang=lang),
            "municipio": municipio.layout(dico="0101", lang=lang), "regiao": regiao.layout(code="PT16", lang=lang),
            "comparar": comparar.layout(t="0101,1106", lang=lang), "alarmes": alarmes.layout(lang=lang),
            "404": not_found_404.layout(lang=lang), "400": bad_request.layout(lang=lang),
            "header": ui.header("/", "?lang=en" if lang == "en" else "", lang), "footer": ui.footer(lang),
            "search": ui.search_items("lisboa", lang)[0], "search-none": ui.search_items("zzzzqq", lang)[0],
        }
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-zÀ-ÿ]+", text))


#: pages left out of the language check (none)
PAGES_ENGINEER_PAGES: set[str] = set()


def foreign_texts(tree, lang: str) -> list[str]:
    """The interface texts of the other language in a rendered tree: a text equal to one of the other
    catalogue's (that differs between the languages), or a word only the other language's interface uses
    outside registry and data content and outside elements declared in the other language."""
    other = "pt" if lang == "en" else "en"
    words = set(PT_ONLY if lang == "en" else EN_ONLY)
    texts: list = []
    _texts(tree, texts, other_lang=i18n.HTML_LANG[other])
    out = []
    for s, declared_other in texts:
        if declared_other:
            continue
        if s in _catalogue_texts(other):
            out.append(f"{s!r} (a {other} catalogue text)")
        elif _words(s) & words and not _is_data(s, lang, words):
            out.append(f"{s!r} ({sorted(_words(s) & words)})")
    return out


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_pages_show_no_interface_text_of_the_other_language(rendered, lang):
    problems = [f"{page}: {p}" for page, tree in rendered[lang].items() if page not in PAGES_ENGINEER_PAGES
                for p in foreign_texts(tree, lang)]
    assert not problems, "\n".join(problems[:60])


def test_the_language_check_finds_foreign_texts(built):
    from dash import html
    tree = html.Div([html.P("Descarregar os dados"), html.Span("x", title="Fonte"), html.P(i18n.t("nav.skip", "pt")),
                     html.P("Lisboa"), html.P("Fonte: INE", lang="pt-PT"), html.P(i18n.t("nav.skip", "en"))])
    found = foreign_texts(tree, "en")
    assert len(found) == 3 and "Descarregar" in found[0] and "Fonte" in found[1] and "catalogue" in found[2], found
    assert len(foreign_texts(tree, "pt")) == 1


def _is_data(s: str, lang: str, words: set[str]) -> bool:
    """Registry and data content may hold any word: titles, descriptions, sources and licences of
    indicators (quoted as declared: «Fonte: PORDATA»), place names. True when the words come from there:
    the text without its data parts has none of them."""
    if s in _data_texts(lang):
        return True
    rest = s
    for d in sorted((d for d in _data_texts(lang) if len(d) > 3 and d in s), key=len, reverse=True):
        rest = rest.replace(d, " ")
    return not (_words(rest) & words)


_DATA_CACHE: dict[str, set[str]] = {}


def _data_texts(lang: str) -> set[str]:
    if lang not in _DATA_CACHE:
        import json
        from serving import data
        ter = data.territories(None)
        out = set(ter["name_unique"]) | set(ter["name"])
        for r in data.indicators().to_dict("records"):
            m = json.loads(r["meta_json"])
            for f in ("title", "short_title", "description", "unit"):
                out.add(i18n.pick(m.get(f), lang))
            for c in m.get("caveats") or []:
                out.add(i18n.pick(c, lang))
            for s in m.get("sources") or []:
                out |= {s.get("producer", ""), s.get("licence", ""), s.get("licence_en", ""), s.get("note", ""),
                        s.get("note_en", "")}
        for s in data.source_catalogue():
            out |= {s.get("title", ""), s.get("producer", ""), s.get("licence", "")}
            for th in m.get("thresholds") or []:
                out.add(i18n.pick(th.get("reason"), lang))
        _DATA_CACHE[lang] = {x for x in out if x}
    return _DATA_CACHE[lang]
