"""The simulation presets (presets.yaml): each cites its article and the law version read.

A preset may `extend` another (the art. 35.º presets are the FGM preset plus limits). Every preset's
scenario is validated by the Scenario model when the file is loaded, so a broken preset fails at import
in tests, not in front of a user.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml

from serving.simulation.scenario import Scenario

PATH = Path(__file__).with_name("presets.yaml")


@lru_cache(maxsize=1)
def presets() -> dict[str, dict]:
    raw = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    out = {}
    for pid, p in raw.items():
        sc = copy.deepcopy(raw[p["extends"]]["scenario"]) if p.get("extends") else {}
        sc.update(p["scenario"])
        sc["preset"] = pid
        p = {**p, "id": pid, "scenario": Scenario.model_validate(sc).model_dump(mode="json", exclude_none=True)}
        if p.get("extends"):
            p["notes"] = raw[p["extends"]]["notes"] + p["notes"]
        out[pid] = p
    return out


def scenario(pid: str) -> Scenario:
    return Scenario.model_validate(presets()[pid]["scenario"])
