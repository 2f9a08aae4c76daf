"""Pull mode: read a broker's NGSI-LD temporal API for a configured subscription and ingest what is new.

`GET {broker}/ngsi-ld/v1/temporal/entities?type=<T>&timerel=after&timeAt=<last>` (NGSI-LD API, temporal
representation: each attribute is an array of instances `{"type": "Property", "value", "observedAt"}`).
Each instance becomes one entity in the normalized form (the attribute with its `observedAt`) and the
batch goes through the same ingestion as a notification (validation, scope, dedup, rules), logged with
mode "pull". The notification id is derived from the broker, type and window, so pulling the same window
twice stores it once.
"""
from __future__ import annotations

import hashlib
import json
import urllib.parse
import urllib.request
from datetime import datetime, timezone

from live import ingest
from live.credentials import Sender


def to_entities(temporal: list[dict]) -> list[dict]:
    """Temporal entities → normalized entities, one per instant (every attribute instance observed then);
    the model's observation date, when the broker does not keep it as a temporal attribute, is that instant."""
    from live import ngsi
    out = []
    for te in temporal:
        static = {k: v for k, v in te.items() if not isinstance(v, list) or k == "@context"}
        by_time: dict[str, dict] = {}
        for k, v in te.items():
            if k == "@context" or not isinstance(v, list):
                continue
            for inst in v:
                if isinstance(inst, dict) and "observedAt" in inst:
                    by_time.setdefault(inst["observedAt"], {})[k] = inst
        for at, attrs in sorted(by_time.items()):
            e = {**static, **attrs}
            for f in ngsi.TIME_FIELDS.get(str(te.get("type")), ())[:1]:
                e.setdefault(f, {"type": "Property", "value": at})
            out.append(e)
    return out


def pull(broker: str, entity_type: str, sender: Sender, *, since: datetime, eng=None, timeout: float = 30):
    q = urllib.parse.urlencode({"type": entity_type, "timerel": "after",
                                "timeAt": since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    url = f"{broker.rstrip('/')}/ngsi-ld/v1/temporal/entities?{q}"
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
    entities = to_entities(json.loads(raw))
    if not entities:
        return ingest.Outcome(200, {"status": "nothing new"})
    nid = "urn:ngsi-ld:Notification:pull:" + hashlib.sha256(raw).hexdigest()[:32]
    body = {"id": nid, "type": "Notification", "subscriptionId": url,
            "notifiedAt": datetime.now(timezone.utc).isoformat(), "data": entities}
    return ingest.ingest(json.dumps(body), sender, mode="pull", eng=eng)
