/* The header search as a WAI-ARIA 1.2 combobox with a listbox popup (list autocomplete).

   web/ui.py renders the input (#shell-search) and, under it, the results panel: a listbox of
   options (links with role=option, in two labelled groups: places, indicators). dcc.Input takes no
   ARIA props, so this script gives the input its combobox role and state, and the keyboard:
     ArrowDown / ArrowUp  move through the options (focus stays in the box: aria-activedescendant)
     Enter                opens the active option; with none active, the server opens the first one
     Escape               closes the list (a second Escape clears the box, as the browser does)
   A click opens an option in the app (no page reload); a modified click (new tab) is left alone. */
(function () {
  var INPUT = 'shell-search', PANEL = 'shell-search-results', LISTBOX = 'shell-search-listbox';

  function $(id) { return document.getElementById(id); }
  function wrap() { var i = $(INPUT); return i ? i.closest('.site-search') : null; }
  function options() {
    var p = $(PANEL);
    return p && !p.hidden ? Array.prototype.slice.call(p.querySelectorAll('[role="option"]')) : [];
  }
  function isOpen() {
    var w = wrap(), p = $(PANEL);
    return !!(w && p && !p.hidden && !w.hasAttribute('data-closed'));
  }
  function active() {
    var i = $(INPUT), id = i && i.getAttribute('aria-activedescendant');
    return id ? $(id) : null;
  }

  function setActive(opt) {
    var i = $(INPUT);
    options().forEach(function (o) { o.setAttribute('aria-selected', o === opt ? 'true' : 'false'); });
    if (opt) {
      i.setAttribute('aria-activedescendant', opt.id);
      opt.scrollIntoView({block: 'nearest'});
    } else {
      i.removeAttribute('aria-activedescendant');
    }
  }

  // the input's combobox role and state, in step with what the panel shows
  function sync() {
    var i = $(INPUT);
    if (!i) { return; }
    if (i.getAttribute('role') !== 'combobox') {
      i.setAttribute('role', 'combobox');
      i.setAttribute('aria-autocomplete', 'list');
    }
    var lb = $(LISTBOX), open = isOpen() && !!lb;
    i.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (lb) { i.setAttribute('aria-controls', LISTBOX); } else { i.removeAttribute('aria-controls'); }
    var a = active();
    // closed, or the results changed under the active option (a new list reuses the ids): start again
    if (!open || !a || options().indexOf(a) < 0 || a.getAttribute('aria-selected') !== 'true') { setActive(null); }
  }

  function go(a) {
    var href = a.getAttribute('href');
    var w = wrap();
    if (w) { w.setAttribute('data-closed', ''); }
    window.history.pushState({}, '', href);
    window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
    window.scrollTo(0, 0);
  }

  function move(step) {
    var opts = options();
    if (!opts.length) { return; }
    var w = wrap();
    if (w) { w.removeAttribute('data-closed'); }
    var k = opts.indexOf(active());
    k = k < 0 ? (step > 0 ? 0 : opts.length - 1) : (k + step + opts.length) % opts.length;
    sync();
    setActive(opts[k]);
  }

  document.addEventListener('keydown', function (e) {
    if (!e.target || e.target.id !== INPUT || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === 'ArrowDown' || e.key === 'Down') { e.preventDefault(); move(1); }
    else if (e.key === 'ArrowUp' || e.key === 'Up') { e.preventDefault(); move(-1); }
    else if (e.key === 'Enter') {
      var a = isOpen() ? active() : null;
      if (a) { e.preventDefault(); e.stopPropagation(); go(a); }  // no keypress follows: no n_submit
    } else if (e.key === 'Escape' || e.key === 'Esc') {
      if (isOpen() && options().length) { e.preventDefault(); wrap().setAttribute('data-closed', ''); sync(); }
    }
  }, true);

  document.addEventListener('input', function (e) {
    if (e.target && e.target.id === INPUT) {
      var w = wrap();
      if (w) { w.removeAttribute('data-closed'); }
      setActive(null);
      sync();
    }
  }, true);

  document.addEventListener('click', function (e) {
    var a = e.target && e.target.closest ? e.target.closest('#' + PANEL + ' a[role="option"]') : null;
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) { return; }
    e.preventDefault();
    go(a);
  });
  // keep the focus in the box while an option is pressed (the list stays open until the click)
  document.addEventListener('mousedown', function (e) {
    if (e.target && e.target.closest && e.target.closest('#' + PANEL + ' a[role="option"]')) { e.preventDefault(); }
  });

  window.obsWatch(sync, {childList: true, subtree: true, attributes: true, attributeFilter: ['hidden']});
})();
