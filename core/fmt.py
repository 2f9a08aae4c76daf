"""Numbers and dates formatted for the reader's language (pt-PT: `1 234,5`; en: `1,234.5`)."""
from __future__ import annotations

import datetime as _dt
import math

NBSP = "\u00a0"          # no-break space: the pt-PT thousands separator (never wraps a number)
MINUS = "\u2212"         # typographic minus

_MONTHS = {
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
           "outubro", "novembro", "dezembro"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}


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
    if lang != "en":
        s = s.replace(",", "\u0000").replace(".", ",").replace("\u0000", NBSP)
    if round(x, decimals) == 0:
        return s if not sign else ("±" + s)
    if x < 0:
        return MINUS + s if lang != "en" else "-" + s
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
        return d.strftime("%d/%m/%Y") if lang != "en" else d.strftime("%d/%m/%Y")
    m = _MONTHS["en" if lang == "en" else "pt"][d.month - 1]
    return f"{d.day} {m} {d.year}" if lang == "en" else f"{d.day} de {m} de {d.year}"


def datetime(d, lang: str = "pt") -> str:
    """A build timestamp: `26 de novembro de 2026, 12:39` / `26 November 2026, 12:39`."""
    if d is None:
        return "—"
    if isinstance(d, str):
        d = _dt.datetime.fromisoformat(d)
    if hasattr(d, "to_pydatetime"):
        d = d.to_pydatetime()
    return f"{date(d, lang)}, {d:%H:%M}"


def d3_format(decimals: int = 1) -> str:
    """A d3 format for Plotly axes/hover; separators come from the figure's layout.separators."""
    return f",.{max(0, int(decimals if decimals is not None else 1))}f"


def separators(lang: str = "pt") -> str:
    """Plotly `layout.separators`: decimal then thousands."""
    return ".," if lang == "en" else "," + NBSP
