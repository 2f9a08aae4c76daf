"""Run every benchmark in bench/ (`make bench`). Each module bench_*.py has main() and appends its
figures, with the date and the machine, to bench/RESULTS.md."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")]
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for n in sorted(wanted):
        print(f"== {n}", flush=True)
        importlib.import_module(f"bench.{n}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
