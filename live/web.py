"""The live path's HTTP surface, wired into the app by one call (`install(app)` in app.py):

- `POST /ngsi-ld/v1/notify` — NGSI-LD notifications from a platform's subscription. The key goes in
  `Authorization: Bearer obs_…` (or `X-Api-Key`). 201 accepted · 200 duplicate · 400 with the JSON pointer of
  the fault (kept in the dead-letter table) · 401 no valid key · 403 an entity outside the key's scope ·
  415 not JSON. Webhooks for the events it raised are queued after the commit.
- `GET /feeds/alarmes.atom?territorio=&area=&nivel=&lang=` — the Atom feed of live alarm events (public,
  cacheable: max-age=60, ETag, 304).
- serving.data.alarms gets the live alarms as a registered source, so the alarm centre, the territory pages
  and /api/v1/alarms list them with the build's (`origin: "live"`).
"""
from __future__ import annotations

import hashlib
import json
import logging

import flask

from core import vocabulary as AL
from core.i18n import lang_of, t
from live import alarms, credentials, feeds, ingest, ngsi, store, webhooks

log = logging.getLogger("obs.live")
bp = flask.Blueprint("live", __name__)
FEED_PARAMS = ("territorio", "area", "nivel", "lang", "n")
JSON_TYPES = ("application/json", "application/ld+json")


def _json(status: int, body: dict) -> flask.Response:
    resp = flask.Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                          mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _key() -> str | None:
    auth = flask.request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return flask.request.headers.get("X-Api-Key")


@bp.post("/ngsi-ld/v1/notify")
def notify():
    sender = credentials.authenticate(_key())
    eng = store.engine()
    if sender is None:
        ingest._log(eng, None, "notify", 401, detail="no valid key")
        resp = _json(401, {"error": {"status": 401, "message": "a valid ingest key is required: "
                                     "Authorization: Bearer obs_… (python -m live keys create)"}})
        resp.headers["WWW-Authenticate"] = 'Bearer realm="observatorio-ngsi-ld"'
        return resp
    ctype = (flask.request.mimetype or "").lower()
    if ctype not in JSON_TYPES:
        ingest._log(eng, sender, "notify", 415, detail=f"content type {ctype!r}")
        return _json(415, {"error": {"status": 415, "message": "send application/json or application/ld+json"}})
    try:
        ngsi.models_dir()
    except ngsi.NoSchemas as e:   # a demo deployment: nothing can be validated, so nothing is taken
        ingest._log(eng, sender, "notify", 503, detail="no data system")
        resp = _json(503, {"error": {"status": 503, "message": str(e)}})
        resp.headers["Retry-After"] = "3600"
        return resp
    out = ingest.ingest(flask.request.get_data(cache=False), sender, eng=eng)
    webhooks.dispatch(out.event_ids)
    return _json(out.status, out.body)


def _bad(param: str, value: str, valid: list[str]) -> flask.Response:
    return _json(400, {"error": {"status": 400, "message": f"unknown {param} {value!r}", "parameter": param,
                                 "valid": valid}})


@bp.get("/feeds/alarmes.atom")
def feed():
    from serving import data
    args = flask.request.args
    unknown = sorted(set(args) - set(FEED_PARAMS))
    if unknown:
        return _json(400, {"error": {"status": 400, "message": f"unknown parameter {unknown[0]!r}",
                                     "parameter": unknown[0], "valid": list(FEED_PARAMS)}})
    lang = lang_of(args.get("lang"))
    ter, area, level = args.get("territorio") or None, args.get("area") or None, args.get("nivel") or None
    if level and level not in AL.ALARM_LEVELS:
        return _bad("nivel", level, list(AL.ALARM_LEVELS))
    try:
        areas = sorted(set(data.indicators()["area"]))
    except data.NoDatabase:
        areas = []
    if area and area not in areas:
        return _bad("area", area, areas)
    members = None
    if ter:
        row = data.territory(ter)
        if row is None:
            return _json(404, {"error": {"status": 404, "message": f"unknown territory {ter!r}",
                                         "parameter": "territorio"}})
        if row["level"] == "municipio":
            members = [ter]
        elif ter != "PT":
            t_ = data.territories(["municipio"])
            cols = ("nuts1_id", "nuts2_id", "nuts3_id", "district_id", "cim_id")
            members = t_[t_[list(cols)].eq(ter).any(axis=1)]["territory_id"].tolist()
    try:
        n = max(1, min(200, int(args.get("n", "50"))))
    except ValueError:
        return _json(400, {"error": {"status": 400, "message": "n must be an integer (1–200)", "parameter": "n"}})
    version = store.version()
    etag = hashlib.sha1(f"{version}|{flask.request.full_path}".encode()).hexdigest()
    if etag in flask.request.if_none_match:
        resp = flask.Response(status=304)
    else:
        evs = alarms.events(territories=members, area=area, level=level, limit=n)
        names = {r["territory_id"]: r["name_unique"] for r in data.territories(["municipio"]).to_dict("records")}
        what = ", ".join(x for x in (data.territory(ter)["name"] if ter else None,
                                     area, AL.ALARM_LEVELS[level].label(lang) if level else None) if x)
        title = t("live.feed.title_for", lang, what=what) if what else t("live.feed.title", lang)
        body = feeds.render(evs, names, lang=lang, self_url=flask.request.url, title=title)
        resp = flask.Response(body, mimetype="application/atom+xml")
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


def install(app) -> None:
    """Register the routes and the live alarm source (app.py calls this once)."""
    from serving import data
    server = getattr(app, "server", app)
    server.register_blueprint(bp)
    data.register_alarm_source(alarms.safe_frame, alarms.safe_version)
