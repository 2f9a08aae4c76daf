"""A scenario and its results as files: the scenario as JSON, the results as CSV with the scenario and
the data build in its header (lines starting with '#', which pandas reads with `comment="#"`), and the
way back: either file imports into a Scenario (a bad file is an error naming the field).
"""
from __future__ import annotations

import base64
import io
import json
import zlib

import pandas as pd
from pydantic import ValidationError

from serving.simulation.scenario import Scenario

MAX_FILE = 1024 * 1024
CSV_COLUMNS = ["dico", "name", "nuts3_id", "population", "amount", "per_capita", "baseline", "change",
               "change_pct", "eligible", "adjustment"]


def scenario_json(sc: Scenario) -> str:
    return json.dumps({"observatorio_scenario": 1, **sc.model_dump(mode="json", exclude_none=True)},
                      ensure_ascii=False, indent=2)


def results_csv(sc: Scenario, rows: pd.DataFrame, summary: dict) -> str:
    """Tidy CSV (UTF-8, comma, dot decimal), one row per municipality, components as c_<id>."""
    b = summary.get("build", {})
    head = [f"# observatorio simulation; scenario: {json.dumps(sc.model_dump(mode='json', exclude_none=True), ensure_ascii=False)}",
            f"# build: run_id={b.get('run_id', '')} finished_at={b.get('finished_at', '')} is_demo={b.get('is_demo', False)}",
            f"# baseline: {summary.get('baseline')}; budget_cents={summary['budget_cents']} distributed_cents={summary['distributed_cents']}",
            f"# inputs: {json.dumps(summary.get('lineage', {}), ensure_ascii=False)}",
            "# not the official calculation: a simulation on public data (see /simulacao)"]
    cols = CSV_COLUMNS + [c for c in rows.columns if c.startswith("c_")]
    buf = io.StringIO()
    rows[cols].to_csv(buf, index=False, float_format="%.6g", lineterminator="\n")
    # money to the cent, never in scientific notation
    out = rows[cols].copy()
    for c in ("amount", "baseline", "change", "adjustment") + tuple(c for c in cols if c.startswith("c_")):
        out[c] = out[c].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return "\n".join(head) + "\n" + buf.getvalue()


class ImportError_(ValueError):
    def __init__(self, field_: str, msg: str):
        super().__init__(msg)
        self.field = field_


def parse(text: str) -> Scenario:
    """A scenario from an exported JSON or CSV (its '# … scenario:' line)."""
    if len(text) > MAX_FILE:
        raise ImportError_("file", f"the file is larger than {MAX_FILE // 1024} KiB")
    s = text.lstrip("\ufeff").strip()
    if s.startswith("#"):
        line = s.splitlines()[0]
        if "scenario: " not in line:
            raise ImportError_("file", "this CSV has no scenario line (export it from /simulacao)")
        s = line.split("scenario: ", 1)[1]
    try:
        raw = json.loads(s)
    except json.JSONDecodeError as e:
        raise ImportError_("file", f"not JSON (line {e.lineno}, column {e.colno})") from None
    if not isinstance(raw, dict):
        raise ImportError_("file", "a scenario is a JSON object")
    raw.pop("observatorio_scenario", None)
    return Scenario.model_validate(raw)  # ValidationError names the field


def to_token(sc: Scenario) -> str:
    """The scenario in a URL: compact JSON, deflated, base64url (a permalink)."""
    raw = json.dumps(sc.model_dump(mode="json", exclude_none=True, exclude_defaults=True), separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(raw.encode(), 9)).decode().rstrip("=")


def from_token(tok: str) -> Scenario:
    if len(tok) > 8000:
        raise ImportError_("s", "the scenario in the link is too long")
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)), bufsize=MAX_FILE)
        obj = json.loads(raw)
    except Exception:  # noqa: BLE001 — any damage to the link is the same answer
        raise ImportError_("s", "the scenario in the link is damaged") from None
    if not isinstance(obj, dict):
        raise ImportError_("s", "the scenario in the link is damaged")
    return Scenario.model_validate(obj)


__all__ = ["ValidationError", "parse", "results_csv", "scenario_json", "to_token", "from_token", "ImportError_"]
