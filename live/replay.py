"""A realistic, always synthetic stream for tests and demos: Smart Data Models AirQualityObserved payloads
placed at the real air-quality stations of the data system, with values drawn around each station's real
annual mean.

- Stations: `indicators/eea_qualidade_ar_estacoes_1997_2022.csv` (EEA Air Quality Statistics via
  dssgPT; SOURCES.md §3.12): each station's coordinates and, per pollutant (NO₂, PM10, O₃), its annual mean
  of the latest complete year (2022 is partial and skipped). A station is used where its coordinates fall
  (point in polygon), which for three stations differs from QualAr's municipality (SOURCES.md §3.12).
- Values: hourly values from a log-normal distribution whose mean is the station's annual mean
  (coefficient of variation 0.6, a usual spread of hourly urban concentrations), plus a daily cycle;
  `--spike no2:1312:250:20` adds 20 hours at 250 µg/m³ at the stations of Porto (a demo or test that must
  raise an alarm).
- Always labelled synthetic: the key it sends with is a synthetic key (everything it stores is flagged
  `synthetic`, its alarms say "[dados sintéticos]" and never count with real observations), every entity
  says so in `dataProvider` and `source`, and nothing of it reaches the analytic database or a download.

    python -m live replay --scope EI11A --hours 48 --rate 200            # to OBS_BASE_URL, with a new synthetic key
    python -m live replay --scope 1312 --direct --spike no2:1312:250:20  # straight into the store (no server)
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from core import settings

POLLUTANTS = {"NO2": "no2", "PM10": "pm10", "O3": "o3"}
CV = 0.6
PROVIDER = "Observatório — réplica sintética (valores simulados, não são medições) / synthetic replay"


@dataclass
class Station:
    code: str
    name: str
    dico: str
    lon: float
    lat: float
    means: dict[str, float]


def stations(scope: set[str] | None = None) -> list[Station]:
    """The data system's stations with an annual mean for at least one of NO₂, PM10, O₃, placed by point in
    polygon; only those inside `scope` (DICOs) when given."""
    from live import geo
    ds = settings.paths().data_system
    if ds is None:
        raise SystemExit("the replay places payloads at the data system's stations: set OBS_DATA_SYSTEM")
    best: dict[str, dict] = {}
    with open(ds / "indicators" / "eea_qualidade_ar_estacoes_1997_2022.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if (r["metrica"] != "Média anual" or r["poluente"] not in POLLUTANTS or r["ano_incompleto"] == "True"
                    or not r["valor"] or not r["longitude"] or not r["latitude"]):
                continue
            key = r["estacao_codigo_eea"] or r["estacao_nome"]
            st = best.setdefault(key, {"name": r["estacao_nome"], "lon": float(r["longitude"]),
                                       "lat": float(r["latitude"]), "means": {}})
            p = POLLUTANTS[r["poluente"]]
            year, value = int(r["ano"]), float(r["valor"])
            if p not in st["means"] or year > st["means"][p][0]:
                st["means"][p] = (year, value)
    out = []
    for code, st in sorted(best.items()):
        dico = geo.municipality_at(st["lon"], st["lat"])
        if dico is None or (scope is not None and dico not in scope):
            continue
        out.append(Station(code, st["name"], dico, st["lon"], st["lat"], {p: v for p, (_, v) in st["means"].items()}))
    return out


def draw(mean: float, hour: int, rng: random.Random) -> float:
    """A log-normal hourly value with the given mean (CV 0.6), modulated by a daily cycle (±30 %)."""
    sigma = math.sqrt(math.log(1 + CV ** 2))
    mu = math.log(max(mean, 0.1)) - sigma ** 2 / 2
    cycle = 1 + 0.3 * math.sin((hour - 8) / 24 * 2 * math.pi)
    return round(rng.lognormvariate(mu, sigma) * cycle, 1)


def entity(st: Station, at: datetime, values: dict[str, float]) -> dict:
    code = st.code.replace(" ", "_")
    return {"id": f"urn:ngsi-ld:AirQualityObserved:PT:replay:{code}", "type": "AirQualityObserved",
            "name": st.name, "dateObserved": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "location": {"type": "Point", "coordinates": [st.lon, st.lat]},
            "dataProvider": PROVIDER, "source": "urn:observatorio:replay:synthetic", **values}


def parse_spikes(specs: list[str]) -> list[tuple[str, str, float, int]]:
    out = []
    for s in specs or []:
        p, dico, value, hours = s.split(":")
        out.append((p, dico, float(value), int(hours)))
    return out


def stream(sts: list[Station], start: datetime, hours: int, seed: int = 13, spikes=()):
    """Entities hour by hour (every station each hour); a spike replaces the first `hours` values."""
    rng = random.Random(seed)
    for h in range(hours):
        at = start + timedelta(hours=h)
        for st in sts:
            vals = {p: draw(m, at.hour, rng) for p, m in st.means.items()}
            for p, dico, value, n in spikes:
                if st.dico == dico and h < n and p in vals:
                    vals[p] = value
            yield entity(st, at, vals)


def notification(entities: list[dict], seq: int, run: str) -> dict:
    return {"id": f"urn:ngsi-ld:Notification:replay:{run}:{seq}", "type": "Notification",
            "subscriptionId": "urn:ngsi-ld:Subscription:observatorio-replay",
            "notifiedAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "data": entities}


def post(url: str, key: str, body: dict, timeout: float = 30) -> tuple[int, dict]:
    req = urllib.request.Request(url.rstrip("/") + "/ngsi-ld/v1/notify", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json",
                                                         "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m live replay", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scope", required=True, help="a DICO or a CIM/AM id: the stations inside it")
    p.add_argument("--key", help="a synthetic ingest key (default: create one in the local store)")
    p.add_argument("--url", default=None, help="the app (default OBS_BASE_URL)")
    p.add_argument("--direct", action="store_true", help="ingest straight into the store, without HTTP")
    p.add_argument("--start", default=None, help="first hour (ISO 8601, default: this hour yesterday)")
    p.add_argument("--hours", type=int, default=24)
    p.add_argument("--rate", type=float, default=0, help="observations per second (0: as fast as possible)")
    p.add_argument("--batch", type=int, default=10, help="entities per notification")
    p.add_argument("--spike", action="append", help="pollutant:DICO:value:hours, e.g. no2:1312:250:20")
    p.add_argument("--seed", type=int, default=13)
    a = p.parse_args(argv)
    from live import credentials, geo, ingest, ngsi
    _, dicos = geo.scope_municipalities(a.scope)
    sts = stations(set(dicos))
    if not sts:
        print(f"no air-quality station inside {a.scope}", file=sys.stderr)
        return 2
    key = a.key
    if not key:
        key, _ = credentials.create(f"réplica sintética ({a.scope})", a.scope, synthetic=True)
        print(f"synthetic key created for {a.scope}: {key}")
    sender = credentials.authenticate(key)
    if a.direct and (sender is None or not sender.synthetic):
        print("error: the replay sends only with a synthetic key (python -m live keys create … --synthetic)",
              file=sys.stderr)
        return 2
    start = ngsi.parse_time(a.start, "--start") if a.start else \
        (datetime.now(timezone.utc) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    url = a.url or settings.env("OBS_BASE_URL")
    run = f"{int(time.time())}"
    batch, seq, sent, t0 = [], 0, 0, time.monotonic()
    print(f"{len(sts)} stations in {a.scope}; {a.hours} h from {start:%Y-%m-%d %H:%M} UTC; synthetic")

    def flush():
        nonlocal batch, seq, sent
        if not batch:
            return
        body = notification(batch, seq, run)
        if a.direct:
            out = ingest.ingest(json.dumps(body), sender, mode="replay")
            status = out.status
        else:
            status, _ = post(url, key, body)
        if status >= 400:
            print(f"notification {seq}: HTTP {status}", file=sys.stderr)
        sent += sum(len([k for k in e if k in ("no2", "pm10", "o3")]) for e in batch)
        seq += 1
        batch = []
        if a.rate:
            ahead = sent / a.rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    for e in stream(sts, start, a.hours, a.seed, parse_spikes(a.spike)):
        batch.append(e)
        if len(batch) >= a.batch:
            flush()
    flush()
    el = time.monotonic() - t0
    print(f"sent {sent} observations in {seq} notifications, {el:.1f} s ({sent / max(el, 1e-9):.0f} obs/s)")
    return 0
