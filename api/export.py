"""Open-data exports: the two CSV dialects, formula-injection neutralisation, metadata, README and ZIP.

Pure functions on DataFrames and dicts (no database, no Flask): api/routes.py feeds them.

- `tidy`: for programs (pandas, R, csvkit): UTF-8, comma, dot decimal, `\\n` line ends, English
  snake_case headers, codes as stored, `true`/`false`, full precision (every float round-trips).
- `excel`: for people, what Excel in Portugal opens by double-click: UTF-8 *with BOM*, semicolon,
  decimal comma; headers in Portuguese (English with lang="en"), `sim`/`não` (`yes`/`no`), levels,
  period types and origins in words, values rounded to the indicator's declared decimals and
  numerators/denominators to the precision of their source (`rules`, from serving.data.excel_rules).
- Text cells starting with `=`, `+`, `-`, `@`, tab or CR get a leading `'` (OWASP CSV injection);
  numeric columns are never touched, so `-2.07` stays the number -2.07.
- In demo mode every CSV gets a last column `demo` = true: the file stays one header + rows (no
  comment lines that break parsers) and the warning survives when the file is copied out of the ZIP.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd

from core.i18n import LANGS, lang_of, t
from core.vocabulary import ORIGINS, PERIOD_TYPES, TERRITORIAL_LEVELS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

def _both(key: str) -> tuple[str, str]:
    """A catalogue text in pt-PT and English: the exports' metadata and README carry both languages."""
    return t(key, "pt"), t(key, "en")


def _word(label: str) -> str:
    """A label as a word in a cell: lower case unless an acronym (NUTS III, CIM)."""
    return label if label[1:2].isupper() else label.lower()


DEMO_NOTICE_PT = t("export.demo_notice", "pt")
DEMO_NOTICE_EN = t("export.demo_notice", "en")

MAX_LISTED_BREAKS = 200

PROJECT = "Observatório — Dashboard de Políticas Públicas · Observatório do Poder Local"


@dataclass(frozen=True)
class Dialect:
    name: str
    sep: str
    decimal: str
    encoding: str


DIALECTS: dict[str, Dialect] = {
    "tidy": Dialect("tidy", ",", ".", "utf-8"),
    "excel": Dialect("excel", ";", ",", "utf-8-sig"),
}

#: tidy column -> (pt, en) description, catalogue `export.column.<column>`; written to metadata.json and
#: the README
COLUMNS: dict[str, tuple[str, str]] = {k: _both(f"export.column.{k}") for k in (
    'indicator_id', 'territory_id', 'territory_name', 'level', 'period_id', 'period_type', 'start_date', 'end_date', 'value', 'unit', 'numerator', 'denominator', 'is_provisional', 'provisional_reason', 'is_estimated', 'is_break', 'origin', 'source_ids', 'note', 'demo')}


#: the Excel dialect's headers: tidy column -> (pt, en), catalogue `export.header.<column>`; a column not
#: listed keeps its tidy name
EXCEL_HEADERS: dict[str, tuple[str, str]] = {k: _both(f"export.header.{k}") for k in (
    'indicator_id', 'territory_id', 'territory_name', 'level', 'period_id', 'period_type', 'start_date', 'end_date', 'value', 'unit', 'numerator', 'denominator', 'is_provisional', 'provisional_reason', 'is_estimated', 'is_break', 'origin', 'source_ids', 'note', 'demo', 'name', 'name_unique', 'parent_id', 'nuts1_id', 'nuts2_id', 'nuts3_id', 'district_id', 'cim_id', 'tipo_territorio', 'area_km2', 'population', 'alarm_id', 'territory_level', 'area', 'rule_id', 'rule_type', 'status', 'since_period_id', 'threshold', 'reference_value', 'reference_kind', 'official', 'explanation_pt', 'explanation_en')}

#: coded values the Excel dialect writes in words: column -> code -> (pt, en). Levels are the closed list's
#: labels as words (município, área metropolitana, NUTS III), period types and origins their vocabulary labels.
EXCEL_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "level": {k: (_word(lv.label("pt")), _word(lv.label("en"))) for k, lv in TERRITORIAL_LEVELS.items()},
    "period_type": {k: (p.label("pt"), p.label("en")) for k, p in PERIOD_TYPES.items()},
    "origin": {k: (o.label("pt"), o.label("en")) for k, o in ORIGINS.items()},
}
EXCEL_WORDS["territory_level"] = EXCEL_WORDS["level"]

YES_NO = {lang: (t("export.yes", lang), t("export.no", lang)) for lang in LANGS}
#: rounded to the indicator's declared decimals (rules[indicator_id]["value"])
VALUE_COLUMNS = ("value", "threshold", "reference_value")
#: rounded to the precision of their source (rules[indicator_id]["numerator"|"denominator"])
RATIO_COLUMNS = ("numerator", "denominator")
#: other numeric columns with a known precision
FIXED_DECIMALS = {"area_km2": 2, "population": 0}
#: any other number (or an indicator without rules): at most this many decimals, trailing zeros dropped
DEFAULT_DECIMALS = 6


def neutralise_cell(v):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
        return "'" + v
    return v


def _is_plain(s: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
            or pd.api.types.is_datetime64_any_dtype(s))


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralise formula injection in text columns only; numeric and boolean columns are untouched."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if _is_plain(s):
            continue
        try:   # check the distinct values only (hash-based, fast): most columns have few
            bad = any(isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in s.unique())
        except TypeError:   # unhashable cells: check them all
            bad = True
        if bad:
            out[c] = s.map(neutralise_cell, na_action="ignore")
    if any(isinstance(c, str) and c.startswith(FORMULA_PREFIXES) for c in out.columns):
        out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def _first(s: pd.Series):
    nn = s.dropna()
    return nn.iloc[0] if len(nn) else None


def _prepare(df: pd.DataFrame, demo: bool) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.map({True: "true", False: "false"})
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%Y-%m-%d")
        elif s.dtype == object:
            v = _first(s)
            if isinstance(v, bool):
                out[c] = s.map({True: "true", False: "false"})
            elif isinstance(v, (date, datetime)):
                out[c] = s.map(lambda x: x.isoformat() if isinstance(x, (date, datetime)) else x)
    if demo:
        out["demo"] = "true"
    return neutralise(out)


def to_csv(df: pd.DataFrame, dialect: str = "tidy", *, demo: bool = False, lang: str = "pt",
           rules: dict | None = None) -> bytes:
    """The rows as CSV bytes in one of DIALECTS. tidy: floats keep full precision (round-trip);
    excel: for people (see `excel_csv`; `lang` and `rules` apply to it only)."""
    if dialect == "excel":
        return excel_csv(df, lang=lang, rules=rules, demo=demo)
    d = DIALECTS[dialect]
    buf = io.StringIO()
    _prepare(df, demo).to_csv(buf, index=False, sep=d.sep, decimal=d.decimal, lineterminator="\n")
    return buf.getvalue().encode(d.encoding)


# -- the Excel dialect: for people --------------------------------------------------------------

def _numbers_text(values: pd.Series, decimals: pd.Series, sep: str) -> pd.Series:
    """Numbers as Excel in Portugal reads them: decimal comma, no thousands separator; each rounded to
    its row's `decimals` (fixed), or, where that is missing, to DEFAULT_DECIMALS with trailing zeros
    dropped. Empty for NaN and infinities; no minus sign on what rounds to zero. Vectorised: a whole
    indicator (200 000 rows) is written in about a second."""
    import numpy as np
    x = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    out = np.full(len(x), "", dtype=object)
    ok = np.isfinite(x)
    decs = pd.to_numeric(decimals, errors="coerce").fillna(-1).astype(int).to_numpy()
    for d in np.unique(decs[ok]):
        m = ok & (decs == d)
        if d < 0:
            txt = np.char.mod(f"%.{DEFAULT_DECIMALS}f", x[m])
            txt = np.char.rstrip(np.char.rstrip(txt, "0"), ".")
        else:
            txt = np.char.mod(f"%.{int(d)}f", x[m])
        zero = np.char.str_len(np.char.strip(txt, "-0.")) == 0
        txt = np.where(zero, np.char.lstrip(txt, "-"), txt)
        out[m] = np.char.replace(txt, ".", sep) if sep != "." else txt
    return pd.Series(out, index=values.index, dtype=object)


def _decimals_by_row(df: pd.DataFrame, col: str, rules: dict | None) -> pd.Series:
    """Per row: the decimals `col` is rounded to (NaN: the default)."""
    if col in FIXED_DECIMALS:
        return pd.Series(FIXED_DECIMALS[col], index=df.index)
    key = "value" if col in VALUE_COLUMNS else col if col in RATIO_COLUMNS else None
    if key is None or not rules or "indicator_id" not in df.columns:
        return pd.Series(float("nan"), index=df.index)
    per = {iid: r.get(key) for iid, r in rules.items()}
    return df["indicator_id"].map(per).astype(float)


def excel_csv(df: pd.DataFrame, *, lang: str = "pt", rules: dict | None = None, demo: bool = False) -> bytes:
    """The Excel dialect: UTF-8 with BOM, semicolon, decimal comma, one header row in `lang`.

    - booleans: sim/não (yes/no); levels, period types and origins in words (EXCEL_WORDS);
    - `value` (and alarm thresholds) rounded to the indicator's declared decimals, `numerator` and
      `denominator` to their source's precision, per row's indicator (`rules`: serving.data.excel_rules);
      other numbers to FIXED_DECIMALS or at most DEFAULT_DECIMALS; integers as they are;
    - with lang="en", the unit in English (rules[indicator_id]["unit"]);
    - text cells starting with = + - @ tab CR get a leading apostrophe (numbers are never touched).
    """
    lang = "en" if lang == "en" else "pt"
    d = DIALECTS["excel"]
    li = 1 if lang == "en" else 0
    yes, no = YES_NO[lang]
    out = pd.DataFrame(index=df.index)
    for n, c in enumerate(df.columns):
        s = df.iloc[:, n]
        first = _first(s)
        if pd.api.types.is_bool_dtype(s) or isinstance(first, bool) or c == "demo":
            cells = s.map({True: yes, False: no, "true": yes, "false": no}).astype(object)
            cells = cells.where(cells.notna(), "")
        elif pd.api.types.is_integer_dtype(s) and c not in FIXED_DECIMALS:
            cells = s.astype(str)
        elif pd.api.types.is_numeric_dtype(s):
            cells = _numbers_text(s, _decimals_by_row(df, c, rules), d.decimal)
        elif pd.api.types.is_datetime64_any_dtype(s):
            cells = s.dt.strftime("%Y-%m-%d").where(s.notna(), "")
        else:
            vals = s
            if c == "unit" and lang == "en" and rules and "indicator_id" in df.columns:
                en = df["indicator_id"].map({iid: (r.get("unit") or {}).get("en") for iid, r in rules.items()})
                vals = en.where(en.notna() & (en != ""), s)
            if isinstance(first, (date, datetime)):
                vals = vals.map(lambda x: x.isoformat() if isinstance(x, (date, datetime)) else x)
            elif isinstance(first, (int, float)) and not isinstance(first, bool):
                vals = _numbers_text(vals, pd.Series(float("nan"), index=df.index), d.decimal)
            words = EXCEL_WORDS.get(c)
            if words:
                said = vals.map({code: pair[li] for code, pair in words.items()})
                vals = said.where(said.notna(), vals)
            cells = vals.astype(object).where(vals.notna(), "")
            try:
                uniq = cells.unique()
            except TypeError:
                uniq = cells.tolist()
            if any(isinstance(v, str) and v.startswith(FORMULA_PREFIXES) for v in uniq):
                cells = cells.map(neutralise_cell)
            cells = cells.astype(str)
        out[n] = cells
    header = [neutralise_cell(EXCEL_HEADERS[c][li] if c in EXCEL_HEADERS else str(c)) for c in df.columns]
    if demo:
        header.append(EXCEL_HEADERS["demo"][li])
        out[len(header) - 1] = yes
    buf = io.StringIO()
    if len(out.columns):
        out.to_csv(buf, index=False, header=header, sep=d.sep, lineterminator="\n")
    else:
        buf.write(d.sep.join(header) + "\n")
    return buf.getvalue().encode(d.encoding)


# -- the same CSV from plain rows (no DataFrame) -------------------------------------------------
#
# The API's values listing gets DB-API tuples (serving/data.py:fact_table); building a DataFrame only to
# write it out cost more than the query. `rows_to_csv` writes the bytes `to_csv` writes for the
# DataFrame pandas builds from those rows (tests/test_export.py checks this byte for byte, on the
# real data too): each column formatted as pandas formats its dtype, and every cell the csv module
# might quote (one holding the separator, a quote or a line break) quoted by the csv module itself.

_BOOL_TEXT = {True: "true", False: "false", None: ""}
_NONE = type(None)


def _float_text(v) -> str:
    # NaN and NULL are empty (pandas' na_rep); str(float) is the shortest repr that round-trips,
    # as numpy's str of a float64 (what pandas writes)
    return "" if v is None or v != v else str(float(v))


def _csv_quote(v: str, d: Dialect) -> str:
    """One cell as the csv module writes it (QUOTE_MINIMAL, doubled quotes), as pandas' writer does."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=d.sep, lineterminator="\n", quotechar='"', doublequote=True,
               quoting=csv.QUOTE_MINIMAL).writerow([v, ""])
    return buf.getvalue()[:-(len(d.sep) + 1)]


def _special(d: Dialect) -> tuple[str, ...]:
    return (d.sep, '"', "\n", "\r")


def _text_cells(col, d: Dialect) -> list[str]:
    """Text cells (str or None): formula guard, quoting where needed, NULL -> empty."""
    vals = set(col)
    vals.discard(None)
    special = _special(d)
    fix = {v: v for v in vals if v.startswith(FORMULA_PREFIXES) or any(ch in v for ch in special)}
    if not fix and None not in col:
        return col
    for v in fix:
        t = neutralise_cell(v)
        fix[v] = _csv_quote(t, d) if any(ch in t for ch in special) else t
    fix[None] = ""
    get = fix.get
    return [get(v, v) for v in col]


def _csv_column(col: tuple, d: Dialect):
    """One column's cells as final CSV text, or None when pandas would do something this fast
    path does not reproduce (the caller then falls back to `to_csv`)."""
    kinds = set(map(type, col))
    has_none = _NONE in kinds
    kinds.discard(_NONE)
    if not kinds:                                        # all missing
        return [""] * len(col)
    if kinds == {str}:
        return _text_cells(col, d)
    if kinds == {bool}:
        return [_BOOL_TEXT[v] for v in col]
    if kinds <= {float, int}:
        if kinds == {int} and not has_none:              # an int64 column
            return list(map(str, col))
        out = list(map(_float_text, col))                # a float64 column (ints with gaps become floats)
        if d.decimal != ".":
            out = [x.replace(".", d.decimal, 1) for x in out]
        if d.decimal in _special(d):
            return None
        return out
    return None


def rows_to_csv(columns: Sequence[str], rows: Sequence[Sequence], dialect: str = "tidy", *,
                demo: bool = False, lang: str = "pt", rules: dict | None = None) -> bytes:
    """`to_csv(pd.DataFrame(rows, columns=columns), dialect, demo=demo)`, byte for byte, without pandas
    for the tidy dialect.

    Fast for the column types a query returns (text, float, int, bool, NULL); a table with any
    other column (dates, decimals, mixed types) goes through `to_csv` itself, so the bytes never differ.
    The Excel dialect (for people: words, rounding) is written by `excel_csv` from a DataFrame.
    """
    if dialect == "excel":
        return excel_csv(pd.DataFrame(list(rows), columns=list(columns)), lang=lang, rules=rules, demo=demo)
    d = DIALECTS[dialect]
    n = len(columns)
    if rows and len(rows[0]) != n:
        raise ValueError(f"rows have {len(rows[0])} fields, expected {n}")
    cols = list(zip(*rows)) if rows else [() for _ in columns]
    out = [_csv_column(c, d) for c in cols]
    if n + demo < 2 or any(x is None for x in out):
        # a one-column CSV has its own quoting rule for empty cells; odd types: let pandas decide
        return to_csv(pd.DataFrame(list(rows), columns=list(columns)), dialect, demo=demo)
    header = _text_cells([neutralise_cell(str(c)) for c in columns], d)
    if demo:
        header.append("demo")
        out.append(["true"] * len(rows))
    sep = d.sep
    lines = [sep.join(header), *map(sep.join, zip(*out)), ""]
    return "\n".join(lines).encode(d.encoding)


def read_csv(data: bytes, dialect: str = "tidy") -> pd.DataFrame:
    """Read back a CSV written by to_csv (how an analyst would, with pandas). Codes stay text.

    An Excel-dialect file comes back in tidy form: tidy column names, codes for words, booleans."""
    d = DIALECTS[dialect]
    if dialect != "excel":
        return pd.read_csv(io.BytesIO(data), sep=d.sep, decimal=d.decimal, encoding=d.encoding,
                           dtype={"indicator_id": str, "territory_id": str, "period_id": str, "note": str})
    back = {}
    for k, names in EXCEL_HEADERS.items():
        for n in names:
            back.setdefault(n, k)
    head = pd.read_csv(io.BytesIO(data), sep=d.sep, encoding=d.encoding, nrows=0).columns
    text = [h for h in head if back.get(h, h) in ("indicator_id", "territory_id", "period_id", "note", "parent_id",
                                                  "since_period_id")]
    df = pd.read_csv(io.BytesIO(data), sep=d.sep, decimal=d.decimal, encoding=d.encoding,
                     dtype={h: str for h in text}, true_values=["sim", "yes"], false_values=["não", "no"])
    df.columns = [back.get(c, c) for c in df.columns]
    for c, words in EXCEL_WORDS.items():
        if c in df.columns:
            inv = {w: code for code, pair in words.items() for w in pair}
            df[c] = df[c].map(lambda v: inv.get(v, v))
    return df


# -- metadata, citation, README ----------------------------------------------------------------

def built_at(build: dict) -> str:
    v = build.get("finished_at")
    if v is None or pd.isna(v):
        v = build.get("started_at")
    if v is None or pd.isna(v):
        return ""
    if isinstance(v, (datetime, pd.Timestamp)):
        return pd.Timestamp(v).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(v)


def licences(meta: dict) -> list[str]:
    return [f"{s.get('producer', '')}: {s.get('licence', '')}" for s in meta.get("sources", [])]


def citation(meta: dict | None, build: dict, url: str, lang: str = "pt") -> str:
    """How to cite a figure: producer(s), indicator, the Observatório, build date, URL, access date."""
    today = datetime.now(timezone.utc).date().isoformat()
    day = built_at(build)[:10]
    if meta is None:
        return t("export.citation.site", lang, project=PROJECT, run=build.get("run_id", ""), day=day, url=url,
                 today=today)
    producers = "; ".join(dict.fromkeys(s.get("producer", "") for s in meta.get("sources", [])))
    return t("export.citation.indicator", lang, producers=producers, title=meta["title"][lang_of(lang)],
             id=meta["id"], project=PROJECT, run=build.get("run_id", ""), day=day, url=url, today=today)


def public_meta(meta: dict) -> dict:
    """The registry entry as published: everything but how it is computed."""
    return {k: v for k, v in meta.items() if k not in ("compute", "visibility")}


#: what each dialect is for and how it writes numbers (metadata.json and the README): catalogue
#: `export.dialect.<name>`, (pt, en)
DIALECT_NOTES: dict[str, tuple[str, str]] = {k: _both(f"export.dialect.{k}") for k in DIALECTS}


def excel_rounding(indicators: list[dict], rules: dict | None) -> dict:
    """indicator id -> decimals of value, numerator and denominator in the Excel CSV."""
    out = {}
    for m in indicators:
        r = (rules or {}).get(m["id"]) or {}
        out[m["id"]] = {"value": r.get("value", m.get("decimals")), "numerator": r.get("numerator"),
                        "denominator": r.get("denominator")}
    return out


def metadata_document(*, kind: str, subject: dict, indicators: list[dict], build: dict, filters: dict,
                      files: list[str], n_rows: int, breaks: list[dict], url: str, demo: bool,
                      rules: dict | None = None) -> dict:
    doc = {
        "title": subject.get("title"),
        "kind": kind,                                  # indicator | territory
        "subject": subject,
        "url": url,
        "filters": filters,
        "rows": n_rows,
        "files": files,
        "columns": {k: {"pt": v[0], "en": v[1], "excel_header": {"pt": EXCEL_HEADERS[k][0], "en": EXCEL_HEADERS[k][1]}}
                    for k, v in COLUMNS.items() if k != "demo" or demo},
        "dialects": {k: {"pt": v[0], "en": v[1]} for k, v in DIALECT_NOTES.items()},
        "excel_rounding": excel_rounding(indicators, rules),
        "indicators": [public_meta(m) for m in indicators],
        "licences": sorted({x for m in indicators for x in licences(m)}),
        "citation": {"pt": citation(indicators[0] if len(indicators) == 1 else None, build, url, "pt"),
                     "en": citation(indicators[0] if len(indicators) == 1 else None, build, url, "en")},
        "breaks_in_series": breaks,
        "build": {"run_id": build.get("run_id"), "built_at": built_at(build), "is_demo": bool(demo),
                  "code_version": build.get("code_version")},
        "demo": bool(demo),
    }
    if demo:
        doc["notice"] = {"pt": DEMO_NOTICE_PT, "en": DEMO_NOTICE_EN}
    return doc


def _filters_text(filters: dict, lang: str) -> str:
    if not any(filters.values()):
        return t("export.filters.all", lang)
    return "; ".join(f"{k} = {', '.join(v) if isinstance(v, list) else v}" for k, v in filters.items() if v)


def _dec_text(d) -> str:
    return "—" if d is None else str(d)


def readme(doc: dict) -> str:
    """LEIA-ME in pt-PT, then an English section. Plain text that reads well as Markdown; every sentence is a
    catalogue text (`export.readme.*`)."""
    b = doc["build"]
    L: list[str] = []
    add = L.append

    def pt(key: str, **kw) -> str:
        return t(f"export.readme.{key}", "pt", **kw)

    def en(key: str, **kw) -> str:
        return t(f"export.readme.{key}", "en", **kw)
    if doc["demo"]:
        add(f"> **{DEMO_NOTICE_PT}**\n>\n> **{DEMO_NOTICE_EN}**\n")
    add(f"# {doc['title']['pt'] if isinstance(doc['title'], dict) else doc['title']}\n")
    add(pt("lead", project=PROJECT) + "\n")
    add(pt("url", url=doc["url"]))
    add(pt("selection", selection=_filters_text(doc["filters"], "pt")))
    add(pt("rows", n=doc["rows"]))
    add(pt("build", run=b["run_id"], at=b["built_at"]))
    add(pt("files", files=", ".join(doc["files"])) + "\n")
    for m in doc["indicators"]:
        add(f"## {m['title']['pt']} (`{m['id']}`)\n")
        add(pt("definition", text=m["description"]["pt"]) + "\n")
        add(pt("unit", unit=m["unit"]["pt"]))
        for s in m.get("sources", []):
            add(pt("source", producer=s.get("producer", "")) + (f" — {s['url']}" if s.get("url") else ""))
            add(pt("licence", licence=s.get("licence", "")))
        for c in m.get("caveats", []):
            add(pt("caveat", text=c["pt"]))
        if not m.get("caveats"):
            add(pt("no_caveats"))
        add("")
    add(pt("breaks.heading") + "\n")
    for x in doc["breaks_in_series"][:MAX_LISTED_BREAKS]:
        add(pt("break", indicator=x["indicator_id"], territory=x["territory_id"], period=x["period_id"]))
    if len(doc["breaks_in_series"]) > MAX_LISTED_BREAKS:
        add(pt("breaks.more", n=len(doc["breaks_in_series"]) - MAX_LISTED_BREAKS))
    if not doc["breaks_in_series"]:
        add(pt("breaks.none"))
    add("")
    add(pt("cite") + "\n")
    add(doc["citation"]["pt"] + "\n")
    add(pt("files.heading") + "\n")
    add(pt("files.tidy", notes=DIALECT_NOTES["tidy"][0]))
    add(pt("files.excel", notes=DIALECT_NOTES["excel"][0]))
    add(pt("files.metadata"))
    add(pt("files.codes"))
    add(pt("files.formulas") + "\n")
    add(pt("columns.heading") + "\n")
    add(pt("columns.lead") + "\n")
    for k, v in doc["columns"].items():
        excel = (v.get("excel_header") or {}).get("pt")
        add(f"- `{k}`" + (pt("columns.excel", header=excel) if excel else "") + f": {v['pt']}")
    rounding = doc.get("excel_rounding") or {}
    if rounding:
        add("\n" + pt("rounding.heading") + "\n")
        add(pt("rounding.lead") + "\n")
        for iid, r in rounding.items():
            add(pt("rounding.row", id=iid, value=r.get("value"), numerator=_dec_text(r.get("numerator")),
                   denominator=_dec_text(r.get("denominator"))))
    add("\n---\n")
    add(en("language") + "\n")
    if doc["demo"]:
        add(f"**{DEMO_NOTICE_EN}**\n")
    add(en("subject", title=doc["title"]["en"] if isinstance(doc["title"], dict) else doc["title"]) + "\n")
    add(en("url", url=doc["url"]))
    add(en("selection", selection=_filters_text(doc["filters"], "en")))
    add(en("rows", n=doc["rows"]))
    add(en("build", run=b["run_id"], at=b["built_at"]) + "\n")
    for m in doc["indicators"]:
        add(f"## {m['title']['en']} (`{m['id']}`)\n")
        add(en("definition", text=m["description"]["en"]) + "\n")
        add(en("unit", unit=m["unit"]["en"]))
        for s in m.get("sources", []):
            add(en("source", producer=s.get("producer", "")) + (f" — {s['url']}" if s.get("url") else ""))
            add(en("licence", licence=s.get("licence_en") or s.get("licence", "")))
        for c in m.get("caveats", []):
            add(en("caveat", text=c["en"]))
        add("")
    add(en("breaks.count", n=len(doc["breaks_in_series"]) or en("breaks.none_flagged")) + "\n")
    add(en("cite") + "\n")
    add(doc["citation"]["en"] + "\n")
    add(en("files.summary", tidy=DIALECT_NOTES["tidy"][1], excel=DIALECT_NOTES["excel"][1]) + "\n")
    add(en("columns.summary", columns="; ".join(
        f"`{k}` ({(v.get('excel_header') or {}).get('pt', k)}): {v['en']}" for k, v in doc["columns"].items())))
    return "\n".join(L) + "\n"


def zip_package(stem: str, df: pd.DataFrame, doc: dict, *, demo: bool, lang: str = "pt",
                rules: dict | None = None) -> bytes:
    """ZIP: <stem>.csv (tidy), <stem>_excel.csv (for people, in `lang`), metadata.json, LEIA-ME.md
    (pt-PT + English)."""
    buf = io.BytesIO()
    stamp = (2000, 1, 1, 0, 0, 0)
    try:
        ts = datetime.fromisoformat(doc["build"]["built_at"].rstrip("Z"))
        stamp = (max(ts.year, 1980), ts.month, ts.day, ts.hour, ts.minute, ts.second)
    except (ValueError, AttributeError, KeyError):
        pass
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name, data):
            info = zipfile.ZipInfo(f"{stem}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
        put(f"{stem}.csv", to_csv(df, "tidy", demo=demo))
        put(f"{stem}_excel.csv", excel_csv(df, lang=lang, rules=rules, demo=demo))
        put("metadata.json", json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
        put("LEIA-ME.md", readme(doc).encode("utf-8"))
    return buf.getvalue()
