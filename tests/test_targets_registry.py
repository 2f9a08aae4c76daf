"""The targets registry (indicators/targets/*.yaml): every file valid, every target cited, errors name file and field."""
import pytest

from indicators.model import RegistryError, load_registry
from indicators.targets import load_target, load_targets


def test_every_target_is_valid_and_cited():
    reg = load_registry()
    targets = load_targets(registry=reg)
    assert {"ar_pm25_2030", "divida_reducao_excesso", "pmp_60_dias", "enti_pgu_75", "enti_gemeos_5",
            "enti_formandos_650"} <= set(targets)
    for tg in targets.values():
        assert tg.basis.citation and tg.basis.url.startswith("https://") and tg.basis.text.pt
        assert tg.area


def test_several_targets_per_indicator():
    targets = load_targets(registry=load_registry())
    pm25 = sorted(t.value for t in targets.values() if t.indicator == "pm25_media_anual")
    assert pm25 == [10, 25]


def test_errors_name_file_and_field(tmp_path):
    p = tmp_path / "mau.yaml"
    p.write_text("title: {pt: x}\nindicator: pm25_media_anual\nscope: {kind: list}\nvalue: 1\n"
                 "deadline: 2030-01-01\ndirection: down\nbinding: true\n"
                 "basis: {citation: x, text: {pt: x}, url: 'https://x'}\n")
    with pytest.raises(RegistryError) as e:
        load_target(p)
    msg = str(e.value)
    assert "mau.yaml" in msg and "field 'direction'" in msg and "field 'scope'" in msg


def test_unknown_indicator_is_named(tmp_path):
    p = tmp_path / "x.yaml"
    p.write_text("title: {pt: x}\nindicator: nao_existe\nscope: {kind: country}\nvalue: 1\n"
                 "deadline: 2030-01-01\ndirection: decrease\nbinding: false\n"
                 "basis: {citation: x, text: {pt: x}, url: 'https://x'}\n")
    with pytest.raises(RegistryError, match=r"x.yaml: field 'indicator': 'nao_existe'"):
        load_target(p, registry=load_registry())
