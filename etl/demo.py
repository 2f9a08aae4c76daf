"""The demo data system: a deterministic synthetic data system in the reference layout.

(Placeholder: issue 2 §7 fills this in.)
"""
from pathlib import Path


def ensure_demo_system(path: Path, force: bool = False, progress=print) -> Path:
    raise NotImplementedError("demo data system not generated yet")
