"""The read-only API (/api/v1) and the downloads (/download), on the session database built from
the real data system. A Flask app that only calls api.routes.init_app, plus app.server when it exists."""
from __future__ import annotations

import io
import json
import shutil
import zipfile

import duckdb
import numpy as np
import pandas as pd
import pytest

from api import export
from tests._helpers import api_client

IND = "indice_envelhecimento"


@pytest.fixture(scope="module")
def client(built):
    return api_client()


def get_json(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data()[:300])
    assert r.mimetype == "application/json"
    return r.get_json()


# -- every endpoint answers ---------------------------------------------------------------------

LISTINGS = [
    "/api/v1/indicators", "/api/v1/indicators?area=demografia",
    f"/api/v1/values?indicator={IND}&level=municipio&period_from=2015&period_to=2020",
    "/api/v1/values?territory=0101,PT", "/api/v1/values?level=nuts2&period=2011,2021",
    "/api/v1/territories", "/api/v1/territories?level=municipio", "/api/v1/territories?parent=PT1",
    "/api/v1/alarms", "/api/v1/alarms?level=critico&status=new,ongoing&area=demografia",
    "/api/v1/alarms?territory=0101&territory_level=municipio",
]


@pytest.mark.parametrize("url", LISTINGS)
def test_listing_envelope(client, url):
    body = get_json(client, url)
    assert set(body) == {"data", "pagination", "meta"}
    assert isinstance(body["data"], list)
    m = body["meta"]
    assert m["api_version"] == "v1" and m["run_id"] and m["built_at"] and m["is_demo"] is False
    assert m["licence"] and m["citation"]
    pg = body["pagination"]
    assert pg["page"] == 1 and pg["total"] >= len(body["data"])


@pytest.mark.parametrize("url", [f"/api/v1/indicators/{IND}", "/api/v1/territories/0101",
                                 "/api/v1/territories/PT", "/api/v1/peers/0101",
                                 f"/api/v1/peers/0101?group=nuts3&indicator={IND}"])
def test_detail_envelope(client, url):
    body = get_json(client, url)
    assert set(body) == {"data", "meta"} and isinstance(body["data"], dict)


def test_index_and_openapi(client):
    doc = get_json(client, "/api/v1/openapi.json")
    assert doc["openapi"].startswith("3.")
    for p in ("/api/v1/indicators", "/api/v1/indicators/{indicator_id}", "/api/v1/values", "/api/v1/territories",
              "/api/v1/territories/{territory_id}", "/api/v1/alarms", "/api/v1/peers/{territory_id}"):
        assert p in doc["paths"]
    assert get_json(client, "/api/v1/")["data"]
    # a browser is sent to the documentation for people (issue 8 item 15), not an unstyled list
    r = client.get("/api/v1/", headers={"Accept": "text/html"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/api/docs")
    r = client.get("/api/docs", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html" and b"openapi.json" in r.data


def test_openapi_every_operation_is_described_for_people(client):
    """Swagger UI at /api/docs shows these: every operation has a summary and a description, in pt-PT
    and English; every parameter a description; every tag a description."""
    doc = get_json(client, "/api/v1/openapi.json")
    tags = {t["name"]: t["description"] for t in doc["tags"]}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert len(op.get("summary", "")) > 5 and " · " in op["summary"], where
            assert len(op.get("description", "")) > 40 and "*English:*" in op["description"], where
            assert all(p.get("description") for p in op.get("parameters", [])), where
            assert all(t in tags and tags[t] for t in op["tags"]), where
    assert doc["externalDocs"]["url"] == "/api/docs"


def test_indicator_metadata(client):
    d = get_json(client, f"/api/v1/indicators/{IND}")["data"]
    assert d["id"] == IND and d["title"]["pt"] and d["unit"]["pt"] and d["sources"][0]["licence"]
    assert "compute" not in d and "visibility" not in d
    assert d["coverage"]["n_values"] > 0 and d["coverage"]["periods"]
    assert "PORDATA" in d["citation"]["pt"]
    lst = get_json(client, "/api/v1/indicators")["data"]
    assert IND in [x["id"] for x in lst]


def test_values_filters(client):
    rows = get_json(client, f"/api/v1/values?indicator={IND}&level=municipio&period_from=2015&page_size=10000")["data"]
    assert rows and {r["level"] for r in rows} == {"municipio"}
    assert min(r["start_date"] for r in rows) >= "2015-01-01"
    assert len({r["territory_id"] for r in rows}) == 308
    rows = get_json(client, f"/api/v1/values?indicator={IND}&territory=0101&period_to=2012")["data"]
    assert rows and {r["territory_id"] for r in rows} == {"0101"} and max(r["end_date"] for r in rows) <= "2012-12-31"


def test_territories(client):
    rows = get_json(client, "/api/v1/territories?level=municipio&page_size=1000")["data"]
    assert len(rows) == 308 and rows[0]["territory_id"] == "0101"
    d = get_json(client, "/api/v1/territories/PT1")["data"]
    assert d["level"] == "nuts1" and "PT11" in d["children"]


def test_pagination_pages_add_up(client, db):
    whole = get_json(client, f"/api/v1/values?indicator={IND}&page_size=10000")
    total = db.execute("SELECT count(*) FROM fact_indicator_value WHERE indicator_id = ?", [IND]).fetchone()[0]
    assert whole["pagination"]["total"] == total == len(whole["data"])
    rows, url, n = [], f"/api/v1/values?indicator={IND}&page_size=1000", 0
    while url:
        r = client.get(url)
        assert r.headers["X-Total-Count"] == str(total)
        body = r.get_json()
        rows += body["data"]
        url = body["pagination"]["links"]["next"]
        n += 1
    assert n == -(-total // 1000) and rows == whole["data"]
    last = get_json(client, f"/api/v1/values?indicator={IND}&page_size=1000&page=99")
    assert last["data"] == [] and last["pagination"]["total"] == total


def test_csv_format(client):
    r = client.get(f"/api/v1/values?indicator={IND}&territory=0101&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    df = export.read_csv(r.data, "tidy")
    assert set(df["territory_id"]) == {"0101"}
    r = client.get("/api/v1/territories?level=nuts3&format=csv&dialect=excel")
    assert r.data.startswith(b"\xef\xbb\xbf") and len(export.read_csv(r.data, "excel")) == 26
    r = client.get("/api/v1/indicators?format=csv")
    assert IND in set(export.read_csv(r.data)["indicator_id"])


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url,param,valid_has", [
    ("/api/v1/values?indicator=nao_existe", "indicator", IND),
    ("/api/v1/values?level=concelho", "level", "municipio"),
    ("/api/v1/values?territory=9999", "territory", "0101"),
    ("/api/v1/values?period_from=2021-13", "period_from", "2024-Q4"),
    ("/api/v1/values?page=0", "page", None),
    ("/api/v1/values?page_size=100000", "page_size", None),
    ("/api/v1/values?format=xml", "format", "csv"),
    ("/api/v1/values?format=csv&dialect=libreoffice", "dialect", "excel"),
    ("/api/v1/values?indicador=x", "indicador", "indicator"),
    ("/api/v1/territories?level=x", "level", "nuts3"),
    ("/api/v1/alarms?status=x", "status", "ongoing"),
    ("/api/v1/alarms?area=x", "area", "demografia"),
    ("/api/v1/peers/0101?group=x", "group", "nuts3"),
    (f"/download/indicador/{IND}.csv?dialect=x", "dialect", "tidy"),
    (f"/download/indicador/{IND}.csv?period=1900", "period", "2011"),
    (f"/download/indicador/{IND}.zip?level=x", "level", "nuts2"),
    (f"/download/indicador/{IND}.csv?territories=0101,XX", "territories", "0101"),
])
def test_bad_parameters_400(client, url, param, valid_has):
    err = get_json(client, url, 400)["error"]
    assert err["status"] == 400 and err["parameter"] == param and err["message"]
    if valid_has:
        assert valid_has in err["valid"]


@pytest.mark.parametrize("url", ["/api/v1/indicators/nao_existe", "/api/v1/territories/9999", "/api/v1/peers/9999",
                                 "/api/v1/peers/PT1", "/api/v1/nada", "/api/v1/indicators/", "/download/indicador/x.csv",
                                 "/download/indicador/x.zip", "/download/territorio/9999.csv",
                                 "/download/territorio/9999.zip", "/download/outra/coisa"])
def test_unknown_ids_404(client, url):
    assert get_json(client, url, 404)["error"]["status"] == 404


def test_no_traceback_on_internal_error(client, monkeypatch):
    from serving import data

    def boom(*a, **k):
        raise RuntimeError("segredo interno")
    monkeypatch.setattr(data, "fact_rows", boom)
    monkeypatch.setattr(data, "fact_records", boom)
    r = client.get(f"/api/v1/values?indicator={IND}&page_size=997")   # a URL no other test asked for: not cached
    assert r.status_code == 500 and r.get_json()["error"]["message"] == "internal error"
    assert b"segredo" not in r.data and b"Traceback" not in r.data


def test_no_database_503(built, monkeypatch, tmp_path):
    monkeypatch.setenv("OBS_DB", str(tmp_path / "none.duckdb"))
    r = api_client().get("/api/v1/indicators")
    assert r.status_code == 503 and r.get_json()["error"]["status"] == 503


def test_etag_304(client):
    url = f"/api/v1/values?indicator={IND}&territory=0101"
    r = client.get(url)
    etag = r.headers["ETag"]
    assert "max-age" in r.headers["Cache-Control"]
    r2 = client.get(url, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and not r2.data
    assert client.get(url + "&page=1").headers["ETag"] != etag


# -- round trip: database -> CSV -> back, unchanged ---------------------------------------------------

FACT_COLS = ["territory_id", "period_id", "value", "numerator", "denominator", "is_provisional",
             "provisional_reason", "is_estimated", "is_break", "origin", "source_ids"]


#: the Excel dialect's decimals for IND and participacao_autarquicas (value: 1; counts: 0)
EXCEL_ROUNDING = {"value": 1, "numerator": 0, "denominator": 0}


def _db_facts(db, indicator_id):
    return (db.execute("SELECT * FROM fact_indicator_value WHERE indicator_id = ? ORDER BY territory_id, period_id",
                       [indicator_id]).df()[FACT_COLS].reset_index(drop=True))


def _same(a: pd.DataFrame, b: pd.DataFrame, rounded: dict | None = None):
    """The same facts; `rounded` = {column: decimals} for the Excel dialect, which rounds for people."""
    a = a.sort_values(["territory_id", "period_id"]).reset_index(drop=True)
    b = b.sort_values(["territory_id", "period_id"]).reset_index(drop=True)
    assert len(a) == len(b)
    for c in FACT_COLS:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        if c in ("value", "numerator", "denominator") and rounded:
            tol = 0.5 * 10.0 ** -rounded[c] + 1e-9
            np.testing.assert_allclose(x.astype(float), y.astype(float), rtol=0, atol=tol, err_msg=c)
        elif c in ("value", "numerator", "denominator"):
            np.testing.assert_array_equal(x.astype(float), y.astype(float), err_msg=c)   # exact, NaN == NaN
        elif c.startswith("is_"):
            assert list(x.astype(bool)) == list(y.astype(bool)), c
        else:   # text: a missing value (None in the database, empty in the CSV) is missing on both sides
            assert [None if pd.isna(v) else str(v) for v in x] == [None if pd.isna(v) else str(v) for v in y], c


@pytest.mark.parametrize("indicator_id", [IND, "participacao_autarquicas"])
@pytest.mark.parametrize("dialect", ["tidy", "excel"])
def test_values_round_trip_download(client, db, indicator_id, dialect):
    r = client.get(f"/download/indicador/{indicator_id}.csv?dialect={dialect}")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    _same(_db_facts(db, indicator_id), export.read_csv(r.data, dialect), EXCEL_ROUNDING if dialect == "excel" else None)


def test_values_round_trip_api_json_and_csv(client, db):
    ref = _db_facts(db, IND)
    rows = get_json(client, f"/api/v1/values?indicator={IND}&page_size=10000")["data"]
    _same(ref, pd.DataFrame(rows))
    r = client.get(f"/api/v1/values?indicator={IND}&page_size=10000&format=csv&dialect=excel")
    _same(ref, export.read_csv(r.data, "excel"), EXCEL_ROUNDING)


def test_filtered_download_is_what_is_on_screen(client, db):
    r = client.get(f"/download/indicador/{IND}.csv?level=nuts2&period=2020")
    df = export.read_csv(r.data)
    assert set(df["level"]) == {"nuts2"} and set(df["period_id"]) == {"2020"} and len(df) > 0
    r = client.get(f"/download/indicador/{IND}.csv?territories=0101,1106")
    assert set(export.read_csv(r.data)["territory_id"]) == {"0101", "1106"}


def _unzip(data: bytes) -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}


def test_indicator_zip(client, db):
    r = client.get(f"/download/indicador/{IND}.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    files = _unzip(r.data)
    assert set(files) == {f"{IND}.csv", f"{IND}_excel.csv", "metadata.json", "LEIA-ME.md"}
    _same(_db_facts(db, IND), export.read_csv(files[f"{IND}.csv"]))
    _same(_db_facts(db, IND), export.read_csv(files[f"{IND}_excel.csv"], "excel"), EXCEL_ROUNDING)
    md = json.loads(files["metadata.json"])
    run_id = db.execute("SELECT run_id FROM meta_build").fetchone()[0]
    assert md["build"]["run_id"] == run_id and md["indicators"][0]["id"] == IND
    assert md["indicators"][0]["sources"] and md["licences"] and md["citation"]["pt"]
    readme = files["LEIA-ME.md"].decode()
    for s in ("Índice de envelhecimento", "Definição", "Unidade", "PORDATA", "Licença", "Como citar", "English",
              run_id, "Advertência"):
        assert s in readme, s


def test_territory_downloads(client, db):
    r = client.get("/download/territorio/0101.csv?dialect=excel")
    df = export.read_csv(r.data, "excel")
    n = db.execute("SELECT count(*) FROM fact_indicator_value WHERE territory_id = '0101'").fetchone()[0]
    assert len(df) == n and set(df["territory_id"]) == {"0101"}
    files = _unzip(client.get("/download/territorio/0101.zip").data)
    md = json.loads(files["metadata.json"])
    assert {m["id"] for m in md["indicators"]} == set(df["indicator_id"])
    assert "Águeda" in files["LEIA-ME.md"].decode()


# -- restricted indicators and demo builds, on a modified copy of the session database ---------------

SECRET = "restrito_teste"


@pytest.fixture
def variant(built, tmp_path, monkeypatch):
    """Copy the session database, let a test modify the copy, point the app at it."""
    def make(sql_fn):
        path = tmp_path / "variant.duckdb"
        shutil.copy(built["db"], path)
        con = duckdb.connect(str(path))
        sql_fn(con)
        con.execute("CHECKPOINT")
        con.close()
        monkeypatch.setenv("OBS_DB", str(path))
        return api_client()
    return make


def _add_restricted(con):
    ind = con.execute("SELECT * FROM dim_indicator WHERE indicator_id = ?", [IND]).df()
    ind["indicator_id"], ind["visibility"] = SECRET, "restricted"
    ind["title_pt"] = ind["title_en"] = "SEGREDO"
    ind["meta_json"] = ind["meta_json"].str.replace(IND, SECRET).str.replace('"public"', '"restricted"')
    con.register("_i", ind)
    con.execute("INSERT INTO dim_indicator SELECT * FROM _i")
    con.execute(f"""INSERT INTO fact_indicator_value (indicator_id, territory_id, period_id, value, numerator,
                    denominator, is_provisional, is_estimated, is_break, origin, source_ids, note)
                    SELECT '{SECRET}', territory_id, period_id, value * 3,
                    numerator, denominator, is_provisional, is_estimated, is_break, origin, source_ids, 'SEGREDO'
                    FROM fact_indicator_value WHERE indicator_id = ?""", [IND])
    period = con.execute("SELECT max(period_id) FROM fact_indicator_value WHERE indicator_id = ?", [IND]).fetchone()[0]
    run = con.execute("SELECT run_id FROM meta_build").fetchone()[0]
    for iid in (SECRET, IND):
        con.execute("""INSERT INTO fact_alarm (alarm_id, indicator_id, territory_id, rule_id, rule_type, level, status,
                       period_id, value, threshold, official, explanation_pt, explanation_en, run_id)
                       VALUES (?, ?, '0101', ?, 'absolute', 'critico', 'new', ?, 1, 0, false, ?, ?, ?)""",
                    [f"{iid}|0101|1", iid, f"{iid}#1", period, f"alarme {iid}", f"alarm {iid}", run])
    con.execute("""INSERT INTO fact_peer_position (indicator_id, territory_id, period_id, group_type, peer_median,
                   peer_n, rank, percentile, position) VALUES (?, '0101', ?, 'nuts3', 1.0, 5, 1, 0.5, 'above')""",
                [SECRET, period])


def _crawl(c) -> list[tuple[str, bytes]]:
    urls = ["/api/v1/", "/api/v1/openapi.json", "/api/v1/indicators", "/api/v1/indicators?format=csv",
            "/api/v1/values?level=nuts2&page_size=10000", "/api/v1/values?level=pais&page_size=10000&format=csv",
            "/api/v1/values?territory=0101", "/api/v1/territories/0101", "/api/v1/alarms",
            "/api/v1/alarms?format=csv", "/api/v1/alarms?territory=0101&level=critico",
            f"/api/v1/peers/0101?group=nuts3&indicator={IND}", "/api/v1/peers/0101",
            "/download/territorio/0101.csv", "/download/territorio/0101.csv?dialect=excel",
            "/download/territorio/0101.zip", "/download/territorio/PT.zip", f"/download/indicador/{IND}.zip"]
    out = []
    for u in urls:
        r = c.get(u)
        assert r.status_code == 200, (u, r.data[:200])
        body = r.data
        if r.mimetype == "application/zip":
            body = b"\n".join(_unzip(body).values())
        out.append((u, body))
    return out


def test_restricted_never_public(variant):
    c = variant(_add_restricted)
    # the fake alarm of the public indicator is served: the variant database is the one in use
    alarms = c.get("/api/v1/alarms?territory=0101").get_json()["data"]
    assert f"{IND}|0101|1" in [a["alarm_id"] for a in alarms]
    for url, body in _crawl(c):
        assert SECRET.encode() not in body and b"SEGREDO" not in body, url
    assert c.get(f"/api/v1/indicators/{SECRET}").status_code == 404
    assert c.get(f"/download/indicador/{SECRET}.csv").status_code == 404
    assert c.get(f"/download/indicador/{SECRET}.zip").status_code == 404
    for u in (f"/api/v1/values?indicator={SECRET}", f"/api/v1/alarms?indicator={SECRET}",
              f"/api/v1/peers/0101?indicator={SECRET}"):
        r = c.get(u)
        assert r.status_code == 400 and SECRET.encode() not in r.data.replace(f"'{SECRET}'".encode(), b""), u
        assert SECRET not in r.get_json()["error"]["valid"]


def test_demo_build_says_so_everywhere(variant):
    c = variant(lambda con: con.execute("UPDATE meta_build SET is_demo = true"))
    for url in ("/api/v1/indicators", f"/api/v1/indicators/{IND}", f"/api/v1/values?indicator={IND}&territory=0101"):
        r = c.get(url)
        assert r.headers["X-Observatorio-Demo"] == "true"
        m = r.get_json()["meta"]
        assert m["is_demo"] is True and "DEMO" in m["notice"]["en"]
    for url, dialect in ((f"/download/indicador/{IND}.csv", "tidy"), ("/download/territorio/0101.csv?dialect=excel", "excel"),
                         (f"/api/v1/values?indicator={IND}&format=csv", "tidy")):
        r = c.get(url)
        assert r.headers["X-Observatorio-Demo"] == "true"
        df = export.read_csv(r.data, dialect)
        assert df["demo"].all()
    files = _unzip(c.get(f"/download/indicador/{IND}.zip").data)
    assert "DEMONSTRAÇÃO" in files["LEIA-ME.md"].decode() and json.loads(files["metadata.json"])["demo"] is True
    assert export.read_csv(files[f"{IND}.csv"])["demo"].all()


def test_formula_injection_in_downloads(variant):
    def evil(con):
        con.execute("UPDATE dim_territory SET name = '=cmd|'' /C calc''!A0' WHERE territory_id = '0101'")
        con.execute("UPDATE fact_indicator_value SET note = '@SUM(1+1)', value = -2.07 "
                    "WHERE territory_id = '0101' AND indicator_id = ?", [IND])
    c = variant(evil)
    for dialect in ("tidy", "excel"):
        df = export.read_csv(c.get(f"/download/territorio/0101.csv?dialect={dialect}").data, dialect)
        assert df["territory_name"].str.startswith("'=").all()
        ind = df[df["indicator_id"] == IND]
        number = -2.07 if dialect == "tidy" else -2.1      # Excel: the indicator's 1 decimal; a number still
        assert (ind["note"] == "'@SUM(1+1)").all() and (ind["value"] == number).all()
    # JSON is data, not a spreadsheet: unchanged
    rows = c.get(f"/api/v1/values?indicator={IND}&territory=0101").get_json()["data"]
    assert rows[0]["territory_name"].startswith("=") and rows[0]["value"] == -2.07


# -- the real app ---------------------------------------------------------------------------------

def test_through_app_server(built):
    import app as dash_app
    c = dash_app.server.test_client()
    assert c.get("/api/v1/indicators").get_json()["data"]
    r = c.get("/api/v1/nada")
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert c.get(f"/download/indicador/{IND}.zip").mimetype == "application/zip"
    assert c.get("/api/v1/openapi.json").get_json()["openapi"].startswith("3.")
