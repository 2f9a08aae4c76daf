"""The indicator registry: one YAML file per indicator in this folder, the id being the file name.

    from indicators import load_registry
    registry = load_registry()          # {id: Indicator}
"""
from indicators.model import (  # noqa: F401
    AREAS, LEVELS, Aggregation, Indicator, Periodicity, Polarity, RegistryError, Threshold,
    load_indicator, load_registry,
)
