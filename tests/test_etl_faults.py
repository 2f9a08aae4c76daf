"""The ETL under faults (issue 9, items 7, 8, 9 and 11): impossible values are set aside with file,
row, field and reason and never summed; broken reference tables give a one-paragraph error and a
non-zero exit while the previous database keeps serving; killed builds leave nothing behind for
long and two builds never run at once; restricted indicators never shape the public peer groups.

Every build here runs on a writable copy of tests/fixtures/mini_system (+ tests/fixtures/faults),
in tmp_path: nothing is written into the data system."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import etl.build as B
from etl.buildfiles import EXIT_LOCKED, LOCK_NAME, BuildLocked, build_lock
from tests._helpers import FIXTURES, MINI

FAULTS = FIXTURES / "faults"
CAT = FAULTS / "catalogue.yaml"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def system(tmp_path, etl_steps_off):
    """A writable data system: the mini system plus the deaths file with impossible values; a
    registry: the mini registry plus the deaths indicator. Post steps and geo switched off."""
    ds = tmp_path / "system"
    shutil.copytree(MINI, ds)
    shutil.copy(FAULTS / "obitos.csv", ds / "indicators" / "obitos.csv")
    reg = tmp_path / "registry"
    shutil.copytree(FIXTURES / "mini_registry", reg)
    shutil.copy(FAULTS / "obitos.yaml", reg / "obitos.yaml")
    return ds, reg


def build(system, out, **kw):
    ds, reg = system
    return B.build(ds, out=out, catalogue_path=CAT, registry_dir=reg, progress=lambda m: None, **kw)


def query(db, sql, params=()):
    con = B.connect(db, read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


# -- 7: impossible values ------------------------------------------------------------------------

def test_impossible_values_are_rejected_with_file_row_field_and_reason(system, tmp_path):
    out = tmp_path / "obs.duckdb"
    s = build(system, out)
    rej = {r[1]: r for r in query(out, "SELECT file, row_number, field, value, reason, source_id "
                                       "FROM meta_rejected_row WHERE source_id = 'obitos'")}
    # header is line 1: Lisboa 2022 (-5e12) is line 9, Calheta (inf) 11, Lagoa RAA (-inf) 12, Calheta RAA (NaN) 13
    assert set(rej) == {9, 11, 12, 13}
    for row in rej.values():
        assert row[0].endswith("obitos.csv") and row[2] == "obitos"
    assert rej[9][3] == "-5000000000000"
    assert rej[9][4] == "impossible value: -5000000000000 is below the bounds [0, ∞) of variable obitos (indicator obitos)"
    assert rej[11][3] == "inf" and "not a finite number" in rej[11][4]
    assert rej[12][3] == "-inf" and "not a finite number" in rej[12][4]
    assert rej[13][4] == "not a number"
    assert s["rejected"] == 4
    lineage = query(out, "SELECT rows_rejected FROM meta_lineage WHERE source_id = 'obitos'")
    assert lineage == [(4,)]


def test_impossible_values_are_never_published_nor_summed(system, tmp_path):
    out = tmp_path / "obs.duckdb"
    build(system, out)
    vals = {(t, p): v for t, p, v in query(out, "SELECT territory_id, period_id, value FROM fact_indicator_value "
                                                "WHERE indicator_id = 'obitos'")}
    assert min(vals.values()) >= 0
    assert all(v == v and abs(v) != float("inf") for v in vals.values())
    # 2021 complete: Portugal is the sum of its six municipalities
    assert vals[("PT", "2021")] == 250 + 6100 + 1400 + 120 + 160 + 50
    # 2022: Lisboa's -5e12 is not there, and no region containing a rejected value gets a (partial) sum
    assert ("1106", "2022") not in vals and ("3101", "2022") not in vals
    assert ("PT", "2022") not in vals and ("PT1A0", "2022") not in vals
    # the regions untouched by the bad rows keep their values (Algarve = Lagoa alone)
    assert vals[("PT150", "2022")] == 260 and vals[("0806", "2022")] == 260
    assert vals[("PT", "2023")] == 240 + 6000 + 1380 + 118 + 150 + 48


def test_computed_values_outside_the_indicator_bounds_are_rejected(system, tmp_path):
    """A ratio above 100 % (more voters than registered) and a negative count in a staged variable
    whose bounds the catalogue declares: both set aside, pointing at the file's row."""
    ds, _ = system
    with open(ds / "indicators" / "eleicoes.csv", "a") as f:
        f.write("0806,2005,100,120\n1106,2005,-3,1\n")        # lines 20 and 21
    out = tmp_path / "obs.duckdb"
    build(system, out)
    rej = query(out, "SELECT file, row_number, field, value, reason FROM meta_rejected_row "
                     "WHERE source_id = 'eleicoes' ORDER BY row_number")
    assert [(r[1], r[2], r[3]) for r in rej] == [(20, "participacao (compute)", "120"), (21, "inscritos", "-3")]
    assert all(r[0].endswith("eleicoes.csv") for r in rej)
    assert "outside its bounds [0, 100]" in rej[0][4]
    assert "etl/catalogue.yaml, source eleicoes" in rej[1][4]
    vals = query(out, "SELECT territory_id, value FROM fact_indicator_value WHERE indicator_id = 'participacao' "
                      "AND period_id = '2005'")
    assert vals == []


def test_strict_build_fails_on_impossible_values_naming_them(system, tmp_path):
    with pytest.raises(B.BuildError, match=r"obitos\.csv: row 9, field 'obitos'"):
        build(system, tmp_path / "obs.duckdb", fail_on_rejected=True)


def test_lineage_command_shows_the_rejected_values(system, tmp_path):
    out = tmp_path / "obs.duckdb"
    build(system, out)
    r = cli(["lineage", "--rejected", "20"], tmp_path, db=out, data_system=system[0])
    assert r.returncode == 0, r.stderr
    assert "row 9, field 'obitos' = '-5000000000000'" in r.stdout
    assert "row 11, field 'obitos' = 'inf'" in r.stdout


def test_catalogue_bounds_are_validated(tmp_path):
    from etl.catalogue import load_catalogue
    bad = tmp_path / "cat.yaml"
    bad.write_text(CAT.read_text(encoding="utf-8").replace("inscritos: [0, null]", "inscritos: [10, 1]"),
                   encoding="utf-8")
    with pytest.raises(ValueError, match=r"cat.yaml: source eleicoes: field 'bounds': .*'inscritos': lower bound "
                                         r"10.0 must be below the upper bound 1.0"):
        load_catalogue(bad)


def test_a_bound_on_an_unknown_variable_is_an_error(system, tmp_path):
    cat = tmp_path / "cat.yaml"
    cat.write_text(CAT.read_text(encoding="utf-8").replace("votantes: [0, null]", "votantes_: [0, null]"),
                   encoding="utf-8")
    ds, reg = system
    with pytest.raises(B.BuildError, match=r"source eleicoes, field 'bounds': no staged variable 'votantes_' "
                                           r"\(it delivers inscritos, votantes\)"):
        B.build(ds, out=tmp_path / "obs.duckdb", catalogue_path=cat, registry_dir=reg, progress=lambda m: None)


# -- 8: build errors name file, row and field ----------------------------------------------------

def cli(args, tmp_path, db, data_system, timeout=120):
    env = {**os.environ, "OBS_DB": str(db), "OBS_DATA_DIR": str(Path(db).parent),
           "OBS_DATA_SYSTEM": str(data_system)}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _break_reference(ds: Path, how: str) -> None:
    ref = ds / "reference" / "municipios.csv"
    data = ref.read_bytes()
    if how == "latin1":   # 'Área Metropolitana de Lisboa' of Lisboa's entidade_intermunicipal in Latin-1
        ref.write_bytes(data.replace("Área Metropolitana de Lisboa,AM".encode(),
                                     "Área Metropolitana de Lisboa,AM".encode("latin-1"), 1))
    elif how == "n/a":    # Odivelas' area
        ref.write_bytes(data.replace(b",AM,26.0,", b",AM,n/a,"))
    elif how == "missing":
        ref.unlink()


@pytest.mark.parametrize("how, expected", [
    ("latin1", [r"municipios.csv: row 3, field 'entidade_intermunicipal': byte 0xc1 is not valid UTF-8",
                "re-save it as UTF-8"]),
    ("n/a", [r"municipios.csv: row 4 (DICO 1116), field 'area_km2': 'n/a' is not valid",
             "expected the municipality's area in km²"]),
    ("missing", [r"reference/municipios.csv: file not found", "reference table of the 308 municipalities"]),
])
def test_broken_reference_table_is_a_clear_error_and_the_previous_db_serves(system, tmp_path, how, expected):
    out = tmp_path / "data" / "observatorio.duckdb"
    first = build(system, out)
    before = digest(out)
    _break_reference(system[0], how)
    r = cli(["build"], tmp_path, db=out, data_system=system[0])
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    err = r.stderr.strip()
    assert err.startswith("build failed: ") and "the previous database (if any) is unchanged" in err
    for e in expected:
        assert e in err, err
    assert len(err.splitlines()) == 2          # the error paragraph and the reassurance line
    assert digest(out) == before               # the previous database is untouched and still serves
    assert query(out, "SELECT run_id FROM meta_build") == [(first["run_id"],)]
    assert not [p for p in out.parent.iterdir() if p.name.endswith((".building", ".wal"))]


def test_unreadable_reference_table_is_a_clear_error(system, tmp_path):
    ref = system[0] / "reference" / "municipios.csv"
    ref.unlink()
    ref.mkdir()                                    # e.g. a botched copy
    r = cli(["build"], tmp_path, db=tmp_path / "data" / "observatorio.duckdb", data_system=system[0])
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "municipios.csv: cannot be read: Is a directory" in r.stderr


# -- 9: killed builds and concurrent builds --------------------------------------------------------

def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_leftovers_of_killed_builds_are_removed_at_the_next_build(system, tmp_path):
    out = tmp_path / "data" / "observatorio.duckdb"
    out.parent.mkdir(parents=True)
    pid = dead_pid()
    stale = [out.parent / f".observatorio.duckdb.{pid}.building", out.parent / f".observatorio.duckdb.{pid}.building.wal",
             out.parent / f".geo.{pid}.old"]
    stale[0].write_bytes(b"\0" * (1 << 20))
    stale[1].write_bytes(b"\0" * 1000)
    stale[2].mkdir()
    (stale[2] / "municipios.geojson").write_text("{}")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = out.parent / f".observatorio.duckdb.{live.pid}.building"   # a build still running: left alone
        alive.write_bytes(b"x")
        unrelated = out.parent / "notes.building.txt"
        unrelated.write_text("not ours")
        msgs = []
        ds, reg = system
        B.build(ds, out=out, catalogue_path=CAT, registry_dir=reg, progress=msgs.append)
        assert not any(p.exists() for p in stale)
        assert alive.exists() and unrelated.exists() and out.exists()
        assert any("removed 3 leftover file(s) of killed builds" in m for m in msgs)
    finally:
        live.kill()
        live.wait()


def test_a_killed_cli_build_is_cleaned_up_by_the_next_one(system, tmp_path):
    """kill -9 in the middle of a real build: its temporary database stays; the next build removes it."""
    out = tmp_path / "data" / "observatorio.duckdb"
    ds = system[0]
    # a build that stops in the middle (after writing its temporary database) until it is killed
    code = ("import sys, time, etl.build as B\n"
            "orig = B.create_marts\n"
            "def slow(con):\n"
            "    orig(con); con.execute('CHECKPOINT'); print('ready', flush=True); time.sleep(120)\n"
            "B.create_marts = slow\n"
            f"B.build({str(ds)!r}, out={str(out)!r}, catalogue_path={str(CAT)!r}, "
            f"registry_dir={str(system[1])!r}, progress=lambda m: None)\n")
    env = {**os.environ, "OBS_DATA_DIR": str(out.parent)}
    p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        left = [f for f in out.parent.iterdir() if f.name.startswith(f".observatorio.duckdb.{p.pid}.building")]
        assert left
        # while it runs, a second build refuses (the lock), and its files are not touched
        with pytest.raises(BuildLocked, match="another build is running"):
            build(system, out)
        assert all(f.exists() for f in left)
    finally:
        p.kill()
        p.wait()
    assert all(f.exists() for f in left)                     # kill -9 leaves them …
    build(system, out)
    assert not any(f.exists() for f in left)                 # … the next build removes them
    assert out.exists()


def test_two_concurrent_builds_one_refuses_with_a_clear_message(system, tmp_path):
    out = tmp_path / "data" / "observatorio.duckdb"
    build(system, out)
    before = digest(out)
    with build_lock(out.parent):                             # a build is running (holds the lock)
        r = cli(["build"], tmp_path, db=out, data_system=system[0])
        with pytest.raises(BuildLocked):
            build(system, out)
    assert r.returncode == EXIT_LOCKED
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("build not started: another build is running (pid ")
    assert str(out.parent / LOCK_NAME) in r.stderr and "--wait" in r.stderr
    assert digest(out) == before
    build(system, out)                                       # once it ends, the next build runs


def test_wait_option_waits_for_the_running_build(system, tmp_path):
    out = tmp_path / "data" / "observatorio.duckdb"
    msgs, got = [], threading.Event()

    def holder():
        with build_lock(out.parent):
            got.set()
            time.sleep(1.0)
    t = threading.Thread(target=holder)
    t.start()
    got.wait(5)
    t0 = time.perf_counter()
    ds, reg = system
    s = B.build(ds, out=out, catalogue_path=CAT, registry_dir=reg, progress=msgs.append, wait=True)
    t.join()
    assert s["values"] > 0 and time.perf_counter() - t0 >= 0.5
    assert any("waiting for the build that is running" in m for m in msgs)


def test_cli_wait_flag():
    from etl.cli import parser
    assert parser().parse_args(["build", "--wait"]).wait
    assert not parser().parse_args(["build"]).wait


# -- 11: restricted indicators never shape the public peer groups ----------------------------------

AGEING = "dico,ano,indice_envelhecimento\n0806,2021,40\n1106,2021,900\n1116,2021,45\n3101,2021,880\n4201,2021,50\n" \
         "4501,2021,850\n"


def _peers_build(system, tmp_path, name, visibility):
    """Build with the peers step. Unless visibility is None, the data system has an ageing index (a
    profile dimension, both as an indicator and as the staged variable peers fall back on) whose
    values cut across the municipalities' likeness in population, density and foreign residents."""
    ds, reg = system
    reg2 = tmp_path / f"reg-{name}"
    shutil.copytree(reg, reg2)
    (reg2 / "obitos.yaml").unlink()
    cat = tmp_path / f"cat-{name}.yaml"
    text = (FIXTURES / "mini_catalogue.yaml").read_text(encoding="utf-8")
    if visibility:
        text += ("  - {id: pordata_municipios, title: Envelhecimento, path: indicators/envelhecimento.csv,\n"
                 "     format: tidy_csv, keys: [dico, ano], producer: Teste, licence: CC0,\n"
                 "     options: {period: ano, values: [indice_envelhecimento]}}\n")
        (ds / "indicators" / "envelhecimento.csv").write_text(AGEING)
        (reg2 / "indice_envelhecimento.yaml").write_text(
            "title: {pt: Índice de envelhecimento}\ndescription: {pt: Idosos por 100 jovens.}\n"
            "unit: {pt: idosos por 100 jovens}\narea: demografia\naggregation: none\n"
            f"visibility: {visibility}\ncompute: {{value: \"pordata_municipios:indice_envelhecimento\"}}\n"
            "sources: [{producer: Teste, licence: CC0}]\n", encoding="utf-8")
    cat.write_text(text, encoding="utf-8")
    out = tmp_path / f"{name}.duckdb"
    B.build(ds, out=out, catalogue_path=cat, registry_dir=reg2, progress=lambda m: None)
    return query(out, "SELECT territory_id, peer_id, rank, dimensions FROM dim_peer WHERE group_type = 'profile' "
                      "ORDER BY 1, 3")


def test_restricted_indicator_does_not_influence_peers(system, tmp_path, monkeypatch):
    monkeypatch.setattr(B, "PIPELINE", [("peers", B.peers.run)])
    without = _peers_build(system, tmp_path, "none", None)
    public = _peers_build(system, tmp_path, "public", "public")
    restricted = _peers_build(system, tmp_path, "restricted", "restricted")
    assert without and public != without            # a public ageing index does shape the profile peers …
    assert any("ageing" in r[3] for r in public)
    assert restricted == without                     # … a restricted one does not, not even through staging
    assert not any("ageing" in r[3] for r in restricted)
