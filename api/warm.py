"""Make a build's whole-indicator download files ahead of visitors (right after `make build`):
`python -m api.warm [indicator_id …]`. It runs the same views as the app (a Flask test client), so the files
are the ones a visitor would get; api.downloads keeps and serves them."""
from __future__ import annotations

from api import downloads


def warm(indicator_ids: list[str] | None = None, progress=print) -> int:
    """Make this build's whole-indicator files now (e.g. right after `make build`), so no visitor's
    request waits for one: each public indicator's CSV (tidy; Excel pt and en) and ZIP (pt and en).
    Returns the number of files. Runs the same views as the app (a Flask test client)."""
    from flask import Flask

    from api import routes as api
    app = Flask("obs_downloads_warm")
    api.init_app(app)
    client = app.test_client()
    ids = indicator_ids if indicator_ids is not None else api.public_indicator_ids()
    n = 0
    for iid in ids:
        for q in ("csv", "csv?dialect=excel", "csv?dialect=excel&lang=en", "zip", "zip?lang=en"):
            r = client.head(f"/download/indicador/{iid}.{q}")
            if r.status_code != 200:
                raise RuntimeError(f"/download/indicador/{iid}.{q}: HTTP {r.status_code}")
            n += 1
        progress(f"downloads: {iid} ready")
    return n


if __name__ == "__main__":
    import sys
    import time
    t0 = time.monotonic()
    count = warm(sys.argv[1:] or None)
    print(f"downloads: {count} files of this build in {downloads.root()} ({time.monotonic() - t0:.1f} s)")
