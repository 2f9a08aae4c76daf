"""Keeping the interface catalogues in step with the code (README, "Translations"; `make i18n-*`).

    python -m core.i18n_tools check [build/i18n/extracted.pot]   # keys used in code vs the catalogues
    python -m core.i18n_tools template                            # core/locale/messages.pot from English

`check` reads the keys `pybabel extract` found in `t("…")` / `tn("…")` calls (the .pot that
`make i18n-extract` writes) and, in any case, scans the code's syntax tree for the same calls. A key built at run time (`t(f"level.{x}")`) cannot be extracted: its static prefix must be
declared in DYNAMIC_KEYS, or its keys must be read by a closed list of core.vocabulary. The check prints
keys used in code but missing from a catalogue (exit status 1), f-string keys whose prefix is not
declared (exit status 1), and catalogue keys nothing uses (a warning: remove them, or declare them).

`template`: the English catalogue is the template (Weblate's "monolingual gettext"): its ids, with empty
texts, go to core/locale/messages.pot, from which `pybabel update` adds new keys to pt_PT (empty, for a
translator) without fuzzy matching; entries no longer in the template are kept as obsolete (`#~`).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from core import i18n

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = ROOT / "babel.cfg"
VOCABULARY = ROOT / "core" / "vocabulary.py"
TEMPLATE = i18n.LOCALE_DIR / "messages.pot"
#: the lookup functions the extraction knows (babel.cfg / `pybabel extract -k`)
KEYWORDS = {"t": (1,), "tn": (1,)}
#: where code that shows texts lives (the AST scan of f-string keys)
SOURCE_DIRS = ("core", "indicators", "etl", "serving", "api", "web", "pages")

#: static prefixes of keys built at run time, each with why: the catalogue keys under them count as used
DYNAMIC_KEYS: dict[str, str] = {
    "about.": "Sobre: section, aggregation and rule lists, attributions, table data-labels (pages/sobre.py)",
    "alarm.": "alarm levels by id (core.vocabulary.ALARM_LEVELS; metadata thresholds on the indicator page)",
    "agg.": "aggregation rule by id (core.vocabulary.AGGREGATIONS)",
    "polarity.": "polarity by id (core.vocabulary.POLARITIES)",
    "class.": "map classification by id and its threshold legend (web.figures)",
    "level.": "territorial level by id (core.vocabulary.TERRITORIAL_LEVELS)",
    "levels.": "territorial level, plural (core.vocabulary.TERRITORIAL_LEVELS)",
    "tab.": "indicator page tabs by id (web.indicator_view.TABS)",
    "view.": "map type by id (web.figures.VIEWS)",
    "search.": "search result groups by kind (web.ui.search_items)",
    "rank.sorted.": "ranking sort order by column and direction (pages/indicador.py)",
    "dl.embed.code_": "embed snippet by view (pages/indicador.py)",
    "err.": "error page by HTTP status (err.404.title, err.400.title)",
    "share.chart.": "chart kind of the share tools (web.share)",
    "plotly.": "plotly.js messages by their English text (web.figures.PLOTLY_MESSAGES)",
    "period.months": "short month names of period labels, read by core.periods._months",
    "og.": "Open Graph title and description of the static pages (web.share.STATIC_PAGES)",
    "share.download_": "image download buttons by format (web.share)",
    "preparing.": "the 503 page, in both languages (web.http_guard.preparing_page)",
    "page.": "page names and titles by page module (web.ui.nav_name, core.i18n.page_title)",
    "apidocs.": "the API docs page (api/apidocs.py)",
    "export.": "export files: column descriptions, Excel headers and dialect notes by id, README sentences (api/export.py)",
    "origin.": "origin of a value by id (core.vocabulary.ORIGINS)",
    # issue 10 (pages), 11, 12, 13: keys chosen by id at run time
    "alarms.": "alarm centre: scope counts (alarms.count.<scope>), list items by status (alarms.item.<status>), "
               "pager (web/alarm_centre_view.py, web/alarm_view.py)",
    "compare.": "Comparar: summaries and table headers by kind (web/compare_view.py)",
    "profile.": "profile pages: comparison phrases, peer sentences, position reasons (web/territory_view.py)",
    "territory.": "profile dimensions and peer-group names by id (web/territory_view.py)",
    "metas.": "targets page: status distribution columns by status (web/targets_view.py)",
    "progress.": "progress statuses and not-assessable reasons by id (core.progress)",
    "painel.": "cockpit: sigma-convergence verdicts by trend (web/cockpit_view.py)",
    "sim.": "simulation: baselines, infeasibility reasons, size classes and table columns by id (web/simulation_view.py)",
    "surveillance.": "surveillance: where the section is shown, by territory kind (web/surveillance_view.py)",
    "live.": "live path: feed titles and statuses by id (live/feeds.py)",
    "home.": "home page blocks",
    "dist.": "distribution tab",
    "series.": "series tab",
    "meta.": "metadata tab",
}


def _keys_of(node: ast.AST) -> list[tuple[str, bool]]:
    """[(key or static prefix, dynamic?)] of a t()/tn() call's first argument (both keys of a conditional
    expression); [] for a variable (a key held in data, e.g. web.share.STATIC_PAGES: declare its prefix)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, False)]
    if isinstance(node, ast.JoinedStr):
        head = node.values[0] if node.values else None
        prefix = head.value if isinstance(head, ast.Constant) and isinstance(head.value, str) else ""
        return [(prefix, True)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [(k, True) for k, _ in _keys_of(node.left)] or [("", True)]
    if isinstance(node, ast.IfExp):
        return _keys_of(node.body) + _keys_of(node.orelse)
    return []


def scan(paths: list[Path] | None = None) -> tuple[set[str], dict[str, list[str]]]:
    """Keys used in code by literal (`t("nav.skip")`) and f-string prefixes (`t(f"level.{x}")` -> "level."),
    each prefix with where it is used ("web/ui.py:212")."""
    literal, dynamic = set(), {}
    if paths is None:
        paths = [p for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py"))] + [ROOT / "app.py"]
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if name not in KEYWORDS:
                continue
            for key, is_dynamic in _keys_of(node.args[0]):
                if not is_dynamic:
                    literal.add(key)
                elif path != VOCABULARY:    # the vocabulary's keys are counted by vocabulary.used_keys()
                    dynamic.setdefault(key, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return literal, dynamic


def extracted_keys(pot: Path | None) -> set[str]:
    """The message ids of the .pot `pybabel extract` wrote (none without one: the AST scan finds the same
    literal keys)."""
    if pot is None or not pot.exists():
        return set()
    from babel.messages.pofile import read_po
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def vocabulary_keys() -> set[str]:
    from core import vocabulary
    return vocabulary.used_keys()


def report(pot: Path | None = None) -> tuple[list[str], list[str], list[str], list[str]]:
    """(missing, undeclared dynamic prefixes, unused, artefacts) — missing: a key used in code that a
    catalogue lacks; artefacts: ids pybabel extracted that are no key of the code (a key chosen inside
    the call, `t("a" if x else "b")`, is extracted as "ab": write `t("a") if x else t("b")`)."""
    literal, dynamic = scan()
    extracted = extracted_keys(pot)
    artefacts = sorted(k for k in extracted - literal if not all(i18n.has(k, lang) for lang in i18n.LANGS))
    used = (extracted - set(artefacts)) | literal
    cats = {lang: set(i18n.keys("", lang)) for lang in i18n.LANGS}
    missing = sorted(f"{k} ({', '.join(i18n.LOCALES[lang] for lang in i18n.LANGS if k not in cats[lang])})"
                     for k in used if any(k not in c for c in cats.values()))
    declared = tuple(DYNAMIC_KEYS)
    vocab = vocabulary_keys()
    undeclared = sorted(f"{p!r} at {', '.join(where[:3])}" for p, where in dynamic.items()
                        if p == "" or not (p.startswith(declared) or any(k.startswith(p) for k in vocab)))
    covered = used | vocabulary_keys()
    unused = sorted(k for k in cats[i18n.DEFAULT] | cats["en"]
                    if k not in covered and not k.startswith(declared))
    return missing, undeclared, unused, artefacts


def write_template(path: Path = TEMPLATE) -> int:
    """core/locale/messages.pot from the English catalogue (ids only, texts empty). Returns the count."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po
    with i18n.catalogue_path("en").open("rb") as f:
        en = read_po(f, locale="en")
    pot = Catalog(project=en.project, version=en.version, copyright_holder="Observatório",
                  msgid_bugs_address=en.msgid_bugs_address, fuzzy=False)
    for m in en:
        if m.id:
            pot.add(m.id, string=("", "") if m.pluralizable else "", auto_comments=m.auto_comments,
                    user_comments=m.user_comments, locations=m.locations)
    with path.open("wb") as f:
        write_po(f, pot, width=0, omit_header=False)
    return len(pot)


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "template":
        n = write_template()
        print(f"{TEMPLATE.relative_to(ROOT)}: {n} keys from the English catalogue")
        return 0
    if cmd != "check":
        print(__doc__)
        return 2
    pot = Path(argv[1]) if len(argv) > 1 else None
    missing, undeclared, unused, artefacts = report(pot)
    n = {lang: len(i18n.keys("", lang)) for lang in i18n.LANGS}
    print(f"catalogues: {n[i18n.DEFAULT]} keys (pt_PT), {n['en']} keys (en)")
    for title, items in (("keys used in code but missing from a catalogue", missing),
                         ("f-string keys whose prefix is not declared (core.i18n_tools.DYNAMIC_KEYS)", undeclared),
                         ("catalogue keys never used (warning)", unused),
                         ("extracted ids that are no key: a key chosen inside t() (warning)", artefacts)):
        if items:
            print(f"{title}: {len(items)}")
            for x in items:
                print(f"  {x}")
    if missing or undeclared:
        return 1
    print("ok: every key used in code is in both catalogues")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
