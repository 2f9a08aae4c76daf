"""Staged observations as the computations read them, and the registry of named derivations.

Staged variables are named '<source_id>:<variable>'. `variable` finds one variable's rows; `derivation`
registers a function that etl/derive.py declares and etl/compute.py runs. A low module of the ETL:
compute, derive and declared all import it, none of them imports another back (.importlinter).
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

#: name -> function(staged, territory, indicator) -> frame with territory_id, period_id, value
#: (+ numerator, denominator, is_estimated, note). Register with @derivation.
DERIVATIONS: dict[str, Callable] = {}


def derivation(name: str):
    def deco(fn):
        DERIVATIONS[name] = fn
        return fn
    return deco


_INDEX: list = [None, None]   # [weak reference to the staged frame, {variable: row positions}]


def variable(staged: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of one staged variable ('source:variable'); raises if no source delivered it.

    The row positions of every variable are indexed once per staged frame (a build looks up
    dozens of variables in a frame of ~500 000 rows); the index is tied to that very frame."""
    import weakref
    ref = _INDEX[0]
    if ref is None or ref() is not staged or _INDEX[1][0] != len(staged):
        _INDEX[0] = weakref.ref(staged)
        _INDEX[1] = (len(staged), staged.groupby("variable", sort=False).indices)
    pos = _INDEX[1][1].get(name)
    if pos is None or not len(pos):
        raise KeyError(f"staged variable {name!r} is empty or unknown")
    return staged.iloc[pos]
