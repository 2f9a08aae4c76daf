/* Keyboard for WAI-ARIA tabs (any [role=tablist] of [role=tab] buttons): Left/Right move to the previous
   or next tab (wrapping), Home/End to the first or last, and open it (automatic activation: the tab's
   click handler opens it, the page's callback moves the roving tabindex). Also: Escape closes a panel
   that names its close button in data-escape (the map's "open page / add to series" panel). */
(function () {
  document.addEventListener('keydown', function (e) {
    var el = e.target;
    if (!el || !el.closest) { return; }
    if (el.getAttribute && el.getAttribute('role') === 'tab') {
      var list = el.closest('[role="tablist"]');
      if (!list) { return; }
      var tabs = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
      var i = tabs.indexOf(el), j = -1;
      if (e.key === 'ArrowRight') { j = (i + 1) % tabs.length; }
      else if (e.key === 'ArrowLeft') { j = (i - 1 + tabs.length) % tabs.length; }
      else if (e.key === 'Home') { j = 0; }
      else if (e.key === 'End') { j = tabs.length - 1; }
      if (j < 0) { return; }
      e.preventDefault();
      tabs[j].focus();
      tabs[j].click();
      return;
    }
    if (e.key === 'Escape') {
      var panel = el.closest('[data-escape]');
      if (!panel) { return; }
      var close = document.getElementById(panel.getAttribute('data-escape'));
      if (close) { e.preventDefault(); close.click(); }
      var map = panel.parentElement && panel.parentElement.querySelector('.maplibregl-canvas');
      if (map) { map.focus(); }
    }
  });
})();
