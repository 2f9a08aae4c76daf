"""Issue 9 item 3: whole-indicator (and whole-territory) downloads are made once per build and served
as files: the second request is the same file (same ETag, no query), Range gives 206, HEAD gives the
headers without a body and without computing, a new build gives a new ETag; two first requests at
once make the file once; filtered downloads (what is on screen) are streamed."""
from __future__ import annotations

import io
import shutil
import threading
import zipfile

import duckdb
import pytest

from tests._helpers import api_client

IND = "indice_envelhecimento"
WHOLE = [f"/download/indicador/{IND}.csv", f"/download/indicador/{IND}.csv?dialect=excel",
         f"/download/indicador/{IND}.csv?dialect=excel&lang=en", f"/download/indicador/{IND}.zip",
         "/download/territorio/0101.csv", "/download/territorio/0101.zip"]


@pytest.fixture
def fresh(built, tmp_path, monkeypatch):
    """A client on a copy of the session database, with its own data dir (no download files yet)."""
    db = tmp_path / "observatorio.duckdb"
    shutil.copy(built["db"], db)
    monkeypatch.setenv("OBS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OBS_DB", str(db))
    return api_client(), tmp_path


def _no_queries(monkeypatch):
    """From now on, reading the facts fails: a response that still works was not recomputed."""
    from serving import data

    def boom(*a, **k):
        raise AssertionError("a whole download was recomputed")
    monkeypatch.setattr(data, "fact_rows", boom)
    monkeypatch.setattr(data, "fact_table", boom)


@pytest.mark.parametrize("url", WHOLE)
def test_second_request_is_the_same_file(fresh, monkeypatch, url):
    c, _ = fresh
    first = c.get(url)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    assert first.headers["Content-Disposition"].startswith("attachment")
    assert int(first.headers["Content-Length"]) == len(first.data) > 100
    _no_queries(monkeypatch)
    second = c.get(url)
    assert second.status_code == 200 and second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    r = c.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert r.status_code == 304 and r.data == b""


def test_file_is_written_once_per_build_in_its_directory(fresh):
    c, data_dir = fresh
    body = c.get(f"/download/indicador/{IND}.zip").data
    files = [p for p in (data_dir / "downloads").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(files) == 1 and files[0].read_bytes() == body
    assert not list((data_dir / "downloads").rglob("*.tmp"))
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert {n.split("/")[-1] for n in z.namelist()} == {f"{IND}.csv", f"{IND}_excel.csv", "metadata.json",
                                                           "LEIA-ME.md"}


def test_range_request_is_206(fresh):
    c, _ = fresh
    url = f"/download/indicador/{IND}.csv"
    whole = c.get(url).data
    r = c.get(url, headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.data == whole[100:200]
    assert r.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    r = c.get(url, headers={"Range": f"bytes={len(whole) - 10}-"})
    assert r.status_code == 206 and r.data == whole[-10:]
    assert c.get(url, headers={"Range": f"bytes={len(whole) + 10}-"}).status_code == 416


def test_head_gives_headers_without_body_or_work(fresh, monkeypatch):
    c, _ = fresh
    url = f"/download/indicador/{IND}.zip"
    get = c.get(url)
    _no_queries(monkeypatch)
    head = c.head(url)
    assert head.status_code == 200 and head.data == b""
    for h in ("ETag", "Last-Modified", "Content-Length", "Content-Type", "Content-Disposition"):
        assert head.headers[h] == get.headers[h], h


def test_new_build_new_etag_and_old_files_removed(fresh, tmp_path, monkeypatch):
    c, data_dir = fresh
    url = f"/download/indicador/{IND}.csv"
    old = c.get(url)
    old_dirs = {p.name for p in (data_dir / "downloads").iterdir()}
    # a new build is swapped in: another run_id and another value
    new_db = tmp_path / "new.duckdb"
    shutil.copy(data_dir / "observatorio.duckdb", new_db)
    con = duckdb.connect(str(new_db))
    con.execute("UPDATE meta_build SET run_id = 'run-nova'")
    con.execute("UPDATE fact_indicator_value SET value = 12345.5 WHERE indicator_id = ? AND territory_id = '0101'", [IND])
    con.execute("CHECKPOINT")
    con.close()
    shutil.move(new_db, data_dir / "observatorio.duckdb")
    new = c.get(url)
    assert new.status_code == 200 and new.headers["ETag"] != old.headers["ETag"]
    assert b"12345.5" in new.data and b"12345.5" not in old.data
    assert c.get(url, headers={"If-None-Match": old.headers["ETag"]}).status_code == 200
    dirs = {p.name for p in (data_dir / "downloads").iterdir()}
    assert len(dirs) == 1 and not dirs & old_dirs and "run-nova" in next(iter(dirs))


def test_two_first_requests_make_the_file_once(fresh, monkeypatch):
    from serving import data
    c, _ = fresh
    calls = []
    real = data.fact_rows

    def counted(*a, **k):
        calls.append(a)
        return real(*a, **k)
    monkeypatch.setattr(data, "fact_rows", counted)
    url = f"/download/indicador/{IND}.zip"
    out = []
    clients = [api_client(), api_client()]
    threads = [threading.Thread(target=lambda cl=cl: out.append(cl.get(url))) for cl in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [r.status_code for r in out] == [200, 200] and out[0].data == out[1].data
    assert len(calls) == 1


def test_filtered_downloads_are_streamed(fresh, db):
    from api import export
    c, _ = fresh
    r = c.get(f"/download/indicador/{IND}.csv?level=municipio")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    assert r.is_streamed and "Content-Length" not in r.headers    # a generator response, sent as it is written
    df = export.read_csv(r.data)
    n = db.execute("SELECT count(*) FROM fact_indicator_value f JOIN dim_territory t USING (territory_id) "
                   "WHERE indicator_id = ? AND t.level = 'municipio'", [IND]).fetchone()[0]
    assert len(df) == n and set(df["level"]) == {"municipio"}


def test_streamed_chunks_are_one_csv(fresh, db, monkeypatch):
    """A filtered CSV longer than one chunk is the same CSV as in one piece (one header row)."""
    from api import routes as api, export
    c, _ = fresh
    url = f"/download/indicador/{IND}.csv?level=municipio"
    for dialect in ("tidy", "excel"):
        whole = c.get(url + f"&dialect={dialect}").data
        monkeypatch.setattr(api, "STREAM_ROWS", 1000)
        chunked = c.get(url + f"&dialect={dialect}").data
        monkeypatch.setattr(api, "STREAM_ROWS", 20_000)
        assert chunked == whole and len(export.read_csv(whole, dialect)) > 1000


def test_warm_makes_the_files_before_any_visitor(fresh, monkeypatch):
    """`python -m api.warm` (after a build): the first visitor already gets a file."""
    from api import warm
    c, data_dir = fresh
    assert warm.warm([IND], progress=lambda m: None) == 5
    _no_queries(monkeypatch)
    for url in (f"/download/indicador/{IND}.csv", f"/download/indicador/{IND}.zip?lang=en",
                f"/download/indicador/{IND}.csv?dialect=excel"):
        r = c.get(url)
        assert r.status_code == 200 and r.headers["ETag"], url
