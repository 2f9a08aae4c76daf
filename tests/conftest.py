"""Shared fixtures. The suite runs on the real data system (OBS_DATA_SYSTEM, ../shared/data by default).

`built` builds the database once per session into a temporary data dir and points the app at it
(OBS_DB / OBS_DATA_DIR), so tests never touch the developer's own data/ folder.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA_SYSTEM = Path(os.environ.get("OBS_DATA_SYSTEM") or ROOT.parent / "shared" / "data").resolve()
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def data_system() -> Path:
    if not (DATA_SYSTEM / "reference" / "municipios.csv").exists():
        pytest.fail(f"data system not found at {DATA_SYSTEM}: set OBS_DATA_SYSTEM")
    return DATA_SYSTEM


@pytest.fixture(scope="session")
def built(tmp_path_factory, data_system) -> dict:
    """Build the database from the real data system once; env points the app at it."""
    from etl.build import build
    out = tmp_path_factory.mktemp("obsdata")
    mp = pytest.MonkeyPatch()
    mp.setenv("OBS_DATA_DIR", str(out))
    mp.setenv("OBS_DB", str(out / "observatorio.duckdb"))
    mp.setenv("OBS_DATA_SYSTEM", str(data_system))
    summary = build(data_system, progress=lambda m: None)
    yield summary
    mp.undo()


@pytest.fixture(scope="session")
def db(built):
    """A read-only DuckDB connection to the session's database."""
    import duckdb
    import duckdb_engine
    import sqlalchemy
    from etl.marts import DUCKDB_CONFIG
    # the same configuration as serving.data's engine (duckdb_engine adds its user agent): DuckDB refuses
    # a second connection to one file with a different configuration in the same process
    agent = f"duckdb_engine/{duckdb_engine.__version__}(sqlalchemy/{sqlalchemy.__version__})"
    con = duckdb.connect(str(built["db"]), read_only=True, config={**DUCKDB_CONFIG, "custom_user_agent": agent})
    yield con
    con.close()


@pytest.fixture(scope="session")
def live_url(built):
    """The app on the session's database, served by a threaded server for browser tests."""
    import app
    from tests.axe import live_server
    with live_server(app.server) as url:
        yield url


@pytest.fixture(scope="module")
def base(live_url):
    """The live app with OBS_BASE_URL set to its own address: permalinks, embed snippets and social
    previews point at it (a snippet pasted into another origin loads the live app)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OBS_BASE_URL", live_url)
    yield live_url
    mp.undo()


@pytest.fixture(scope="module")
def phone(live_url):
    """A headless Chromium with a 375 × 812 phone screen (see tests/see.py)."""
    from tests import see
    d = see.phone()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def desktop(live_url):
    """A headless Chromium at 1280 × 900 (see tests/see.py)."""
    from tests import see
    d = see.desktop()
    yield d
    d.quit()


#: fixtures that drive headless Chromium: a test using one is a browser test (`-m "not browser"` skips it)
BROWSER_FIXTURES = {"dash_duo", "dash_br", "dash_duo_mp", "phone", "desktop"}


def pytest_collection_modifyitems(config, items):
    """Mark every test that drives a browser `browser`, whether or not its module says so, so that
    `make test-fast` (-m "not browser") never needs Chromium."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


# -- fixtures shared by several modules (issue 10, item 6: one definition, here) --------------------

@pytest.fixture(scope="session")
def sample_alarms_db(built, tmp_path_factory):
    """A copy of the session database with the three known alarms of tests/sample_alarms.py."""
    from tests.sample_alarms import add_sample_alarms
    dst = tmp_path_factory.mktemp("alarmdb") / "observatorio.duckdb"
    add_sample_alarms(built["db"], dst)
    return dst


@pytest.fixture()
def sample_alarms(sample_alarms_db, monkeypatch):
    """Point the app at the copy with sample alarms for one test."""
    monkeypatch.setenv("OBS_DB", str(sample_alarms_db))
    yield sample_alarms_db


@pytest.fixture()
def etl_steps_off(tmp_path, monkeypatch):
    """An ETL build of the sources and indicators only: the post steps (peers, alarms) and the geo
    hook switched off (they belong to other modules and need the full data system); the data folder
    in tmp_path."""
    import etl.build
    import etl.geo
    monkeypatch.setattr(etl.build, "PIPELINE", [])
    monkeypatch.setattr(etl.geo, "build_geo", lambda *a, **k: None)
    monkeypatch.setenv("OBS_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture()
def mini(tmp_path, etl_steps_off):
    """A writable copy of the mini data system (tests/fixtures/mini_system), built with the ETL steps
    off; build it with tests._helpers.build_mini."""
    import shutil
    ds = tmp_path / "system"
    shutil.copytree(FIXTURES / "mini_system", ds)
    return ds


@pytest.fixture()
def duo(dash_duo, built):
    """dash_duo serving the whole app at desktop width (the navbar expanded)."""
    import app
    from tests.axe import free_port
    dash_duo.driver.set_window_size(1280, 1000)
    dash_duo.start_server(app.app, port=free_port())
    return dash_duo
