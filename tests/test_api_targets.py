"""/api/v1/targets and /api/v1/targets/<id>/status (issue 11): envelope, CSV, OpenAPI, errors."""
import pytest

from tests._helpers import api_client


@pytest.fixture(scope="module")
def client(built):
    return api_client()


def test_targets_listing(client):
    r = client.get("/api/v1/targets")
    assert r.status_code == 200
    body = r.get_json()
    assert {"data", "pagination", "meta"} <= set(body)
    by_id = {x["target_id"]: x for x in body["data"]}
    assert by_id["enti_pgu_75"]["data_state"] == "no_source"
    assert by_id["pmp_60_dias"]["n_not_achieved"] > 0
    assert by_id["ar_no2_2030"]["n_municipios"] == sum(by_id["ar_no2_2030"][k] for k in by_id["ar_no2_2030"]
                                                       if k.startswith("n_") and k != "n_municipios")


def test_target_status_by_level_and_csv(client):
    r = client.get("/api/v1/targets/ar_no2_2030/status?level=municipio")
    assert r.status_code == 200
    rows = r.get_json()["data"]
    assert rows and all(x["level"] == "municipio" for x in rows)
    lis = next(x for x in rows if x["territory_id"] == "1106")
    assert lis["base_period_id"] == "2015" and lis["ratio"] is not None
    c = client.get("/api/v1/targets/ar_no2_2030/status?level=municipio&format=csv")
    assert c.status_code == 200 and c.headers["Content-Type"].startswith("text/csv")
    assert b"1106" in c.data


@pytest.mark.parametrize("url, status, parameter", [
    ("/api/v1/targets/nao_existe/status", 404, "target_id"),
    ("/api/v1/targets/ar_no2_2030/status?level=planeta", 400, "level"),
    ("/api/v1/targets/ar_no2_2030/status?foo=1", 400, "foo"),
    ("/api/v1/targets/ar_no2_2030/status?page=0", 400, "page"),
    ("/api/v1/targets?area=lua", 400, "area"),
])
def test_errors_are_helpful(client, url, status, parameter):
    r = client.get(url)
    assert r.status_code == status
    err = r.get_json()["error"]
    assert err["parameter"] == parameter and err["message"]


def test_openapi_has_the_target_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/targets" in doc["paths"] and "/api/v1/targets/{target_id}/status" in doc["paths"]
    lv = [p for p in doc["paths"]["/api/v1/targets/{target_id}/status"]["get"]["parameters"] if p["name"] == "level"]
    assert "municipio" in lv[0]["schema"]["enum"]
