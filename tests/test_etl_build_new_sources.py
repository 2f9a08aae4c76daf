"""Bad input in the four new sources (SOURCES.md §3.14–3.16), on a copy of the real data system
with one file broken: the build stops with an error naming the file, the row and the field (or, for a
bad cell, quarantines the row with that information), and the previous database keeps serving."""
from __future__ import annotations

import hashlib
import json

import pytest

import etl.build as B

NEW = ["dgo_transferencias_2014", "dgo_transferencias_total", "ine_dormidas", "ine_dormidas_fonte", "iefp_desemprego"]
T2014 = "indicators/dgo_transferencias_municipios_2014.csv"
IEFP = "indicators/iefp_desemprego_registado_2025_12.csv"
INE = "indicators/sources/ine_dormidas/ine_0009183_dormidas_2019.json"


def mirror(src, dst, broken: dict[str, bytes]):
    """dst: the data system at src, every file a symlink except the broken ones (written as given)."""
    for p in src.rglob("*"):
        rel = p.relative_to(src)
        q = dst / rel
        if p.is_dir():
            q.mkdir(parents=True, exist_ok=True)
        elif str(rel) in broken:
            q.write_bytes(broken[str(rel)])
        else:
            q.symlink_to(p)
    return dst


@pytest.fixture
def env(tmp_path, etl_steps_off, data_system):
    """A database built from the new sources (the 'previous' one, serving); post steps and boundaries
    off (they belong to other modules)."""
    out = tmp_path / "obs.duckdb"
    B.build(data_system, out=out, sources=NEW, progress=lambda m: None)
    return out


def digest(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def serving(db) -> int:
    con = B.connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM fact_indicator_value WHERE indicator_id='transferencias_fef_2014'"
                           ).fetchone()[0]
    finally:
        con.close()


def broken_line(data_system, rel: str, line: int, fix) -> bytes:
    lines = (data_system / rel).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = fix(lines[line - 1])
    return "".join(lines).encode("utf-8")


def test_short_row_in_the_2014_map_names_file_row_and_field(env, data_system, tmp_path):
    before, n = digest(env), serving(env)
    assert n == 399          # 308 municipalities + 43 NUTS units + 29 districts/islands + 23 CIM/AM
    ds = mirror(data_system, tmp_path / "ds", {T2014: broken_line(data_system, T2014, 5,
                                                                  lambda s: s[:s.index(',"CGE 2014')] + "\n")})
    with pytest.raises(B.BuildError) as e:
        B.build(ds, out=env, sources=NEW, progress=lambda m: None)
    msg = str(e.value)
    assert "dgo_transferencias_2014" in msg and "dgo_transferencias_municipios_2014.csv" in msg
    assert "row 5" in msg and "field 'fonte' missing" in msg, msg
    assert digest(env) == before and serving(env) == n                    # the previous database still serves
    assert not list(tmp_path.glob(".obs.duckdb.*"))


def test_bad_cell_in_the_unemployment_file_is_quarantined_then_refused_when_strict(env, data_system, tmp_path):
    before = digest(env)
    ds = mirror(data_system, tmp_path / "ds", {IEFP: broken_line(data_system, IEFP, 2,
                                                                 lambda s: s.replace(",1153,", ",1 153x,", 1))})
    with pytest.raises(B.BuildError) as e:
        B.build(ds, out=env, sources=NEW, fail_on_rejected=True, progress=lambda m: None)
    msg = str(e.value)
    assert "iefp_desemprego_registado_2025_12.csv: row 2, field 'desempregados_registados_total_n'" in msg, msg
    assert digest(env) == before
    # without --strict the row is set aside with its file, row, field and reason, and Águeda has no total
    out = tmp_path / "other.duckdb"
    B.build(ds, out=out, sources=NEW, progress=lambda m: None)
    con = B.connect(out, read_only=True)
    try:
        rej = con.execute("SELECT file, row_number, field, value, reason FROM meta_rejected_row "
                          "WHERE source_id='iefp_desemprego'").fetchall()
        gone = con.execute("SELECT count(*) FROM fact_indicator_value WHERE indicator_id='desemprego_registado' "
                           "AND territory_id IN ('0101', 'PT', 'PT1')").fetchone()[0]
    finally:
        con.close()
    assert [(r[1], r[2], r[3], r[4]) for r in rej] == [(2, "desempregados_registados_total_n", "1 153x", "not a number")]
    assert rej[0][0].endswith("iefp_desemprego_registado_2025_12.csv")
    assert gone == 0              # no value for Águeda, and no national sum that would silently leave it out


def test_malformed_ine_json_names_file_row_and_column(env, data_system, tmp_path):
    before = digest(env)
    text = (data_system / INE).read_text(encoding="utf-8")
    bad = text.replace('"valor" : "46156"', '"valor" : 46 156', 1)             # Águeda's total, unquoted
    assert bad != text
    row = text[:text.index('"valor" : "46156"')].count("\n") + 1
    ds = mirror(data_system, tmp_path / "ds", {INE: bad.encode("utf-8")})
    with pytest.raises(B.BuildError) as e:
        B.build(ds, out=env, sources=NEW, progress=lambda m: None)
    msg = str(e.value)
    assert "ine_dormidas_fonte" in msg and "ine_0009183_dormidas_2019.json" in msg
    assert f"row {row}, column" in msg and "malformed JSON" in msg, msg
    assert digest(env) == before


def test_ine_json_cell_with_no_value_names_row_and_field(env, data_system, tmp_path):
    data = json.loads((data_system / INE).read_text(encoding="utf-8"))
    cell = next(c for c in data[0]["Dados"]["2019"] if c["geocod"] == "16D0101" and c["dim_3"] == "T")
    del cell["valor"]
    ds = mirror(data_system, tmp_path / "ds", {INE: json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")})
    with pytest.raises(B.BuildError, match=r"ine_0009183_dormidas_2019.json: row \d+, field 'valor': neither a "
                                           r"value nor a conventional sign"):
        B.build(ds, out=env, sources=NEW, progress=lambda m: None)
