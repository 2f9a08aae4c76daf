"""Helpers for browser tests: a live threaded server for the Dash app, a headless Chromium, and axe-core.

axe-core comes from npm (`make system-deps` runs `npm install --no-save axe-core@4`, giving
node_modules/axe-core/axe.min.js). `run_axe` injects it into the page and returns the violations of
the WCAG 2.0/2.1 A and AA rules; `serious` keeps those with impact serious or critical.
"""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(flask_app):
    """Serve a Flask app (the Dash server) on a free port in a background thread."""
    from werkzeug.serving import make_server
    port = free_port()
    srv = make_server("127.0.0.1", port, flask_app, threaded=True)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.shutdown()
        th.join(timeout=5)


def chrome(width: int = 1280, height: int = 900):
    """A headless Chromium driven by selenium (the chromedriver on PATH)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    opts = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}"):
        opts.add_argument(a)
    for b in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(b).exists():
            opts.binary_location = b
            break
    driver = webdriver.Chrome(options=opts)
    if width < 500:  # headless Chromium clamps small windows: emulate the phone's viewport instead
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    return driver


def wait_rendered(driver, timeout: float = 20.0, selector: str = "main h1") -> None:
    """Wait until the Dash page has rendered its heading and no callback is pending."""
    end = time.monotonic() + timeout
    js = ("return !!document.querySelector(arguments[0]) && "
          "!document.querySelector('[data-dash-is-loading=\"true\"]') && "
          "document.readyState === 'complete';")
    while time.monotonic() < end:
        try:
            if driver.execute_script(js, selector):
                time.sleep(0.5)  # let Plotly finish drawing
                return
        except Exception:  # noqa: BLE001 — page still navigating
            pass
        time.sleep(0.2)
    raise AssertionError(f"page {driver.current_url} did not render {selector!r} within {timeout} s")


def run_axe(driver, tags: list[str] | None = None) -> list[dict]:
    """Inject axe-core and run it on the whole document; returns axe's violations list."""
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} missing: run `make system-deps` (npm install --no-save axe-core@4)")
    driver.set_script_timeout(60)
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(function (r) { done(r.violations); }, function (e) { done({error: String(e)}); });",
        tags or WCAG_TAGS)
    if isinstance(result, dict) and "error" in result:
        raise RuntimeError(f"axe-core failed: {result['error']}")
    return result


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def format_violations(violations: list[dict], url: str = "") -> str:
    """Readable report: rule, impact, help, and the first nodes' selectors and HTML."""
    lines = [f"axe-core: {len(violations)} serious/critical violation(s) on {url}"]
    for v in violations:
        lines.append(f"- [{v.get('impact')}] {v.get('id')}: {v.get('help')} ({v.get('helpUrl')})")
        for n in v.get("nodes", [])[:5]:
            lines.append(f"    at {', '.join(map(str, n.get('target', [])))}: {n.get('html', '')[:160]}")
            summary = (n.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:240]}")
        if len(v.get("nodes", [])) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)
