"""The territory dimension, from the data system's reference table (reference/municipios.csv).

Ids: municipality = DICO ('0101'); NUTS = Eurostat code ('PT', 'PT1', 'PT11', 'PT111', NUTS 2024);
district or island = 'DI' + code ('DI01', 'DI31'); CIM/AM = 'EI' + NUTS III 2013 code ('EI16D').
Parishes ('freguesia', 6-digit DICOFRE) fit the same table when a source brings them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.text import fold
from core.vocabulary import TERRITORIAL_LEVELS

REFERENCE = "reference/municipios.csv"
COLUMNS = ["territory_id", "level", "name", "name_unique", "name_search", "parent_id", "nuts1_id",
           "nuts2_id", "nuts3_id", "district_id", "cim_id", "tipo_territorio", "area_km2",
           "population", "sort_key"]
#: the levels regional values are aggregated to, with the column of the municipality row giving the id
AGG_LEVELS = {"nuts3": "nuts3_id", "nuts2": "nuts2_id", "nuts1": "nuts1_id", "pais": "country_id"}
#: alternative groupings aggregated by the same rule (districts/islands, CIM/AM), for every aggregable
#: indicator with municipal values; they are not NUTS levels, so an indicator's `levels` does not list them
GROUPINGS = {"distrito": "district_id", "cim": "cim_id"}


#: a level's pt-PT label, the suffix that tells apart a name shared across levels (core.i18n.territory_name
#: reads it back in English)
LEVEL_LABEL = {k: lv.label("pt") for k, lv in TERRITORIAL_LEVELS.items()}


class ReferenceTableError(ValueError):
    """reference/municipios.csv cannot be used; the message names the file, row and field."""


#: the columns the build reads from the reference table
REFERENCE_COLUMNS = ["dico", "municipio", "municipio_unico", "distrito_ilha_code", "distrito_ilha_nome",
                     "tipo_territorio", "nuts1_code", "nuts1_nome", "nuts2_2013_code", "nuts2_2013_nome",
                     "nuts3_2013_code", "nuts3_2013_nome", "nuts2_2024_code", "nuts2_2024_nome", "nuts3_2024_code",
                     "nuts3_2024_nome", "entidade_intermunicipal", "entidade_intermunicipal_tipo", "area_km2",
                     "pop_2021_censos"]
#: numeric columns (when present): what each must hold. An empty cell is allowed (unknown).
REFERENCE_NUMBERS = {
    "area_km2": "the municipality's area in km², a number >= 0 with a decimal point (e.g. 335.27)",
    "pop_1981": "the resident population in 1981, a whole number >= 0",
    "pop_2019": "the resident population in 2019, a whole number >= 0",
    "pop_2020": "the resident population in 2020, a whole number >= 0",
    "pop_2021_censos": "the resident population at the 2021 Census, a whole number >= 0",
    "pop_estrangeira_2021_censos": "the foreign resident population at the 2021 Census, a whole number >= 0",
}


def _decode(path: Path, data: bytes) -> str:
    """The file as text (UTF-8); a bad byte is reported with its row and field."""
    import csv
    import io
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        row = data.count(b"\n", 0, e.start) + 1
        header = next(csv.reader(io.StringIO(data.split(b"\n", 1)[0].decode("utf-8", "replace"))), [])
        prefix = data[line_start:e.start].decode("utf-8", "replace")
        n = len(next(csv.reader(io.StringIO(prefix + "x")), [""]))   # fields up to the bad byte
        field = f", field {header[n - 1].strip()!r}" if row > 1 and 0 < n <= len(header) else ""
        raise ReferenceTableError(
            f"{path}: row {row}{field}: byte 0x{data[e.start]:02x} is not valid UTF-8. The reference table must "
            "be saved as UTF-8 (this byte suggests Latin-1/Windows-1252: re-save it as UTF-8).") from None


def read_reference(data_system: Path) -> pd.DataFrame:
    """reference/municipios.csv, every cell a string, checked: errors name the file, row and field."""
    import io
    path = Path(data_system) / REFERENCE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReferenceTableError(
            f"{path}: file not found. Every build needs the reference table of the 308 municipalities "
            f"({REFERENCE} in the data system: one row per municipality, with columns "
            f"{', '.join(REFERENCE_COLUMNS[:3])}, …). Check the data system path (OBS_DATA_SYSTEM or "
            "--data-system).") from None
    except OSError as e:
        raise ReferenceTableError(f"{path}: cannot be read: {e.strerror or e}") from None
    text = _decode(path, data)
    try:
        ref = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ReferenceTableError(f"{path}: the file is empty; expected a header row and one row per "
                                  "municipality") from None
    except pd.errors.ParserError as e:
        raise ReferenceTableError(f"{path}: malformed CSV: {e}") from None
    ref.columns = [str(c).strip() for c in ref.columns]
    missing = [c for c in REFERENCE_COLUMNS if c not in ref.columns]
    if missing:
        raise ReferenceTableError(f"{path}: row 1 (header), field {missing[0]!r}: column not found; expected the "
                                  f"columns {', '.join(REFERENCE_COLUMNS)}")
    if ref.empty:
        raise ReferenceTableError(f"{path}: no municipality rows after the header")
    bad = ref[~ref["dico"].str.fullmatch(r"\d{4}")]
    if len(bad):
        i = bad.index[0]
        raise ReferenceTableError(f"{path}: row {i + 2}, field 'dico': {ref.at[i, 'dico']!r} is not a 4-digit DICO")
    dup = ref[ref["dico"].duplicated()]
    if len(dup):
        i = dup.index[0]
        raise ReferenceTableError(f"{path}: row {i + 2}, field 'dico': duplicate {ref.at[i, 'dico']!r}")
    for col, expected in REFERENCE_NUMBERS.items():
        if col not in ref.columns:
            continue
        cell = ref[col].str.strip()
        num = pd.to_numeric(cell.where(cell != "", None), errors="coerce")
        wrong = (cell != "") & (num.isna() | ~np.isfinite(num.fillna(0)) | (num < 0))
        if wrong.any():
            i = wrong[wrong].index[0]
            raise ReferenceTableError(
                f"{path}: row {i + 2} (DICO {ref.at[i, 'dico']}), field {col!r}: {ref.at[i, col]!r} is not valid; "
                f"expected {expected}, or an empty cell if unknown")
    return ref


def build_territory(ref: pd.DataFrame) -> pd.DataFrame:
    num = lambda c: pd.to_numeric(ref[c].replace("", None), errors="coerce")  # noqa: E731
    m = pd.DataFrame({
        "territory_id": ref["dico"],
        "level": "municipio",
        "name": ref["municipio"],
        "name_unique": ref["municipio_unico"],
        "nuts1_id": "PT" + ref["nuts1_code"],
        "nuts2_id": "PT" + ref["nuts2_2024_code"],
        "nuts3_id": "PT" + ref["nuts3_2024_code"],
        "district_id": "DI" + ref["distrito_ilha_code"],
        "cim_id": ref["nuts3_2013_code"].where(ref["entidade_intermunicipal"] != "", "").map(
            lambda c: f"EI{c}" if c else None),
        "tipo_territorio": ref["tipo_territorio"],
        "area_km2": num("area_km2"),
        "population": num("pop_2021_censos"),
    })
    m["parent_id"] = m["nuts3_id"]
    rows = [m]

    def group(level, id_col, name_col, parent):
        g = ref.assign(_id=id_col).groupby("_id", sort=True).agg(
            name=(name_col, "first"), area_km2=("area_km2", lambda s: pd.to_numeric(s, errors="coerce").sum()),
            population=("pop_2021_censos", lambda s: pd.to_numeric(s, errors="coerce").sum()),
            nuts1=("nuts1_code", "first"), nuts2=("nuts2_2024_code", "first"),
            tipo=("tipo_territorio", "first")).reset_index()
        out = pd.DataFrame({"territory_id": g["_id"], "level": level, "name": g["name"],
                            "name_unique": g["name"], "area_km2": g["area_km2"],
                            "population": g["population"], "tipo_territorio": g["tipo"]})
        out["parent_id"] = parent(g)
        out["nuts1_id"] = "PT" + g["nuts1"] if level in ("nuts2", "nuts3") else None
        out["nuts2_id"] = "PT" + g["nuts2"] if level == "nuts3" else None
        return out

    rows.append(group("nuts3", "PT" + ref["nuts3_2024_code"], "nuts3_2024_nome", lambda g: "PT" + g["nuts2"]))
    rows.append(group("nuts2", "PT" + ref["nuts2_2024_code"], "nuts2_2024_nome", lambda g: "PT" + g["nuts1"]))
    rows.append(group("nuts1", "PT" + ref["nuts1_code"], "nuts1_nome", lambda g: "PT"))
    d = group("distrito", "DI" + ref["distrito_ilha_code"], "distrito_ilha_nome", lambda g: "PT")
    d["level"] = d["territory_id"].map(lambda t: "distrito" if int(t[2:]) < 30 else "ilha")
    rows.append(d)
    mainland = ref[ref["entidade_intermunicipal"] != ""]
    c = group("cim", "EI" + mainland["nuts3_2013_code"], "entidade_intermunicipal", lambda g: "PT")
    tipo = mainland.groupby("EI" + mainland["nuts3_2013_code"])["entidade_intermunicipal_tipo"].first()
    c["level"] = c["territory_id"].map(lambda t: "am" if tipo.get(t) == "AM" else "cim")
    c["name_unique"] = c.apply(lambda r: r["name"] if r["name"].startswith(("Área", "Area")) or r["level"] == "am"
                               else f"CIM {r['name']}", axis=1)
    rows.append(c)
    pt = pd.DataFrame([{"territory_id": "PT", "level": "pais", "name": "Portugal", "name_unique": "Portugal",
                        "parent_id": None, "area_km2": m["area_km2"].sum(), "population": m["population"].sum()}])
    rows.append(pt)
    out = pd.concat(rows, ignore_index=True)
    order = {k: lv.rank for k, lv in TERRITORIAL_LEVELS.items()}
    out["sort_key"] = out["level"].map(order).astype(str) + "|" + out["territory_id"]
    # a name shared across levels (Algarve, Lisboa, Grande Lisboa) gets its level in brackets
    dup = out["name_unique"].duplicated(keep=False) & (out["level"] != "municipio")
    out.loc[dup, "name_unique"] = out.loc[dup, "name_unique"] + " (" + out.loc[dup, "level"].map(LEVEL_LABEL) + ")"
    out["name_search"] = out["name_unique"].map(fold)
    return out.reindex(columns=COLUMNS)


#: municipalities created after the start of some series: DICO -> year of creation. Values for
#: earlier periods are gaps (the municipality did not exist), never zeros.
CREATED = {"1116": 1998, "1318": 1998, "0314": 1998}   # Odivelas, Trofa, Vizela


def nuts2013_to_2024(ref: pd.DataFrame) -> dict[str, str]:
    """NUTS 2013 codes (without 'PT') whose unit is unchanged in NUTS 2024 -> the NUTS 2024 id.

    A unit is unchanged when it holds exactly the same municipalities in both versions (e.g.
    Norte '11' -> 'PT11', Algarve '150' -> 'PT150'). Centro, AML, Alentejo and their NUTS III
    changed in 2024, so official values published for them cannot be placed on today's map.
    'PT' and the NUTS I codes ('1', '2', '3') did not change."""
    out = {"PT": "PT", "1": "PT1", "2": "PT2", "3": "PT3"}
    for lvl in ("nuts2", "nuts3"):
        old = ref.groupby(f"{lvl}_2013_code")["dico"].agg(frozenset)
        new = ref.groupby(f"{lvl}_2024_code")["dico"].agg(frozenset)
        by_set = {v: k for k, v in new.items()}
        for code, members in old.items():
            if members in by_set:
                out[code] = "PT" + by_set[members]
    return out


def nuts2013_names(ref: pd.DataFrame) -> dict[str, list[str]]:
    """NUTS 2013 names (as PORDATA and INE write them) -> the NUTS 2024 ids of the unchanged units.

    One name can stand for several levels that cover the same land ('Algarve' is NUTS II and
    NUTS III; 'Região Autónoma dos Açores' is NUTS I, II and III): the value applies to each."""
    codes = nuts2013_to_2024(ref)
    names: dict[str, list[str]] = {"Portugal": ["PT"]}
    for lvl, col in (("nuts1", "nuts1"), ("nuts2", "nuts2_2013"), ("nuts3", "nuts3_2013")):
        pairs = ref[[f"{col}_code", f"{col}_nome"]].drop_duplicates()
        for code, name in pairs.itertuples(index=False):
            tid = codes.get(code)
            if tid and tid not in names.setdefault(name.strip(), []):
                names[name.strip()].append(tid)
    return names
