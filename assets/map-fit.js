/* Maps (plotly choroplethmap on MapLibre): the view fits layout.meta.fitbounds to the map's actual
   box — after every draw (plotly re-applies the figure's centre and zoom on each update), when the
   bounds change (a new layer) and when the box changes size (window, phone rotation, a panel opening).
   Once the person pans or zooms, their view is kept until the layer changes; the modebar's reset
   button fits again. The map canvas is named in the page's language. */
(function () {
  var LABEL = {
    pt: 'Mapa interativo. Setas: deslocar; + e −: aproximar e afastar. A tabela «Classificação» tem os mesmos valores.',
    en: 'Interactive map. Arrow keys: pan; + and −: zoom in and out. The “Ranking” table has the same values.'
  };
  function mapOf(gd) {
    var fl = gd._fullLayout;
    return fl && fl.map && fl.map._subplot && fl.map._subplot.map;
  }
  function boundsOf(gd) {
    var meta = gd.layout && gd.layout.meta;
    return meta && meta.fitbounds;
  }
  function fit(gd) {
    var b = boundsOf(gd), m = mapOf(gd);
    if (!b || !m) { return; }
    var c = m.getContainer(), w = c.clientWidth, h = c.clientHeight;
    if (!w || !h) { return; }                       // not laid out yet: the resize observer calls again
    var key = b.join(',');
    var st = gd._obsFit || (gd._obsFit = {});
    if (st.key !== key) { st.key = key; st.user = false; }   // a new layer: fit it, whatever the person did
    if (st.user) { return; }
    var pad = Math.max(4, Math.min(12, Math.round(Math.min(w, h) / 50)));
    // room for plotly's toolbar at the top (it sits over the map's north-east corner)
    var bar = gd.querySelector('.modebar');
    pad = {top: pad + (bar ? Math.min(30, bar.offsetHeight || 26) : 0), bottom: pad, left: pad, right: pad};
    try {
      m.resize();
      st.fitting = true;
      m.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: pad, animate: false});
    } catch (e) { /* style not ready: the next draw fits */ } finally { st.fitting = false; }
  }
  function label(m) {
    var canvas = m.getCanvas && m.getCanvas();
    if (!canvas) { return; }
    var lang = (document.documentElement.lang || 'pt').slice(0, 2) === 'en' ? 'en' : 'pt';
    if (canvas.getAttribute('aria-label') !== LABEL[lang]) { canvas.setAttribute('aria-label', LABEL[lang]); }
  }
  function bind(gd) {
    var m = mapOf(gd);
    if (!m || !boundsOf(gd)) { return; }
    if (!gd._obsBound) {
      gd._obsBound = true;
      gd.on('plotly_afterplot', function () { bind(gd); fit(gd); });
      if (window.ResizeObserver) {
        var t = null;
        new ResizeObserver(function () { clearTimeout(t); t = setTimeout(function () { fit(gd); }, 60); }).observe(gd);
      }
    }
    if (m._obsBound !== gd) {                          // plotly may make a new MapLibre map
      m._obsBound = gd;
      m.on('movestart', function (e) {
        var st = gd._obsFit || (gd._obsFit = {});
        if (e && e.originalEvent && !st.fitting) { st.user = true; }   // the person moved the map
      });
      label(m);
      fit(gd);
    }
  }
  function reset(gd) {                                  // plotly's reset-view button
    var st = gd._obsFit;
    if (st) { st.user = false; }
    setTimeout(function () { fit(gd); }, 0);
  }
  function scan() {
    var gds = document.querySelectorAll('.js-plotly-plot');
    for (var i = 0; i < gds.length; i++) { bind(gds[i]); }
  }
  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('.modebar-btn[data-attr="reset"]');
    if (!btn) { return; }
    var gd = btn.closest('.js-plotly-plot');
    if (gd) { reset(gd); }
  }, true);
  window.obsWatch(scan);
})();
