"""Ingestion: an NGSI-LD notification from an authenticated sender → observations, live alarms, events.

One transaction per notification: the notification row (its id + sender is unique: a repeat is answered
200 "duplicate" and stored once), the observations (entity, attribute, instant unique: a value sent twice is
kept once), then the live rules for every municipality and year touched. Outcomes, each logged in
live_ingest_log with the sender:

- 201 accepted · 200 duplicate notification
- 400 bad payload: the JSON pointer of the fault; the body goes to live_dead_letter
- 403 an entity outside the sender's municipalities (or outside Portugal): nothing of it is stored
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from live import geo, ngsi, rules, store
from live.credentials import Sender
from live.store import dead_letter, ingest_log, notification, observation


@dataclass
class Outcome:
    status: int
    body: dict
    event_ids: list[int] = field(default_factory=list)


def _insert_ignore(eng, table):
    """INSERT … ON CONFLICT DO NOTHING, in the store's dialect (SQLite and PostgreSQL both have it)."""
    if store.is_postgres(eng):
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert(table).on_conflict_do_nothing()


def _log(eng, sender: Sender | None, mode: str, status: int, nid=None, n=0, stored=0, dup=0, detail=None):
    with eng.begin() as c:
        c.execute(insert(ingest_log).values(at=store.now(), key_id=sender.key_id if sender else None, mode=mode,
                                            notification_id=nid if isinstance(nid, str) else None,
                                            status=status, n_entities=n, n_stored=stored, n_duplicates=dup,
                                            detail=(detail or "")[:500] or None))


def refuse(eng, sender: Sender | None, raw: bytes | str, fault: ngsi.Fault, mode: str = "notify") -> Outcome:
    """A 400: the fault's pointer in the answer, the body in the dead-letter table."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    with eng.begin() as c:
        c.execute(insert(dead_letter).values(received_at=store.now(), key_id=sender.key_id if sender else None,
                                             pointer=fault.pointer or "/", message=fault.message[:2000],
                                             body=text[:1_000_000]))
    _log(eng, sender, mode, 400, detail=str(fault))
    return Outcome(400, {"error": {"status": 400, "message": fault.message, "pointer": fault.pointer or "/"}})


def ingest(raw: bytes | str, sender: Sender, *, mode: str = "notify", eng=None) -> Outcome:
    eng = eng or store.engine()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        return refuse(eng, sender, raw, ngsi.Fault("", f"not JSON: {e}"), mode)
    try:
        entities = ngsi.check_notification(body)
        notified_at = ngsi.parse_time(body["notifiedAt"], "/notifiedAt")
        rows = []
        for i, (kv, where, observed) in enumerate(entities):
            lon, lat = ngsi.point_of(kv, where)
            dico = geo.municipality_at(lon, lat)
            if dico is None or dico not in sender.municipalities:
                msg = (f"the entity at ({lon:.5f}, {lat:.5f}) is in no Portuguese municipality" if dico is None
                       else f"the entity at ({lon:.5f}, {lat:.5f}) is in municipality {dico}, outside this key's "
                            f"scope ({sender.scope_id}: {len(sender.municipalities)} municipalities)")
                _log(eng, sender, mode, 403, body.get("id"), len(entities), detail=msg)
                return Outcome(403, {"error": {"status": 403, "message": msg,
                                               "pointer": where.get("location", f"/data/{i}/location")}})
            for o in ngsi.observations(kv, where, observed, notified_at):
                rows.append({"entity_id": kv["id"], "entity_type": kv["type"], "territory_id": dico,
                             "entity_name": str(kv["name"])[:200] if isinstance(kv.get("name"), str) else None,
                             "lon": lon, "lat": lat, **o})
    except ngsi.Fault as f:
        return refuse(eng, sender, raw, f, mode)

    now = store.now()
    nid = body["id"]
    with eng.begin() as c:
        try:
            with c.begin_nested():
                c.execute(insert(notification).values(notification_id=nid, key_id=sender.key_id, received_at=now,
                                                      n_entities=len(entities)))
        except IntegrityError:
            duplicate = True
        else:
            duplicate = False
        if duplicate:
            stored = 0
        else:
            for r in rows:
                r.update(key_id=sender.key_id, received_at=now, synthetic=sender.synthetic)
            # RETURNING says what was really inserted (a repeat is not; rowcount of an executemany is not
            # portable): only new values are evaluated
            new = c.execute(_insert_ignore(eng, observation).returning(
                observation.c.territory_id, observation.c.attribute, observation.c.observed_at,
                observation.c.value), rows).all() if rows else []
            stored = len(new)
            events = rules.evaluate_new(c, [tuple(r) for r in new], sender.synthetic)
    if duplicate:
        _log(eng, sender, mode, 200, nid, len(entities), 0, len(rows), "duplicate notification")
        return Outcome(200, {"status": "duplicate", "notification": nid, "stored": 0})
    _log(eng, sender, mode, 201, nid, len(entities), stored, len(rows) - stored)
    return Outcome(201, {"status": "accepted", "notification": nid, "entities": len(entities),
                         "observations": stored, "duplicates": len(rows) - stored, "events": len(events)},
                   event_ids=events)
