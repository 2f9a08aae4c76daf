"""What a person sees: assertions for browser tests that look at the rendered page, not the DOM alone.

A callback that returned the right value is not enough: the element must be displayed, have a size,
show the right text, sit inside a 375 px screen and be reachable with the keyboard. Every helper
here fails with a message that says what a person would have seen instead.

    from tests import see
    d = see.phone()                       # or see.desktop(); both headless Chromium
    see.open(d, base_url + "/municipio/0101")
    see.visible(d, "#ind-map", min_height=200)
    see.text(d, "main h1", "Águeda")
    see.fits(d)                           # nothing wider than the screen
    see.painted(d, "#ind-map")            # the map has pixels of several colours
    see.focus_reaches(d, "[role=tab]")     # Tab gets there, and the focus is visible
    see.shot(d, "mayor-phone-profile")    # a screenshot for the closing note's review

Screenshots go to $OBS_SCREENSHOTS (default: /tmp/observatorio-shots).
"""
from __future__ import annotations

import io
import os
import time
from pathlib import Path

from tests.axe import chrome, wait_rendered

PHONE = (375, 812)
DESKTOP = (1280, 900)
SHOTS = Path(os.environ.get("OBS_SCREENSHOTS") or "/tmp/observatorio-shots")


def phone():
    """A 375 × 812 touch screen (the width of the smallest common phones)."""
    return chrome(*PHONE)


def desktop():
    return chrome(*DESKTOP)


def open(driver, url: str, selector: str = "main h1", timeout: float = 30.0) -> None:  # noqa: A001
    """Load a page and wait until it has rendered `selector` and no callback is pending."""
    driver.get(url)
    wait_rendered(driver, timeout=timeout, selector=selector)


def settle(driver, timeout: float = 20.0) -> None:
    """Wait until no Dash callback is pending (after an interaction), then let Plotly draw."""
    end = time.monotonic() + timeout
    time.sleep(0.3)
    while time.monotonic() < end:
        if driver.execute_script("return !document.querySelector('[data-dash-is-loading=\"true\"]')"):
            time.sleep(0.6)
            return
        time.sleep(0.2)
    raise AssertionError(f"callbacks still pending after {timeout} s at {driver.current_url}")


def until(cond, timeout: float = 20.0, msg: str = "condition"):
    """Poll `cond()` until it is truthy; returns its value."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            v = cond()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 — the DOM is still changing
            last = e
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {msg}" + (f" (last error: {last})" if last else ""))


_BOX = """
var e = arguments[0], r = e.getBoundingClientRect(), s = getComputedStyle(e);
return {w: r.width, h: r.height, left: r.left, right: r.right, top: r.top,
        display: s.display, visibility: s.visibility, opacity: parseFloat(s.opacity),
        vw: window.innerWidth, text: (e.innerText || '').trim()};
"""


def box(driver, selector_or_el) -> dict:
    el = driver.find_element("css selector", selector_or_el) if isinstance(selector_or_el, str) else selector_or_el
    return driver.execute_script(_BOX, el)


def visible(driver, selector: str, *, min_width: float = 1, min_height: float = 1, timeout: float = 20.0):
    """The element is displayed, not transparent, at least min_width × min_height px, and inside the
    screen's width. Returns the element."""
    def check():
        els = driver.find_elements("css selector", selector)
        if not els:
            return None
        b = box(driver, els[0])
        ok = (b["display"] != "none" and b["visibility"] != "hidden" and b["opacity"] > 0.05
              and b["w"] >= min_width and b["h"] >= min_height)
        return els[0] if ok else None
    try:
        return until(check, timeout, f"{selector} to be visible")
    except AssertionError:
        els = driver.find_elements("css selector", selector)
        state = box(driver, els[0]) if els else "absent from the page"
        raise AssertionError(f"{selector} is not visible at {driver.current_url}: {state}") from None


def text(driver, selector: str, expected: str, timeout: float = 20.0):
    """A visible element whose rendered text contains `expected`."""
    el = visible(driver, selector, timeout=timeout)
    try:
        until(lambda: expected in (el.text or ""), timeout, f"{expected!r} in {selector}")
    except AssertionError:
        raise AssertionError(f"{selector} shows {el.text[:300]!r}, not {expected!r}") from None
    return el


_OVERFLOW = """
var vw = document.documentElement.clientWidth, out = [];
var all = document.body.querySelectorAll('*');
for (var i = 0; i < all.length && out.length < 12; i++) {
  var e = all[i];
  if (e.closest('[data-scroll-x]')) continue;             // a declared, focusable horizontal scroller
  var r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  var s = getComputedStyle(e);
  if (s.visibility === 'hidden' || r.right <= 0) continue;  // the skip link's off-screen position
  if (r.right > vw + 1 || r.left < -1) {
    // clipped by an ancestor that hides overflow? then the person does not see it at all: also a fault
    var t = (e.innerText || e.getAttribute('aria-label') || e.tagName).trim().slice(0, 60);
    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
             (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '') +
             ' [' + Math.round(r.left) + '..' + Math.round(r.right) + '] ' + JSON.stringify(t));
  }
}
return {page: document.documentElement.scrollWidth, vw: vw, out: out};
"""


def overflowing(driver) -> dict:
    """Elements that stick out of the screen's width (outside declared `data-scroll-x` regions)."""
    return driver.execute_script(_OVERFLOW)


def fits(driver) -> None:
    """Nothing is wider than the screen: no sideways scrolling, no element cut at the right edge."""
    r = overflowing(driver)
    assert r["page"] <= r["vw"] + 1 and not r["out"], (
        f"{driver.current_url} does not fit {r['vw']} px (page {r['page']} px wide); sticking out:\n  "
        + "\n  ".join(r["out"]))


def colours(png: bytes, step: int = 4) -> int:
    """How many distinct colours a PNG has (sampled every `step` pixels)."""
    from PIL import Image
    im = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = im.size
    px = im.load()
    return len({px[x, y] for x in range(0, w, step) for y in range(0, h, step)})


def painted(driver, selector: str, min_colours: int = 4, min_height: float = 150) -> None:
    """The element (a map or chart) has a size and shows a picture: its screenshot has several colours
    (a blank or collapsed map has one or two)."""
    visible(driver, selector, min_height=min_height)
    seen = []

    def check():
        # found again each time: a callback may redraw the chart's element while we look
        el = driver.find_element("css selector", selector)
        seen.append(colours(el.screenshot_as_png))
        return seen[-1] >= min_colours
    try:
        # 45 s: under a full suite's load Chromium may take one or more 10 s "renderer" timeouts to take an
        # element screenshot of a chart; a blank chart still fails, after the same wait
        until(check, 45, f"{selector} to be painted")
    except AssertionError as e:
        raise AssertionError(f"{selector} looks blank ({seen[-1]} colours)" if seen else str(e)) from None


def focus_reaches(driver, selector: str, max_tabs: int = 120, start: str | None = None):
    """Pressing Tab (from the top of the page, or from `start`) reaches an element matching `selector`,
    and the focused element shows a visible outline or box-shadow. Returns the element."""
    from selenium.webdriver.common.keys import Keys
    if start:
        driver.execute_script("arguments[0].focus()", driver.find_element("css selector", start))
    else:
        driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
        driver.find_element("tag name", "body").send_keys(Keys.TAB)  # first Tab: the skip link
    for _ in range(max_tabs):
        el = driver.switch_to.active_element
        if driver.execute_script("return arguments[0].matches(arguments[1])", el, selector):
            assert focus_visible(driver, el), f"{selector} gets focus but shows no visible focus indicator"
            return el
        el.send_keys(Keys.TAB)
    raise AssertionError(f"{selector} is never focused with Tab ({max_tabs} presses) at {driver.current_url}")


def focus_visible(driver, el) -> bool:
    return driver.execute_script(
        "var s = getComputedStyle(arguments[0]);"
        "return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) || (s.boxShadow && s.boxShadow !== 'none');",
        el)


def contrast(fg: tuple, bg: tuple) -> float:
    """WCAG contrast ratio of two sRGB colours (0–255)."""
    def lum(c):
        out = []
        for v in c[:3]:
            v = v / 255
            out.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]
    a, b = sorted((lum(fg), lum(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def shot(driver, name: str) -> Path:
    """Save a full-page screenshot for review (a person looks at it before the work is called done)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    w = driver.execute_script("return window.innerWidth")
    h = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 8000)")
    path = SHOTS / f"{name}-{w}px.png"
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 500})
        time.sleep(0.4)
        driver.save_screenshot(str(path))
    finally:
        vh = 812 if w < 500 else 900
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": w, "height": vh, "deviceScaleFactor": 1, "mobile": w < 500})
    return path
