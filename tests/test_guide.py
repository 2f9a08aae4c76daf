"""The guide (docs/adding-a-source-and-an-indicator.md) followed as written: its catalogue entry, its
two indicator files and its source file, extracted from the page's marked code blocks, build on a
small fixture data system (the mini system: mainland Lagoa, Lisboa, Odivelas; Calheta in Madeira;
Lagoa and Calheta in the Azores) into the values the guide states.

Also the reported problem, reproduced: the same source and indicators declared without coverage,
missing and a fixed denominator build wrong, thin results — and the build now says so loudly.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

import etl.build as B
from etl.catalogue import load_catalogue
from etl.guide import GUIDE, ROOT
from tests._helpers import MINI

BLOCK = re.compile(r"<!-- guide: (?P<path>\S+) -->\n```[a-z]*\n(?P<body>.*?)```", re.S)


def guide_blocks() -> dict[str, str]:
    blocks = {m["path"]: m["body"] for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))}
    assert set(blocks) == {"indicators/inundacoes.csv", "etl/catalogue.yaml", "indicators/inundacoes_ocorrencias.yaml",
                           "indicators/inundacoes_por_100_km2.yaml"}, "the guide's marked blocks changed"
    return blocks


def example(tmp_path, blocks: dict[str, str]):
    """A data system (the mini system + the guide's source file), a catalogue (the real reference
    entry + the guide's entry) and a registry (the guide's two files), all in tmp_path."""
    ds = tmp_path / "system"
    shutil.copytree(MINI, ds)
    (ds / "indicators" / "inundacoes.csv").write_text(blocks["indicators/inundacoes.csv"], encoding="utf-8")
    ref = load_catalogue()["referencia_municipios"].model_dump(exclude_defaults=True)
    entry = yaml.safe_load(blocks["etl/catalogue.yaml"])
    cat = tmp_path / "catalogue.yaml"
    cat.write_text(yaml.safe_dump({"sources": [ref, *entry]}, allow_unicode=True), encoding="utf-8")
    reg = tmp_path / "registry"
    reg.mkdir()
    for path, body in blocks.items():
        if path.startswith("indicators/") and path.endswith(".yaml"):
            (reg / path.split("/")[1]).write_text(body, encoding="utf-8")
    return ds, cat, reg


def run_build(tmp_path, blocks, **kw):
    ds, cat, reg = example(tmp_path, blocks)
    out = tmp_path / "obs.duckdb"
    printed = []
    summary = B.build(ds, out=out, catalogue_path=cat, registry_dir=reg, progress=printed.append, **kw)
    con = B.connect(out, read_only=True)
    try:
        rows = con.execute("SELECT indicator_id, territory_id, period_id, value FROM fact_indicator_value "
                           "WHERE indicator_id LIKE 'inundacoes%'").fetchall()
        stored = con.execute("SELECT indicator_id, message FROM meta_build_warning").fetchall()
    finally:
        con.close()
    return summary, {(i, t, p): v for i, t, p, v in rows}, printed, stored


N, R = "inundacoes_ocorrencias", "inundacoes_por_100_km2"
ISLANDS_AND_COUNTRY = ["3101", "4201", "4501", "PT2", "PT3", "PT20", "PT30", "PT200", "PT300", "PT"]


def test_guide_example_builds_the_values_the_guide_states(tmp_path, etl_steps_off):
    summary, v, printed, stored = run_build(tmp_path, guide_blocks())
    assert summary["warnings"] == [] and stored == []
    assert not [m for m in printed if "WARNING" in m]
    # the build says what the declarations did: 3 zeros (Lagoa 2022, 2024; Odivelas 2022), no row set aside
    assert "source inundacoes: 3 municipality-periods it does not list read as 0 (missing: zero)" in printed
    assert not [m for m in printed if "outside its declared coverage" in m]
    years = ["2021", "2022", "2023", "2024"]
    # the sum, per municipality: a year the source does not list for a municipality is zero
    assert [v[(N, "0806", y)] for y in years] == [3, 0, 1, 0]
    assert [v[(N, "1106", y)] for y in years] == [12, 9, 15, 7]
    assert [v[(N, "1116", y)] for y in years] == [4, 0, 2, 1]
    # ... and per region wholly inside the coverage: Grande Lisboa, Algarve, Continente, districts
    assert [v[(N, "PT1A0", y)] for y in years] == [16, 9, 17, 8]
    assert [v[(N, "PT150", y)] for y in years] == [3, 0, 1, 0]
    assert [v[(N, "PT1", y)] for y in years] == [19, 9, 18, 8]
    assert [v[(N, "DI11", y)] for y in years] == [16, 9, 17, 8]
    # the ratio: every year, each divided by the one (latest) area; regions are a ratio of sums
    assert [v[(R, "1106", y)] for y in years] == pytest.approx([12, 9, 15, 7])
    assert v[(R, "0806", "2023")] == pytest.approx(1 / 90 * 100)
    assert v[(R, "0806", "2022")] == 0
    assert [v[(R, "PT1", y)] for y in years] == pytest.approx([19 / 2.16, 9 / 2.16, 18 / 2.16, 8 / 2.16])
    assert [round(v[(R, "PT1", y)], 2) for y in years] == [8.80, 4.17, 8.33, 3.70]   # the guide's table
    # outside the coverage: no data (no row, never a zero), and no national value
    for ind in (N, R):
        for t in ISLANDS_AND_COUNTRY:
            assert not [k for k in v if k[0] == ind and k[1] == t], (ind, t)


def naive(blocks: dict[str, str]) -> dict[str, str]:
    """The guide's example declared as before the declarations existed (the reported problem)."""
    b = dict(blocks)
    b["etl/catalogue.yaml"] = "\n".join(line for line in b["etl/catalogue.yaml"].splitlines()
                                        if not line.strip().startswith(("coverage:", "missing:")))
    b["indicators/inundacoes_por_100_km2.yaml"] = b["indicators/inundacoes_por_100_km2.yaml"].replace(
        '{variable: "referencia_municipios:area_km2", period: latest}', '"referencia_municipios:area_km2"')
    assert b != blocks
    return b


def test_the_reported_problem_builds_thin_results_and_warns_loudly(tmp_path, etl_steps_off):
    summary, v, printed, stored = run_build(tmp_path, naive(guide_blocks()))
    # the ratio keeps only the one year in which the area exists
    assert {p for (i, _, p) in v if i == R} == {"2021"}
    # regional sums dropped wherever a municipality-year without events is omitted by the source
    assert (N, "PT1A0", "2022") not in v and (N, "PT1", "2022") not in v
    # ... and the build says so: printed, in the summary and in meta_build_warning
    assert any(f"indicator {R}: keeps 1 of the 4 periods" in w for w in summary["warnings"])
    assert any(f"indicator {N}: keeps" in w and "regional values" in w and "missing: zero" in w
               for w in summary["warnings"])
    assert [m for m in printed if m.startswith("WARNING: ")] == [f"WARNING: {w}" for w in summary["warnings"]]
    assert sorted(m for _, m in stored) == sorted(summary["warnings"])


def test_cli_repeats_the_warnings_at_the_end_even_when_quiet_and_lineage_lists_them(tmp_path, etl_steps_off, monkeypatch, capsys):
    """`python -m etl build --quiet` still prints the warnings (on stderr), after the build."""
    from etl import cli
    ds, cat, reg = example(tmp_path, naive(guide_blocks()))
    real = B.build
    monkeypatch.setattr(B, "build", lambda *a, **k: real(*a, **k, catalogue_path=cat, registry_dir=reg,
                                                         out=tmp_path / "obs.duckdb"))
    assert cli.main(["build", "--quiet", "--data-system", str(ds)]) == 0
    out = capsys.readouterr()
    assert "2 WARNING(S)" in out.err and f"indicator {R}: keeps 1 of the 4 periods" in out.err
    assert "WARNING" not in out.out   # --quiet: no progress lines
    # and `python -m etl lineage` lists them for the last build
    monkeypatch.setenv("OBS_DB", str(tmp_path / "obs.duckdb"))
    assert cli.main(["lineage"]) == 0
    out = capsys.readouterr().out
    assert "warnings (2)" in out and f"indicator {R}: keeps 1 of the 4 periods" in out


@pytest.mark.parametrize("edit, message", [
    (("coverage: mainland", "coverage: continent"), "field 'coverage"),
    (("missing: zero", "missing: none"), "field 'missing"),
    (("coverage: mainland", "coverage: {municipalities: [806]}"), "4-digit string"),
    (("coverage: mainland", "coverage: {nuts1: [PT9]}"), None),   # well formed; the build checks it exists
])
def test_catalogue_declarations_are_validated_with_the_field_named(tmp_path, edit, message):
    blocks = guide_blocks()
    blocks["etl/catalogue.yaml"] = blocks["etl/catalogue.yaml"].replace(*edit)
    _, cat, _ = example(tmp_path, blocks)
    if message is None:
        assert load_catalogue(cat)["inundacoes"].coverage_of().nuts1 == ["PT9"]
        return
    with pytest.raises(ValueError) as e:
        load_catalogue(cat)
    assert "source inundacoes" in str(e.value) and message in str(e.value)


def test_rows_outside_the_declared_coverage_are_no_data_and_the_build_says_so(tmp_path, etl_steps_off):
    blocks = guide_blocks()
    blocks["indicators/inundacoes.csv"] += "3101,2021,2\n"      # a Madeira row in a mainland-only source
    _, v, printed, _ = run_build(tmp_path, blocks)
    assert "source inundacoes: 1 municipal rows outside its declared coverage set aside (no data there)" in printed
    assert not [k for k in v if k[1] in ("3101", "PT3", "PT")]


@pytest.mark.parametrize("coverage, unknown", [("{municipalities: ['1106', '9999']}", "municipalities: 9999"),
                                               ("{nuts1: [PT9]}", "nuts1: PT9"),
                                               ("{nuts3: [PT1A0, PT111]}", "nuts3: PT111")])
def test_a_coverage_naming_unknown_territories_fails_the_build_naming_source_and_field(tmp_path, etl_steps_off,
                                                                                     coverage, unknown):
    blocks = guide_blocks()
    blocks["etl/catalogue.yaml"] = blocks["etl/catalogue.yaml"].replace("coverage: mainland", f"coverage: {coverage}")
    with pytest.raises(B.BuildError) as e:
        run_build(tmp_path, blocks)
    assert "source inundacoes: field 'coverage'" in str(e.value) and unknown in str(e.value)
    assert "not in the reference table" in str(e.value)


def test_a_fixed_denominator_period_the_variable_lacks_fails_naming_indicator_and_period(tmp_path, etl_steps_off):
    blocks = guide_blocks()
    blocks[f"indicators/{R}.yaml"] = blocks[f"indicators/{R}.yaml"].replace("period: latest", 'period: "2019"')
    with pytest.raises(B.BuildError) as e:
        run_build(tmp_path, blocks)
    assert f"indicators/{R}.yaml" in str(e.value) and "'2019'" in str(e.value) and "2021" in str(e.value)


def test_a_denominator_without_its_source_name_is_refused_with_the_field(tmp_path):
    from indicators import RegistryError, load_indicator
    blocks = guide_blocks()
    p = tmp_path / f"{R}.yaml"
    p.write_text(blocks[f"indicators/{R}.yaml"].replace('"referencia_municipios:area_km2"', "area_km2"), encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        load_indicator(p)
    assert "compute.denominator" in str(e.value) and "source_id:variable" in str(e.value)


def test_the_guide_reference_is_up_to_date():
    """Every catalogue option and compute field is in the guide, generated from the models."""
    r = subprocess.run([sys.executable, "-m", "etl.guide", "--check"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    text = GUIDE.read_text(encoding="utf-8")
    for field in ("`coverage`", "`missing`", "`compute.denominator.period`", "`compute.scale`", "`options`",
                  "format: tidy_csv", "territory_zfill", "provisional_reason"):
        assert field in text, field


def test_readme_links_the_guide():
    assert "docs/adding-a-source-and-an-indicator.md" in (ROOT / "README.md").read_text(encoding="utf-8")
