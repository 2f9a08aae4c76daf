"""Issue 10 item 4: the API's parameters are declared once (api.params) and the OpenAPI document is
generated from the same declarations. Everything here is derived from the running app (its URL map,
the views' registered declarations, the document it serves), not from a second list.

- every route under /api/v1 and /download is a declared operation, documented with the methods it
  answers and exactly the parameters its parser accepts (and the parser refuses any other name);
- every documented parameter's example is accepted; the documented limits (integers, list lengths)
  and closed lists (enums) are the ones the parser applies: one past a limit, or a value outside
  the enum, is a 400 naming the parameter whose `valid` list is the documented enum;
- each parameter's schema is valid JSON Schema 2020-12 (what OpenAPI 3.1 uses);
- a POST body model becomes the requestBody and is parsed with the same envelope (400, 413).
"""
from __future__ import annotations

import json
from typing import Literal

import jsonschema_rs
import pytest
from flask import Blueprint, Flask
from pydantic import BaseModel, ConfigDict, Field

from api import openapi, params
from tests._helpers import api_client


@pytest.fixture(scope="module")
def client(built):
    return api_client()


@pytest.fixture(scope="module")
def doc(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def _operations(app: Flask):
    """(OpenAPI path, method, declaration) of every rule of the API and download blueprints."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/v1", "/download")) or "<path:" in rule.rule:
            continue   # the catch-alls: JSON 404s, not operations
        view = app.view_functions[rule.endpoint]
        ep = getattr(view, "api_endpoint", None)
        if ep is None and rule.rule == "/download/":
            continue   # a JSON 404 pointing to the listings, not an operation
        assert ep is not None, f"{rule.rule} is not declared with api.params.endpoint"
        for m in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((ep.url, m.lower(), ep))
    return out


@pytest.fixture(scope="module")
def operations(client):
    return _operations(client.application)


def _params(op: dict, where: str) -> dict[str, dict]:
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == where}


def test_every_route_is_documented_with_the_parameters_its_parser_accepts(operations, doc):
    assert len(operations) >= 13
    for path, method, ep in operations:
        assert path in doc["paths"] and method in doc["paths"][path], (path, method)
        op = doc["paths"][path][method]
        assert set(_params(op, "query")) == set(ep.query.model_fields), path
        expected_path = set(ep.path.model_fields) if ep.path else set()
        assert set(_params(op, "path")) == expected_path == _path_vars(path), path
    documented = {(p, m) for p, item in doc["paths"].items() for m in item}
    assert documented == {(p, m) for p, m, _ in operations}   # nothing documented that is not routed


def _path_vars(path: str) -> set[str]:
    import re
    return set(re.findall(r"{([^}]+)}", path))


def _url(path: str, values: dict[str, str]) -> str:
    for k, v in values.items():
        path = path.replace("{" + k + "}", v)
    return path


def _example(p: dict):
    s = p["schema"]
    ex = (s.get("examples") or [None])[0]
    if ex is None:
        ex = s.get("default")
    if ex is None and s.get("enum"):
        ex = s["enum"][0]
    if isinstance(ex, list):
        return ",".join(map(str, ex))
    return None if ex is None else str(ex)


def _base(path: str, op: dict) -> str:
    return _url(path, {n: _example(p) for n, p in _params(op, "path").items()})


def test_every_documented_parameter_is_accepted_and_others_refused(client, doc, operations):
    for path, method, ep in operations:
        op = doc["paths"][path][method]
        base = _base(path, op)
        for name, p in _params(op, "query").items():
            ex = _example(p)
            assert ex is not None, (path, name)
            r = client.open(f"{base}?{name}={ex}", method=method.upper())
            assert r.status_code in (200, 302), (path, name, ex, r.status_code, r.data[:300])
        r = client.open(f"{base}?not_documented=1", method=method.upper())   # POST: refused before its body
        err = r.get_json()["error"]
        assert r.status_code == 400 and err["parameter"] == "not_documented"
        assert err["valid"] == sorted(_params(op, "query")), path


def test_documented_limits_and_enums_are_the_parsers(client, doc, operations):
    checked = {"int": 0, "list": 0, "enum": 0}
    for path, method, ep in operations:
        op = doc["paths"][path][method]
        base = _base(path, op)
        for name, p in _params(op, "query").items():
            s = p["schema"]
            if s.get("type") == "integer":
                for bad in (s["minimum"] - 1, s["maximum"] + 1):
                    err = client.get(f"{base}?{name}={bad}").get_json()["error"]
                    assert err["status"] == 400 and err["parameter"] == name
                    assert f"from {s['minimum']} to {s['maximum']}" in err["message"]
                checked["int"] += 1
            if s.get("type") == "array":
                assert s["maxItems"] == params.MAX_IDS and p["style"] == "form" and p["explode"] is False
                # MAX_IDS + 1 distinct-looking values (short: the URL stays under the 414 limit)
                many = ",".join(["x"] * (params.MAX_IDS + 1))
                err = client.get(f"{base}?{name}={many}").get_json()["error"]
                assert err["parameter"] == name and f"at most {params.MAX_IDS}" in err["message"]
                checked["list"] += 1
            enum = (s.get("items") or s).get("enum")
            if enum:
                err = client.get(f"{base}?{name}=zz_not_valid").get_json()["error"]
                assert err["status"] == 400 and err["parameter"] == name
                assert err["valid"] == enum, (path, name)
                checked["enum"] += 1
    assert checked["int"] >= 8 and checked["list"] >= 10 and checked["enum"] >= 15, checked


def test_repeated_and_comma_separated_lists_are_one_list(client):
    a = client.get("/api/v1/territories?level=nuts2,nuts3&page_size=10000").get_json()["pagination"]["total"]
    b = client.get("/api/v1/territories?level=nuts2&level=nuts3&level=nuts2&page_size=10000").get_json()
    assert b["pagination"]["total"] == a > 0


def test_parameter_schemas_are_json_schema_2020_12(doc):
    n = 0
    for item in doc["paths"].values():
        for op in item.values():
            for p in op.get("parameters", []):
                assert jsonschema_rs.meta.is_valid(p["schema"]), (p["name"], p["schema"])
                n += 1
    assert n > 40
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(json.loads(json.dumps(schema).replace("#/components/schemas/", "#/$defs/"))), name
    assert doc["openapi"] == "3.1.0"


def test_examples_in_the_document_are_valid_for_their_schema(doc):
    for path, item in doc["paths"].items():
        for op in item.values():
            for p in op.get("parameters", []):
                for ex in p["schema"].get("examples", []):
                    assert jsonschema_rs.is_valid(p["schema"], ex), (path, p["name"], ex)


# -- a POST endpoint with a body model, as api/simulate.py will declare one ------------------------

class Change(BaseModel):
    indicator: str = Field(pattern=params.INDICATOR_PATTERN, description="Indicator id.")
    value: float = Field(ge=-1e9, le=1e9, description="The new value.")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    territory: str = Field(pattern=params.TERRITORY_PATTERN, description="Municipality DICO.")
    changes: list[Change] = Field(min_length=1, max_length=20)
    mode: Literal["absolute", "relative"] = "absolute"


class SimQuery(params.Params):
    lang: params.Lang = Field("pt", description="Language.")


@pytest.fixture
def sim(monkeypatch, built):
    monkeypatch.setattr(params, "ENDPOINTS", [])          # the real document is not touched
    bp = Blueprint("sim_test", __name__, url_prefix="/api/v1")

    @params.endpoint(bp, "/simulate", methods=("POST",), operation_id="simulate", tags=["simulate"],
                     query=SimQuery, body=Scenario, summary=("Simular", "Simulate"),
                     description=("Simula um cenário.", "Simulates a scenario."),
                     ok=openapi.json_ok({"type": "object"}))
    def simulate(q: SimQuery, body: Scenario):
        from api.routes import json_response
        return json_response({"data": {"n": len(body.changes), "lang": q.lang, "mode": body.mode}})

    from api import routes
    for hook, fn in ((bp.before_request, routes._before), (bp.after_request, routes._after)):
        hook(fn)
    bp.register_error_handler(params.ApiError, routes._api_error)
    app = Flask("sim")
    app.register_blueprint(bp)
    return app.test_client(), params.ENDPOINTS[0]


def test_post_body_model_is_the_request_body_and_is_parsed(sim):
    c, ep = sim
    d = openapi.document([ep])
    op = d["paths"]["/api/v1/simulate"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Scenario"}
    schemas = d["components"]["schemas"]
    assert set(schemas["Scenario"]["required"]) == {"territory", "changes"} and "Change" in schemas
    assert {"400", "405", "413", "414", "503"} <= set(op["responses"]) and "304" not in op["responses"]
    assert [p["name"] for p in op["parameters"]] == ["lang"]

    ok = {"territory": "0101", "changes": [{"indicator": "divida_total", "value": 1.5}]}
    r = c.post("/api/v1/simulate?lang=en", json=ok)
    assert r.status_code == 200 and r.get_json()["data"] == {"n": 1, "lang": "en", "mode": "absolute"}
    bad = {"territory": "0101", "changes": [{"indicator": "divida_total", "value": "muito"}]}
    err = c.post("/api/v1/simulate", json=bad).get_json()["error"]
    assert err["status"] == 400 and err["parameter"] == "changes.0.value"
    err = c.post("/api/v1/simulate", json={**ok, "extra": 1}).get_json()["error"]
    assert err["status"] == 400 and err["parameter"] == "extra" and "unknown field" in err["message"]


def test_post_body_errors(sim):
    c, _ = sim
    r = c.post("/api/v1/simulate", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "body"
    r = c.post("/api/v1/simulate", data="x=1", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "JSON" in r.get_json()["error"]["message"]
    r = c.post("/api/v1/simulate", data=b"{" + b" " * (params.MAX_BODY_BYTES + 1) + b"}",
               content_type="application/json")
    assert r.status_code == 413 and r.get_json()["error"]["status"] == 413
    r = c.post("/api/v1/simulate?x=1", json={"territory": "0101", "changes": []})
    assert r.status_code == 400 and r.get_json()["error"]["parameter"] == "x"
