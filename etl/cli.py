"""Command line: `python -m etl <command>` (or `observatorio <command>`).

  build      build the database (all, or --source/--indicator), with progress; --dry-run validates only
  lineage    show the lineage of the last build (--rejected N: and the first N rejected rows)
  sources    list the source catalogue (format, files, licence, URL)
  demo       generate the demo data system
  alarms     print the active alarms of a territory (id or name), with their explanations
"""
from __future__ import annotations

import argparse
import sys

from core import settings


def _db(args):
    from etl.marts import connect
    p = settings.paths(getattr(args, "data_system", None)).db
    if not p.exists():
        sys.exit(f"no database at {p}: run `python -m etl build` first")
    return connect(p, read_only=True)


def cmd_build(args):
    """Exit status: 0 built; 1 failed (the message names file, row and field where there is one; the
    previous database is unchanged); 75 another build is running (nothing done)."""
    from etl.build import BuildError, build
    from etl.buildfiles import EXIT_LOCKED, BuildLocked
    from etl.checks import CheckError
    from indicators import RegistryError
    try:
        s = build(args.data_system, sources=args.source, indicators=args.indicator, dry_run=args.dry_run,
                  progress=(lambda m: None) if args.quiet else (lambda m: print(m, flush=True)),
                  fail_on_rejected=args.strict, wait=args.wait)
    except BuildLocked as e:
        print(f"build not started: {e}", file=sys.stderr)
        return EXIT_LOCKED
    except (BuildError, CheckError, RegistryError, ValueError) as e:
        print(f"build failed: {e}\nthe previous database (if any) is unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("build interrupted: the previous database (if any) is unchanged.", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — an unforeseen failure: one paragraph, the traceback on request
        if args.traceback:
            raise
        print(f"build failed: unexpected {type(e).__name__}: {e}\nthe previous database (if any) is unchanged; "
              "run again with --traceback for the details.", file=sys.stderr)
        return 1
    if s.get("warnings"):   # repeated at the end, even with --quiet: they mean wrong or thin results
        print(f"\n{len(s['warnings'])} WARNING(S): indicators thinner than their inputs "
              "(also in meta_build_warning):\n  " + "\n  ".join(s["warnings"]), file=sys.stderr)
    if s["is_demo"]:
        print("NOTE: built from the generated DEMO data system — synthetic figures, not official statistics.")
    return 0


def cmd_lineage(args):
    con = _db(args)
    b = con.execute("SELECT run_id, started_at, data_system, is_demo, code_version, n_indicators, n_values, "
                    "duration_s, peak_rss_mb FROM meta_build ORDER BY started_at DESC LIMIT 1").fetchone()
    print(f"build {b[0]} at {b[1]:%Y-%m-%d %H:%M:%S} UTC from {b[2]}{' (DEMO)' if b[3] else ''}, code {b[4]}")
    print(f"{b[5]} indicators, {b[6]} values, {b[7]:.1f} s, peak {b[8]:.0f} MB\n")
    rows = con.execute("SELECT source_id, format, rows_read, rows_kept, rows_rejected, duration_s, "
                       "substr(file_hash, 1, 12), path FROM meta_lineage WHERE run_id = ? ORDER BY source_id",
                       [b[0]]).fetchall()
    print(f"{'source':34} {'format':16} {'read':>8} {'kept':>8} {'rej.':>6} {'s':>6}  sha256        path")
    for r in rows:
        print(f"{r[0]:34} {r[1]:16} {r[2]:8} {r[3]:8} {r[4]:6} {r[5]:6.2f}  {r[6]}  {r[7]}")
    rej = con.execute("SELECT source_id, reason, count(*) FROM meta_rejected_row WHERE run_id = ? "
                      "GROUP BY 1, 2 ORDER BY 1, 2", [b[0]]).fetchall()
    if rej:
        print("\nrejected rows:")
        for r in rej:
            print(f"  {r[0]}: {r[2]} × {r[1]}")
    warn = con.execute("SELECT message FROM meta_build_warning WHERE run_id = ? ORDER BY indicator_id",
                       [b[0]]).fetchall()
    if warn:
        print(f"\nwarnings ({len(warn)}): indicators thinner than their inputs")
        for (m,) in warn:
            print(f"  {m}")
    n = getattr(args, "rejected", 0) or 0
    if n:
        print(f"\nfirst {n} rejected rows (file, row, field, value, reason):")
        for f, row, fld, val, why in con.execute(
                "SELECT file, row_number, field, value, reason FROM meta_rejected_row WHERE run_id = ? "
                "ORDER BY source_id, file, row_number LIMIT ?", [b[0], n]).fetchall():
            print(f"  {f}: row {row}, field {fld!r} = {val!r}: {why}")
    return 0


def cmd_sources(args):
    """The catalogue: every source declared once, with format, files and licence."""
    from etl.catalogue import load_catalogue
    ds = settings.paths(args.data_system).data_system
    for s in load_catalogue().values():
        files = len(s.files(ds)) if ds else "?"
        print(f"{s.id:28} {s.format:16} {s.kind:8} files={files}  {s.encoding} '{s.delimiter}' dec '{s.decimal}'")
        print(f"{'':28} {s.producer} — {s.licence}\n{'':28} {s.url}")
    return 0


def cmd_demo(args):
    from etl.demo import ensure_demo_system
    p = ensure_demo_system(settings.paths().demo_system, force=True)
    print(f"demo data system written to {p}")
    return 0


def cmd_alarms(args):
    from etl.alarms import report
    con = _db(args)
    text, code = report(con, " ".join(args.territory), lang=args.lang, include_resolved=args.all)
    print(text)
    return code


COMMANDS = {"build": cmd_build, "lineage": cmd_lineage, "demo": cmd_demo, "sources": cmd_sources, "alarms": cmd_alarms}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="observatorio", description="Observatório ETL")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the database")
    b.add_argument("--data-system", help="data system path (default: $OBS_DATA_SYSTEM; empty: demo)")
    b.add_argument("--source", action="append", help="build only this source (repeatable)")
    b.add_argument("--indicator", action="append", help="build only this indicator (repeatable)")
    b.add_argument("--dry-run", action="store_true", help="validate everything, write nothing")
    b.add_argument("--strict", action="store_true", help="fail when any row is rejected")
    b.add_argument("--quiet", action="store_true")
    b.add_argument("--wait", action="store_true",
                   help="if another build is running, wait for it to end (default: stop at once, exit status 75)")
    b.add_argument("--traceback", action="store_true", help="on an unexpected error, show the Python traceback")
    lin = sub.add_parser("lineage", help="show the lineage of the last build")
    lin.add_argument("--data-system")
    lin.add_argument("--rejected", type=int, default=0, metavar="N", help="also list the first N rejected rows")
    src = sub.add_parser("sources", help="list the source catalogue")
    src.add_argument("--data-system")
    sub.add_parser("demo", help="(re)generate the demo data system")
    al = sub.add_parser("alarms", help="print the active alarms of a territory, explained")
    al.add_argument("territory", nargs="+", help="territory id (DICO 1106, PT11, DI01, EI16D) or name")
    al.add_argument("--lang", choices=["pt", "en"], default="pt")
    al.add_argument("--all", action="store_true", help="include the history (resolved alarms, ended or stale series)")
    al.add_argument("--data-system")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
