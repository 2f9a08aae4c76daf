/* One way for the app's scripts to follow what Dash renders: `window.obsWatch(fn, options)` runs `fn` once
   the page is ready and again after the DOM changes, at most once per animation frame (a burst of mutations
   from one Dash render is one call). `options` are MutationObserver options for document.body (default:
   childList + subtree). Loaded first (assets are included in name order). */
(function () {
  'use strict';
  window.obsWatch = function (fn, options) {
    var pending = false;
    var mo = new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; fn(); });
    });
    function start() { mo.observe(document.body, options || {childList: true, subtree: true}); fn(); }
    if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
    return mo;
  };
})();
