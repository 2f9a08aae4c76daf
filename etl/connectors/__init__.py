"""Connectors: one per source format, registered by name.

A connector has two parts:
- `read(source, files) -> Raw`: the file(s) as delivered, every cell a string, each row with the
  file it came from and its 1-based line number (`_file`, `_row`). Errors name the file.
- `transform(raw, source, ctx) -> (staged, rejected)`: a pure function of data frames that tests
  call without a database. `staged` has STAGED_COLUMNS; `rejected` has REJECTED_COLUMNS, one row per
  row set aside, with the field and the reason.

Register with `@connector("format_name")`; the catalogue (etl/catalogue.yaml) names the format.
"""
from __future__ import annotations


import importlib
import json
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import pandas as pd

STAGED_COLUMNS = ["variable", "territory_id", "period_id", "value", "is_provisional", "is_estimated", "note",
                  "_file", "_row"]
REJECTED_COLUMNS = ["file", "row_number", "field", "value", "reason"]


class SourceError(ValueError):
    """A source cannot be read at all (missing file, wrong encoding, malformed CSV)."""


@dataclass
class Context:
    """What transforms may look up: the valid territory ids and the reference table."""
    territories: set[str]
    reference: pd.DataFrame
    data_system: Path
    extra: dict = field(default_factory=dict)

    @property
    def municipalities(self) -> set[str]:
        return set(self.reference["dico"])


class Connector(Protocol):
    def read(self, source, files: list[Path]) -> pd.DataFrame: ...
    def transform(self, raw: pd.DataFrame, source, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]: ...


REGISTRY: dict[str, Connector] = {}


def connector(name: str) -> Callable:
    def deco(cls):
        if name in REGISTRY:
            raise ValueError(f"connector {name!r} registered twice")
        REGISTRY[name] = cls()
        return cls
    return deco


_LOADED = False


def load_all() -> None:
    """Import every connector module once (each registers itself with @connector)."""
    global _LOADED
    if not _LOADED:
        for m in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{m.name}")
        _LOADED = True


def get(name: str) -> Connector:
    load_all()
    if name not in REGISTRY:
        raise KeyError(f"no connector for format {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def all_formats() -> list[str]:
    load_all()
    return sorted(REGISTRY)


def options_error(source, msg: str) -> SourceError:
    return SourceError(f"catalogue source {source.id}: options: {msg}")


# -- helpers shared by connectors --------------------------------------------------------------

def check_encoding(path: Path, encoding: str) -> bytes:
    """The file's bytes, after checking they decode; a failure names the file, line and column."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as e:
        raise SourceError(f"{path}: file not found") from e
    try:
        data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SourceError(f"{path}: row {line}, column {col}: byte 0x{data[e.start]:02x} is not valid {encoding}; "
                          "check the catalogue's encoding") from None
    return data


def read_json(path, encoding: str):
    """A JSON file's data; a file that is not valid in its declared encoding or not well-formed JSON is a
    SourceError naming the file, and the byte or the row and column."""
    try:
        return json.loads(Path(path).read_text(encoding=encoding))
    except UnicodeDecodeError as e:
        raise SourceError(f"{path}: not valid {encoding} (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise SourceError(f"{path}: row {e.lineno}, column {e.colno}: malformed JSON: {e.msg}") from None


def _check_field_counts(path: Path, text: str, delimiter: str, skiprows: int = 0) -> None:
    """Every line has as many fields as the header (pandas pads a short line with empty cells and
    would hide the defect). Raises SourceError naming the file, the line and the first missing field."""
    import csv
    import io
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = None
    try:
        for rec in reader:
            if reader.line_num <= skiprows:
                continue
            if header is None:
                header = rec
                continue
            if rec and len(rec) != len(header):
                what = (f"field {header[len(rec)].strip()!r} missing" if len(rec) < len(header)
                        else f"{len(rec) - len(header)} field(s) more than the header")
                raise SourceError(f"{path}: malformed CSV: row {reader.line_num} has {len(rec)} fields, "
                                  f"the header {len(header)} ({what})")
    except csv.Error as e:
        raise SourceError(f"{path}: malformed CSV: row {reader.line_num}: {e}") from None


def read_csv_strings(path: Path, *, encoding: str = "utf-8", delimiter: str = ",", skiprows: int = 0,
                     header_row: int = 1) -> pd.DataFrame:
    """Read a CSV with every cell as a string; add `_file` and `_row` (1-based line number).

    Raises SourceError naming the file (and the line, where the parser gives it)."""
    data = check_encoding(path, encoding)
    _check_field_counts(path, data.decode(encoding), delimiter, skiprows)
    try:
        # header=None: the header line fixes the number of fields, so a data line with more fields is
        # an error (with a header, pandas would silently take an extra first field as the index)
        grid = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, sep=delimiter,
                           skiprows=skiprows, engine="c", on_bad_lines="error", header=None)
    except pd.errors.ParserError as e:
        raise SourceError(f"{path}: malformed CSV: {e}") from e
    except pd.errors.EmptyDataError as e:
        raise SourceError(f"{path}: empty file") from e
    df = grid.iloc[1:].reset_index(drop=True)
    df.columns = [str(c).strip() for c in grid.iloc[0]]
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise SourceError(f"{path}: row {skiprows + header_row}, field {dup!r}: column named twice")
    df["_file"] = str(path)
    df["_row"] = range(skiprows + header_row + 1, skiprows + header_row + 1 + len(df))
    return df


def to_number(s: pd.Series, decimal: str = ".") -> pd.Series:
    """Parse numbers; '' stays missing; anything else unparseable becomes NaN (callers reject it).

    Plain numbers are parsed directly; only the cells that fail are cleaned (spaces and no-break
    spaces as thousands separators, decimal comma) and parsed again."""
    s = s.astype(object)
    if decimal == ".":
        out = pd.to_numeric(s.where(s != "", None), errors="coerce")
        retry = out.isna() & s.notna() & (s != "")
        if not retry.any():
            return out.astype(float)
    else:
        out = pd.Series(float("nan"), index=s.index)
        retry = s.notna() & (s != "")
    t = s[retry].astype(str).str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    if decimal == ",":
        t = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    out = out.astype(float)
    out[retry] = pd.to_numeric(t.replace("", None), errors="coerce")
    return out


def reject(df: pd.DataFrame, mask: pd.Series, field_name: str, reason: str) -> pd.DataFrame:
    """Rows of df where mask holds, as rejected rows naming the field and reason. In a melted wide
    file, `_field` (when present) names the original column of the value."""
    bad = df[mask]
    fld = bad["_field"] if field_name.startswith("_value") and "_field" in bad else field_name
    return pd.DataFrame({"file": bad["_file"], "row_number": bad["_row"], "field": fld,
                         "value": bad[field_name].astype(str) if field_name in bad else "",
                         "reason": reason}).reindex(columns=REJECTED_COLUMNS)


def validate_rows(df: pd.DataFrame, ctx: Context, *, territory: str, value: str, numeric: pd.Series,
                  keys: list[str], period: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The common checks: known territory, numeric value (or empty), unique keys, and no value for a
    municipality before it was created (Odivelas, Trofa, Vizela: a gap, not a zero).

    Returns (kept, rejected). An empty value is kept as a missing value (a gap, not an error)."""
    from etl.territory import CREATED
    rejected = []
    unknown = ~df[territory].isin(ctx.territories)
    rejected.append(reject(df, unknown, territory, "unknown territory code"))
    nonnum = numeric.isna() & (df[value].astype(str).str.strip() != "")
    rejected.append(reject(df, nonnum & ~unknown, value, "not a number"))
    ok = ~unknown & ~nonnum
    if period is not None and len(df):
        created = df[territory].map(CREATED)
        year = pd.to_numeric(df[period].astype(str).str.slice(0, 4), errors="coerce")
        early = created.notna() & (year < created) & ok
        # an empty cell before creation is the expected gap; a number there (PORDATA writes 0) is set aside
        early_val = early & (df[value].astype(str).str.strip() != "")
        rejected.append(reject(df, early_val, value, "municipality not yet created (1998): a gap, not a value"))
        ok &= ~early
    dup = df[keys].duplicated(keep=False) & ok
    rejected.append(reject(df, dup, keys[-1], f"duplicate key ({', '.join(keys)})"))
    ok &= ~dup
    return df[ok], pd.concat([r for r in rejected if len(r)] or [empty_rejected()], ignore_index=True)


def drop_equal_duplicates(df: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Keep once the rows that repeat a key *with the same value* (the same column in two files of
    one table, or a name standing for two levels). Rows repeating a key with a different value stay,
    so validate_rows rejects them as duplicates."""
    return df[~df.duplicated([*keys, value], keep="first")]


def staged(df: pd.DataFrame, **cols) -> pd.DataFrame:
    """Build a staged frame: cols give variable/territory_id/period_id/value (+ optional flags)."""
    out = pd.DataFrame({k: v for k, v in cols.items()}, index=df.index)
    out["_file"] = df["_file"]
    out["_row"] = df["_row"]
    for c, default in (("is_provisional", False), ("is_estimated", False), ("note", None)):
        if c not in out:
            out[c] = default
    return out.reindex(columns=STAGED_COLUMNS)


def empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECTED_COLUMNS)
