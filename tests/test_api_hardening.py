"""Issue 9, the API's part: what an attacker or an unlucky operator gets from /api/v1 and /download.

- unknown query parameters (also `_`-prefixed cache busters) are a 400 naming the parameter;
- the response cache is bounded in bytes (a stated total and a per-entry cap), not in entries;
- a database swap landing in the middle of a request never makes a worker serve the old build;
- 405, 414, empty path segments and a bare /download/ are JSON errors; `period=` is checked like
  `period_from`; `If-None-Match: *` on an unknown id is a 404;
- the API index never links to a restricted indicator.
"""
from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from tests._helpers import api_client

IND = "indice_envelhecimento"


@pytest.fixture(scope="module")
def client(built):
    return api_client()


def _error(r, status):
    assert r.status_code == status, (r.status_code, r.data[:300])
    assert r.mimetype == "application/json", r.data[:300]
    assert b"Traceback" not in r.data and b"<html" not in r.data.lower()
    err = r.get_json()["error"]
    assert err["status"] == status and err["message"]
    return err


# -- item 1: unknown parameters, a cache bounded in bytes ---------------------------------------

@pytest.mark.parametrize("url, param", [
    (f"/api/v1/values?indicator={IND}&_=1", "_"),
    (f"/api/v1/values?indicator={IND}&_nocache=1", "_nocache"),
    ("/api/v1/indicators?_cb=123", "_cb"),
    ("/api/v1/territories/0101?x=1", "x"),
    ("/api/v1/alarms?_=abc", "_"),
    ("/api/v1/openapi.json?_=1", "_"),
    ("/api/v1/?format=json&_=1", "_"),
    (f"/download/indicador/{IND}.csv?_=1", "_"),
    ("/download/territorio/0101.zip?_x=2", "_x"),
])
def test_unknown_parameter_is_400_naming_it(client, url, param):
    err = _error(client.get(url), 400)
    assert err["parameter"] == param and repr(param) in err["message"]


@pytest.mark.parametrize("url", [f"/api/v1/values?indicator={IND}&territory=0101&lang=en&format=csv",
                                 "/api/v1/indicators?lang=en&format=json", "/api/v1/?format=json&lang=en",
                                 f"/download/indicador/{IND}.csv?lang=en&dialect=excel"])
def test_documented_parameters_still_work(client, url):
    assert client.get(url).status_code == 200


def test_byte_cache_keeps_its_total_and_entry_cap():
    from serving.memcache import ByteCache
    c = ByteCache(max_bytes=100_000, entry_max_bytes=20_000, timeout=60)
    for i in range(200):
        c.set(f"k{i}", b"x" * 10_000)
        assert c.bytes <= 100_000
    assert 5 <= len(c) <= 10                      # least recently used ones dropped to make room
    assert c.get("k199") == b"x" * 10_000 and c.get("k0") is None
    assert c.set("big", b"x" * 30_000) is False and c.get("big") is None   # over the per-entry cap


def test_api_response_cache_is_bounded_in_bytes(client, monkeypatch):
    """Many different valid URLs (every page of a listing) never hold more than the stated bytes."""
    from api import routes as api
    from serving.memcache import ByteCache
    small = ByteCache(max_bytes=200_000, entry_max_bytes=60_000, timeout=300)
    monkeypatch.setattr(api, "response_cache", small)
    for page in range(1, 120):
        r = client.get(f"/api/v1/values?indicator={IND}&level=municipio&page_size=50&page={page}")
        assert r.status_code == 200
        assert small.bytes <= 200_000
    assert len(small) > 1
    # an entry over the per-entry cap is served but not kept
    r = client.get(f"/api/v1/values?indicator={IND}&page_size=2000")
    assert r.status_code == 200 and len(r.data) > 60_000
    assert small.bytes <= 200_000


def test_stated_limits():
    """The per-worker totals the README and bench/RESULTS.md state."""
    from api import routes as api
    from serving import data, memcache
    assert api.RESPONSE_CACHE_MAX_BYTES == 64 << 20 and api.RESPONSE_ENTRY_MAX_BYTES == 4 << 20
    assert data.cache.cache.store.max_bytes == memcache.QUERY_CACHE_MAX_BYTES


# -- item 5: a swap between the engine's read of the version and the cache key's ----------------

def test_swap_inside_a_request_never_serves_the_old_build_afterwards(built, tmp_path, monkeypatch):
    from serving import data
    served = tmp_path / "served.duckdb"
    newer = tmp_path / "newer.duckdb"
    shutil.copy(built["db"], served)
    shutil.copy(built["db"], newer)
    con = duckdb.connect(str(newer))
    con.execute("UPDATE meta_build SET run_id = 'run-newer'")
    con.execute("UPDATE dim_territory SET name = 'Águeda (nova)' WHERE territory_id = '0101'")
    con.execute("CHECKPOINT")
    con.close()
    monkeypatch.setenv("OBS_DB", str(served))
    c = api_client()
    first = c.get("/api/v1/territories/0101").get_json()   # the engine is open on the served file
    old_run = first["meta"]["run_id"]
    assert old_run != "run-newer" and first["data"]["name"] == "Águeda"

    real_engine = data.engine
    swapped = []

    def engine_then_swap():
        eng = real_engine()
        if not swapped:                # a build swaps its file in right after this read of the version
            os.replace(newer, served)
            swapped.append(True)
        return eng
    monkeypatch.setattr(data, "engine", engine_then_swap)
    url = f"/api/v1/values?indicator={IND}&territory=0101&page_size=1"
    during = c.get(url).get_json()
    assert swapped
    # the request that saw the swap answers from one build: its run_id and its data agree
    assert (during["meta"]["run_id"], during["data"][0]["territory_name"]) in {
        (old_run, "Águeda"), ("run-newer", "Águeda (nova)")}
    monkeypatch.setattr(data, "engine", real_engine)
    # every later request serves the new build: no value of the old one was kept under the new version
    after = c.get(url).get_json()
    assert (after["meta"]["run_id"], after["data"][0]["territory_name"]) == ("run-newer", "Águeda (nova)")
    body = c.get("/api/v1/territories/0101").get_json()
    assert (body["meta"]["run_id"], body["data"]["name"]) == ("run-newer", "Águeda (nova)")
    assert c.get(f"/api/v1/indicators/{IND}").get_json()["meta"]["run_id"] == "run-newer"
    monkeypatch.setenv("OBS_DB", str(built["db"]))


# -- item 6: every API error is JSON, period= is checked, If-None-Match: * --------------------

@pytest.mark.parametrize("method, url", [("POST", "/api/v1/indicators"), ("DELETE", f"/api/v1/indicators/{IND}"),
                                         ("PUT", "/api/v1/values"), ("POST", f"/download/indicador/{IND}.csv"),
                                         ("PATCH", "/api/v1/nada")])
def test_405_is_json(client, method, url):
    r = client.open(url, method=method)
    _error(r, 405)
    assert "GET" in r.headers["Allow"]


def test_414_is_json(client):
    url = "/api/v1/values?territory=" + ",".join(["0101"] * 1000)
    err = _error(client.get(url), 414)
    assert "4000" in err["message"]
    _error(client.get("/download/territorio/0101.csv?dialect=" + "x" * 5000), 414)


@pytest.mark.parametrize("value", ["xx", "2021-13", "2021,abc", "2020-W99", "'; drop table x"])
def test_period_checked_like_period_from(client, value):
    err = _error(client.get(f"/api/v1/values?indicator={IND}&period={value}"), 400)
    assert err["parameter"] == "period" and "2024-Q4" in err["valid"]


def test_good_periods_still_work(client):
    body = client.get("/api/v1/values?level=pais&period=2011,2021&page_size=10000").get_json()
    got = {r["period_id"] for r in body["data"]}
    assert "2011" in got and got <= {"2011", "2021"}


@pytest.mark.parametrize("url", ["/api/v1/indicators/nao_existe", "/api/v1/territories/9999", "/api/v1/peers/9999",
                                 "/download/indicador/nao_existe.csv", "/download/territorio/9999.zip"])
def test_if_none_match_star_on_unknown_id_is_404(client, url):
    _error(client.get(url, headers={"If-None-Match": "*"}), 404)


def test_if_none_match_star_on_a_real_resource_is_304(client):
    r = client.get(f"/api/v1/indicators/{IND}", headers={"If-None-Match": "*"})
    assert r.status_code == 304 and r.data == b""


@pytest.mark.parametrize("url", ["/api/v1//indicators", "/api/v1//", "/api/v1/indicators//x", "/download/",
                                 "/download", "/download//indicador/x.csv", "/api/v1/nada/mais"])
def test_unmatched_paths_are_404_json(client, url):
    r = client.get(url)
    _error(r, 404)
    assert "Location" not in r.headers


def test_bare_api_prefix_redirect_is_relative(client):
    r = client.get("/api/v1", headers={"Host": "evil.example"})
    assert r.status_code in (301, 302, 307, 308) and r.headers["Location"] == "/api/v1/"


def test_through_the_app_server(built):
    import app as dash_app
    c = dash_app.server.test_client()
    for method, url, status in (("POST", "/api/v1/indicators", 405), ("GET", "/api/v1//indicators", 404),
                                ("GET", "/download/", 404), ("GET", "/api/v1/indicators?_=1", 400)):
        _error(c.open(url, method=method), status)


# -- item 11: the index never links to a restricted indicator -----------------------------------

def test_index_and_lists_never_link_a_restricted_indicator(built, tmp_path, monkeypatch):
    path = tmp_path / "restricted.duckdb"
    shutil.copy(built["db"], path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE dim_indicator SET visibility = 'restricted', "
                "meta_json = replace(meta_json, '\"public\"', '\"restricted\"') WHERE indicator_id = ?", [IND])
    con.execute("CHECKPOINT")
    con.close()
    monkeypatch.setenv("OBS_DB", str(path))
    c = api_client()
    r = c.get("/api/v1/", headers={"Accept": "application/json"})
    assert r.status_code == 200
    links = [d["url"] for d in r.get_json()["data"]]
    assert not [u for u in links if IND in u], links
    # the examples still show a public indicator's metadata, values and downloads
    examples = [u for u in links if u.startswith("/api/v1/indicators/")]
    assert examples and c.get(examples[0]).status_code == 200
    for url in ("/api/v1/indicators", "/api/v1/indicators?format=csv", "/api/v1/alarms?page_size=10000",
                "/api/v1/alarms?format=csv&page_size=10000", "/api/v1/peers/0101"):
        r = c.get(url)
        assert r.status_code == 200 and IND.encode() not in r.data, url
    assert c.get(f"/api/v1/indicators/{IND}").status_code == 404
    assert c.get(f"/download/indicador/{IND}.csv").status_code == 404
    monkeypatch.setenv("OBS_DB", str(built["db"]))
