"""The live path under load (issue 13): notification → alarm visible in /api/v1/alarms, at a sustained
200 observations/s.

The app runs under gunicorn (2 workers, as `make serve`) on a fresh operational store (SQLite by default;
`--postgres URL` for PostgreSQL). Two sender threads replay synthetic AirQualityObserved notifications
(live.replay: the real stations of the Porto and Lisbon metropolitan areas, 10 entities per notification)
at 100 observations/s each. Meanwhile a probe, once a second, posts one O₃ hourly value at a station of its
own in Arouca (0104, no real station there) alternating 250 µg/m³ (alert: the alarm opens or reopens) and
100 µg/m³ (it resolves), and polls `/api/v1/alarms?territory=0104&scope=all` every 50 ms until the alarm
shows that observation: the latency is from the start of the POST to the first API answer that has it.
Target: p95 ≤ 5 s.

    python -m bench.bench_live [--seconds 60] [--rate 200] [--postgres URL] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

from bench.common import Gunicorn, append_results, machine, pct

PROBE_DICO = "0104"


def _probe_point() -> tuple[float, float]:
    from live import geo
    tree, geoms, ids, _ = geo._index()
    g = geoms[list(ids).index(PROBE_DICO)].representative_point()
    return g.x, g.y


def run(seconds: int = 60, rate: float = 200, postgres: str | None = None) -> dict:
    import requests

    from live import credentials, replay, store
    tmp = tempfile.mkdtemp(prefix="bench-live-")
    url_store = postgres or f"sqlite:///{tmp}/operational.sqlite"
    os.environ["OBS_OPERATIONAL_URL"] = url_store
    if postgres:
        eng = store.engine(postgres)
        store.metadata.drop_all(eng)
        store.dispose()
    store.engine()
    keys = {s: credentials.create(f"bench {s}", s, synthetic=True)[0] for s in ("EI11A", "EI170")}
    probe_key = keys["EI11A"]
    srv = Gunicorn(workers=2)
    stop = threading.Event()
    sent = {"obs": 0, "notes": 0, "errors": 0}
    post_ms: list[float] = []
    lock = threading.Lock()

    def sender(scope: str, key: str, per_s: float):
        from live import geo
        sts = replay.stations(set(geo.scope_municipalities(scope)[1]))
        ents = replay.stream(sts, datetime(2025, 1, 1, tzinfo=timezone.utc), 24 * 365, seed=hash(scope) % 1000)
        s = requests.Session()
        t0, n, seq = time.monotonic(), 0, 0
        while not stop.is_set():
            batch = [next(ents) for _ in range(10)]
            k = sum(len([a for a in e if a in ("no2", "pm10", "o3")]) for e in batch)
            t = time.monotonic()
            r = s.post(srv.url + "/ngsi-ld/v1/notify", data=json.dumps(replay.notification(batch, seq, f"b{scope}")),
                       headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, timeout=30)
            with lock:
                post_ms.append((time.monotonic() - t) * 1000)
                sent["notes"] += 1
                sent["obs"] += k
                sent["errors"] += r.status_code >= 400
            n += k
            seq += 1
            ahead = n / per_s - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    lon, lat = _probe_point()
    latencies: list[float] = []
    timeouts = 0
    try:
        threads = [threading.Thread(target=sender, args=(s, k, rate / 2), daemon=True) for s, k in keys.items()]
        for th in threads:
            th.start()
        time.sleep(3)                                   # reach the sustained rate first
        s = requests.Session()
        t_start, i = time.monotonic(), 0
        base = datetime(2026, 1, 1, tzinfo=timezone.utc)
        while time.monotonic() - t_start < seconds:
            at = base + timedelta(hours=i)
            value = 250 if i % 2 == 0 else 100
            body = replay.notification([{"id": "urn:ngsi-ld:AirQualityObserved:PT:bench-probe",
                                         "type": "AirQualityObserved", "dateObserved": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                         "location": {"type": "Point", "coordinates": [lon, lat]}, "o3": value}],
                                       i, "probe")
            t0 = time.monotonic()
            r = s.post(srv.url + "/ngsi-ld/v1/notify", data=json.dumps(body),
                       headers={"Authorization": f"Bearer {probe_key}", "Content-Type": "application/json"}, timeout=30)
            assert r.status_code == 201, r.text
            want = at.isoformat()
            seen = False
            while time.monotonic() - t0 < 30:
                rows = s.get(srv.url + f"/api/v1/alarms?territory={PROBE_DICO}&scope=all", timeout=30).json()["data"]
                if any(a.get("observed_at") == want for a in rows):
                    seen = True
                    break
                time.sleep(0.05)
            if seen:
                latencies.append(time.monotonic() - t0)
            else:
                timeouts += 1
            i += 1
            time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        elapsed = time.monotonic() - t_start
    finally:
        stop.set()
        srv.stop()
    return {"backend": "PostgreSQL" if postgres else "SQLite (WAL)", "seconds": round(elapsed, 1),
            "obs_per_s": round(sent["obs"] / (elapsed + 3), 1), "notifications": sent["notes"],
            "errors": sent["errors"], "probes": len(latencies) + timeouts, "timeouts": timeouts,
            "p50_s": round(pct(latencies, 50), 3), "p95_s": round(pct(latencies, 95), 3),
            "max_s": round(max(latencies), 3), "post_p95_ms": round(pct(post_ms, 95), 1)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--postgres")
    p.add_argument("--no-write", action="store_true")
    a = p.parse_args(argv if argv is not None else [])
    r = run(a.seconds, a.rate, a.postgres)
    print(json.dumps(r, indent=2))
    if not a.no_write:
        block = (f"\n### {datetime.now():%Y-%m-%d %H:%M} — {machine()}\n\n"
                 f"| store | sustained obs/s | notifications | errors | probes | notification → API p50 | p95 | max | "
                 f"POST p95 |\n|---|---|---|---|---|---|---|---|---|\n"
                 f"| {r['backend']} | {r['obs_per_s']} | {r['notifications']} | {r['errors']} | {r['probes']} "
                 f"({r['timeouts']} timed out) | {r['p50_s']} s | {r['p95_s']} s | {r['max_s']} s | {r['post_p95_ms']} ms |\n")
        append_results("Live path (issue 13)", block, __doc__.split("\n\n")[1])


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
