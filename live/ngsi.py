"""NGSI-LD notifications: validation against the Smart Data Models JSON schemas, and flattening into
observations.

- A notification (NGSI-LD API §5.3.x "Notification": `id`, `type: Notification`, `subscriptionId`,
  `notifiedAt`, `data: [entity…]`) carries entities in the normalized form (`{"type": "Property",
  "value": …, "observedAt": …}`) or key-values. Each entity is brought to key-values and validated
  against its model's `schema.json`, read from the data system's `ngsi/smart-data-models/` (the model
  schemas byte for byte; the shared definitions they reference by URL are offline stand-ins in
  live/schemas, registered under those URLs with `referencing`: no network).
- A fault is a `Fault(pointer, message)`: `pointer` is the JSON pointer (RFC 6901) of the faulty member
  *in the body as sent* (a normalized attribute's fault points at its `/value`).
- `observations(entity)` yields one row per numeric attribute (and ParkingSpot's status) at the instant
  it was observed: the attribute's `observedAt`, else the model's observation date, else `notifiedAt`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from core import settings

#: entity type -> Smart Data Models repository folder (the data system's ngsi/smart-data-models/<repo>/<type>)
MODELS: dict[str, str] = {
    "AirQualityObserved": "dataModel.Environment",
    "NoiseLevelObserved": "dataModel.Environment",
    "TrafficFlowObserved": "dataModel.Transportation",
    "WasteContainer": "dataModel.WasteManagement",
    "ParkingSpot": "dataModel.Parking",
}
#: where each model says when it was observed (first present wins), after the attribute's own observedAt
TIME_FIELDS: dict[str, tuple[str, ...]] = {
    "AirQualityObserved": ("dateObserved",),
    "NoiseLevelObserved": ("dateObservedTo", "dateObservedFrom"),
    "TrafficFlowObserved": ("dateObservedTo", "dateObserved"),
    "WasteContainer": ("dateLastEmptying", "binLoggedTime", "dateModified", "timeInstant"),
    "ParkingSpot": ("observedAt", "timeInstant", "dateModified"),
}
#: text attributes kept as observations (everything numeric is kept)
TEXT_ATTRIBUTES: dict[str, tuple[str, ...]] = {"ParkingSpot": ("status",)}
#: attributes that are not measurements, even when numeric
NOT_MEASURED = {"id", "type", "@context", "location", "address", "laneId", "binId", "wardId", "RFID"}

_LOCAL = Path(__file__).resolve().parent / "schemas"
_STAND_INS = {
    "https://smart-data-models.github.io/data-models/common-schema.json": _LOCAL / "common-schema.json",
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/Environment-schema.json":
        _LOCAL / "Environment-schema.json",
}
MAX_ENTITIES = 1000


@dataclass
class Fault(Exception):
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class NoSchemas(RuntimeError):
    """No data system is configured: the payloads cannot be validated (the notify endpoint answers 503)."""


def models_dir() -> Path:
    """ngsi/smart-data-models in the data system (OBS_DATA_SYSTEM); the live path needs the real data system."""
    ds = settings.paths().data_system
    if ds is None:
        raise NoSchemas("the live path validates against the Smart Data Models schemas of the data system: "
                           "set OBS_DATA_SYSTEM (e.g. ../shared/data)")
    return ds / "ngsi" / "smart-data-models"


@lru_cache(maxsize=None)
def validator(entity_type: str):
    """A Draft 2020-12 validator for one model, its remote $refs resolved from the local stand-ins."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schema = json.loads((models_dir() / MODELS[entity_type] / entity_type / "schema.json").read_text("utf-8"))
    resources = [(uri, Resource.from_contents(json.loads(p.read_text("utf-8")))) for uri, p in _STAND_INS.items()]
    registry = Registry().with_resources(resources)

    def refuse(uri: str):   # any other remote reference is an error, never a download
        from referencing.exceptions import NoSuchResource
        raise NoSuchResource(ref=uri)
    registry = Registry(retrieve=refuse).with_resources(resources)
    return Draft202012Validator(schema, registry=registry)


def _pointer(parts) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def parse_time(s, pointer: str) -> datetime:
    """An ISO 8601 instant (UTC when no offset is given, as in the Smart Data Models examples)."""
    if isinstance(s, dict) and "@value" in s:        # JSON-LD typed literal {"@type": "DateTime", "@value": …}
        s = s["@value"]
    if not isinstance(s, str):
        raise Fault(pointer, "expected an ISO 8601 date-time string")
    txt = s.split("/")[-1].strip()                    # an interval "a/b" ends at b
    try:
        dt = datetime.fromisoformat(txt.replace("Z", "+00:00"))
    except ValueError:
        raise Fault(pointer, f"not an ISO 8601 date-time: {s!r}") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _unwrap(v):
    if isinstance(v, dict) and "@value" in v and set(v) <= {"@type", "@value"}:
        return v["@value"]
    return v


def key_values(entity: dict, base: str) -> tuple[dict, dict[str, str], dict[str, str]]:
    """The entity in key-values form, the pointer of each attribute's value in the body as sent, and each
    attribute's own `observedAt` (normalized form only)."""
    kv, where, observed = {}, {}, {}
    for k, v in entity.items():
        p = f"{base}{_pointer([k])}"
        if isinstance(v, dict) and v.get("type") in ("Property", "GeoProperty", "Relationship"):
            member = "object" if v["type"] == "Relationship" else "value"
            if member not in v:
                raise Fault(p, f"a {v['type']} must have `{member}`")
            kv[k], where[k] = _unwrap(v[member]), f"{p}/{member}"
            if "observedAt" in v:
                observed[k] = v["observedAt"]
                where[k + "@observedAt"] = f"{p}/observedAt"
        else:
            kv[k], where[k] = _unwrap(v), p
    return kv, where, observed


def check_entity(entity, base: str) -> tuple[dict, dict[str, str], dict[str, str]]:
    """Validate one entity against its model; returns key-values, pointers and observedAt's, or raises Fault."""
    if not isinstance(entity, dict):
        raise Fault(base, "an entity must be a JSON object")
    etype = entity.get("type")
    if etype not in MODELS:
        raise Fault(f"{base}/type", f"unsupported entity type {etype!r}: supported: {', '.join(MODELS)}")
    kv, where, observed = key_values(entity, base)
    from jsonschema.exceptions import best_match
    err = best_match(validator(etype).iter_errors({k: v for k, v in kv.items() if k != "@context"}))
    if err is not None:
        path = list(err.absolute_path)
        if path and path[0] in where:
            ptr = where[path[0]] + _pointer(path[1:])
        else:
            ptr = base + _pointer(path)
        if err.validator == "required":   # the missing member's own pointer, not its parent's
            missing = str(err.message).split("'")[1] if "'" in str(err.message) else ""
            ptr = base + _pointer([missing]) if missing else ptr
        raise Fault(ptr, f"{etype}: {err.message}")
    return kv, where, observed


def check_notification(body) -> list[tuple[dict, dict[str, str], dict[str, str]]]:
    """Validate a notification and every entity in it (the first fault wins, with its pointer)."""
    if not isinstance(body, dict):
        raise Fault("", "the body must be an NGSI-LD Notification (a JSON object)")
    if body.get("type") != "Notification":
        raise Fault("/type", "expected \"Notification\"")
    if not isinstance(body.get("id"), str) or not body["id"]:
        raise Fault("/id", "the notification needs its id (a URI)")
    parse_time(body.get("notifiedAt"), "/notifiedAt")
    data = body.get("data")
    if not isinstance(data, list) or not data:
        raise Fault("/data", "expected a non-empty array of entities")
    if len(data) > MAX_ENTITIES:
        raise Fault("/data", f"at most {MAX_ENTITIES} entities per notification")
    return [check_entity(e, f"/data/{i}") for i, e in enumerate(data)]


def point_of(kv: dict, where: dict) -> tuple[float, float]:
    """(lon, lat) of the entity: the point itself, or a representative point of a line or polygon."""
    from shapely.geometry import shape
    loc = kv.get("location")
    ptr = where.get("location", "/location")
    if not isinstance(loc, dict):
        raise Fault(ptr, "the entity needs a GeoJSON location to be placed in its municipality")
    try:
        g = shape(loc)
        p = g if g.geom_type == "Point" else g.representative_point()
        lon, lat = float(p.x), float(p.y)
    except Exception as e:  # noqa: BLE001 — any malformed geometry is the sender's fault
        raise Fault(f"{ptr}/coordinates", f"not a valid GeoJSON {loc.get('type')}: {e}") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise Fault(f"{ptr}/coordinates", "coordinates must be [longitude, latitude] in WGS 84")
    return lon, lat


def observations(kv: dict, where: dict, observed: dict, notified_at: datetime) -> list[dict]:
    """One row per measured attribute: {attribute, value | text_value, observed_at}."""
    etype = kv["type"]
    default_at = notified_at
    for f in TIME_FIELDS.get(etype, ()):
        if f in kv:
            default_at = parse_time(kv[f], where.get(f, f))
            break
    rows = []
    for k, v in kv.items():
        if k in NOT_MEASURED or k.startswith("date") or k == "timeInstant":
            continue
        text = k in TEXT_ATTRIBUTES.get(etype, ())
        if not text and (isinstance(v, bool) or not isinstance(v, (int, float))):
            continue
        if text and not isinstance(v, str):
            continue
        if not text and not math.isfinite(float(v)):
            raise Fault(where[k], "not a finite number")
        at = parse_time(observed[k], where[k + "@observedAt"]) if k in observed else default_at
        rows.append({"attribute": k, "value": None if text else float(v), "text_value": v if text else None,
                     "observed_at": at})
    return rows
