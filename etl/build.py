"""Build the database: load the data system, process it in layers, save it atomically.

raw (as delivered, stamped with source, file hash and licence) -> staging (`stg_observation`:
renamed, typed, codes mapped) -> marts (core/schema.py). The new database is written to a
temporary file, checked, and only then swapped in with os.replace: a failed build leaves the
previous database untouched and serving.
"""
from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pandas as pd

from core import settings
from core.periods import parse_period
from etl import alarms, connectors, peers, surveillance, targets
from etl.buildfiles import build_lock, remove_stale
from etl.bounds import check_staged, variable_bounds
from etl.catalogue import Source, load_catalogue
from etl.checks import CheckError, run_checks
from etl.compute import FACT_COLUMNS, compute_indicator
from etl.declared import apply_declarations, covered_municipalities, kept_warnings
from etl.marts import connect, create_marts, insert
from etl.territory import build_territory, read_reference
from indicators import Indicator, load_registry


class BuildError(RuntimeError):
    pass


@dataclass
class BuildContext:
    run_id: str
    data_system: Path
    is_demo: bool
    registry: dict[str, Indicator]
    catalogue: dict[str, Source]
    territory: pd.DataFrame = None
    reference: pd.DataFrame = None
    staged: pd.DataFrame = None
    facts: pd.DataFrame = None
    progress: Callable[[str], None] = print
    log: list = field(default_factory=list)
    #: staged variable -> its declared bounds (etl/bounds.py)
    bounds: dict = field(default_factory=dict)
    #: restricted indicators and the staged variables only they read: never inputs of public results
    restricted: frozenset = frozenset()


#: the steps run after the facts are written, in this order: (name, fn(con, ctx)). Peers come before
#: alarms because peer-reference alarms read dim_peer / ctx.peers. The order is this list, never the
#: order in which modules happen to be imported; the steps write through etl/marts.py and never
#: import this module back.
PIPELINE: list[tuple[str, Callable]] = [
    ("peers", peers.run),
    ("surveillance", surveillance.run),   # weekly mortality surveillance (issue 13): its mart, before alarms
    ("alarms", alarms.run),
    ("targets", targets.run),   # issue 11: progress towards the policy targets (reads facts and staged)
]


def pipeline_steps(pipeline: list[tuple[str, Callable]] | None = None) -> list[tuple[str, Callable]]:
    """The PIPELINE's steps as (name, function), in order."""
    return list(PIPELINE if pipeline is None else pipeline)


def sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def code_version() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=settings.ROOT, timeout=5).stdout.strip() or "unknown"
    except Exception:  # noqa: BLE001 — no git is not an error
        return "unknown"


def source_rows(catalogue: dict[str, Source]) -> pd.DataFrame:
    """meta_source: every declared source's public fields, in the catalogue's order (the app's /sobre)."""
    return pd.DataFrame([{"source_id": s.id, "position": i, "title": s.title, "producer": s.producer,
                          "licence": s.licence, "url": s.url or "",
                          "caveats_json": json.dumps(list(s.caveats), ensure_ascii=False)}
                         for i, s in enumerate(catalogue.values())],
                        columns=["source_id", "position", "title", "producer", "licence", "url", "caveats_json"])


def load_source(con, src: Source, ctx: BuildContext, cctx: connectors.Context) -> tuple[pd.DataFrame, dict]:
    t0 = time.perf_counter()
    files = src.files(ctx.data_system)
    if not files:
        raise BuildError(f"source {src.id}: no file matches {src.path!r} in {ctx.data_system}")
    deps = [ctx.data_system / d for d in src.depends_on]
    for d in deps:
        if not d.exists():
            raise BuildError(f"source {src.id}: mapping file {d} not found")
    conn = connectors.get(src.format)
    try:
        raw = conn.read(src, files)
        staged, rejected = conn.transform(raw, src, cctx)
        # a bound on a variable the source does not deliver is a typo that would silently check nothing
        unknown = sorted(set(src.bounds) - set(staged["variable"].astype(str).unique()))
        if unknown:
            msg = (f"etl/catalogue.yaml: source {src.id}, field 'bounds': no staged variable {', '.join(map(repr, unknown))} "
                   f"(it delivers {', '.join(sorted(map(str, staged['variable'].unique()))[:12])})")
            if not ctx.is_demo:
                raise BuildError(msg)
            ctx.progress(f"note: {msg}")
        # impossible values (non-finite, outside the declared bounds) are set aside like any bad cell
        staged, impossible = check_staged(staged, src, ctx.bounds, raw.columns)
        if len(impossible):
            rejected = pd.concat([r for r in (rejected, impossible) if len(r)], ignore_index=True)
    except connectors.SourceError as e:
        raise BuildError(f"source {src.id}: {e}") from e
    except KeyError as e:
        raise BuildError(f"source {src.id}: column {e} not found in {', '.join(map(str, files))}") from e
    except Exception as e:  # noqa: BLE001 — whatever a connector trips on, name the source and its files
        raise BuildError(f"source {src.id} ({', '.join(f.name for f in files)}): {type(e).__name__}: {e}") from e
    file_hash = sha256(files + deps)
    # raw layer: as delivered, every cell a string, stamped
    rawt = raw.copy()
    rawt.columns = [str(c) for c in rawt.columns]
    rawt = rawt.astype(str)
    rawt["_source_id"], rawt["_file_hash"], rawt["_licence"] = src.id, file_hash, src.licence
    con.register("_raw", rawt)
    con.execute(f'CREATE OR REPLACE TABLE "raw_{src.id}" AS SELECT * FROM _raw')
    con.unregister("_raw")
    staged = staged.assign(variable=src.id + ":" + staged["variable"].astype(str), source_id=src.id)
    if len(rejected):
        rej = rejected.assign(run_id=ctx.run_id, source_id=src.id)
        rej["value"] = rej["value"].astype(str).str.slice(0, 200)
        insert(con, "meta_rejected_row", rej)
    lineage = {"run_id": ctx.run_id, "source_id": src.id, "path": ";".join(str(f.relative_to(ctx.data_system)) for f in files),
               "file_hash": file_hash, "format": src.format, "licence": src.licence,
               "rows_read": len(raw), "rows_kept": len(staged), "rows_rejected": len(rejected),
               "duration_s": round(time.perf_counter() - t0, 3)}   # read, transform, raw layer, quarantine
    return staged, lineage


def restricted_inputs(registry: dict[str, Indicator]) -> frozenset:
    """Ids of the restricted indicators and the staged variables read only by restricted indicators."""
    restricted = {k for k, v in registry.items() if v.visibility == "restricted"}
    public_vars = {x for k, v in registry.items() if k not in restricted for x in v.compute.variables()}
    hidden = {x for k in restricted for x in registry[k].compute.variables()} - public_vars
    return frozenset(restricted | hidden)


def indicator_rows(registry: dict[str, Indicator]) -> pd.DataFrame:
    return pd.DataFrame([{
        "indicator_id": i.id, "title_pt": i.title.pt, "title_en": i.title.en,
        "description_pt": i.description.pt, "description_en": i.description.en,
        "unit_pt": i.unit.pt, "unit_en": i.unit.en, "short_unit": i.short_unit,
        "short_unit_en": i.short_unit_for("en"), "decimals": i.decimals,
        "area": i.area, "polarity": i.polarity.value, "aggregation": i.aggregation.value,
        "periodicity": i.periodicity.value, "levels": ",".join(i.levels), "visibility": i.visibility,
        "headline": i.headline, "meta_json": i.model_dump_json(),
    } for i in registry.values()])


def period_rows(ids) -> pd.DataFrame:
    rows = []
    for pid in sorted(set(ids)):
        p = parse_period(pid)
        rows.append(p.__dict__)
    return pd.DataFrame(rows)


def plan(registry: dict[str, Indicator], catalogue: dict[str, Source], sources: list[str] | None,
         indicators: list[str] | None) -> tuple[list[str], list[str]]:
    """Which sources to load and which indicators to compute, from the declared dependencies.

    --indicator: those indicators and the sources their `compute` block names;
    --source: those sources and every indicator all of whose sources are among them;
    both: the union of sources, the chosen indicators that can be computed from them."""
    if not sources and not indicators:
        return list(catalogue), list(registry)
    srcs = set(sources or [])
    for i in indicators or []:
        srcs |= set(registry[i].compute.source_ids())
    unknown = sorted(srcs - set(catalogue))
    if unknown:
        raise BuildError(f"indicators name unknown sources: {', '.join(unknown)} (etl/catalogue.yaml)")
    if indicators:
        inds = list(indicators)
    else:
        inds = [k for k, v in registry.items() if set(v.compute.source_ids()) <= srcs]
    return [s for s in catalogue if s in srcs], inds


def carry_over(previous: Path, rebuilt: set[str], registry: dict[str, Indicator]) -> pd.DataFrame:
    """Facts of the previous database for indicators not rebuilt now (still in the registry), so a
    partial build never loses data."""
    if not previous.exists():
        return pd.DataFrame(columns=FACT_COLUMNS)
    keep = sorted(set(registry) - rebuilt)
    if not keep:
        return pd.DataFrame(columns=FACT_COLUMNS)
    con = connect(previous, read_only=True)
    try:
        return con.execute(f"SELECT {', '.join(FACT_COLUMNS)} FROM fact_indicator_value WHERE indicator_id IN "
                           f"(SELECT unnest(?))", [keep]).df()
    finally:
        con.close()


def provisional_reasons(facts: pd.DataFrame, catalogue: dict[str, Source]) -> pd.Series:
    """Why each provisional value is provisional (None for final values): the `provisional_reason`
    that the first of its sources declares in etl/catalogue.yaml (a code of
    core.vocabulary.PROVISIONAL_REASONS), else the generic 'provisorio'."""
    from core.vocabulary import PROVISIONAL_REASONS
    out = pd.Series(None, index=facts.index, dtype=object)
    prov = facts["is_provisional"].fillna(False).astype(bool)
    if not prov.any():
        return out
    for ids in facts.loc[prov, "source_ids"].fillna("").unique():
        reason = next((catalogue[s].options["provisional_reason"] for s in str(ids).split(",")
                       if s in catalogue and catalogue[s].options.get("provisional_reason")), "provisorio")
        if reason not in PROVISIONAL_REASONS:
            raise BuildError(f"etl/catalogue.yaml: provisional_reason {reason!r} of {ids}: valid: "
                             + ", ".join(PROVISIONAL_REASONS))
        out[prov & (facts["source_ids"].fillna("") == ids)] = reason
    return out


#: rejection reasons that apply a documented rule (not an error in the data): --strict ignores them
SET_ASIDE_BY_RULE = ("NUTS 2013 unit changed", "name not matched", "municipality not yet created",
                     "missing value stored as 0")


def build(data_system: Path | None = None, *, out: Path | None = None, sources: list[str] | None = None,
          indicators: list[str] | None = None, dry_run: bool = False, progress: Callable[[str], None] = print,
          fail_on_rejected: bool = False, catalogue_path: Path | None = None,
          registry_dir: Path | None = None, wait: bool = False) -> dict:
    """Build the database. Returns a summary dict. Raises BuildError (nothing is swapped in).

    One build at a time per data folder (etl/buildfiles.py): another running build makes this one
    raise BuildLocked at once (wait=True: wait for it). Holding the lock, the build first removes
    the temporary files that killed builds left behind."""
    from contextlib import ExitStack
    paths = settings.paths(data_system)
    out = Path(out or paths.db)
    # the database's folder and the data folder (geo layers, demo system), once each when they differ
    folders = list(dict.fromkeys([out.parent, paths.data_dir]))
    with ExitStack() as locks:
        for folder in folders:
            locks.enter_context(build_lock(folder, wait=wait, progress=progress))
        for folder in folders:
            remove_stale(folder, progress=progress)
        return _build(data_system, out=out, sources=sources, indicators=indicators, dry_run=dry_run,
                      progress=progress, fail_on_rejected=fail_on_rejected, catalogue_path=catalogue_path,
                      registry_dir=registry_dir)


def _build(data_system: Path | None, *, out: Path, sources: list[str] | None, indicators: list[str] | None,
           dry_run: bool, progress: Callable[[str], None], fail_on_rejected: bool, catalogue_path: Path | None,
           registry_dir: Path | None) -> dict:
    t0 = time.perf_counter()
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    paths = settings.paths(data_system)
    is_demo = paths.is_demo
    ds = paths.data_system
    if is_demo:
        from etl.demo import ensure_demo_system
        ds = ensure_demo_system(paths.demo_system, progress=progress)
    if not ds.is_dir():
        raise BuildError(f"data system {ds} is not a directory")
    registry = load_registry(registry_dir)
    catalogue = load_catalogue(catalogue_path) if catalogue_path else load_catalogue()
    if indicators:
        unknown = sorted(set(indicators) - set(registry))
        if unknown:
            raise BuildError(f"unknown indicators: {', '.join(unknown)}")
    if sources:
        unknown = sorted(set(sources) - set(catalogue))
        if unknown:
            raise BuildError(f"unknown sources: {', '.join(unknown)}")
    ctx = BuildContext(run_id=started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6], data_system=ds,
                       is_demo=is_demo, registry=registry, catalogue=catalogue, progress=progress,
                       bounds=variable_bounds(registry, catalogue),
                       restricted=restricted_inputs(registry))
    ctx.reference = read_reference(ds)
    ctx.territory = build_territory(ctx.reference)
    cctx = connectors.Context(territories=set(ctx.territory["territory_id"]), reference=ctx.reference,
                              data_system=ds)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.building")
    tmp.unlink(missing_ok=True)
    src_ids, ind_ids = plan(registry, catalogue, sources, indicators)
    partial = bool(sources or indicators)
    con = connect(tmp)
    try:
        create_marts(con)
        selected = [catalogue[s] for s in src_ids]
        staged_parts, lineage = [], []
        for i, src in enumerate(selected, 1):
            if not src.files(ds) and (not src.required or is_demo):
                why = "not in the demo data system" if is_demo and src.required else "optional"
                progress(f"[{i}/{len(selected)}] {src.id}: no file, skipped ({why})")
                continue
            st, lin = load_source(con, src, ctx, cctx)
            staged_parts.append(st)
            lineage.append(lin)
            progress(f"[{i}/{len(selected)}] {src.id}: {lin['rows_read']} read, {lin['rows_kept']} kept, "
                     f"{lin['rows_rejected']} rejected ({lin['duration_s']:.2f} s)")
        ctx.staged = pd.concat(staged_parts, ignore_index=True) if staged_parts else \
            pd.DataFrame(columns=[*connectors.STAGED_COLUMNS, "source_id"])
        # low-cardinality text as categories: DuckDB ingests them as dictionaries, much faster
        cats = [c for c in ("variable", "territory_id", "period_id", "_file", "source_id", "note") if c in ctx.staged]
        con.register("_stg", ctx.staged.astype({c: "category" for c in cats}))
        con.execute("CREATE TABLE stg_observation AS SELECT * REPLACE ("
                    + ", ".join(f'"{c}"::VARCHAR AS "{c}"' for c in cats) + ") FROM _stg")
        con.unregister("_stg")
        n_rejected = sum(x["rows_rejected"] for x in lineage)
        if fail_on_rejected and n_rejected:
            bad = con.execute("SELECT file, row_number, field, reason FROM meta_rejected_row WHERE NOT ("
                              + " OR ".join("reason LIKE ?" for _ in SET_ASIDE_BY_RULE) + ") LIMIT 5",
                              [r + "%" for r in SET_ASIDE_BY_RULE]).fetchall()
            if bad:
                raise BuildError("rows rejected (--strict); first ones:\n  "
                                 + "\n  ".join(f"{f}: row {r}, field {fl!r}: {why}" for f, r, fl, why in bad))

        try:   # the sources' coverage and missing declarations (stg_observation keeps the rows as delivered)
            declared = []
            ctx.staged = apply_declarations(ctx.staged, ctx.territory, catalogue, declared)
        except ValueError as e:
            raise BuildError(str(e)) from e
        for line in declared:
            progress(line)
        facts, computed, impossible, warnings = [], set(), [], []
        available = set(ctx.staged["variable"].unique())
        for iid in ind_ids:
            ind = registry[iid]
            missing = [v for v in ind.compute.variables() if v not in available]
            if missing and (is_demo or sources and not indicators):
                progress(f"indicator {iid}: skipped, no staged {', '.join(missing)}")
                continue
            try:
                covered = covered_municipalities(ind, catalogue, ctx.territory)
                facts.append(compute_indicator(ctx.staged, ctx.territory, ind, rejected=impossible, covered=covered))
                computed.add(iid)
                for w in kept_warnings(ctx.staged, ctx.territory, ind, facts[-1], covered):
                    warnings.append({"run_id": ctx.run_id, "indicator_id": iid, "message": w})
                    progress(f"WARNING: {w}")
            except KeyError as e:
                raise BuildError(f"indicators/{ind.id}.yaml: field 'compute': {e.args[0]}") from e
            except Exception as e:  # noqa: BLE001 — name the indicator whatever went wrong
                raise BuildError(f"indicators/{ind.id}.yaml: computing failed: {type(e).__name__}: {e}") from e
        n_computed = len(facts)
        impossible = [r for r in impossible if len(r)]
        if impossible:
            rej = pd.concat(impossible, ignore_index=True).assign(run_id=ctx.run_id)
            rej["value"] = rej["value"].astype(str).str.slice(0, 200)
            insert(con, "meta_rejected_row", rej)
            n_rejected += len(rej)
            progress(f"computed values set aside as impossible: {len(rej)}")
            if fail_on_rejected:
                f, r, fl, why = rej.iloc[0][["file", "row_number", "field", "reason"]]
                raise BuildError(f"computed values rejected (--strict); first one:\n  {f}: row {r}, field {fl!r}: {why}")
        if partial:
            old = carry_over(out, computed, registry)
            if len(old):
                progress(f"carried over from the previous database: {old['indicator_id'].nunique()} indicators, "
                         f"{len(old)} values")
                facts.append(old)
        facts = [f for f in facts if len(f)]
        ctx.facts = pd.concat(facts, ignore_index=True) if facts else pd.DataFrame(columns=FACT_COLUMNS)
        for col in ("is_provisional", "is_estimated", "is_break"):
            ctx.facts[col] = ctx.facts[col].fillna(False).astype(bool)
        ctx.facts["provisional_reason"] = provisional_reasons(ctx.facts, catalogue)
        present = set(ctx.facts["indicator_id"].unique()) | computed
        chosen = {k: v for k, v in registry.items() if k in present}
        progress(f"indicators: {n_computed} computed, {len(chosen)} in the database, {len(ctx.facts)} values")

        insert(con, "dim_territory", ctx.territory)
        insert(con, "dim_indicator", indicator_rows(chosen))
        insert(con, "fact_indicator_value", ctx.facts)
        insert(con, "meta_build", pd.DataFrame([{
            "run_id": ctx.run_id, "started_at": started, "data_system": "demo" if is_demo else str(ds),
            "is_demo": is_demo, "code_version": code_version(), "n_indicators": len(chosen),
            "n_values": len(ctx.facts)}]))
        if lineage:
            insert(con, "meta_lineage", pd.DataFrame(lineage))
        insert(con, "meta_source", source_rows(catalogue))
        if warnings:
            insert(con, "meta_build_warning", pd.DataFrame(warnings))
        ctx.registry = chosen
        for name, step in pipeline_steps():
            ts = time.perf_counter()
            step(con, ctx)
            progress(f"{name}: done ({time.perf_counter() - ts:.2f} s)")
        # every period referenced anywhere is typed in dim_period
        pids = set(ctx.facts["period_id"])
        for tname in ("fact_alarm", "fact_alarm_history", "fact_peer_position"):
            pids |= {r[0] for r in con.execute(f"SELECT DISTINCT period_id FROM {tname}").fetchall()}
        try:
            insert(con, "dim_period", period_rows(pids))
        except ValueError as e:
            raise BuildError(str(e)) from e
        failures = run_checks(con)
        if failures:
            raise CheckError("checks failed:\n  " + "\n  ".join(failures))
        duration = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        con.execute("UPDATE meta_build SET finished_at = ?, duration_s = ?, peak_rss_mb = ? WHERE run_id = ?",
                    [datetime.now(timezone.utc).replace(tzinfo=None), duration, peak, ctx.run_id])
        con.execute("CHECKPOINT")
        con.close()
        con = None
        summary = {"run_id": ctx.run_id, "db": str(out), "is_demo": is_demo, "data_system": str(ds),
                   "indicators": len(chosen), "values": len(ctx.facts), "rejected": n_rejected,
                   "duration_s": round(duration, 2), "peak_rss_mb": round(peak, 1),
                   "warnings": [w["message"] for w in warnings]}
        if dry_run:
            tmp.unlink(missing_ok=True)
            progress("dry run: all checks passed; nothing written")
            return summary
        # web boundary layers and the tile map: files beside the database, swapped in atomically
        # by build_geo itself; built before the database swap so a failure here changes nothing served
        from etl.geo import build_geo
        try:
            build_geo(ds, out.parent / "geo", progress=progress)
        except (ValueError, OSError) as e:
            raise BuildError(f"boundaries: {e}") from e
        os.replace(tmp, out)
        (out.parent / "build.json").write_text(json.dumps(summary, indent=2))
        progress(f"database written: {out} ({duration:.1f} s, peak {peak:.0f} MB)")
        return summary
    except BaseException:
        if con is not None:
            con.close()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
