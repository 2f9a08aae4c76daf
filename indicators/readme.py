"""Keep README.md honest: the indicator list and the settings table are generated, not typed.

    python -m indicators.readme --write    # regenerate the text between the markers
    python -m indicators.readme --check    # exit 1 when README.md is stale (a test runs this)

Only the text between `<!-- indicators:start -->`/`<!-- indicators:end -->` and
`<!-- settings:start -->`/`<!-- settings:end -->` is touched.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from indicators.model import AREAS, Indicator, load_registry

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

AGGREGATION_PT = {"sum": "soma", "ratio": "rácio de somas", "weighted_mean": "média ponderada (população)",
                  "none": "não agregável (valores oficiais)"}


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ").strip()


def _periods(ind: Indicator) -> str:
    """The periods the indicator covers, from its registry metadata (no database needed)."""
    return {"annual": "anual", "quarterly": "trimestral", "monthly": "mensal", "weekly": "semanal", "daily": "diária",
            "census": "censitária", "election": "eleições", "irregular": "irregular"}[ind.periodicity.value]


def indicators_table(registry: dict[str, Indicator] | None = None) -> str:
    registry = registry or load_registry()
    lines = [f"{len(registry)} indicators.", "",
             "| id | título | unidade | área | agregação | periodicidade | fonte |",
             "|---|---|---|---|---|---|---|"]
    for ind in sorted(registry.values(), key=lambda i: (i.area, i.id)):
        src = "; ".join(dict.fromkeys(s.producer for s in ind.sources))
        unit = ind.short_unit or ind.unit.pt
        lines.append(f"| `{ind.id}` | {_cell(ind.title.pt)} | {_cell(unit)} | {_cell(AREAS[ind.area].label('pt'))} | "
                     f"{AGGREGATION_PT[ind.aggregation.value]} | {_periods(ind)} | {_cell(src)} |")
    return "\n".join(lines)


def settings_table() -> str:
    from core.settings import ROOT as SROOT, SETTINGS
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, (default, desc) in SETTINGS.items():
        d = default.replace(str(SROOT), ".") if default else ""
        lines.append(f"| `{name}` | {f'`{d}`' if d else '(empty)'} | {_cell(desc)} |")
    return "\n".join(lines)


def replace_block(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pat = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        raise ValueError(f"README.md: markers {start} … {end} not found")
    return pat.sub(lambda _: f"{start}\n{body}\n{end}", text, count=1)


def render(text: str) -> str:
    text = replace_block(text, "indicators", indicators_table())
    return replace_block(text, "settings", settings_table())


def write_or_check(path: Path, render, prog: str, make_target: str, argv: list[str] | None = None) -> int:
    """The command line of a generated document (README.md's blocks here, docs/ guide in etl.guide):
    `--write` rewrites its generated blocks, `--check` exits 1 when they are stale (CI)."""
    name = path.name if path.parent == ROOT else str(path.relative_to(ROOT))
    p = argparse.ArgumentParser(prog=f"python -m {prog}", description=f"the generated blocks of {name}")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", action="store_true", help=f"rewrite the generated blocks of {name}")
    g.add_argument("--check", action="store_true", help=f"exit 1 when {name} is stale")
    args = p.parse_args(argv)
    current = path.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print(f"{name} is stale: run `python -m {prog} --write` (make {make_target})", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        path.write_text(fresh, encoding="utf-8")
        print(f"{name} updated")
    return 0


def main(argv: list[str] | None = None) -> int:
    return write_or_check(README, render, "indicators.readme", "readme", argv)


if __name__ == "__main__":
    sys.exit(main())
