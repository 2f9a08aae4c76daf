"""The build on the tiny synthetic data system: atomic swap, dry run, partial builds that keep
the other indicators' facts, lineage and rejected rows, and clear errors for missing files."""
from __future__ import annotations

import hashlib
import shutil

import pytest

import etl.build as B
from tests._helpers import FIXTURES
from tests._helpers import build_mini as build  # the `mini` fixture: conftest.py

CAT = FIXTURES / "mini_catalogue.yaml"
REG = FIXTURES / "mini_registry"


def digest(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def facts(db, sql="SELECT indicator_id, territory_id, period_id, value FROM fact_indicator_value"):
    con = B.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_build_and_ratio_of_sums(mini, tmp_path):
    out = tmp_path / "obs.duckdb"
    s = build(mini, out)
    assert s["indicators"] == 2
    rows = {(i, t, p): v for i, t, p, v in facts(out)}
    # 2001: every municipality has both; national turnout = summed voters / summed registered
    voters, registered = 6500 + 310000 + 60000 + 6000 + 7000 + 2100, 11000 + 620000 + 120000 + 9000 + 12000 + 3000
    assert rows[("participacao", "PT", "2001")] == pytest.approx(voters / registered * 100)
    # Odivelas (created 1998): a gap in 1993, not a zero, and the region is still complete
    assert ("participacao", "1116", "1993") not in rows
    note = facts(out, "SELECT note, is_estimated FROM fact_indicator_value WHERE indicator_id='participacao' "
                      "AND territory_id='PT' AND period_id='1993'")
    assert note == [(None, False)]
    # the two Lagoa stay apart
    assert rows[("populacao", "0806", "2021")] == 21000 and rows[("populacao", "4201", "2021")] == 14200


def test_failed_build_leaves_previous_db_byte_identical(mini, tmp_path):
    out = tmp_path / "obs.duckdb"
    build(mini, out)
    before = digest(out)
    (mini / "indicators" / "eleicoes.csv").write_text("dico,ano,inscritos,votantes\n1106,2001,1,2,3\n")
    with pytest.raises(B.BuildError) as e:
        build(mini, out)
    assert "eleicoes" in str(e.value) and "eleicoes.csv" in str(e.value)
    assert digest(out) == before
    assert facts(out, "SELECT count(*) FROM fact_indicator_value")[0][0] > 0    # still serving
    assert not list(tmp_path.glob(".obs.duckdb.*"))                               # no half-written file left


def test_failing_check_leaves_previous_db(mini, tmp_path, monkeypatch):
    out = tmp_path / "obs.duckdb"
    build(mini, out)
    before = digest(out)
    monkeypatch.setattr(B, "run_checks", lambda con: ["fact_indicator_value: 1 duplicate keys (test)"])
    with pytest.raises(B.CheckError):
        build(mini, out)
    assert digest(out) == before


def test_dry_run_writes_nothing(mini, tmp_path):
    out = tmp_path / "obs.duckdb"
    s = build(mini, out, dry_run=True)
    assert s["values"] > 0 and not out.exists()


def test_partial_build_keeps_other_indicators(mini, tmp_path):
    out = tmp_path / "obs.duckdb"
    build(mini, out)
    full = set(facts(out))
    s = build(mini, out, indicators=["populacao"])
    assert s["indicators"] == 2
    assert set(facts(out)) == full
    build(mini, out, sources=["eleicoes"])
    assert set(facts(out)) == full
    lin = facts(out, "SELECT source_id FROM meta_lineage")
    assert lin == [("eleicoes",)]


def test_lineage_and_rejected_rows(mini, tmp_path):
    out = tmp_path / "obs.duckdb"
    with open(mini / "indicators" / "eleicoes.csv", "a") as f:
        f.write("9999,2001,10,5\n1106,2005,abc,1\n")
    s = build(mini, out)
    assert s["rejected"] == 3        # a wide file is checked cell by cell: 2 cells of row 20, 1 of row 21
    lin = facts(out, "SELECT source_id, rows_read, rows_kept, rows_rejected, length(file_hash) FROM meta_lineage "
                     "ORDER BY 1")
    assert lin[0][0] == "eleicoes" and lin[0][3] == 3 and lin[0][4] == 64
    rej = facts(out, "SELECT file, row_number, field, value, reason FROM meta_rejected_row ORDER BY row_number")
    assert [(r[1], r[2], r[3], r[4]) for r in rej] == [(20, "dico", "9999", "unknown territory code")] * 2 + [
        (21, "inscritos", "abc", "not a number")]
    assert rej[0][0].endswith("eleicoes.csv")
    with pytest.raises(B.BuildError, match=r"row 20, field 'dico'"):
        build(mini, tmp_path / "strict.duckdb", fail_on_rejected=True)


def test_missing_required_file_is_an_error(mini, tmp_path):
    (mini / "indicators" / "eleicoes.csv").unlink()
    with pytest.raises(B.BuildError, match="source eleicoes: no file matches"):
        build(mini, tmp_path / "obs.duckdb")


def test_unknown_selection_is_an_error(mini, tmp_path):
    with pytest.raises(B.BuildError, match="unknown indicators: nada"):
        build(mini, tmp_path / "obs.duckdb", indicators=["nada"])
    with pytest.raises(B.BuildError, match="unknown sources: nada"):
        build(mini, tmp_path / "obs.duckdb", sources=["nada"])


def test_plan_from_declared_dependencies():
    from etl.catalogue import load_catalogue
    from indicators import load_registry
    reg, cat = load_registry(), load_catalogue()
    srcs, inds = B.plan(reg, cat, None, ["taxa_mortalidade"])
    assert set(srcs) == {"sico_anual", "pordata_xlsx", "referencia_municipios"} and inds == ["taxa_mortalidade"]
    srcs, inds = B.plan(reg, cat, ["dgal_endividamento"], None)
    assert srcs == ["dgal_endividamento"] and set(inds) == {"divida_pct_limite", "divida_total"}


def test_cli_parser():
    from etl.cli import parser
    a = parser().parse_args(["build", "--source", "a", "--source", "b", "--indicator", "x", "--dry-run"])
    assert a.source == ["a", "b"] and a.indicator == ["x"] and a.dry_run
    assert parser().parse_args(["lineage"]).command == "lineage"


def test_demo_mode_skips_absent_sources_and_their_indicators(mini, tmp_path, monkeypatch):
    """Without a data system the build uses the demo one, which may lack some files: those sources
    and the indicators that need them are skipped (and said so), not an error."""
    cat = tmp_path / "cat.yaml"
    cat.write_text(CAT.read_text(encoding="utf-8") + (
        "  - {id: ausente, title: Ausente, path: indicators/ausente.csv, format: tidy_csv, keys: [dico],\n"
        "     producer: Teste, licence: CC0}\n"), encoding="utf-8")
    reg = tmp_path / "reg"
    shutil.copytree(REG, reg)
    (reg / "ausente.yaml").write_text((REG / "populacao.yaml").read_text(encoding="utf-8").replace(
        "referencia:pop_2021_censos", "ausente:valor"), encoding="utf-8")
    import etl.demo
    monkeypatch.setattr(etl.demo, "ensure_demo_system", lambda path, **k: mini)
    monkeypatch.setenv("OBS_DATA_SYSTEM", "")
    msgs = []
    s = B.build(None, out=tmp_path / "demo.duckdb", catalogue_path=cat, registry_dir=reg, progress=msgs.append)
    assert s["is_demo"] and s["indicators"] == 2
    assert any("ausente" in m and "skipped" in m for m in msgs)
    # with a real data system the same missing file is an error
    with pytest.raises(B.BuildError, match="source ausente: no file matches"):
        B.build(mini, out=tmp_path / "real.duckdb", catalogue_path=cat, registry_dir=reg, progress=lambda m: None)
