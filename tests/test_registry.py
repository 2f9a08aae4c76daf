"""The indicator registry and the source catalogue: every file validates, documents itself, and
names only sources, variables and derivations that exist; a broken file names file and field."""
from __future__ import annotations

import shutil

import pytest
import yaml

from etl.catalogue import load_catalogue
from etl.compute import DERIVATIONS
from indicators import RegistryError, load_registry
from indicators.model import HERE, load_indicator
from tests._helpers import FIXTURES

REGISTRY = load_registry()
CATALOGUE = load_catalogue()


def test_at_least_25_indicators():
    assert len(REGISTRY) >= 25


@pytest.mark.parametrize("iid", sorted(REGISTRY))
def test_indicator_documents_itself(iid):
    raw = yaml.safe_load((HERE / f"{iid}.yaml").read_text(encoding="utf-8"))
    ind = REGISTRY[iid]
    assert ind.unit.pt and raw["unit"].get("en"), "unit in pt and en"
    assert raw["description"].get("pt") and raw["description"].get("en"), "description in pt and en"
    assert raw["title"].get("pt") and raw["title"].get("en")
    assert ind.sources and all(s.producer and s.licence for s in ind.sources)
    assert all(s.url.startswith("https://") for s in ind.sources), "every source has its upstream URL"
    for s in ind.sources:
        assert not s.dataset or s.dataset in CATALOGUE


@pytest.mark.parametrize("iid", sorted(REGISTRY))
def test_indicator_reads_declared_sources(iid):
    ind = REGISTRY[iid]
    for v in ind.compute.variables():
        assert v.split(":", 1)[0] in CATALOGUE, f"{iid}: {v} names no catalogue source"
    if ind.compute.derive:
        import etl.derive  # noqa: F401
        assert ind.compute.derive in DERIVATIONS
        assert DERIVATIONS[ind.compute.derive].__doc__, "a derivation explains itself"


def test_catalogue_declares_every_field():
    for s in CATALOGUE.values():
        assert s.producer and s.licence and s.url.startswith("https://"), s.id
        assert s.keys, f"{s.id}: key columns"
        assert s.kind in ("verbatim", "derived")


def test_catalogue_files_exist(data_system):
    for s in CATALOGUE.values():
        if not s.required:
            continue   # optional (issue 11: the ENTI monitoring file the real data system does not have yet)
        assert s.files(data_system), f"{s.id}: no file matches {s.path}"
        for d in s.depends_on:
            assert (data_system / d).exists()


def test_every_indicator_file_is_ingested(data_system):
    """Every data file under indicators/ (not the catalogue CSV itself) is some source's file."""
    covered = {f for s in CATALOGUE.values() for f in s.files(data_system)}
    files = [f for f in (data_system / "indicators").glob("*.csv") if f.name != "catalogo_indicadores.csv"]
    assert files
    missing = [f.name for f in files if f not in covered]
    assert not missing, missing


def test_missing_field_names_file_and_field():
    with pytest.raises(RegistryError) as e:
        load_indicator(FIXTURES / "bad_registry" / "missing_field.yaml")
    assert "missing_field.yaml" in str(e.value) and "field 'title'" in str(e.value)


def test_impossible_threshold_names_file_and_field():
    with pytest.raises(RegistryError) as e:
        load_indicator(FIXTURES / "bad_registry" / "impossible_threshold.yaml")
    msg = str(e.value)
    assert "impossible_threshold.yaml" in msg and "thresholds.0.value: 150" in msg and "impossible" in msg


def test_other_registry_errors(tmp_path):
    good = (HERE / "participacao_autarquicas.yaml").read_text(encoding="utf-8")
    cases = {
        "a.yaml": good.replace("aggregation: ratio", "aggregation: average"),
        "b.yaml": good.replace("area: governacao", "area: futebol"),
        "c.yaml": "id: outro\n" + good,
        "d.yaml": good + "\nthresholds:\n  - {rule: absolute, level: critico, reason: {pt: x}}\n",
    }
    expect = {"a.yaml": "aggregation", "b.yaml": "area", "c.yaml": "field 'id'", "d.yaml": "thresholds.0"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(RegistryError) as e:
            load_indicator(tmp_path / name)
        assert name in str(e.value) and expect[name] in str(e.value), str(e.value)


def test_bad_registry_folder_fails_whole_load(tmp_path):
    shutil.copy(FIXTURES / "bad_registry" / "missing_field.yaml", tmp_path)
    with pytest.raises(RegistryError):
        load_registry(tmp_path)


def test_bad_catalogue_names_source_and_field(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("sources:\n  - {id: x, title: X, path: a.csv, format: tidy_csv, licence: L}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"source x: field 'producer'"):
        load_catalogue(p)


def test_readme_indicator_list_is_current():
    from indicators import readme
    assert readme.main(["--check"]) == 0, "README is stale: run `make readme`"
