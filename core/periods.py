"""Typed periods. A period id is a string; its type follows from its shape.

    '2021'                    year
    '2024-Q4'                 quarter
    '2020-W05'                ISO week
    '2020-11-11'              date
    '2011/2021'               range of years
    '2024-01-01/2024-02-28'   range of dates
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from core.i18n import LOCALES, lang_of, t

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YRANGE = re.compile(r"^(\d{4})/(\d{4})$")
_DRANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")



def _months(lang: str, key: str = "period.months") -> list[str]:
    """The twelve short month names of a period label (catalogue `period.months`: "jan fev …"; in a
    range of months, `period.months.range`: "jan. fev. … mai jun. …")."""
    return t(key, lang).split()


@dataclass(frozen=True)
class Period:
    period_id: str
    period_type: str
    start_date: date
    end_date: date
    year: int
    label_pt: str
    label_en: str


def _d(s: str) -> date:
    return date.fromisoformat(s)


def _dlabel(d: date, lang: str) -> str:
    return t("period.day", lang, day=d.day, month=_months(lang)[d.month - 1], year=d.year)


def parse_period(pid: str) -> Period:
    """Parse a period id; raise ValueError naming the id when it has no known shape or is no real date."""
    try:
        return _parse(str(pid).strip())
    except ValueError as e:
        if str(e).startswith("period "):
            raise
        raise ValueError(f"period {str(pid).strip()!r}: {e}") from None


def _parse(s: str) -> Period:
    if m := _YEAR.match(s):
        y = int(m[1])
        return Period(s, "year", date(y, 1, 1), date(y, 12, 31), y, s, s)
    if m := _QUARTER.match(s):
        y, q = int(m[1]), int(m[2])
        start = date(y, 3 * q - 2, 1)
        end = (date(y + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1))
        return Period(s, "quarter", start, end, y, f"{q}.º trim. {y}", f"Q{q} {y}")
    if m := _WEEK.match(s):
        y, w = int(m[1]), int(m[2])
        start = date.fromisocalendar(y, w, 1)
        return Period(s, "week", start, start + timedelta(days=6), y, f"semana {w}, {y}", f"week {w}, {y}")
    if m := _DATE.match(s):
        d = _d(s)
        return Period(s, "date", d, d, d.year, _dlabel(d, "pt"), _dlabel(d, "en"))
    if m := _YRANGE.match(s):
        a, b = int(m[1]), int(m[2])
        if a >= b:
            raise ValueError(f"period {s!r}: range must go forward")
        return Period(s, "range", date(a, 1, 1), date(b, 12, 31), b, f"{a}–{b}", f"{a}–{b}")
    if m := _DRANGE.match(s):
        a, b = _d(m[1]), _d(m[2])
        if a > b:
            raise ValueError(f"period {s!r}: range must go forward")
        return Period(s, "range", a, b, b.year, f"{_dlabel(a, 'pt')} – {_dlabel(b, 'pt')}",
                      f"{_dlabel(a, 'en')} – {_dlabel(b, 'en')}")
    raise ValueError(f"period {s!r}: not a year, quarter, ISO week, date or range")


def axis_label(pid: str, lang: str = "pt") -> str:
    """A short label for a period on a chart axis, a category of its periodicity:
    year `2021`; quarter `2025T4` (pt) / `2025Q4` (en); ISO week `2024-S09` / `2024-W09`;
    date `11/11/2020` / `11 Nov 2020`; range `2011–2021`, `jan.–fev. 2024` / `Jan–Feb 2024`.
    Unknown shapes are returned unchanged (never an error on a chart)."""
    s = str(pid).strip()
    try:
        p = parse_period(s)
    except ValueError:
        return s
    if p.period_type == "year":
        return s
    if p.period_type == "quarter":
        y, q = s.split("-Q")
        return t("period.axis.quarter", lang, year=y, q=q)
    if p.period_type == "week":
        y, w = s.split("-W")
        return t("period.axis.week", lang, year=y, w=w)
    if p.period_type == "date":
        d = p.start_date
        # a CLDR date pattern (catalogue `period.axis.date`: "dd/MM/y", "d MMM y"), formatted by Babel
        return format_date(d, t("period.axis.date", lang), locale=LOCALES[lang_of(lang)])
    a, b = p.start_date, p.end_date  # a range
    if _YRANGE.match(s):
        return f"{a.year}–{b.year}"
    months = _months(lang, "period.months.range")
    if a.year == b.year:
        return f"{months[a.month - 1]}–{months[b.month - 1]} {b.year}"
    return f"{months[a.month - 1]} {a.year}–{months[b.month - 1]} {b.year}"
