"""Numbers and dates formatted for the reader's language (pt-PT: `1 234,5`; en: `1,234.5`).

Month names, the decimal mark and the thousands separator come from the CLDR data Babel ships (pt_PT:
`,` and a no-break space); the date patterns and the minus sign (the typographic minus in pt-PT, a house
style) are catalogue texts (`fmt.*`), so a translator sets them with the rest of the language.
"""
from __future__ import annotations

import datetime as _dt
import math
from functools import lru_cache

from babel.dates import get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol

from core.i18n import LOCALES, t

NBSP = "\u00a0"          # no-break space: the pt-PT thousands separator (never wraps a number)
MINUS = "\u2212"         # typographic minus


@lru_cache(maxsize=None)
def _months(lang: str) -> list[str]:
    names = get_month_names("wide", locale=LOCALES.get(lang, LOCALES["pt"]))
    return [names[m] for m in range(1, 13)]


@lru_cache(maxsize=None)
def _number_style(lang: str) -> tuple[str, str, str]:
    """(decimal mark, thousands separator, minus sign) of the language."""
    locale = LOCALES.get(lang, LOCALES["pt"])
    return get_decimal_symbol(locale), get_group_symbol(locale), t("fmt.minus", lang)


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def number(x, decimals: int = 1, lang: str = "pt", *, sign: bool = False, na: str = "—") -> str:
    """`1234.5` -> pt `1 234,5` (no-break space), en `1,234.5`; None/NaN -> `na`."""
    if _missing(x):
        return na
    x = float(x)
    decimals = max(0, int(decimals if decimals is not None else 1))
    s = f"{abs(x):,.{decimals}f}"                 # '1,234.5'
    dec, thousands, minus = _number_style(lang)
    if (dec, thousands) != (".", ","):
        s = s.replace(",", "\u0000").replace(".", dec).replace("\u0000", thousands)
    if round(x, decimals) == 0:
        return s if not sign else ("±" + s)
    if x < 0:
        return minus + s
    return ("+" + s) if sign else s


def value(x, decimals: int = 1, unit: str = "", lang: str = "pt", na: str = "—") -> str:
    """A number with its short unit: `45,2 %`, `1 234`."""
    s = number(x, decimals, lang, na=na)
    if s == na or not unit:
        return s
    return f"{s}{NBSP}{unit}"


def change(x, decimals: int = 1, lang: str = "pt", na: str = "—") -> str:
    """A signed change: `+1,2`, `−0,4`."""
    return number(x, decimals, lang, sign=True, na=na)


def date(d, lang: str = "pt", *, long: bool = True) -> str:
    """`2026-11-26` -> pt `26 de novembro de 2026` / en `26 November 2026` (short: `26/11/2026`)."""
    if d is None or (isinstance(d, float) and math.isnan(d)):
        return "—"
    if isinstance(d, str):
        d = _dt.date.fromisoformat(d[:10])
    if hasattr(d, "to_pydatetime"):
        d = d.to_pydatetime()
    if not long:
        return d.strftime("%d/%m/%Y")
    return t("fmt.date.long", lang, day=d.day, month=_months(lang)[d.month - 1], year=d.year)


def datetime(d, lang: str = "pt") -> str:
    """A build timestamp: `26 de novembro de 2026, 12:39` / `26 November 2026, 12:39`."""
    if d is None:
        return "—"
    if isinstance(d, str):
        d = _dt.datetime.fromisoformat(d)
    if hasattr(d, "to_pydatetime"):
        d = d.to_pydatetime()
    return t("fmt.datetime", lang, date=date(d, lang), time=f"{d:%H:%M}")


def d3_format(decimals: int = 1) -> str:
    """A d3 format for Plotly axes/hover; separators come from the figure's layout.separators."""
    return f",.{max(0, int(decimals if decimals is not None else 1))}f"


def separators(lang: str = "pt") -> str:
    """Plotly `layout.separators`: decimal then thousands."""
    dec, thousands, _ = _number_style(lang)
    return dec + thousands
