"""The harness of tests/see.py checks what a person sees: it must catch a collapsed map and a page
wider than a phone, and pass a healthy page."""
from __future__ import annotations

import pytest

from tests import see

pytestmark = pytest.mark.browser


def test_painted_and_visible_on_a_healthy_map(desktop, live_url):
    see.open(desktop, live_url + "/indicador/indice_envelhecimento")
    see.visible(desktop, "#ind-map", min_height=300)
    see.painted(desktop, "#ind-map")


def test_catches_a_collapsed_element(desktop, live_url):
    see.open(desktop, live_url + "/sobre")
    desktop.execute_script("document.querySelector('main h1').style.height = '0px';"
                           "document.querySelector('main h1').style.overflow = 'hidden';")
    with pytest.raises(AssertionError, match="not visible"):
        see.visible(desktop, "main h1", timeout=1)


def test_catches_a_page_wider_than_the_phone(phone, live_url):
    see.open(phone, live_url + "/alarmes")
    phone.execute_script("var d = document.createElement('div'); d.id = 'too-wide'; d.textContent = 'x';"
                         "d.style.width = '600px'; document.querySelector('main').appendChild(d);")
    assert any("too-wide" in x for x in see.overflowing(phone)["out"])
    with pytest.raises(AssertionError, match="does not fit"):
        see.fits(phone)


def test_contrast_ratio():
    assert round(see.contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert see.contrast((200, 200, 200), (191, 211, 230)) < 1.2
