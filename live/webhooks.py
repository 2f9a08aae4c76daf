"""Webhooks: alarm events POSTed to subscribers, signed, retried, logged; a failing subscription is disabled.

- Signature (the receiver checks it with the shared secret): header
  `X-Observatorio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`, the scheme
  Stripe documents: the timestamp is signed with the body, so a captured request cannot be replayed later
  (`verify` refuses timestamps older than TOLERANCE_S).
- Retries: up to ATTEMPTS per event, waiting BACKOFF_S × 2^(attempt-1) (1, 2, 4 s) between them; any 2xx
  is a success; every attempt is a live_delivery row (status code or error).
- After MAX_FAILED_DELIVERIES consecutive events that failed every attempt the subscription is disabled
  (`disabled_at`); a success resets the count.
- Delivery runs on one background thread per process (a queue), after the ingest transaction committed,
  so a slow receiver never slows ingestion.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request

from sqlalchemy import and_, insert, or_, select, update

from core import vocabulary as AL
from live import store
from live.store import alarm_event, delivery, subscription

log = logging.getLogger("obs.live.webhooks")
ATTEMPTS = 4
BACKOFF_S = 1.0
TIMEOUT_S = 5.0
MAX_FAILED_DELIVERIES = 3
TOLERANCE_S = 300
HEADER = "X-Observatorio-Signature"


def sign(secret: str, body: bytes, ts: int | None = None) -> str:
    ts = int(time.time()) if ts is None else ts
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify(secret: str, body: bytes, header: str, now: float | None = None, tolerance: int = TOLERANCE_S) -> bool:
    """What a receiver does: parse the header, recompute the HMAC, compare in constant time, check the age."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    want = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts.get("v1", ""))


def subscribe(url: str, *, territory: str | None = None, area: str | None = None, level: str | None = None,
              eng=None) -> tuple[int, str]:
    """A new subscription: (id, secret — shown once; the receiver keeps it to verify signatures)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    if level and level not in AL.ALARM_LEVELS:
        raise ValueError(f"level {level!r}: valid: {', '.join(AL.ALARM_LEVELS)}")
    secret = secrets.token_hex(32)
    with (eng or store.engine()).begin() as c:
        r = c.execute(insert(subscription).values(url=url, secret=secret, territory_id=territory, area=area,
                                                  level=level, active=True, failures=0, created_at=store.now()))
    return int(r.inserted_primary_key[0]), secret


def payload(ev: dict) -> dict:
    at = store.aware(ev["at"])
    return {"id": ev["id"], "alarm_id": ev["alarm_id"], "territory_id": ev["territory_id"], "area": ev["area"],
            "level": ev["level"], "status": ev["status"], "at": at.isoformat(), "sentence_pt": ev["sentence_pt"],
            "sentence_en": ev["sentence_en"], "synthetic": bool(ev["synthetic"])}


def matching(conn, ev: dict, territories_of) -> list[dict]:
    """Active subscriptions whose filters the event meets (`territories_of(dico)`: the ids that contain it)."""
    sev = AL.ALARM_LEVELS[ev["level"]].severity
    subs = conn.execute(select(subscription).where(subscription.c.active.is_(True))).mappings().all()
    out = []
    for s in subs:
        if s["area"] and s["area"] != ev["area"]:
            continue
        if s["level"] and AL.ALARM_LEVELS[s["level"]].severity > sev:
            continue
        if s["territory_id"] and s["territory_id"] not in territories_of(ev["territory_id"]):
            continue
        out.append(dict(s))
    return out


def deliver(sub: dict, ev: dict, eng=None, *, backoff: float | None = None, sleep=time.sleep) -> bool:
    """POST one event to one subscription with retries; logs every attempt; disables after repeated failures."""
    eng = eng or store.engine()
    body = json.dumps(payload(ev), ensure_ascii=False, separators=(",", ":")).encode()
    wait = BACKOFF_S if backoff is None else backoff
    ok = False
    for attempt in range(1, ATTEMPTS + 1):
        code, err = None, None
        try:
            req = urllib.request.Request(sub["url"], data=body, method="POST", headers={
                "Content-Type": "application/json", HEADER: sign(sub["secret"], body),
                "User-Agent": "Observatorio-webhooks/1"})
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                code = resp.status
        except urllib.error.HTTPError as e:
            code, err = e.code, f"HTTP {e.code}"
        except Exception as e:  # noqa: BLE001 — a refused connection, a timeout: logged, retried
            err = f"{type(e).__name__}: {e}"[:500]
        ok = code is not None and 200 <= code < 300
        with eng.begin() as c:
            c.execute(insert(delivery).values(subscription_id=sub["id"], event_id=ev["id"], attempt=attempt,
                                              at=store.now(), status_code=code, ok=ok, error=None if ok else err))
        if ok:
            break
        if attempt < ATTEMPTS:
            sleep(wait * 2 ** (attempt - 1))
    with eng.begin() as c:
        if ok:
            c.execute(update(subscription).where(subscription.c.id == sub["id"]).values(failures=0))
        else:
            n = (c.execute(select(subscription.c.failures).where(subscription.c.id == sub["id"])).scalar() or 0) + 1
            vals = {"failures": n}
            if n >= MAX_FAILED_DELIVERIES:
                vals.update(active=False, disabled_at=store.now())
                log.warning("webhook subscription %s disabled after %d failed deliveries", sub["id"], n)
            c.execute(update(subscription).where(subscription.c.id == sub["id"]).values(**vals))
    return ok


def _territories_of(dico: str) -> set[str]:
    """The municipality and every region that contains it (a subscription to EI11A gets Porto's events)."""
    try:
        from serving import data
        t = data.territory(dico) or {}
    except Exception:  # noqa: BLE001
        t = {}
    return {dico, "PT", *(str(t[c]) for c in ("nuts1_id", "nuts2_id", "nuts3_id", "district_id", "cim_id")
                          if isinstance(t.get(c), str))}


def dispatch_now(event_ids: list[int], eng=None, **kw) -> int:
    """Deliver events synchronously (tests, the CLI); returns the number of successful deliveries."""
    eng = eng or store.engine()
    n = 0
    with eng.connect() as c:
        evs = [dict(r) for r in c.execute(select(alarm_event).where(alarm_event.c.id.in_(event_ids))
                                          .order_by(alarm_event.c.id)).mappings()]
        work = [(s, ev) for ev in evs for s in matching(c, ev, _territories_of)]
    for s, ev in work:
        n += deliver(s, ev, eng, **kw)
    return n


_queue: queue.Queue = queue.Queue(maxsize=10_000)
_worker: threading.Thread | None = None
_wlock = threading.Lock()


def _run():
    while True:
        ids = _queue.get()
        try:
            dispatch_now(ids)
        except Exception:  # noqa: BLE001 — one bad event never stops the worker
            log.exception("webhook dispatch failed")


def dispatch(event_ids: list[int]) -> None:
    """Queue events for background delivery (after the ingest committed)."""
    global _worker
    if not event_ids:
        return
    with _wlock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="obs-webhooks", daemon=True)
            _worker.start()
    try:
        _queue.put_nowait(list(event_ids))
    except queue.Full:
        log.error("webhook queue full: %d events not delivered", len(event_ids))
