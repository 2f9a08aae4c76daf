/* Fit MapLibre maps (plotly choropleth_map) to the bounds given in layout.meta.fitbounds, for the
   map's actual width (the server only knows a conservative zoom). Refits when the bounds change
   (new layer) and on window resize; user panning/zooming is kept otherwise. */
(function () {
  function fit(gd, force) {
    var fl = gd._fullLayout, meta = gd.layout && gd.layout.meta;
    var b = meta && meta.fitbounds;
    var m = fl && fl.map && fl.map._subplot && fl.map._subplot.map;
    if (!b || !m) { return; }
    var key = b.join(',');
    if (!force && gd._obsFitted === key) { return; }
    gd._obsFitted = key;
    try { m.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: 8, animate: false}); } catch (e) { /* not ready */ }
  }
  function scan(force) {
    var gds = document.querySelectorAll('.js-plotly-plot');
    for (var i = 0; i < gds.length; i++) { fit(gds[i], force); }
  }
  var pending = false;
  var obs = new MutationObserver(function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; scan(false); });
  });
  function start() { obs.observe(document.body, {childList: true, subtree: true}); scan(false); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
  var t = null;
  window.addEventListener('resize', function () { clearTimeout(t); t = setTimeout(function () { scan(true); }, 200); });
})();
