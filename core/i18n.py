"""Interface texts in pt-PT (default) and English; the language travels in the URL (`?lang=en`).

The texts live in gettext catalogues, one per language (`core/locale/<locale>/LC_MESSAGES/messages.po`),
edited by translators with any PO editor and kept in step with the code by Babel (`make i18n-extract`,
`make i18n-update`, `make i18n-compile`; README, "Translations"). Message ids are stable keys
(`"nav.skip"`), as in Open SDG's translation files: the pt-PT and English catalogues both hold full texts,
so neither language is a fallback for the other, and a key that is missing from either raises.

- `t(key, lang, **fmt)`: a text, formatted with `str.format`;
- `tn(key, n, lang, **fmt)`: a text with plural forms (the catalogue's Plural-Forms decide: pt-PT has
  three in CLDR, English two), `n` is passed to the format too.

Registry texts (an indicator's title, unit, …) stay `{pt, en}` in the YAML files (`pick`).
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

LANGS = ("pt", "en")
DEFAULT = "pt"
HTML_LANG = {"pt": "pt-PT", "en": "en"}
#: the Open Graph locale of each language (og:locale)
OG_LOCALE = {"pt": "pt_PT", "en": "en_GB"}
#: the gettext locale of each language of the URL
LOCALES = {"pt": "pt_PT", "en": "en"}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def catalogue_path(lang: str, ext: str = "po") -> Path:
    return LOCALE_DIR / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.{ext}"


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.GNUTranslations:
    """The language's compiled catalogue: the `.mo` that `make i18n-compile` wrote when it is newer than
    the `.po`, else the `.po` compiled in memory (a translator's edit shows on the next start)."""
    po, mo = catalogue_path(lang), catalogue_path(lang, "mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with po.open("rb") as f:
        catalog = read_po(f, locale=LOCALES[lang], domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def has(key: str, lang: str = DEFAULT) -> bool:
    """Whether the catalogue of `lang` has a text for `key`."""
    cat = translations(lang)._catalog  # noqa: SLF001 — GNUTranslations keeps its messages there
    return key in cat or (key, 0) in cat


def keys(prefix: str = "", lang: str = DEFAULT) -> list[str]:
    """The message ids of a catalogue, in order, that start with `prefix`."""
    out = []
    for k in translations(lang)._catalog:  # noqa: SLF001
        key = k[0] if isinstance(k, tuple) else k
        if key and key.startswith(prefix) and key not in out:
            out.append(key)
    return out



def request_lang() -> str:
    """The language of the page being served: `?lang=` of a direct load, or of the address a Dash
    navigation callback carries (its `.search` input). Dash computes page titles from path variables
    only; this lets a title follow the language. pt-PT outside a request."""
    try:
        import flask
        if not flask.has_request_context():
            return DEFAULT
        from urllib.parse import parse_qs
        from dash import ctx
        try:
            inputs = ctx.inputs or {}
        except Exception:  # noqa: BLE001 — not inside a callback: a direct page load
            inputs = {}
        for key, v in inputs.items():
            if key.endswith(".search") and isinstance(v, str):
                return lang_of((parse_qs(v.lstrip("?")).get("lang") or [""])[0])
        return lang_of(flask.request.args.get("lang"))
    except Exception:  # noqa: BLE001 — a title must never fail a page
        return DEFAULT


def page_title(key: str, en: str | None = None):
    """A `dash.register_page(title=…)` that follows the language: "Comparar · Observatório" from the
    catalogue key `page.comparar`. (Transitional: `page_title(pt, en)` with two texts still works for the
    pages not yet moved to keys.)"""
    def title(**_):
        lang = request_lang()
        text = t(key, lang) if en is None else (en if lang == "en" else key)
        return t("site.page_title", lang, page=text)
    return title


def territory_name(name_unique: str, lang: str = DEFAULT) -> str:
    """A territory's unique name with its disambiguating level in the language (the ETL writes the pt-PT
    level label in brackets): "Lisboa (Distrito)" -> en "Lisboa (District)"; names are never translated."""
    if lang != "en" or not isinstance(name_unique, str) or not name_unique.endswith(")"):
        return name_unique
    from core import vocabulary
    for lv in vocabulary.TERRITORIAL_LEVELS.values():
        suffix = f" ({lv.label(DEFAULT)})"
        if name_unique.endswith(suffix):
            return f"{name_unique[: -len(suffix)]} ({lv.label(lang)})"
    return name_unique


def lang_of(value) -> str:
    """Normalise a language parameter; anything unknown falls back to pt."""
    v = (value or "").strip().lower()[:2] if isinstance(value, str) else ""
    return v if v in LANGS else DEFAULT


def t(key: str, lang: str = DEFAULT, **fmt) -> str:
    """The text of `key` in `lang` (pt-PT for anything but "en"); an unknown key raises KeyError."""
    lang = "en" if lang == "en" else DEFAULT
    if not has(key, lang):
        raise KeyError(f"no text {key!r} in the {LOCALES[lang]} catalogue ({catalogue_path(lang)})")
    s = translations(lang).gettext(key)
    return s.format(**fmt) if fmt else s


def tn(key: str, count: int, lang: str = DEFAULT, **fmt) -> str:
    """The plural text of `key` for `count` in `lang` ("1 lugar", "3 lugares"). `{n}` is the count unless
    `n=` gives it formatted for the language ("1 234")."""
    lang = "en" if lang == "en" else DEFAULT
    if not has(key, lang):
        raise KeyError(f"no text {key!r} in the {LOCALES[lang]} catalogue ({catalogue_path(lang)})")
    return translations(lang).ngettext(key, key, int(count)).format(**{"n": count, **fmt})


def column(base: str, lang: str = DEFAULT) -> str:
    """The column of a bilingual pair in the database ("title" -> "title_en" / "title_pt"): data, not
    interface text, but chosen in one place."""
    return f"{base}_{'en' if lang == 'en' else 'pt'}"


def in_sentence(label: str) -> str:
    """A label inside a sentence: a capital that only starts a word is lowered ("Municípios" ->
    "municípios"), an acronym is kept ("NUTS III")."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def pick(d: dict | None, lang: str = DEFAULT) -> str:
    """A registry text {'pt': …, 'en': …} in the language (falls back to pt)."""
    if not d:
        return ""
    if isinstance(d, str):
        return d
    return (d.get("en") if lang == "en" else None) or d.get("pt") or ""


def short_unit(ind, lang: str = DEFAULT) -> str:
    """An indicator's short unit in the language (registry `short_unit` / `short_unit_en`; a row of
    dim_indicator or any mapping with those keys). English falls back to the pt-PT unit."""
    if lang == "en":
        en = ind.get("short_unit_en")
        if isinstance(en, str):
            return en
    v = ind.get("short_unit")
    return v if isinstance(v, str) else ""


def area_label(area: str, lang: str = DEFAULT) -> str:
    """A policy area's label (core.vocabulary.AREAS); an unknown id is shown as it is."""
    from core import vocabulary  # vocabulary reads its labels through t(): imported when first used
    return vocabulary.label("area", area, lang)


def level_label(level: str, lang: str = DEFAULT, plural: bool = False) -> str:
    """A territorial level's label, singular or plural (core.vocabulary.TERRITORIAL_LEVELS)."""
    from core import vocabulary
    lv = vocabulary.TERRITORIAL_LEVELS.get(level)
    return lv.label(lang, plural=plural) if lv else level
