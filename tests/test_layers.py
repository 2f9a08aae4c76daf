"""Layers (issue 10): one import direction, and an app that serves from the database alone.

- `lint-imports` (the contracts in .importlinter) passes: what `make test` / `make test-fast` run first.
- The app runs with the ETL package unimportable: the pages, the API and the "Sobre" page's source
  list come from what the build wrote (meta_source), never from etl/ at request time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_lint_imports_keeps_every_contract():
    exe = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert " broken" in out and "0 broken" in out, out
    for name in ("core imports nothing of the ETL", "the ETL does not import the app",
                 "the app (serving/, api/, web/, pages/) does not import the ETL", "no import cycles between the ETL's modules"):
        assert name in out, out


#: run in a fresh interpreter where `import etl` fails: what the app shows must not need it
_WITHOUT_ETL = r"""
import json, sys
class _NoEtl:
    def find_spec(self, name, path=None, target=None):
        if name == "etl" or name.startswith("etl."):
            raise ImportError(f"the app imported {name}: the app must not import the ETL")
        return None
sys.meta_path.insert(0, _NoEtl())
import app
import pages.sobre as sobre
from plotly.utils import PlotlyJSONEncoder
def text(component):
    return json.dumps(json.loads(json.dumps(component, cls=PlotlyJSONEncoder)), ensure_ascii=False)
client = app.server.test_client()
out = {"status": {u: client.get(u).status_code for u in sys.argv[1:]},
       "sobre": text(sobre.layout()), "sobre_en": text(sobre.layout(lang="en")),
       "loaded": sorted(m for m in sys.modules if m == "etl" or m.startswith("etl."))}
print("RESULT" + json.dumps(out))
"""


def test_app_serves_without_the_etl_package(built):
    urls = ["/", "/sobre", "/sobre?lang=en", "/api/v1/indicators", "/municipio/0101", "/nao-existe"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", _WITHOUT_ETL, *urls], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.split("RESULT", 1)[1])
    assert res["loaded"] == []
    assert res["status"] == {"/": 200, "/sobre": 200, "/sobre?lang=en": 200, "/api/v1/indicators": 200,
                             "/municipio/0101": 200, "/nao-existe": 404}
    # every declared source is listed on /sobre with its title, producer and licence, in both languages
    catalogue = yaml.safe_load((ROOT / "etl" / "catalogue.yaml").read_text(encoding="utf-8"))
    sources = catalogue["sources"]
    assert len(sources) > 10
    for page in (res["sobre"], res["sobre_en"]):
        for s in sources:
            for field in ("title", "producer", "licence"):
                assert json.dumps(s[field], ensure_ascii=False)[1:-1] in page, (s["id"], field)
