"""Open-data exports: the two CSV dialects, formula-injection neutralisation, metadata, README and ZIP.

Pure functions on DataFrames and dicts (no database, no Flask): obs/api.py feeds them.

- `tidy`: UTF-8, comma, dot decimal, `\\n` line ends — for scripts (pandas, R, csvkit).
- `excel`: what Excel in Portugal opens by double-click: UTF-8 *with BOM*, semicolon, decimal comma.
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

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

DEMO_NOTICE_PT = ("DADOS DE DEMONSTRAÇÃO: estes valores foram gerados para demonstrar o Observatório "
                  "e não são estatísticas reais. Não os use nem os cite.")
DEMO_NOTICE_EN = ("DEMO DATA: these values were generated to demonstrate the Observatório and are not "
                  "real statistics. Do not use or cite them.")

MAX_LISTED_BREAKS = 200

PROJECT = "Observatório — Dashboard de Políticas Públicas · Observatório do Poder Local"


@dataclass(frozen=True)
class Dialect:
    name: str
    sep: str
    decimal: str
    encoding: str
    media_type: str = "text/csv"


DIALECTS: dict[str, Dialect] = {
    "tidy": Dialect("tidy", ",", ".", "utf-8"),
    "excel": Dialect("excel", ";", ",", "utf-8-sig"),
}

#: tidy column -> (pt, en) description; written to metadata.json and the README
COLUMNS: dict[str, tuple[str, str]] = {
    "indicator_id": ("identificador do indicador", "indicator id"),
    "territory_id": ("código do território (município: DICO de 4 dígitos, p. ex. 0101; NUTS 2024; "
                     "distrito/ilha DIxx; CIM/AM)", "territory code (municipality: 4-digit DICO, e.g. 0101; "
                     "NUTS 2024; district/island DIxx; CIM/AM)"),
    "territory_name": ("nome do território", "territory name"),
    "level": ("nível territorial", "territorial level"),
    "period_id": ("período (2021, 2024-Q4, 2020-W05, 2020-11-11, 2011/2021)",
                  "period (2021, 2024-Q4, 2020-W05, 2020-11-11, 2011/2021)"),
    "period_type": ("tipo de período", "period type"),
    "start_date": ("início do período", "period start"),
    "end_date": ("fim do período", "period end"),
    "value": ("valor", "value"),
    "unit": ("unidade", "unit"),
    "numerator": ("numerador (indicadores que são rácios)", "numerator (ratio indicators)"),
    "denominator": ("denominador (indicadores que são rácios)", "denominator (ratio indicators)"),
    "is_provisional": ("valor provisório", "provisional value"),
    "is_estimated": ("valor estimado", "estimated value"),
    "is_break": ("quebra de série neste período", "break in series at this period"),
    "origin": ("origem: source (da fonte), aggregated (agregado pelo Observatório), derived (calculado)",
               "origin: source, aggregated (by the Observatório), derived (computed)"),
    "source_ids": ("fontes (identificadores do catálogo)", "sources (catalogue ids)"),
    "note": ("nota", "note"),
    "demo": ("verdadeiro: dados de demonstração, não reais", "true: demo data, not real"),
}


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


def to_csv(df: pd.DataFrame, dialect: str = "tidy", *, demo: bool = False) -> bytes:
    """The rows as CSV bytes in one of DIALECTS. Floats keep full precision (round-trip)."""
    d = DIALECTS[dialect]
    buf = io.StringIO()
    _prepare(df, demo).to_csv(buf, index=False, sep=d.sep, decimal=d.decimal, lineterminator="\n")
    return buf.getvalue().encode(d.encoding)


# -- the same CSV from plain rows (no DataFrame) -------------------------------------------------
#
# The API's values listing gets DB-API tuples (obs/data.py:fact_table); building a DataFrame only to
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
                demo: bool = False) -> bytes:
    """`to_csv(pd.DataFrame(rows, columns=columns), dialect, demo=demo)`, byte for byte, without pandas.

    Fast for the column types a query returns (text, float, int, bool, NULL); a table with any
    other column (dates, decimals, mixed types) goes through `to_csv` itself, so the bytes never differ.
    """
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
    """Read back a CSV written by to_csv (how an analyst would, with pandas). Codes stay text."""
    d = DIALECTS[dialect]
    return pd.read_csv(io.BytesIO(data), sep=d.sep, decimal=d.decimal, encoding=d.encoding,
                       dtype={"indicator_id": str, "territory_id": str, "period_id": str, "note": str})


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
        if lang == "en":
            return f"{PROJECT}. Open data, build {build.get('run_id', '')} ({day}). {url} (accessed {today})."
        return f"{PROJECT}. Dados abertos, versão {build.get('run_id', '')} ({day}). {url} (consultado em {today})."
    producers = "; ".join(dict.fromkeys(s.get("producer", "") for s in meta.get("sources", [])))
    title = meta["title"]["en" if lang == "en" else "pt"]
    if lang == "en":
        return (f"Source: {producers}. “{title}” ({meta['id']}), processed by {PROJECT}, "
                f"build {build.get('run_id', '')} ({day}). {url} (accessed {today}).")
    return (f"Fonte: {producers}. «{title}» ({meta['id']}), tratamento: {PROJECT}, "
            f"versão {build.get('run_id', '')} ({day}). {url} (consultado em {today}).")


def public_meta(meta: dict) -> dict:
    """The registry entry as published: everything but how it is computed."""
    return {k: v for k, v in meta.items() if k not in ("compute", "visibility")}


def metadata_document(*, kind: str, subject: dict, indicators: list[dict], build: dict, filters: dict,
                      files: list[str], n_rows: int, breaks: list[dict], url: str, demo: bool) -> dict:
    doc = {
        "title": subject.get("title"),
        "kind": kind,                                  # indicator | territory
        "subject": subject,
        "url": url,
        "filters": filters,
        "rows": n_rows,
        "files": files,
        "columns": {k: {"pt": v[0], "en": v[1]} for k, v in COLUMNS.items() if k != "demo" or demo},
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
        return "indicador completo (todos os territórios e períodos)" if lang == "pt" else \
            "whole indicator (all territories and periods)"
    return "; ".join(f"{k} = {', '.join(v) if isinstance(v, list) else v}" for k, v in filters.items() if v)


def readme(doc: dict) -> str:
    """LEIA-ME in pt-PT, then an English section. Plain text that reads well as Markdown."""
    b = doc["build"]
    L: list[str] = []
    add = L.append
    if doc["demo"]:
        add(f"> **{DEMO_NOTICE_PT}**\n>\n> **{DEMO_NOTICE_EN}**\n")
    add(f"# {doc['title']['pt'] if isinstance(doc['title'], dict) else doc['title']}\n")
    add(f"{PROJECT} — dados abertos.\n")
    add(f"- Endereço: {doc['url']}")
    add(f"- Seleção: {_filters_text(doc['filters'], 'pt')}")
    add(f"- Linhas: {doc['rows']}")
    add(f"- Versão dos dados (build): {b['run_id']}, gerada em {b['built_at']}")
    add(f"- Ficheiros: {', '.join(doc['files'])}\n")
    for m in doc["indicators"]:
        add(f"## {m['title']['pt']} (`{m['id']}`)\n")
        add(f"Definição: {m['description']['pt']}\n")
        add(f"- Unidade: {m['unit']['pt']}")
        for s in m.get("sources", []):
            add(f"- Fonte e produtor: {s.get('producer', '')}" + (f" — {s['url']}" if s.get("url") else ""))
            add(f"- Licença: {s.get('licence', '')}")
        for c in m.get("caveats", []):
            add(f"- Advertência: {c['pt']}")
        if not m.get("caveats"):
            add("- Advertências: nenhuma registada.")
        add("")
    add("## Quebras de série\n")
    for x in doc["breaks_in_series"][:MAX_LISTED_BREAKS]:
        add(f"- {x['indicator_id']}: {x['territory_id']} em {x['period_id']}")
    if len(doc["breaks_in_series"]) > MAX_LISTED_BREAKS:
        add(f"- … e mais {len(doc['breaks_in_series']) - MAX_LISTED_BREAKS} (lista completa em metadata.json "
            "e na coluna `is_break`)")
    if not doc["breaks_in_series"]:
        add("Nenhuma quebra de série assinalada nesta seleção (coluna `is_break`).")
    add("")
    add("## Como citar\n")
    add(doc["citation"]["pt"] + "\n")
    add("## Ficheiros\n")
    add("- `*.csv`: CSV «tidy» — UTF-8, vírgula como separador, ponto decimal (para R, Python, etc.).")
    add("- `*_excel.csv`: CSV para Excel em Portugal — UTF-8 com BOM, ponto e vírgula, vírgula decimal.")
    add("- `metadata.json`: metadados completos (fontes, licenças, advertências, colunas, versão).")
    add("- Leia `territory_id` e `period_id` como texto (o código 0101 tem um zero à esquerda).")
    add("- Células de texto que começam por = + - @ levam um apóstrofo inicial (proteção contra fórmulas).\n")
    add("## Colunas\n")
    for k, v in doc["columns"].items():
        add(f"- `{k}`: {v['pt']}")
    add("\n---\n")
    add("# English\n")
    if doc["demo"]:
        add(f"**{DEMO_NOTICE_EN}**\n")
    add(f"{doc['title']['en'] if isinstance(doc['title'], dict) else doc['title']} — open data from the Observatório.\n")
    add(f"- URL: {doc['url']}")
    add(f"- Selection: {_filters_text(doc['filters'], 'en')}")
    add(f"- Rows: {doc['rows']}")
    add(f"- Data build: {b['run_id']}, built at {b['built_at']}\n")
    for m in doc["indicators"]:
        add(f"## {m['title']['en']} (`{m['id']}`)\n")
        add(f"Definition: {m['description']['en']}\n")
        add(f"- Unit: {m['unit']['en']}")
        for s in m.get("sources", []):
            add(f"- Source and producer: {s.get('producer', '')}" + (f" — {s['url']}" if s.get("url") else ""))
            add(f"- Licence: {s.get('licence_en') or s.get('licence', '')}")
        for c in m.get("caveats", []):
            add(f"- Caveat: {c['en']}")
        add("")
    add(f"Breaks in series: {len(doc['breaks_in_series']) or 'none flagged'} (listed above, in metadata.json "
        "and in the `is_break` column).\n")
    add("## How to cite\n")
    add(doc["citation"]["en"] + "\n")
    add("Files: `*.csv` tidy CSV (UTF-8, comma, dot decimal); `*_excel.csv` for Excel in Portugal "
        "(UTF-8 with BOM, semicolon, decimal comma); `metadata.json`. Read `territory_id` and `period_id` "
        "as text. Text cells starting with = + - @ carry a leading apostrophe (formula-injection guard).")
    return "\n".join(L) + "\n"


def zip_package(stem: str, df: pd.DataFrame, doc: dict, *, demo: bool) -> bytes:
    """ZIP: <stem>.csv (tidy), <stem>_excel.csv, metadata.json, LEIA-ME.md (pt-PT + English)."""
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
        put(f"{stem}_excel.csv", to_csv(df, "excel", demo=demo))
        put("metadata.json", json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
        put("LEIA-ME.md", readme(doc).encode("utf-8"))
    return buf.getvalue()
